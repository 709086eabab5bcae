/**
 * The comparison's result tree in the built site: folders that close and open (chevron, keys,
 * Expand all / Collapse all), the keyboard as in Files, "Show unchanged" answered from the kept
 * result without comparing again, and a result of 101k added paths kept at a few dozen DOM rows.
 */
import { existsSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { dockerArchive } from '../src/testing/archives';
import type { BuildEntry } from '../src/testing/tarBuilder';
import { fixturePath, openViaInput, shot, waitIndexed, writeFixture } from './helpers';

async function compare(page: Page, a: string, b: string): Promise<void> {
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const pane = page.getByRole('region', { name: 'Compare', exact: true });
  await pane.getByRole('combobox', { name: /^Image A/ }).selectOption({ label: a });
  await pane.getByRole('combobox', { name: /^Image B/ }).selectOption({ label: b });
  await pane.getByRole('button', { name: 'Run comparison' }).click();
  await expect(
    page.getByRole('region', { name: 'Comparison progress' }).locator('[data-state]'),
  ).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

test('folders close and open; the keyboard walks the tree; Show unchanged does not compare again', async ({
  page,
}) => {
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).first().click();
  await waitIndexed(page);
  await compare(page, 'explorer/web:1.0', 'explorer/web:2.0');
  const tree = page.getByRole('tree', { name: 'Differences' });
  const etc = tree.getByRole('treeitem', { name: 'etc', exact: true });
  const conf = tree.getByRole('treeitem', { name: /^nginx\.conf, changed/ });
  await expect(etc).toHaveAttribute('aria-expanded', 'true');
  await expect(conf).toBeVisible();

  // The chevron closes a folder: the rows below it go, the others stay.
  await etc.locator('.chevron').click();
  await expect(etc).toHaveAttribute('aria-expanded', 'false');
  await expect(conf).toHaveCount(0);
  await expect(tree.getByRole('treeitem', { name: 'pricing.html, added' })).toBeVisible();
  // A tap on the closed folder opens it again (as in Files) and selects it.
  await etc.click();
  await expect(etc).toHaveAttribute('aria-expanded', 'true');
  await expect(conf).toBeVisible();

  // Keys: Home selects the first row, ← closes the folder, → opens it, ↓ goes into it.
  await tree.focus();
  await page.keyboard.press('Home');
  await expect(etc).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(etc).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('ArrowRight');
  await expect(etc).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  const nginx = tree.getByRole('treeitem', { name: 'nginx', exact: true });
  await expect(nginx).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(conf).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('region', { name: 'Compared file' })).toContainText('/etc/nginx/nginx.conf');
  // ← on a file goes to its folder.
  await page.keyboard.press('ArrowLeft');
  await expect(nginx).toHaveAttribute('aria-selected', 'true');

  // Collapse all leaves the top-level rows; Expand all brings everything back.
  const rowsBefore = await tree.getByRole('treeitem').count();
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(tree.getByRole('treeitem', { level: 2 })).toHaveCount(0);
  await expect(tree.getByRole('treeitem', { name: 'etc', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Expand all' }).click();
  await expect(tree.getByRole('treeitem')).toHaveCount(rowsBefore);

  // Show unchanged: the same run's kept paths, shown; the progress line (its time) stays as it was.
  const line = page.getByRole('region', { name: 'Comparison progress' }).locator('[data-state]');
  const before = await line.textContent();
  await page.getByRole('checkbox', { name: 'Show unchanged' }).check();
  await expect(tree.getByRole('treeitem', { name: 'etc, unchanged' })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'etc', exact: true })).toHaveCount(0);
  await expect(line).toHaveAttribute('data-state', 'done');
  await expect(line).toHaveText(before ?? '');
  await shot(page, 'compare-tree-unchanged');
  await page.getByRole('checkbox', { name: 'Show unchanged' }).uncheck();
  await expect(tree.getByRole('treeitem', { name: 'etc', exact: true })).toBeVisible();
  await expect(line).toHaveText(before ?? '');
});

test('101k added paths stay at a few dozen DOM rows, and End reaches the last one', async ({ page }) => {
  test.setTimeout(300_000);
  const big = fixturePath('/tmp/ilx-e2e', 'compare-101k.tar');
  if (!existsSync(big)) {
    const many: BuildEntry[] = [];
    for (let d = 0; d < 1000; d++) {
      const dir = `data/d${String(d).padStart(3, '0')}`;
      many.push({ name: `${dir}/`, type: 'dir' });
      for (let f = 0; f < 100; f++) many.push({ name: `${dir}/f${String(f).padStart(2, '0')}`, content: '' });
    }
    const base: BuildEntry[] = [{ name: 'data/', type: 'dir' }];
    writeFixture(
      '/tmp/ilx-e2e',
      'compare-101k.tar',
      dockerArchive([
        { tags: ['few:1'], layers: [base] },
        { tags: ['many:1'], layers: [base, many] },
      ]),
    );
  }
  await page.goto('./');
  await openViaInput(page, big);
  await waitIndexed(page, 180_000);
  await compare(page, 'few:1', 'many:1');
  await expect(page.getByRole('region', { name: 'Comparison progress' })).toContainText(
    '101,000 added, 0 removed, 0 changed',
  );
  const tree = page.getByRole('tree', { name: 'Differences' });
  await expect(page.getByRole('region', { name: 'Compare', exact: true })).toContainText('101,001 rows');
  expect(await tree.getByRole('treeitem').count()).toBeLessThan(200);
  await tree.focus();
  await page.keyboard.press('End');
  await expect(tree.getByRole('treeitem', { name: 'f99, added', selected: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Compared file' })).toContainText('/data/d999/f99');
  expect(await tree.getByRole('treeitem').count()).toBeLessThan(200);
  // Collapse all: one row (/data), and its folder opens to its 1,000 directories.
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(tree.getByRole('treeitem')).toHaveCount(1);
  await tree.getByRole('treeitem', { name: 'data', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Compare', exact: true })).toContainText('1,001 rows');
  await expect(tree.getByRole('treeitem', { name: 'd000, added' })).toHaveAttribute('aria-expanded', 'false');
  await shot(page, 'compare-tree-101k');
});

test.describe('the tree at every width', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [390, 1024, 1280, 1440]) {
      test(`${scheme} ${width}`, async ({ page }) => {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width, height: 900 });
        await page.goto('./');
        await page.getByRole('button', { name: 'Open sample' }).first().click();
        await waitIndexed(page);
        await compare(page, 'explorer/web:1.0', 'explorer/web:2.0');
        const tree = page.getByRole('tree', { name: 'Differences' });
        await tree.getByRole('treeitem', { name: 'usr', exact: true }).locator('.chevron').click();
        await tree.getByRole('treeitem', { name: /^nginx\.conf, changed/ }).click();
        await tree.scrollIntoViewIfNeeded();
        await page.getByRole('heading', { name: 'Differences', exact: true }).scrollIntoViewIfNeeded();
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await shot(page, `compare-tree-${scheme}-${width}`);
      });
    }
  }
});
