import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { packageImageArchive } from '../src/testing/packageArchives';
import { files, layers, openViaInput, shot, waitIndexed, writeFixture } from './helpers';

const TMP = '/tmp/ilx-e2e-packages';
let ARCHIVE = '';

test.beforeAll(() => {
  ARCHIVE = writeFixture(TMP, 'packages.tar', packageImageArchive());
});

async function showPane(page: Page, name: 'Summary' | 'Files' | 'Layers', narrow: boolean): Promise<void> {
  if (!narrow) return;
  const tab = page.getByRole('tablist', { name: 'Panes' }).getByRole('tab', { name });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test.describe.configure({ timeout: 180_000 });

async function expectNoViolations(page: Page, state: string): Promise<void> {
  // The whole page, the layer strip's nodes too: the tip node that draws only its index beside its
  // tag ("5 packages:1") says them in that order (nodeName's tagsAfterIndex).
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

for (const size of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  const narrow = size.width < 720;
  test(`packages and risky files at ${size.width} px`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto('./');
    await openViaInput(page, ARCHIVE);
    await waitIndexed(page);
    await showPane(page, 'Summary', narrow);

    const panel = page.getByRole('region', { name: 'Packages' });
    await expect(panel).toContainText('8 in the final image · 2 removed');
    const table = panel.getByRole('table', { name: 'Package list' });
    const pick = (name: string) =>
      table.getByRole('button', { name: new RegExp(`^${name.replace(/[.+]/g, '\\$&')}, `) });
    await expect(pick('libc6')).toHaveAccessibleName(
      'libc6, 2.36-9+deb12u7, deb, upgraded in layer 1, 12.3 MB',
    );
    await expect(pick('curl')).toHaveAccessibleName(
      /^curl, 7\.88\.1-10\+deb12u5, deb, removed in layer 2, not in the final image/,
    );
    await panel.scrollIntoViewIfNeeded();
    await shot(page, `packages-${size.width}-table`);

    // Filters: ecosystem, change, name.
    await panel.getByRole('combobox', { name: 'Ecosystem' }).selectOption('apk');
    await expect(table.getByRole('button')).toHaveText([
      /^Name/,
      'Version',
      'Layer',
      'Size',
      /busybox/,
      /musl/,
    ]);
    await panel.getByRole('combobox', { name: 'Ecosystem' }).selectOption('all');
    await panel.getByRole('combobox', { name: 'Change' }).selectOption('gone');
    await expect(panel.getByText('2 of 10 packages')).toBeVisible();
    await expect(pick('left-pad')).toBeVisible();
    await panel.getByRole('combobox', { name: 'Change' }).selectOption('downgraded');
    await expect(pick('tzdata')).toBeVisible();
    await expect(panel.getByText('1 of 10 packages')).toBeVisible();
    await panel.getByRole('combobox', { name: 'Change' }).selectOption('all');
    await panel.getByRole('searchbox', { name: 'Filter packages by name' }).fill('REQ');
    await expect(panel.getByText('1 of 10 packages')).toBeVisible();
    await expect(pick('requests')).toHaveAccessibleName(/^requests, 2\.32\.0, python, upgraded in layer 5/);
    await panel.getByRole('searchbox', { name: 'Filter packages by name' }).fill('');

    // Sorting by size, largest first.
    await panel.getByRole('columnheader', { name: 'Size' }).getByRole('button').click();
    await expect(panel.getByRole('columnheader', { name: 'Size' })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    await expect(table.getByRole('row').nth(1)).toContainText('libc6');

    // A package: its history (links to layers) and its files (links to the files).
    await pick('libc6').click();
    const details = panel.getByRole('region', { name: 'Package details' });
    const history = details.getByRole('list', { name: 'Layers that changed libc6' });
    await expect(history.getByRole('button')).toHaveCount(2);
    await expect(history.getByRole('button').nth(1)).toContainText('upgraded');
    await expect(history.getByRole('button').nth(1)).toContainText('apt-get upgrade');
    const fileList = details.getByRole('list', { name: 'Files of libc6' });
    await expect(fileList.getByRole('button')).toHaveCount(3);
    await details.scrollIntoViewIfNeeded();
    await shot(page, `packages-${size.width}-details`);
    await expectNoViolations(page, 'a package open');

    await fileList.getByRole('button', { name: /\/usr\/lib\/libc\.so\.6/ }).click();
    await expect(files(page).getByRole('treeitem', { name: /^libc\.so\.6/ })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    // The file's package, with a way back to it.
    const owner = page.getByRole('region', { name: 'Package of the file' });
    await expect(owner.getByRole('button', { name: /libc6/ })).toBeVisible();
    await shot(page, `packages-${size.width}-file-package`);

    // Per-layer counts on the Layers list.
    await showPane(page, 'Layers', narrow);
    const option = layers(page).getByRole('option').nth(1);
    // Drawn from data-count by CSS, like the change counts beside it.
    await expect(option.locator('.layer-packages')).toHaveAttribute('data-count', '+1 ↑1 packages');
    await expect(option).toHaveAttribute('aria-description', /packages: 1 added, 1 upgraded/);

    // The file's package opens it in the Packages view; a history step selects its layer.
    await showPane(page, 'Files', narrow);
    await owner.getByRole('button', { name: /libc6/ }).click();
    await expect(details).toBeVisible();
    await history.getByRole('button').nth(1).click();
    await expect(layers(page).getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');

    // Risky files at the top layer, and the Files filter that shows only them.
    await showPane(page, 'Layers', narrow);
    await layers(page).getByRole('option').nth(5).click();
    await showPane(page, 'Summary', narrow);
    const risky = page.getByRole('region', { name: 'Risky files' });
    const list = risky.getByRole('list', { name: 'Risky files list' });
    await expect(list.getByRole('button')).toHaveCount(3);
    await expect(list.getByRole('button').nth(0)).toContainText('/opt/owned-by-stranger');
    await expect(list.getByRole('button').nth(0)).toContainText('unknown owner');
    await expect(list.getByRole('button').nth(1)).toContainText('world-writable');
    await expect(list.getByRole('button').nth(2)).toContainText('setuid');
    await risky.scrollIntoViewIfNeeded();
    await shot(page, `packages-${size.width}-risky`);
    await expectNoViolations(page, 'risky files');
    await risky.getByRole('button', { name: 'Filter Files' }).click();
    await expect(files(page).getByRole('treeitem', { name: /^su-helper/ })).toBeVisible();
    await expect(files(page).getByRole('treeitem', { name: /^curl/ })).toHaveCount(0);
    await expect(files(page).getByRole('treeitem', { name: /^libc\.so\.6/ })).toHaveCount(0);
    await shot(page, `packages-${size.width}-risky-filter`);
    await noSidewaysScroll(page);
  });
}
