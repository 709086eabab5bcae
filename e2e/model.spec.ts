/**
 * Issue 17, the model's part, at 390×844, 1024×700, 1280×800 and 1440×900, light and dark:
 * counts by one rule (badges, Changes rows, history), merged-view folder marks, reveal (jumps land
 * in view, switch the view when they must and say so), the diff against the previous version and
 * hex's "go to offset". Screenshots in SHOTS_DIR: `m-<what>-<width>-<scheme>.png`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import {
  files,
  layers,
  openViaInput,
  REAL,
  SAMPLE,
  selectLayer,
  setMode,
  shot,
  summary,
  waitIndexed,
} from './helpers';

const APP1 = join(REAL, 'app-1.docker.tar');
const APP2 = join(REAL, 'app-2.docker.tar');
const haveReal = existsSync(APP1) && existsSync(APP2);

const SIZES = [
  { width: 390, height: 844 },
  { width: 1024, height: 700 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;
const SCHEMES = ['light', 'dark'] as const;

function details(page: Page): Locator {
  return page.getByRole('region', { name: 'File details' });
}

function row(page: Page, path: string): Locator {
  return files(page).locator(`[role="treeitem"][title="${path}"]`);
}

/** Rows of the Files tree whose accessible name says `words`, among those rendered. */
async function namesOfRows(page: Page): Promise<string[]> {
  return files(page)
    .getByRole('treeitem')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
}

async function open(page: Page, file: string): Promise<void> {
  await page.goto('./');
  await openViaInput(page, file);
  await waitIndexed(page, 60_000);
}

/** Selects a path by a jump that goes through the app's own reveal (the path filter then cleared). */
async function selectByFilter(page: Page, path: string): Promise<void> {
  await page.getByLabel('Filter paths').fill(path);
  await row(page, path).click();
  await page.getByLabel('Filter paths').fill('');
  await expect(row(page, path)).toHaveAttribute('aria-selected', 'true');
}

