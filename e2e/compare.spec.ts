import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { dockerArchive } from '../src/testing/archives';
import { shot, waitIndexed, writeFixture } from './helpers';

async function expectNoViolations(page: Page, state: string): Promise<void> {
  await page.waitForTimeout(150);
  const result = await new AxeBuilder({ page }).analyze();
  const summary = result.violations.map(
    (v) =>
      `${v.id} (${v.nodes.length}): ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  );
  expect(summary, `axe violations, ${state}`).toEqual([]);
}

async function openSample(page: Page): Promise<void> {
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).first().click();
  await waitIndexed(page);
}

async function compareWeb(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const pane = page.getByRole('region', { name: 'Compare' });
  await expect(pane).toBeVisible();
  await pane.getByRole('combobox', { name: /^Image A/ }).selectOption({ label: 'explorer/web:1.0' });
  await pane.getByRole('combobox', { name: /^Image B/ }).selectOption({ label: 'explorer/web:2.0' });
  await pane.getByRole('button', { name: 'Run comparison' }).click();
  await expect(page.getByRole('region', { name: 'Comparison progress' })).toContainText(
    /\d+ added, \d+ removed, \d+ changed/,
  );
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const width of [1280, 390]) {
  test(`compares two images of the sample at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await openSample(page);
    await compareWeb(page);
    const tree = page.getByRole('tree', { name: 'Differences' });
    // What web:2.0's layers did to web:1.0's files (scripts/make-sample.ts).
    await expect(tree.getByRole('treeitem', { name: /^nginx\.conf, changed: content, size/ })).toBeVisible();
    await expect(tree.getByRole('treeitem', { name: /^index\.html, changed: content/ })).toBeVisible();
    await expect(tree.getByRole('treeitem', { name: 'pricing.html, added' })).toBeVisible();
    await expect(tree.getByRole('treeitem', { name: 'hero.jpg, removed' })).toBeVisible();
    // Directories that hold differences but did not change themselves are context rows.
    await expect(tree.getByRole('treeitem', { name: 'etc', exact: true })).toBeVisible();

    const byDir = page.getByRole('table', { name: 'By top-level directory' });
    await expect(byDir.getByRole('row', { name: /^\/srv/ })).toBeVisible();
    await expect(byDir.getByRole('row', { name: /^\/usr/ })).toBeVisible();
    const config = page.getByRole('table', { name: 'Config differences' });
    await expect(config.getByRole('row', { name: /Env\.SITE_VERSION \(absent\) 2/ })).toBeVisible();
    await expect(config.getByRole('row', { name: /^User www-data/ })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Layers only in B' }).getByRole('listitem')).toHaveCount(3);

    // Kind filters: only removed paths (and the directories above them).
    await page.getByRole('group', { name: 'Show differences' }).getByText('Added', { exact: true }).click();
    await page.getByRole('group', { name: 'Show differences' }).getByText('Changed', { exact: true }).click();
    await expect(tree.getByRole('treeitem', { name: 'pricing.html, added' })).toHaveCount(0);
    await expect(tree.getByRole('treeitem', { name: 'hero.jpg, removed' })).toBeVisible();
    await page.getByRole('group', { name: 'Show differences' }).getByText('Added', { exact: true }).click();
    await page.getByRole('group', { name: 'Show differences' }).getByText('Changed', { exact: true }).click();
    await page.getByRole('searchbox', { name: 'Filter compared paths' }).fill('nginx');
    await expect(tree.getByRole('treeitem', { name: 'pricing.html, added' })).toHaveCount(0);

    await tree.getByRole('treeitem', { name: /^nginx\.conf, changed/ }).click();
    const file = page.getByRole('region', { name: 'Compared file' });
    const diff = file.getByRole('table', { name: 'Diff of A and B' });
    await expect(diff.locator('tr.diff-added').first()).toBeVisible();
    await expect(diff.locator('tr.diff-removed').first()).toBeVisible();
    await expect(diff.locator('tr.diff-hunk').first()).toContainText(/^@@ -\d+,\d+ \+\d+,\d+ @@$/);
    await file.getByRole('button', { name: 'Side by side' }).click();
    await expect(file.getByRole('table', { name: 'Diff of A and B, side by side' })).toBeVisible();
    await noSidewaysScroll(page);
    await shot(page, `compare-${width}`);
    await expectNoViolations(page, `compare at ${width} px`);

    // The place is in the address: a reload compares again and shows the same file.
    expect(page.url()).toMatch(/compare=1\.t,2\.t/);
    expect(decodeURIComponent(page.url())).toContain('cpath=/etc/nginx/nginx.conf');
    await page.reload();
    await expect(
      page
        .getByRole('region', { name: 'Compared file' })
        .getByRole('heading', { name: '/etc/nginx/nginx.conf' }),
    ).toBeVisible({
      timeout: 30_000,
    });
  });
}

test('a binary file shows both digests and a hex view of each', async ({ page }) => {
  await openSample(page);
  await compareWeb(page);
  await page.getByRole('searchbox', { name: 'Filter compared paths' }).fill('APKINDEX.main');
  await page
    .getByRole('tree', { name: 'Differences' })
    .getByRole('treeitem', { name: /^APKINDEX\.main\.tar\.gz, added/ })
    .click();
  const file = page.getByRole('region', { name: 'Compared file' });
  await expect(file).toContainText(/B: .* sha256:[0-9a-f]{64}/);
  await expect(file.getByRole('table', { name: 'Hex of B' })).toBeVisible();
});

test('compares with an image of a second archive opened into the page', async ({ page }) => {
  const second = writeFixture(
    '/tmp/ilx-e2e',
    'compare-second.tar',
    dockerArchive([
      {
        tags: ['other:1'],
        layers: [
          [
            { name: 'etc/', type: 'dir' },
            { name: 'etc/only-here', content: 'from the second archive\n' },
          ],
        ],
        config: { User: 'nobody' },
      },
    ]),
  );
  await openSample(page);
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const pane = page.getByRole('region', { name: 'Compare' });
  await pane.getByRole('combobox', { name: /^Image A/ }).selectOption({ label: 'explorer/base:1.0' });
  await pane.getByLabel('Open second archive').setInputFiles(second);
  await expect(pane.getByRole('combobox', { name: /^Archive B/ })).toHaveValue('other');
  await expect(pane.getByRole('combobox', { name: /^Image B/ })).toContainText('other:1');
  await pane.getByRole('button', { name: 'Run comparison' }).click();
  await expect(page.getByRole('region', { name: 'Comparison progress' })).toContainText(
    /\d+ added, \d+ removed, \d+ changed/,
  );
  const tree = page.getByRole('tree', { name: 'Differences' });
  await expect(tree.getByRole('treeitem', { name: 'only-here, added' })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'usr, removed' })).toBeVisible();
  await expect(
    page.getByRole('table', { name: 'Config differences' }).getByRole('row', { name: /^User .* nobody/ }),
  ).toBeVisible();
  expect(page.url()).toMatch(/compare=0\.t,0\.t,other/);
});

test.describe('screenshots', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [390, 1024, 1440]) {
      test(`${scheme} ${width}`, async ({ page }) => {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width, height: 900 });
        await openSample(page);
        await compareWeb(page);
        await page
          .getByRole('tree', { name: 'Differences' })
          .getByRole('treeitem', { name: /^index\.html, changed/ })
          .click();
        await expect(page.getByRole('table', { name: 'Diff of A and B' })).toBeVisible();
        await noSidewaysScroll(page);
        await shot(page, `compare-${scheme}-${width}`);
      });
    }
  }
});
