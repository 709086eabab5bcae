/**
 * Issue 17, the model's part, at 390×844, 1024×700, 1280×800 and 1440×900, light and dark:
 * counts by one rule (badges, Changes rows, history), merged-view folder marks, reveal (jumps land
 * in view, switch the view when they must and say so), the diff against the previous version and
 * hex's "go to offset". Screenshots in SHOTS_DIR: `m-<what>-<width>-<scheme>.png`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { files, layers, openViaInput, REAL, SAMPLE, shot, summary, waitIndexed } from './helpers';

const APP1 = join(REAL, 'app-1.docker.tar');
const APP2 = join(REAL, 'app-2.docker.tar');
const haveReal = existsSync(APP1) && existsSync(APP2);

/**
 * Below 1100 px one pane shows at a time (390: Layers, Files or Summary by their tabs; 1024: the
 * layers column beside Files or Summary): there each check first taps the tab of the pane that
 * holds what it acts on or looks at, as a person would. Above it, every pane shows and `show`
 * does nothing; the assertions are the same at every width.
 */
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
/**
 * A Files row is named by everything it shows (name, change, size, mode, owner: axe
 * label-content-name-mismatch); these checks are about the name and the change, so the columns
 * after them are cut off.
 */
const ROW_COLUMNS = /(, [\d.]+ [KMGT]?B)?, [-a-z?][-rwxsStT]{9}, \d+:\d+/;
const nameAndChange = (label: string) => label.replace(ROW_COLUMNS, '');
/** Waits until a row's name, without its columns, is `text`. */
async function expectRowNamed(locator: Locator, text: string): Promise<void> {
  await expect.poll(async () => nameAndChange((await locator.getAttribute('aria-label')) ?? '')).toBe(text);
}

async function namesOfRows(page: Page): Promise<string[]> {
  return files(page)
    .getByRole('treeitem')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''))
    .then((names) => names.map(nameAndChange));
}

/** Clicks what a person would click: scrolled to, visible, not covered (Playwright's checks). */
async function press(target: Locator): Promise<void> {
  await target.click();
}

type PaneName = 'Layers' | 'Files' | 'Summary';

/**
 * Shows the pane that holds `pane`'s panels the way a person does: taps its tab when the screen
 * is too narrow to show it beside the others (no tab, or a hidden tablist: it is on screen).
 */
