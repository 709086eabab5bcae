/**
 * Keys, search, state and the image picker (issue 17), at a phone's, a small laptop's, a laptop's
 * and a desktop's size: the Keyboard shortcuts dialog and the keys between panes, search over every
 * image as you type, the place (with the sample, filters and view) kept in the address, a file that
 * fails to open leaving the open archive as it was, and a multi-platform archive's picker.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import {
  files,
  layers,
  openViaInput,
  pickImage,
  REAL,
  SAMPLE,
  SHARED,
  selectLayer,
  shot,
  waitIndexed,
  writeFixture,
} from './helpers';

const TMP = '/tmp/ilx-e2e-keys';
const MULTI = join(REAL, 'multi.docker.tar');
const TESTREPO = join(SHARED, 'fixtures', 'peers', 'regclient', 'testrepo.tar');

const SIZES = [
  { name: '390', width: 390, height: 844 },
  { name: '1024', width: 1024, height: 700 },
  { name: '1280', width: 1280, height: 800 },
  { name: '1440', width: 1440, height: 900 },
] as const;

/**
 * Presses a button from the keyboard: it works wherever the layout puts the button, which is not
 * what this spec is about (the responsive layout has its own).
 */
async function press(button: Locator): Promise<void> {
  await button.focus();
  await button.press('Enter');
}

async function openSample(page: Page): Promise<void> {
  await page.goto('./');
  await press(page.getByRole('button', { name: 'Open sample' }).first());
  await waitIndexed(page);
}

function searchBox(page: Page) {
  return page.getByRole('search', { name: 'Search all layers' });
}

function searchInput(page: Page) {
  return searchBox(page).getByRole('searchbox', { name: 'Search all layers' });
}

function searchStatus(page: Page) {
  return searchBox(page).locator('.search-status');
}

/**
 * Shows the pane `name` as a person does below 1100 px, where one pane shows at a time: taps its
 * tab (at 1024 the Layers column is always there and has no tab; from 1100 px there are no tabs).
 */
