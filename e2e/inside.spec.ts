/**
 * Looking inside the built-in sample (scripts/make-sample.ts): a file's contents as text, hex
 * and an image preview, links followed, search across every layer, the size map, and exports
 * that GNU tar lists like the command line's export of the same layer.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { files, pickImage, ROOT, SAMPLE, selectLayer, shot, waitIndexed } from './helpers';

const TMP = '/tmp/ilx-e2e-inside';

async function openSample(page: Page): Promise<void> {
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).click();
  await waitIndexed(page);
}

function viewer(page: Page) {
  return page.getByRole('region', { name: 'File contents' });
}

function searchBox(page: Page) {
  return page.getByRole('search', { name: 'Search all layers' });
}

async function search(page: Page, text: string): Promise<void> {
  const box = searchBox(page);
  await box.getByRole('searchbox', { name: 'Search all layers' }).fill(text);
  await box.getByRole('button', { name: 'Search' }).click();
  await expect(box).toContainText(/\d+ hits? in \d+ layers/);
}

function tarNames(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

test('a text file: line numbers, HTML shown as source, never rendered; links followed', async ({ page }) => {
  await openSample(page);
  // web:2.0's layer 3 copies the site again
  await selectLayer(page, 3);
  await files(page).getByRole('treeitem', { name: 'pricing.html, added' }).click();
  const v = viewer(page);
  await expect(v).toContainText('<title>Pricing</title>');
  await expect(v).toContainText('HTML source, not rendered');
  await expect(v.getByRole('rowheader', { name: '1', exact: true })).toBeVisible();
  await expect(v.getByRole('rowheader', { name: '4', exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Pricing' })).toHaveCount(0);
  await expect(v.getByRole('button', { name: 'Download' })).toBeVisible();
  await shot(page, '5-text');

  // a symlink is followed to its target in a lower layer
  await search(page, 'etc/os-release');
  await searchBox(page)
    .getByRole('button', { name: /^\/etc\/os-release layer 0/ })
    .click();
  await expect(v).toContainText('Links followed');
  await expect(v).toContainText('../usr/lib/os-release');
  await expect(v).toContainText(/NAME=/);
  await expect(v.getByRole('button', { name: /^Go to target \/usr\/lib\/os-release/ })).toBeVisible();

  // a dangling link says so
  await search(page, 'var/log/nginx/access.log');
  await searchBox(page)
    .getByRole('button', { name: /^\/var\/log\/nginx\/access\.log/ })
    .first()
    .click();
  await expect(v.locator('.link-error')).toContainText(/dangling|not in|does not exist|\/dev\/stdout/);
  await shot(page, '5-dangling');
});

test('a binary in hex, and its download has the same bytes', async ({ page }) => {
  await openSample(page);
  await selectLayer(page, 3);
  await files(page).getByRole('treeitem', { name: 'hero.webp, added' }).click();
  const v = viewer(page);
  const dump = v.getByRole('table', { name: 'Hex dump' });
  await expect(dump).toBeVisible();
  await expect(dump.getByRole('row').nth(1)).toContainText('00000000');
  await expect(dump.getByRole('row').nth(1)).toContainText('52 49 46 46');
  await expect(dump.getByRole('row').nth(1)).toContainText('RIFF');
  // 4 KiB a page (issue 17: hex pages larger than 1 KB)
  await expect(v).toContainText('Page 1 of 15');
  await v.getByRole('button', { name: 'Next page' }).click();
  await expect(v).toContainText('Page 2 of 15');
  await expect(dump.getByRole('row').nth(1)).toContainText('00001000');
  await shot(page, '5-hex');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    v.getByRole('button', { name: 'Download' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('hero.webp');
  mkdirSync(TMP, { recursive: true });
  const saved = join(TMP, 'hero.webp');
  await download.saveAs(saved);
  const expected = execFileSync(
    'npx',
    [
      'tsx',
      'src/cli/main.ts',
      'cat',
      SAMPLE,
      '--image',
      'explorer/web:2.0',
      '--layer',
      '3',
      '/srv/www/img/hero.webp',
    ],
    { cwd: ROOT, maxBuffer: 1 << 26 },
  );
  expect(execFileSync('cmp', [saved, '-'], { input: expected }).length).toBe(0);
});

test('an image is previewed from a blob: URL made in the page', async ({ page }) => {
  await openSample(page);
  await search(page, 'logo.png');
  await searchBox(page)
    .getByRole('button', { name: /^\/srv\/www\/img\/logo\.png/ })
    .first()
    .click();
  const img = viewer(page).getByRole('img', { name: 'Preview of logo.png' });
  await expect(img).toBeVisible();
  await expect(img).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(32);
  await expect(viewer(page)).toContainText('image/png');
  await shot(page, '5-image');
});

test('search finds a file a later layer deleted, streams hits, and a hit selects its layer', async ({
  page,
}) => {
  await openSample(page);
  await search(page, 'hero.jpg');
  const hits = searchBox(page).getByRole('list', { name: 'Search results' }).getByRole('button');
  await expect(hits).toHaveCount(2);
  await expect(hits.nth(0)).toHaveAccessibleName(/^\/srv\/www\/img\/hero\.jpg layer \d+ added/);
  await expect(hits.nth(1)).toHaveAccessibleName(/^\/srv\/www\/img\/hero\.jpg layer 3 removed/);
  await hits.nth(1).click();
  await expect(page.getByRole('listbox', { name: 'Layers' }).getByRole('option').nth(3)).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(files(page).getByRole('treeitem', { name: 'hero.jpg, removed' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  // the timeline in the details names both layers and their commands
  const details = page.getByRole('region', { name: 'File details' });
  await expect(details).toContainText('added');
  await expect(details).toContainText('removed');
  await expect(details).toContainText('COPY');
  await shot(page, '5-search');

  // a regex, and an invalid one is explained
  await searchBox(page).getByRole('checkbox', { name: 'Regex' }).check();
  await search(page, '^hero\\.(jpg|webp)$');
  await expect(hits).toHaveCount(3);
  await searchBox(page).getByRole('searchbox').fill('(');
  await searchBox(page).getByRole('button', { name: 'Search' }).click();
  await expect(searchBox(page)).toContainText('invalid regular expression');
});

test('the size map zooms into a directory and back, and selects a file', async ({ page }) => {
  await openSample(page);
  const map = page.getByRole('figure', { name: 'Size map' });
  await expect(map.getByRole('button', { name: /^usr, .*directory$/ })).toBeVisible();
  await shot(page, '5-sizemap');
  await map.getByRole('button', { name: /^usr, .*directory$/ }).click();
  await expect(map.getByRole('group', { name: 'Sizes below /usr' })).toBeVisible();
  await expect(map.getByRole('button', { name: /^lib, .*directory$/ })).toBeVisible();
  await expect(map.getByRole('button', { name: /^usr, .*directory$/ })).toHaveCount(0);
  await shot(page, '5-sizemap-zoomed');
  await map.getByRole('button', { name: /^lib, .*directory$/ }).click();
  await expect(map.getByRole('group', { name: 'Sizes below /usr/lib' })).toBeVisible();
  await map.getByRole('button', { name: /^ld-musl-x86_64\.so\.1, .*layer \d+$/ }).click();
  await expect(page.getByRole('region', { name: 'File details' })).toContainText(
    '/usr/lib/ld-musl-x86_64.so.1',
  );
  await map.getByRole('button', { name: 'Up' }).click();
  await expect(map.getByRole('group', { name: 'Sizes below /usr' })).toBeVisible();
});

test('exports: a layer, the merged filesystem and a directory, listed by GNU tar as the CLI writes them', async ({
  page,
}) => {
  await openSample(page);
  await pickImage(page, 'explorer/web:2.0');
  await selectLayer(page, 3);
  mkdirSync(TMP, { recursive: true });
  const panel = page.getByRole('region', { name: 'Export' });
  const cli = (out: string, ...args: string[]) =>
    execFileSync(
      'npx',
      [
        'tsx',
        'src/cli/main.ts',
        'export',
        SAMPLE,
        '--image',
        'explorer/web:2.0',
        '--layer',
        '3',
        ...args,
        '-o',
        out,
      ],
      { cwd: ROOT },
    );

  const save = async (button: string, name: string): Promise<string> => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: button }).click(),
    ]);
    const file = join(TMP, name);
    await download.saveAs(file);
    await expect(panel).toContainText('Saved');
    return file;
  };

  const layer = await save('Export layer changes', 'layer.tar');
  cli(join(TMP, 'layer-cli.tar'));
  const names = tarNames(layer);
  expect(names).toEqual(tarNames(join(TMP, 'layer-cli.tar')));
  expect(names).toContain('srv/www/img/.wh.hero.jpg');
  expect(names).toContain('srv/www/pricing.html');

  const merged = await save('Export merged filesystem', 'merged.tar');
  cli(join(TMP, 'merged-cli.tar'), '--merged');
  expect(tarNames(merged)).toEqual(tarNames(join(TMP, 'merged-cli.tar')));
  expect(tarNames(merged)).toContain('etc/os-release');

  await files(page).getByRole('treeitem', { name: /^img/ }).first().click();
  await expect(panel.getByRole('button', { name: 'Export directory' })).toBeEnabled();
  const dir = await save('Export directory', 'dir.tar');
  expect(tarNames(dir)).toEqual(expect.arrayContaining(['img/hero.webp']));
  await shot(page, '5-export');
});