async function show(page: Page, pane: PaneName): Promise<void> {
  const tab = page.getByRole('tablist', { name: 'Panes' }).getByRole('tab', { name: pane, exact: true });
  if ((await tab.count()) === 0 || !(await tab.isVisible())) return;
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

async function mode(page: Page, name: 'Changes' | 'Merged'): Promise<void> {
  await show(page, 'Files');
  const button = page.getByRole('button', { name, exact: true });
  await press(button);
  await expect(button).toHaveAttribute('aria-pressed', 'true');
}

/** Whether `name` is the view shown, looked at where its button is. */
async function expectMode(page: Page, name: 'Changes' | 'Merged'): Promise<void> {
  await show(page, 'Files');
  await expect(page.getByRole('button', { name, exact: true })).toHaveAttribute('aria-pressed', 'true');
}

async function layer(page: Page, index: number): Promise<void> {
  await show(page, 'Layers');
  const option = layers(page).getByRole('option').nth(index);
  await press(option);
  await expect(option).toHaveAttribute('aria-selected', 'true');
}

/** Whether layer `index` is the one selected, looked at in the Layers list. */
async function expectLayer(page: Page, index: number): Promise<void> {
  await show(page, 'Layers');
  const option = layers(page).getByRole('option').nth(index);
  await expect(option).toBeVisible();
  await expect(option).toHaveAttribute('aria-selected', 'true');
}

/** The row is scrolled into the Files tree's visible part (the tree's own scroll box). */
async function expectInTreeView(page: Page, path: string): Promise<void> {
  await show(page, 'Files');
  const target = row(page, path);
  await expect(target).toBeVisible();
  await expect
    .poll(async () =>
      target.evaluate((el) => {
        const box = el.closest('[role="tree"]')?.getBoundingClientRect();
        const r = el.getBoundingClientRect();
        return !!box && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      }),
    )
    .toBe(true);
}

/** Every row's accessible name, scrolling the virtualised tree from top to bottom. */
async function allRowNames(page: Page): Promise<string[]> {
  return files(page)
    .evaluate(async (tree) => {
      const names = new Map<string, string>();
      const settle = () => new Promise((r) => setTimeout(r, 60));
      for (let top = 0; ; top += Math.max(24, tree.clientHeight / 2)) {
        tree.scrollTop = top;
        await settle();
        for (const row of tree.querySelectorAll('[role="treeitem"]'))
          names.set(row.id, row.getAttribute('aria-label') ?? '');
        if (top >= tree.scrollHeight - tree.clientHeight) break;
      }
      tree.scrollTop = 0;
      return [...names.values()];
    })
    .then((names) => names.map(nameAndChange));
}

async function open(page: Page, file: string): Promise<void> {
  await page.goto('./');
  await openViaInput(page, file);
  await waitIndexed(page, 60_000);
}

/** Selects a path by a jump that goes through the app's own reveal (the path filter then cleared). */
async function selectByFilter(page: Page, path: string): Promise<void> {
  await show(page, 'Files');
  await page.getByLabel('Filter paths').fill(path);
  await press(row(page, path));
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
        await layer(page, 7);
        await expect(option(7)).toHaveAccessibleName(/0 added, 0 modified, 3 removed$/);
        await show(page, 'Files');
        await expect(row(page, '/opt/app/olddir/a.txt')).toBeVisible();
        let names = await namesOfRows(page);
        expect(names.filter((n) => /, removed$/.test(n))).toHaveLength(3);
        expect(names.filter((n) => /, removed with its directory$/.test(n))).toHaveLength(3);
        await expectRowNamed(row(page, '/opt/app/olddir'), 'olddir, removed');
        await shot(page, `m-counts-layer7-${tag}`);
        // layer 8: replaceme replaced; what was in it is hidden with it, counted once
        await layer(page, 8);
        await expect(option(8)).toHaveAccessibleName(/3 added, 0 modified, 0 removed, 1 replaced$/);
        await show(page, 'Files');
        await expectRowNamed(row(page, '/opt/app/replaceme'), 'replaceme, replaced');
        await expectRowNamed(
          row(page, '/opt/app/replaceme/old1.txt'),
          'old1.txt, hidden, removed with the replaced directory',
        );
        names = await namesOfRows(page);
        expect(names.filter((n) => /, removed$/.test(n))).toHaveLength(0);
        expect(names.filter((n) => /, added$/.test(n))).toHaveLength(3);
        await shot(page, `m-counts-layer8-${tag}`);
        // its history says replaced at layer 8
        await press(row(page, '/opt/app/replaceme'));
        await details(page).scrollIntoViewIfNeeded();
        await expect(details(page).getByRole('button', { name: /replaced layer 8/ })).toBeVisible();

        // app:2: d20.txt written again by layer 8 with the same bytes
        await open(page, APP2);
        await layer(page, 8);
        await expect(option(8)).toHaveAccessibleName(
          /0 added, 0 modified, 0 removed, 21 rewritten unchanged$/,
        );
        await expect(option(8).locator('[data-count="=21 same"]')).toHaveCount(1);
        await show(page, 'Files');
        await expectRowNamed(
          row(page, '/opt/shared/data/d20.txt'),
          'd20.txt, same bytes, rewritten unchanged',
        );
        await press(row(page, '/opt/shared/data/d20.txt'));
        await details(page).scrollIntoViewIfNeeded();
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
        await layer(page, 8);
        await mode(page, 'Merged');
        await press(page.getByRole('button', { name: 'Collapse all' }));
        await expectRowNamed(row(page, '/opt'), 'opt, changes inside');
        await expect(row(page, '/opt').locator('[data-label="changes"]')).toHaveCount(1);
        await expectRowNamed(row(page, '/etc'), 'etc');
        await shot(page, `m-merged-marks-${tag}`);

        // the wasted big.bin: Merged at layer 6, the row scrolled into view and highlighted
        await mode(page, 'Changes');
        await layer(page, 9);
        await show(page, 'Summary');
        const waste = summary(page).getByRole('button', { name: /\/opt\/app\/big\.bin/ });
        await press(waste);
        await expectLayer(page, 6);
        await expectMode(page, 'Merged');
        await expectInTreeView(page, '/opt/app/big.bin');
        await expect(row(page, '/opt/app/big.bin')).toHaveAttribute('aria-selected', 'true');
        await expect(page.getByText('Switched to Merged at layer 6')).toBeVisible();
        await shot(page, `m-reveal-waste-${tag}`);

        // a size-map click on a file this layer's Changes do not list
        await mode(page, 'Changes');
        await layer(page, 9);
        await show(page, 'Summary');
        const map = page.getByRole('figure', { name: 'Size map' });
        await press(map.getByRole('button', { name: /^usr, .*directory$/ }));
        await press(map.getByRole('button', { name: /^bin, .*directory$/ }));
        // the biggest file: `[`, the regular file busybox's applets link to (MANIFEST.md)
        await press(map.getByRole('button', { name: /^\[, .*layer 0$/ }));
        await expectMode(page, 'Merged');
        await expect(page.getByText('Switched to Merged: layer 9 did not change it')).toBeVisible();
        await expectInTreeView(page, '/usr/bin/[');
        await shot(page, `m-reveal-sizemap-${tag}`);

        // history rows: a jump to another layer keeps the row in view
        await mode(page, 'Changes');
        await layer(page, 5);
        await selectByFilter(page, '/opt/app/config/app.conf');
        await press(details(page).getByRole('button', { name: /added layer 2/ }));
        await expectLayer(page, 2);
        await expectInTreeView(page, '/opt/app/config/app.conf');

        // a search hit
        await show(page, 'Files');
        const search = page.getByRole('search', { name: 'Search all layers' });
        await search.getByRole('searchbox').fill('hl-dst');
        await search.getByRole('searchbox').press('Enter');
        await press(search.getByRole('button', { name: /hl-dst/ }).first());
        await expectInTreeView(page, '/opt/app/bin/hl-dst');
      });

      test(`diff against the previous version and hex go to offset ${tag}`, async ({ page }) => {
        test.skip(!haveReal, '../shared/fixtures/real is not here');
        test.setTimeout(120_000);
        await open(page, APP1);
        await layer(page, 5);
        await selectByFilter(page, '/opt/app/config/app.conf');
        const viewer = page.getByRole('region', { name: 'File contents' });
        await press(viewer.getByRole('button', { name: 'Diff' }));
        const diff = viewer.getByRole('table', { name: 'Diff with the previous version' });
        await expect(diff).toBeVisible();
        await expect(viewer).toContainText('Layer 5 against layer 4');
        await expect(diff.locator('tr.diff-hunk').first()).toContainText(/^@@ -1,\d+ \+1,\d+ @@$/);
        await expect(diff.locator('tr.diff-added').first()).toBeVisible();
        await viewer.scrollIntoViewIfNeeded();
        await shot(page, `m-diff-${tag}`);

        await layer(page, 6);
        await selectByFilter(page, '/opt/app/big.bin');
        await viewer.getByLabel('Go to offset').fill('0x1f40');
        await press(viewer.getByRole('button', { name: 'Go', exact: true }));
        await expect(viewer).toContainText('Page 2 of 512');
        const target = viewer.locator('tr[aria-current="true"]');
        await expect(target.locator('th')).toHaveText('00001f40');
        await expect
          .poll(() =>
            target.evaluate((el) => {
              const box = el.closest('.viewer-scroll')?.getBoundingClientRect();
              const r = el.getBoundingClientRect();
              return !!box && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
            }),
          )
          .toBe(true);
        await viewer.getByLabel('Go to offset').fill('4096');
        await press(viewer.getByRole('button', { name: 'Go', exact: true }));
        await expect(viewer.locator('tr[aria-current="true"] th')).toHaveText('00001000');
        await viewer.getByLabel('Go to offset').fill('nope');
        await press(viewer.getByRole('button', { name: 'Go', exact: true }));
        await expect(viewer.getByRole('alert')).toContainText('0x');
        await shot(page, `m-hex-goto-${tag}`);
      });
    });
  }
}