for (const size of SIZES) {
  for (const scheme of SCHEMES) {
    const tag = `${size.width}-${scheme}`;

    test.describe(`${size.width}×${size.height} ${scheme}`, () => {
      test.use({ viewport: size, colorScheme: scheme });

      test(`counts agree: badges, Changes rows and history (app:1, app:2) ${tag}`, async ({ page }) => {
        test.skip(!haveReal, '../shared/fixtures/real is not here');
        test.setTimeout(120_000);
        await open(page, APP1);
        const option = (n: number) => layers(page).getByRole('option').nth(n);
        // layer 7: three whiteouts (two files and olddir); olddir's contents go with it
        await selectLayer(page, 7);
        await expect(option(7)).toHaveAccessibleName(/0 added, 0 modified, 3 removed$/);
        await expect(row(page, '/opt/app/olddir/a.txt')).toBeVisible();
        let names = await namesOfRows(page);
        expect(names.filter((n) => /, removed$/.test(n))).toHaveLength(3);
        expect(names.filter((n) => /, removed with its directory$/.test(n))).toHaveLength(3);
        await expect(row(page, '/opt/app/olddir')).toHaveAccessibleName('olddir, removed');
        await shot(page, `m-counts-layer7-${tag}`);
        // layer 8: replaceme replaced; what was in it is hidden with it, counted once
        await selectLayer(page, 8);
        await expect(option(8)).toHaveAccessibleName(/3 added, 0 modified, 0 removed, 1 replaced$/);
        await expect(row(page, '/opt/app/replaceme')).toHaveAccessibleName('replaceme, replaced');
        await expect(row(page, '/opt/app/replaceme/old1.txt')).toHaveAccessibleName(
          'old1.txt, removed, hidden by the replaced directory',
        );
        names = await namesOfRows(page);
        expect(names.filter((n) => /, removed$/.test(n))).toHaveLength(0);
        expect(names.filter((n) => /, added$/.test(n))).toHaveLength(3);
        await shot(page, `m-counts-layer8-${tag}`);
        // its history says replaced at layer 8
        await row(page, '/opt/app/replaceme').click();
        await expect(details(page).getByRole('button', { name: /replaced layer 8/ })).toBeVisible();

        // app:2: d20.txt written again by layer 8 with the same bytes
        await open(page, APP2);
        await selectLayer(page, 8);
        await expect(option(8)).toHaveAccessibleName(
          /0 added, 0 modified, 0 removed, 21 rewritten unchanged$/,
        );
        await expect(option(8)).toContainText('=21 same');
        await expect(row(page, '/opt/shared/data/d20.txt')).toHaveAccessibleName(
          'd20.txt, rewritten with the same bytes',
        );
        await row(page, '/opt/shared/data/d20.txt').click();
        const history = details(page).getByRole('listitem');
        await expect(history).toHaveCount(2);
        await expect(history.nth(0)).toContainText('added');
        await expect(history.nth(0)).toContainText('layer 3');
        await expect(history.nth(1)).toContainText('same bytes');
        await expect(history.nth(1)).toContainText('layer 8');
        await shot(page, `m-history-rewritten-${tag}`);
      });

      test(`merged view marks folders whose subtree changed; reveal lands in view ${tag}`, async ({
        page,
      }) => {
        test.skip(!haveReal, '../shared/fixtures/real is not here');
        test.setTimeout(120_000);
        await open(page, APP1);
        await selectLayer(page, 8);
        await setMode(page, 'Merged');
        await page.getByRole('button', { name: 'Collapse all' }).click();
        await expect(row(page, '/opt')).toHaveAccessibleName('opt, contains changes');
        await expect(row(page, '/opt')).toContainText('changes');
        await expect(row(page, '/etc')).toHaveAccessibleName('etc');
        await shot(page, `m-merged-marks-${tag}`);

        // the wasted big.bin: Merged at layer 6, the row scrolled into view and highlighted
        await setMode(page, 'Changes');
        await selectLayer(page, 9);
        const waste = summary(page).getByRole('button', { name: /\/opt\/app\/big\.bin/ });
        await waste.scrollIntoViewIfNeeded();
        await waste.click();
        await expect(layers(page).getByRole('option').nth(6)).toHaveAttribute('aria-selected', 'true');
        await expect(page.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
          'aria-pressed',
          'true',
        );
        await expect(row(page, '/opt/app/big.bin')).toBeInViewport();
        await expect(row(page, '/opt/app/big.bin')).toHaveAttribute('aria-selected', 'true');
        await expect(page.getByText('Switched to Merged at layer 6')).toBeVisible();
        await shot(page, `m-reveal-waste-${tag}`);

        // a size-map click on a file this layer's Changes do not list
        await setMode(page, 'Changes');
        await selectLayer(page, 9);
        const map = page.getByRole('figure', { name: 'Size map' });
        await map.scrollIntoViewIfNeeded();
        await map.getByRole('button', { name: /^usr, .*directory$/ }).click();
        await map.getByRole('button', { name: /^bin, .*directory$/ }).click();
        // the biggest file: `[`, the regular file busybox's applets link to (MANIFEST.md)
        await map.getByRole('button', { name: /^\[, .*layer 0$/ }).click();
        await expect(page.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
          'aria-pressed',
          'true',
        );
        await expect(page.getByText('Switched to Merged: layer 9 did not change it')).toBeVisible();
        await expect(row(page, '/usr/bin/[')).toBeInViewport();
        await shot(page, `m-reveal-sizemap-${tag}`);

        // history rows: a jump to another layer keeps the row in view
        await setMode(page, 'Changes');
        await selectLayer(page, 5);
        await selectByFilter(page, '/opt/app/config/app.conf');
        await details(page)
          .getByRole('button', { name: /added layer 2/ })
          .click();
        await expect(layers(page).getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
        await expect(row(page, '/opt/app/config/app.conf')).toBeInViewport();

        // a search hit
        const search = page.getByRole('search', { name: 'Search all layers' });
        await search.getByRole('searchbox').fill('hl-dst');
        await search.getByRole('searchbox').press('Enter');
        await search
          .getByRole('button', { name: /hl-dst/ })
          .first()
          .click();
        await expect(row(page, '/opt/app/bin/hl-dst')).toBeInViewport();
      });

      test(`diff against the previous version and hex go to offset ${tag}`, async ({ page }) => {
        test.skip(!haveReal, '../shared/fixtures/real is not here');
        test.setTimeout(120_000);
        await open(page, APP1);
        await selectLayer(page, 5);
        await selectByFilter(page, '/opt/app/config/app.conf');
        const viewer = page.getByRole('region', { name: 'File contents' });
        await viewer.getByRole('button', { name: 'Diff' }).click();
        const diff = viewer.getByRole('table', { name: 'Diff with the previous version' });
        await expect(diff).toBeVisible();
        await expect(viewer).toContainText('Layer 5 against layer 4');
        await expect(diff.locator('tr.diff-hunk').first()).toContainText(/^@@ -1,\d+ \+1,\d+ @@$/);
        await expect(diff.locator('tr.diff-added').first()).toBeVisible();
        await viewer.scrollIntoViewIfNeeded();
        await shot(page, `m-diff-${tag}`);

        await selectLayer(page, 6);
        await selectByFilter(page, '/opt/app/big.bin');
        await viewer.getByLabel('Go to offset').fill('0x1f40');
        await viewer.getByRole('button', { name: 'Go', exact: true }).click();
        await expect(viewer).toContainText('Page 2 of 512');
        const target = viewer.locator('tr[aria-current="true"]');
        await expect(target.locator('th')).toHaveText('00001f40');
        await expect(target).toBeInViewport();
        await viewer.getByLabel('Go to offset').fill('4096');
        await viewer.getByRole('button', { name: 'Go', exact: true }).click();
        await expect(viewer.locator('tr[aria-current="true"] th')).toHaveText('00001000');
        await viewer.getByLabel('Go to offset').fill('nope');
        await viewer.getByRole('button', { name: 'Go', exact: true }).click();
        await expect(viewer.getByRole('alert')).toContainText('0x');
        await shot(page, `m-hex-goto-${tag}`);
      });
    });
  }
}

test('the sample: counts agree with the rows of every layer of every image', async ({ page }) => {
  test.setTimeout(120_000);
  test.skip(!existsSync(SAMPLE), 'the sample is built by npm run build');
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).click();
  await waitIndexed(page);
  const options = layers(page).getByRole('option');
  const count = await options.count();
  for (let i = 0; i < count; i++) {
    await selectLayer(page, i);
    const name = (await options.nth(i).getAttribute('aria-label')) ?? '';
    const m =
      /(\d+) added, (\d+) modified, (\d+) removed(?:, (\d+) rewritten unchanged)?(?:, (\d+) replaced)?$/.exec(
        name,
      );
    expect(m, name).not.toBeNull();
    const [added, modified, removed, rewritten, replaced] = (m ?? []).slice(1).map((v) => Number(v ?? 0));
    // the Changes rows, all expanded (the tree virtualises: read them through the worker's pages)
    const total = Number(
      /([\d,]+) rows/.exec((await page.locator('.files-panel .panel-head').textContent()) ?? '')?.[1],
    );
    if (total > 150) continue;
    await expect(files(page).getByRole('treeitem')).toHaveCount(total);
    const names = await namesOfRows(page);
    const countOf = (re: RegExp) => names.filter((n) => re.test(n)).length;
    expect(countOf(/, added$/), `layer ${i} added`).toBe(added);
    expect(countOf(/, modified$/), `layer ${i} modified`).toBe(modified);
    expect(countOf(/, removed$/), `layer ${i} removed`).toBe(removed);
    expect(countOf(/, rewritten with the same bytes$/), `layer ${i} rewritten`).toBe(rewritten);
    expect(countOf(/, (modified, )?replaced$/), `layer ${i} replaced`).toBe(replaced);
  }
});