async function reveal(page: Page, name: 'Layers' | 'Files' | 'Summary'): Promise<void> {
  const tab = page.getByRole('tablist', { name: 'Panes' }).getByRole('tab', { name, exact: true });
  if ((await tab.count()) === 0 || !(await tab.isVisible())) return;
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

for (const size of SIZES) {
  test.describe(`at ${size.width}×${size.height}`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test('keyboard: ? lists every key in a dialog, Tab toggles Layers and Files, Ctrl+K searches, arrows walk the hits', async ({
      page,
    }) => {
      await openSample(page);
      // ? opens the dialog from anywhere but a text field; Escape closes it and focus goes back
      await reveal(page, 'Layers');
      const list = layers(page);
      await list.focus();
      await page.keyboard.press('?');
      const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await expect(dialog).toBeVisible();
      for (const group of ['Anywhere', 'Layers', 'Layer tree', 'Files', 'Filter paths', 'Search', 'Size map'])
        await expect(dialog.getByRole('table', { name: group, exact: true })).toBeVisible();
      for (const key of ['?', 'Ctrl', 'K', '/', 'Tab', 'Shift', 'Esc', 'Home', 'End', 'Page Up', 'Space'])
        await expect(dialog.locator('kbd', { hasText: key }).first()).toBeAttached();
      // the whole dialog fits the screen, and scrolls inside itself when it has to
      const box = await dialog.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= size.width).toBe(true);
      await shot(page, `keys-dialog-${size.name}-light`);
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, `keys-dialog-${size.name}-dark`);
      await page.emulateMedia({ colorScheme: 'light' });
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
      await expect(list).toBeFocused();
      // the button opens it too; its Close button closes it
      // (pressed again until the dialog shows: on a loaded 2-core machine the first Enter can land
      // while focus is still being handed back from the dialog that just closed)
      await expect(async () => {
        await press(page.getByRole('button', { name: 'Keyboard shortcuts' }));
        await expect(dialog).toBeVisible({ timeout: 2000 });
      }).toPass({ timeout: 15_000 });
      await press(dialog.getByRole('button', { name: 'Close' }));
      await expect(dialog).toBeHidden();
      await expect(page.getByRole('button', { name: 'Keyboard shortcuts' })).toBeFocused();

      // Tab from Layers goes straight to Files, Shift+Tab back (dive's Tab)
      await reveal(page, 'Layers');
      await list.focus();
      await page.keyboard.press('Tab');
      await expect(files(page)).toBeFocused();
      await page.keyboard.press('Shift+Tab');
      await expect(list).toBeFocused();
      // ...and the keys that were there keep working
      await page.keyboard.press('End');
      await expect(list.getByRole('option').last()).toHaveAttribute('aria-selected', 'true');
      await page.locator('body').press('/');
      await expect(page.getByLabel('Filter paths')).toBeFocused();
      // typing a ? or / into a text field types it
      await page.keyboard.type('?/');
      await expect(page.getByLabel('Filter paths')).toHaveValue('?/');
      await expect(dialog).toBeHidden();
      await page.getByLabel('Filter paths').fill('');

      // Ctrl+K (or ⌘K) reaches the search box from anywhere, even from a text field
      await page.keyboard.press('Control+k');
      await expect(searchInput(page)).toBeFocused();
      await page.keyboard.type('hero');
      const hits = searchBox(page).getByRole('list', { name: 'Search results' }).getByRole('button');
      await expect(hits.first()).toBeVisible();
      const n = await hits.count();
      expect(n).toBeGreaterThan(1);
      await page.keyboard.press('ArrowDown');
      await expect(hits.nth(0)).toBeFocused();
      await page.keyboard.press('ArrowDown');
      await expect(hits.nth(1)).toBeFocused();
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      await expect(searchInput(page)).toBeFocused();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      await expect(searchBox(page).locator('button.search-hit').last()).toBeFocused();
      await page.keyboard.press('Home');
      await expect(hits.nth(0)).toBeFocused();
      await page.keyboard.press('Enter');
      await reveal(page, 'Files');
      await expect(files(page).getByRole('treeitem', { selected: true })).toContainText('hero');
      await page.keyboard.press('Meta+k');
      await expect(searchInput(page)).toBeFocused();
      await shot(page, `keys-search-${size.name}`);
    });

    test('search: every image, as you type, grouped by image; a hit selects its image, layer and path', async ({
      page,
    }) => {
      test.skip(!existsSync(MULTI), 'needs ../shared/fixtures/real/multi.docker.tar');
      await page.goto('./');
      await openViaInput(page, MULTI);
      await waitIndexed(page);
      await pickImage(page, 'app:2');
      const picker = page.getByRole('combobox', { name: 'Image' });
      await expect(picker).toHaveValue('2');
      // typing starts the search after a pause, and each key drops the last count at once
      await reveal(page, 'Files');
      await searchInput(page).pressSequentially('payload', { delay: 20 });
      await expect(searchStatus(page)).toHaveAttribute('data-state', 'done');
      await expect(searchStatus(page)).toContainText(/^1 hit in/);
      // still in the Files pane, typing on (a tap elsewhere between keys would move the caret)
      await searchInput(page).press('x');
      expect(await searchStatus(page).textContent()).not.toMatch(/1 hit/);
      await expect(searchStatus(page)).toContainText(/^0 hits in/);
      await searchInput(page).press('Backspace');
      // the stale "0 hits in …" is gone at once (the new query, if it has started on a slow
      // machine, counts from "Searching… 0 hits", which is its own count, not the stale one)
      expect(await searchStatus(page).textContent()).not.toMatch(/^0 hits in/);
      await expect(searchStatus(page)).toHaveAttribute('data-state', 'done');
      // nothing in app:2; tool:1 has it, and says so
      await expect(searchStatus(page)).toContainText(/none in app:2, \d+ in other images/);
      await expect(searchStatus(page)).toContainText(/in \d+ layers of 4 images/);
      const other = searchBox(page).getByRole('list', { name: /^Also in tool:1/ });
      await expect(other.getByRole('button').first()).toBeVisible();
      await expect(searchBox(page)).toContainText('Also in tool:1');
      await shot(page, `search-other-image-${size.name}`);
      const first = other.getByRole('button').first();
      const layer = Number(/\d+/.exec((await first.locator('.sh-layer').textContent()) ?? '')?.[0]);
      const path = (await first.locator('.sh-path').textContent()) ?? '';
      await press(first);
      await expect(picker).toHaveValue('3');
      await reveal(page, 'Layers');
      await expect(layers(page).getByRole('option').nth(layer)).toHaveAttribute('aria-selected', 'true');
      await reveal(page, 'Files');
      await expect(page.getByRole('region', { name: 'File details' })).toBeVisible();
      await expect(page.getByRole('region', { name: 'File details' })).toContainText(path);
      // the results stay, and the hit is marked as where you are
      await expect(first).toHaveAttribute('aria-current', 'true');
      // shared layers are searched once: a name every image has is listed under the first image only
      await reveal(page, 'Files');
      await searchInput(page).fill('passwd');
      await expect(searchStatus(page)).toHaveAttribute('data-state', 'done');
      const seen = await searchBox(page).locator('button.search-hit .sh-path').allTextContents();
      await expect(searchBox(page).getByRole('list', { name: 'Search results' })).toBeVisible();
      expect(seen.length).toBeGreaterThan(0);
      await shot(page, `search-shared-${size.name}`);
    });

    test('state: the sample, the layer, the view and the filters survive a reload; a local archive is named on the welcome page', async ({
      page,
    }) => {
      await openSample(page);
      await expect(page).toHaveURL(/#sample&/);
      await reveal(page, 'Layers');
      await selectLayer(page, 2);
      await reveal(page, 'Files');
      const merged = page.getByRole('button', { name: 'Merged', exact: true });
      await press(merged);
      await expect(merged).toHaveAttribute('aria-pressed', 'true');
      const chip = page.getByRole('group', { name: 'Show changes' }).getByRole('checkbox').first();
      await chip.focus();
      await chip.press(' ');
      await expect(page).toHaveURL(/#sample&image=\d+&layer=2&mode=merged&changes=[a-z,]+/);
      const url = page.url();
      const chips = await page
        .getByRole('group', { name: 'Show changes' })
        .getByRole('checkbox')
        .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked));
      await page.reload();
      await waitIndexed(page);
      expect(page.url()).toBe(url);
      await reveal(page, 'Layers');
      await expect(layers(page).getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
      await reveal(page, 'Files');
      await expect(page.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
        'aria-pressed',
        'true',
      );
      expect(
        await page
          .getByRole('group', { name: 'Show changes' })
          .getByRole('checkbox')
          .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked)),
      ).toEqual(chips);

      // a local file: its name and size are in the address, and a reload asks for it again
      test.skip(!existsSync(MULTI), 'needs ../shared/fixtures/real/multi.docker.tar');
      await openViaInput(page, MULTI);
      await waitIndexed(page);
      await pickImage(page, 'tool:1');
      await reveal(page, 'Layers');
      await selectLayer(page, 3);
      await expect(page).toHaveURL(/#file=multi\.docker\.tar&size=\d+&image=3&layer=3/);
      await page.reload();
      const hint = page.getByTestId('resume-hint');
      await expect(hint).toHaveText(
        /^Open multi\.docker\.tar \([\d.]+ MB\) again to continue where you were\.$/,
      );
      await expect(page.getByRole('button', { name: 'Choose an archive…' })).toBeInViewport();
      await shot(page, `state-resume-${size.name}-light`);
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, `state-resume-${size.name}-dark`);
      await page.emulateMedia({ colorScheme: 'light' });
      await openViaInput(page, MULTI);
      await waitIndexed(page);
      await expect(page.getByRole('combobox', { name: 'Image' })).toHaveValue('3');
      await reveal(page, 'Layers');
      await expect(layers(page).getByRole('option').nth(3)).toHaveAttribute('aria-selected', 'true');
    });

    test('a file that fails to open leaves the open archive as it was, with the error in an alert', async ({
      page,
    }) => {
      const notTar = writeFixture(TMP, 'notes.txt', 'this is not an image archive\n'.repeat(100));
      // cut inside its first header: nothing of it can be read (a longer cut opens as what was read)
      const cut = writeFixture(TMP, 'sample-cut.tar', readFileSync(SAMPLE).subarray(0, 300));
      await openSample(page);
      await reveal(page, 'Layers');
      await selectLayer(page, 2);
      const url = page.url();
      await reveal(page, 'Layers');
      const before = await layers(page).getByRole('option').allTextContents();
      for (const [file, why] of [
        [notTar, /not a tar archive/],
        [cut, /no tar header at byte 0/],
      ] as const) {
        await openViaInput(page, file);
        const alert = page.getByRole('alert').filter({ hasText: 'Could not open' });
        await expect(alert).toContainText(
          `Could not open ${file.split('/').pop()} — sample.tar is still open`,
        );
        await expect(alert).toContainText(why);
        await reveal(page, 'Layers');
        expect(await layers(page).getByRole('option').allTextContents()).toEqual(before);
        await reveal(page, 'Layers');
        await expect(layers(page).getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
        expect(page.url()).toBe(url);
        // the archive shown still answers: its files are listed
        await reveal(page, 'Files');
        await expect(files(page).getByRole('treeitem').first()).toBeVisible();
        await expect(page.getByRole('status').first()).toContainText(/Indexed \d+ entries/);
        await shot(page, `state-open-failed-${size.name}`);
        await press(alert.getByRole('button', { name: 'Dismiss' }));
        await expect(alert).toBeHidden();
      }
    });

    test('image picker: each platform is named and the platforms of a tag are grouped; "1 layer"; the size map has a key', async ({
      page,
    }) => {
      test.skip(!existsSync(TESTREPO), 'needs ../shared/fixtures/peers/regclient/testrepo.tar');
      await page.goto('./');
      await openViaInput(page, TESTREPO);
      await waitIndexed(page);
      const picker = page.getByRole('combobox', { name: 'Image' });
      const options = await picker.locator('option').allTextContents();
      expect(new Set(options).size).toBe(options.length);
      expect(options).toContain('b1 · linux/arm/v7 · 1 layer');
      expect(options.some((o) => /\b1 layers\b/.test(o))).toBe(false);
      const groups = await picker
        .locator('optgroup')
        .evaluateAll((els) =>
          els.map((e) => ({ label: e.getAttribute('label'), n: e.querySelectorAll('option').length })),
        );
      expect(groups).toContainEqual({ label: 'b1 · 4 platforms', n: 4 });
      expect(groups).toContainEqual({ label: 'v1 · 2 platforms', n: 2 });
      await expect(page.locator('body')).not.toContainText(/\b1 layers\b/);
      await pickImage(page, 'v3');
      await reveal(page, 'Layers');
      await expect(layers(page).getByRole('option')).toHaveCount(5);
      // the size map's key: one swatch per layer of the merged view
      const key = page.getByRole('group', { name: 'Size map legend' });
      await reveal(page, 'Summary');
      await key.scrollIntoViewIfNeeded();
      await expect(key).toBeVisible();
      await expect(key).toContainText('Colour = layer that last wrote the file');
      await expect(key.locator('.sm-swatch')).toHaveCount(5);
      await reveal(page, 'Layers');
      await selectLayer(page, 1);
      await reveal(page, 'Summary');
      await key.scrollIntoViewIfNeeded();
      await expect(key).toBeVisible();
      await expect(key.locator('.sm-swatch')).toHaveCount(2);
      await shot(page, `picker-legend-${size.name}-light`);
      await page.emulateMedia({ colorScheme: 'dark' });
      await key.scrollIntoViewIfNeeded();
      await shot(page, `picker-legend-${size.name}-dark`);
    });
  });
}