test("the sample: each layer's counts agree with its Changes rows (the image shown first)", async ({
  page,
}) => {
  test.setTimeout(120_000);
  test.skip(!existsSync(SAMPLE), 'the sample is built by npm run build');
  await page.goto('./');
  await press(page.getByRole('button', { name: 'Open sample' }));
  await waitIndexed(page);
  const options = layers(page).getByRole('option');
  const count = await options.count();
  for (let i = 0; i < count; i++) {
    await layer(page, i);
    const name = (await options.nth(i).getAttribute('aria-label')) ?? '';
    const m =
      /(\d+) added, (\d+) modified, (\d+) removed(?:, (\d+) rewritten unchanged)?(?:, (\d+) replaced)?$/.exec(
        name,
      );
    expect(m, name).not.toBeNull();
    const [added, modified, removed, rewritten, replaced] = (m ?? []).slice(1).map((v) => Number(v ?? 0));
    // the Changes rows, all expanded: read by scrolling the virtualised tree through
    const counted = async () => {
      const names = await allRowNames(page);
      const countOf = (re: RegExp) => names.filter((n) => re.test(n)).length;
      return [
        countOf(/, added$/),
        countOf(/, modified$/),
        countOf(/, removed$/),
        countOf(/, same bytes, rewritten unchanged$/),
        countOf(/, replaced$/),
      ];
    };
    await expect
      .poll(counted, { message: `layer ${i}: ${name}` })
      .toEqual([added, modified, removed, rewritten, replaced]);
  }
});
