/**
 * Every archive in ../shared/fixtures/real (written by docker, skopeo, podman, umoci, buildah),
 * checked against facts.json and MANIFEST.md: entry totals, tags on the layer tree, change
 * counts per layer, and a few known changes. Skipped when ../shared is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import {
  expectedEntries,
  type FactImage,
  files,
  layers,
  layerTree,
  openViaDrop,
  openViaInput,
  pickImage,
  REAL,
  realFacts,
  selectLayer,
  setMode,
  short,
  shot,
  status,
  tagsOf,
  waitIndexed,
} from './helpers';

const facts = realFacts();
test.skip(!facts, '../shared/fixtures/real is not here');

const archives = facts ? [...new Set(facts.map((f) => f.file))] : [];

/**
 * Where MANIFEST.md and our model knowingly differ: facts.json counts a file re-added with
 * identical bytes by the very same layer blob (app:2 repeats `ADD shared.tar`, layer 8) as
 * modified; our file model compares the entries and finds them unchanged (see the report).
 */
function knownDifference(image: FactImage, layer: number): boolean {
  const diff = image.diff_ids[layer];
  return image.diff_ids.indexOf(diff) !== layer;
}

async function chooseImage(page: Page, image: FactImage, all: FactImage[]): Promise<void> {
  const tags = tagsOf(image);
  const select = page.getByRole('combobox', { name: 'Image' });
  if ((await select.count()) === 0) return;
  if (tags.length) {
    await pickImage(page, tags[0]);
  } else {
    await select.selectOption({ index: all.indexOf(image) });
  }
}

/** Changes the app images of the fixture set make (MANIFEST.md, "Where the edge cases are"). */
async function checkAppChanges(page: Page): Promise<void> {
  const tree = files(page);
  await selectLayer(page, 6);
  await expect(tree.getByRole('treeitem', { name: 'big.bin, added' })).toBeVisible();
  await selectLayer(page, 4);
  await expect(tree.getByRole('treeitem', { name: 'issue, modified' })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'keep.hardlink, added' })).toBeVisible();
  await selectLayer(page, 7);
  for (const name of ['obsolete.txt', 'obsolete2.log', 'olddir']) {
    await expect(tree.getByRole('treeitem', { name: `${name}, removed` })).toBeVisible();
  }
  await selectLayer(page, 8);
  await expect(tree.getByRole('treeitem', { name: 'new.txt, added' })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'new3.txt, added' })).toBeVisible();
  // the opaque directory hides what was in replaceme before
  await setMode(page, 'Merged');
  await page.getByLabel('Filter paths').fill('/opt/app/replaceme/');
  await expect(tree.getByRole('treeitem', { name: /^new\.txt/ })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: /^new3\.txt/ })).toBeVisible();
  for (const old of ['old1.txt', 'old2.txt', 'old3.txt']) {
    await expect(tree.getByRole('treeitem', { name: old })).toHaveCount(0);
  }
  await selectLayer(page, 7);
  await expect(tree.getByRole('treeitem', { name: /^new\.txt/ })).toHaveCount(0);
  for (const old of ['old1.txt', 'old2.txt', 'old3.txt']) {
    await expect(tree.getByRole('treeitem', { name: old })).toBeVisible();
  }
  await page.getByLabel('Filter paths').fill('');
  await setMode(page, 'Changes');
}

async function checkToolChanges(page: Page): Promise<void> {
  const tree = files(page);
  await selectLayer(page, 3);
  for (const name of ['base-files', 'base-passwd', 'busybox-static', 'man', 'locale']) {
    await expect(tree.getByRole('treeitem', { name: `${name}, removed` })).toBeVisible();
  }
  await selectLayer(page, 5);
  await expect(tree.locator('[title="/usr/local/tool/bin/tool"]')).toHaveAccessibleName(/^tool, modified, /);
  await expect(tree.locator('[title="/usr/local/tool/bin/tool"]')).toContainText('-rwsr-xr-x');
}

for (const [i, file] of archives.entries()) {
  test(`${file}: entries, tags, per-layer changes`, async ({ page }) => {
    test.setTimeout(120_000);
    const all = (facts ?? []).filter((f) => f.file === file);
    const path = join(REAL, file);
    test.skip(!existsSync(path), `${file} is missing`);
    await page.goto('./');
    const t0 = Date.now();
    if (i % 2 === 0) await openViaDrop(page, path);
    else await openViaInput(page, path);
    const n = await waitIndexed(page);
    const wall = Date.now() - t0;
    expect(n).toBe(expectedEntries(facts ?? [], file));
    await expect(page.getByRole('alert')).toHaveCount(0);
    test.info().annotations.push({
      type: 'drop→Indexed',
      description: `${wall} ms wall, ${await status(page).getAttribute('data-elapsed-ms')} ms in page`,
    });

    const tree = layerTree(page);
    for (const image of all) {
      const tags = tagsOf(image);
      if (tags.length === 0) await expect(tree).toContainText('untagged');
      for (const tag of tags) await expect(tree).toContainText(tag);
    }

    for (const image of all) {
      await chooseImage(page, image, all);
      const options = layers(page).getByRole('option');
      await expect(options).toHaveCount(image.layers.length);
      for (const [li, layer] of image.layers.entries()) {
        if (knownDifference(image, li)) continue;
        await expect(options.nth(li)).toHaveAccessibleName(
          new RegExp(
            `${layer.entries} entr(y|ies), ${layer.added} added, ${layer.modified} modified, ${layer.deleted} removed`,
          ),
        );
      }
      const tags = tagsOf(image).map((t) => t.replace(/^(docker\.io\/library\/|localhost\/)/, ''));
      if (image.layers.length === 10 && tags.some((t) => t === 'app:1')) await checkAppChanges(page);
      if (
        image.layers.length === 6 &&
        (tags.includes('tool:1') || tags.includes('tool-1') || tags.length === 0)
      ) {
        await checkToolChanges(page);
      }
    }
    if (file === 'multi.docker.tar' || file === 'tool-1-by-id.docker.tar' || file === 'app-1.oci-zstd.tar') {
      await shot(page, `20-real-${short(file)}`);
    }
  });
}
