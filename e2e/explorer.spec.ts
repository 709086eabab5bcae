/**
 * The explorer against the built site, from a sub-path, with the built-in sample (see
 * scripts/make-sample.ts for what is in it): what a person sees and can do.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { buildTar } from '../src/testing/tarBuilder';
import {
  files,
  fixturePath,
  gnuTarEntries,
  layers,
  layerTree,
  openViaDrop,
  openViaInput,
  pickImage,
  SAMPLE,
  selectLayer,
  setMode,
  shot,
  status,
  summary,
  waitIndexed,
  writeFixture,
} from './helpers';

const TMP = '/tmp/ilx-e2e';

async function openSample(page: import('@playwright/test').Page): Promise<number> {
  await page.goto('./');
  await page.getByRole('button', { name: 'Open sample' }).click();
  return waitIndexed(page);
}

test('welcome screen, then the built-in sample: every layer indexed, all images in one tree', async ({
  page,
}) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'See inside a container image' })).toBeVisible();
  await expect(page.getByLabel('Open image archive')).toBeAttached();
  await expect(status(page)).toHaveText(/No archive open/);
  await shot(page, '01-welcome');

  await page.getByRole('button', { name: 'Open sample' }).click();
  const n = await waitIndexed(page);
  expect(n).toBe(gnuTarEntries(SAMPLE));

  const tree = layerTree(page);
  for (const tag of [
    'explorer/base:1.0',
    'explorer/web:1.0',
    'explorer/web:2.0',
    'explorer/web:latest',
    'explorer/worker:1.0',
  ]) {
    await expect(tree).toContainText(tag);
  }
  // one node per chain ID: 12 distinct layers, shared ones once
  await expect(tree.getByRole('button', { name: /^Layer \d+:/ })).toHaveCount(12);
  for (const name of ['Zoom in', 'Zoom out', 'Fit'])
    await expect(tree.getByRole('button', { name })).toBeVisible();

  // the image with the most layers opens first: web:2.0, 6 layers, metadata steps in place
  const list = layers(page);
  await expect(list.getByRole('option')).toHaveCount(6);
  await expect(list.getByRole('option').nth(0)).toHaveAccessibleName(/^ADD file:5b0c1d5f/);
  await expect(list.getByRole('option').nth(1)).toHaveAccessibleName(/^RUN apk update && apk add/);
  await expect(list.getByRole('option').nth(3)).toHaveAccessibleName(
    /^COPY dir:8a7b6c5d.* in \/srv\/www, .*entries/,
  );
  await expect(list.getByRole('option').nth(5)).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.history-step', { hasText: 'ENV SITE_VERSION=2' })).toBeVisible();
  await expect(list.getByRole('option').nth(5)).toHaveAccessibleName(/0 added, 0 modified, 1 removed/);
  await shot(page, '02-sample-overview');
});

test('changes per layer: whiteouts, a removed directory, an opaque directory, modifications', async ({
  page,
}) => {
  await openSample(page);
  await pickImage(page, 'explorer/web:1.0');
  await expect(layers(page).getByRole('option')).toHaveCount(5);

  // layer 1: nginx installed, /etc/passwd modified
  await selectLayer(page, 1);
  await expect(files(page).getByRole('treeitem', { name: 'passwd, modified' })).toBeVisible();
  await expect(files(page).locator('[title="/usr/sbin/nginx"]')).toHaveAccessibleName(
    // the name, its change, then the columns the row shows
    /^nginx, added, \d/,
  );

  // layer 3: rm -rf /var/lib/apk/lists/* /usr/share/doc
  await selectLayer(page, 3);
  const tree = files(page);
  await expect(tree.getByRole('treeitem', { name: 'doc, removed' })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'APKINDEX.main.tar.gz, removed' })).toBeVisible();
  await expect(layers(page).getByRole('option').nth(3)).toHaveAccessibleName(
    /0 added, 0 modified, 5 removed/,
  );
  await shot(page, '03-changes-removed');

  // layer 4: /srv/www/assets replaced as a whole (opaque), nginx.conf modified
  await selectLayer(page, 4);
  await expect(tree.getByRole('treeitem', { name: 'app.min.js, added' })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'nginx.conf, modified' })).toBeVisible();

  // merged: the old assets are gone at layer 4, present at layer 2
  await setMode(page, 'Merged');
  await page.getByLabel('Filter paths').fill('/srv/www/assets/');
  await expect(tree.getByRole('treeitem', { name: /^app\.min\.js/ })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: /^app\.js/ })).toHaveCount(0);
  await selectLayer(page, 2);
  await expect(tree.getByRole('treeitem', { name: /^app\.js/ })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: /^app\.min\.js/ })).toHaveCount(0);
});

test('keyboard: "/" focuses the filter, arrows walk and open the tree, space toggles; details show history', async ({
  page,
}) => {
  await openSample(page);
  await pickImage(page, 'explorer/worker:1.0');
  await setMode(page, 'Merged');
  await page.locator('body').press('/');
  await expect(page.getByLabel('Filter paths')).toBeFocused();
  await page.keyboard.type('passwd');
  await page.keyboard.press('Enter');
  const tree = files(page);
  await expect(tree).toBeFocused();
  const etc = tree.getByRole('treeitem', { name: /^etc/ });
  await expect(etc).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowDown');
  const passwd = tree.getByRole('treeitem', { name: /^passwd/ });
  await expect(passwd).toHaveAttribute('aria-selected', 'true');
  const details = page.getByRole('region', { name: 'File details' });
  await expect(details).toContainText('/etc/passwd');
  await expect(details).toContainText('History of this path');
  await expect(details.getByRole('button', { name: /added.*layer 0/ })).toBeVisible();
  await expect(details.getByRole('button', { name: /modified.*layer 2/ })).toBeVisible();
  await page.keyboard.press('ArrowLeft'); // to the parent
  await expect(etc).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft'); // collapse
  await expect(etc).toHaveAttribute('aria-expanded', 'false');
  await expect(tree.getByRole('treeitem', { name: /^passwd/ })).toHaveCount(0);
  await page.keyboard.press('ArrowRight');
  await expect(etc).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press(' ');
  await expect(etc).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press(' ');
  await page.keyboard.press('ArrowDown');
  await expect(passwd).toHaveAttribute('aria-selected', 'true');
  await shot(page, '04-merged-details');

  // the details' history jumps to a layer
  await details.getByRole('button', { name: /added.*layer 0/ }).click();
  await expect(layers(page).getByRole('option').nth(0)).toHaveAttribute('aria-selected', 'true');
});

test('filters: change types, substring, regular expression, sort, expand and collapse all', async ({
  page,
}) => {
  await openSample(page);
  await pickImage(page, 'explorer/web:1.0');
  await selectLayer(page, 3);
  const tree = files(page);
  await expect(tree.getByRole('treeitem', { name: /, removed, / }).first()).toBeVisible();
  await page.getByRole('checkbox', { name: 'Removed' }).uncheck({ force: true });
  await expect(tree.getByRole('treeitem', { name: /, removed, / })).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Removed' }).check({ force: true });

  await setMode(page, 'Merged');
  await selectLayer(page, 4);
  const filter = page.getByLabel('Filter paths');
  await filter.fill('nginx');
  await expect(tree.getByRole('treeitem', { name: /^nginx\.conf/ })).toBeVisible();
  for (const name of await tree
    .getByRole('treeitem')
    .evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''))) {
    // every row is a match or leads to one
    expect(
      name === '/etc' ||
        name === '/usr' ||
        name === '/usr/sbin' ||
        name === '/var' ||
        name === '/var/log' ||
        name.includes('nginx'),
    ).toBe(true);
  }
  await page.getByRole('button', { name: 'Regular expression' }).click();
  await filter.fill('(');
  await expect(page.locator('#filter-error')).toBeVisible();
  await filter.fill('\\.conf$');
  await expect(page.locator('#filter-error')).toHaveCount(0);
  await expect(tree.getByRole('treeitem', { name: /^default\.conf/ })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: /^mime\.types/ })).toHaveCount(0);
  await shot(page, '05-filter-regex');

  await filter.fill('');
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(tree.getByRole('treeitem', { name: /^passwd/ })).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Sort by' }).selectOption('size');
  await expect(tree.getByRole('treeitem').first()).toHaveAccessibleName(/^usr/);
  await page.getByRole('button', { name: 'Expand all' }).click();
  await expect(tree.getByRole('treeitem', { name: /^busybox/ })).toBeVisible();
});

test('image summary: efficiency, wasted space, inefficient files jump to the file, config', async ({
  page,
}) => {
  await openSample(page);
  const s = summary(page);
  await expect(s).toContainText(/Efficiency\s*\d+(\.\d+)? %/);
  await expect(s).toContainText(/Wasted\s*\d+(\.\d+)? (B|KB|MB)/);
  await expect(s).toContainText('SITE_VERSION=2');
  await expect(s).toContainText('80/tcp');
  await expect(s).toContainText('linux/amd64');
  await expect(s).toContainText('org.opencontainers.image.version=2.0');
  const ineff = s.getByRole('button', { name: /\/srv\/www\/cache\/prerender\.bin/ });
  await expect(ineff).toBeVisible();
  await shot(page, '06-summary');
  await ineff.click();
  await expect(page.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(layers(page).getByRole('option').nth(4)).toHaveAttribute('aria-selected', 'true');
  await expect(files(page).getByRole('treeitem', { name: /^prerender\.bin/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(page.getByRole('region', { name: 'File details' })).toContainText(
    '/srv/www/cache/prerender.bin',
  );
});

test('deep link: the URL hash returns to the same image, layer, mode and path', async ({ page }) => {
  await openSample(page);
  await pickImage(page, 'explorer/web:1.0');
  await selectLayer(page, 2);
  await setMode(page, 'Merged');
  await page.getByLabel('Filter paths').fill('index.html');
  await files(page)
    .getByRole('treeitem', { name: /^index\.html/ })
    .click();
  // the sample is named in the link, so following it opens the sample again by itself
  await expect(page).toHaveURL(
    /#sample&image=1&layer=2&mode=merged&filter=index\.html&path=\/srv\/www\/index\.html$/,
  );
  const url = page.url();

  await page.goto('about:blank');
  await page.goto(url);
  await waitIndexed(page);
  await expect(page.getByRole('combobox', { name: 'Image' })).toHaveValue('1');
  await expect(layers(page).getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(files(page).getByRole('treeitem', { name: /^index\.html/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
});

test('layer tree: zoom buttons, wheel, fit, hover tooltip, click and keyboard select', async ({ page }) => {
  await openSample(page);
  const tree = layerTree(page);
  const g = tree.locator('svg > g').first();
  const scale = async () =>
    Number(/scale\(([\d.]+)/.exec((await g.getAttribute('transform')) ?? '')?.[1] ?? '1');
  const s0 = await scale();
  await tree.getByRole('button', { name: 'Zoom in' }).click();
  await expect.poll(scale).toBeGreaterThan(s0 * 1.2);
  await tree.getByRole('button', { name: 'Zoom out' }).click();
  await tree.getByRole('button', { name: 'Zoom out' }).click();
  await expect.poll(scale).toBeLessThan(s0);
  const box = (await tree.locator('svg.tree-svg').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const before = await scale();
  await page.mouse.wheel(0, -300);
  await expect.poll(scale).toBeGreaterThan(before);
  await tree.getByRole('button', { name: 'Fit' }).click();
  await page.waitForTimeout(400);

  // click a node of another image: the image and layer follow
  const worker = tree.getByRole('button', { name: /^Layer 4: RUN chmod 0755/ });
  await worker.click();
  await expect(page.getByRole('combobox', { name: 'Image' })).toHaveValue('3');
  await expect(layers(page).getByRole('option').nth(4)).toHaveAttribute('aria-selected', 'true');
  await expect(worker).toHaveAttribute('aria-pressed', 'true');
  await worker.hover();
  await expect(page.getByRole('tooltip')).toContainText('Entries');
  await expect(page.getByRole('tooltip')).toContainText(/\+\d+/);
  await shot(page, '07-tree-tooltip');

  // keyboard: up moves to the previous node and selects it
  await worker.focus();
  await page.keyboard.press('ArrowUp');
  await expect(layers(page).getByRole('option').nth(3)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(layers(page).getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
});

test('drop anywhere opens an archive', async ({ page }) => {
  await page.goto('./');
  await openViaDrop(page, SAMPLE);
  expect(await waitIndexed(page)).toBe(gnuTarEntries(SAMPLE));
  await expect(layerTree(page)).toContainText('explorer/worker:1.0');
});

test('broken archives: the alert says what and where, what was read stays explorable', async ({ page }) => {
  const notTar = writeFixture(TMP, 'notes.txt', 'this is not an image archive\n'.repeat(100));
  await page.goto('./');
  await openViaInput(page, notTar);
  await expect(page.getByRole('alert')).toContainText(/not a tar archive/);
  await expect(status(page)).toContainText('Could not read notes.txt');
  await shot(page, '08-error-not-tar');

  // break the header of an entry in the middle of one layer: the layer keeps what came before it
  const cut = writeFixture(TMP, 'sample-broken-layer.tar', breakLayerHeader(readFileSync(SAMPLE), 1, 6));
  await openViaInput(page, cut);
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText(
    /checksum mismatch at byte \d+ \(after entry "etc\/nginx\/[^"]+"\)/,
  );
  expect(await waitIndexed(page)).toBeLessThan(gnuTarEntries(SAMPLE));
  await expect(layerTree(page)).toContainText('explorer/web:2.0');
  await selectLayer(page, 1);
  await expect(files(page).getByRole('treeitem', { name: 'passwd, modified' })).toBeVisible();
  await shot(page, '09-error-truncated');
});

/** Offsets of the members of a plain tar (headers only; enough for the archives our tests build). */
function tarMembers(
  bytes: Uint8Array,
  base = 0,
  end = bytes.length,
): { name: string; header: number; data: number; size: number }[] {
  const out: { name: string; header: number; data: number; size: number }[] = [];
  let pos = base;
  let longName: string | null = null;
  while (pos + 512 <= end && bytes[pos] !== 0) {
    const field = (o: number, n: number) =>
      Buffer.from(bytes.subarray(pos + o, pos + o + n))
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(bytes[pos + 156]);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    if (flag === 'x' || flag === 'L') {
      const body = Buffer.from(bytes.subarray(pos + 512, pos + 512 + size)).toString('utf8');
      longName = flag === 'L' ? body.replace(/\0.*$/s, '') : (/ path=([^\n]*)\n/.exec(body)?.[1] ?? null);
    } else {
      out.push({ name, header: pos, data: pos + 512, size });
      longName = null;
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** A copy of a docker save with the header of entry `entry` of layer member `layer` garbled. */
function breakLayerHeader(archive: Uint8Array, layer: number, entry: number): Uint8Array {
  const copy = new Uint8Array(archive);
  const member = tarMembers(copy).filter((m) => m.name.endsWith('/layer.tar'))[layer];
  const inner = tarMembers(copy, member.data, member.data + member.size)[entry];
  copy[inner.header + 148] ^= 0x07; // the checksum no longer matches
  return copy;
}

/** One directory of 100,000 files (and a few around it): a rootfs tar the test makes once. */
function hugeArchive(): string {
  const path = fixturePath(TMP, 'dir-100k.tar');
  if (existsSync(path)) return path;
  const entries: Parameters<typeof buildTar>[0] = [
    { name: 'etc/', type: 'dir' },
    { name: 'etc/hostname', content: 'big\n' },
  ];
  entries.push({ name: 'data/', type: 'dir' });
  for (let i = 0; i < 100_000; i++)
    entries.push({ name: `data/f${String(i).padStart(6, '0')}.bin`, size: 0 });
  return writeFixture(TMP, 'dir-100k.tar', buildTar(entries));
}

test('a directory of 100k entries scrolls with few DOM rows', async ({ page }) => {
  test.setTimeout(120_000);
  const big = hugeArchive();
  await page.goto('./');
  await openViaInput(page, big);
  expect(await waitIndexed(page, 60_000)).toBe(100_003);
  const tree = files(page);
  await expect(tree.getByRole('treeitem', { name: /^data/ })).toHaveAttribute('aria-expanded', 'true');
  const rows = async () => tree.getByRole('treeitem').count();
  expect(await rows()).toBeLessThan(200);
  const timings: number[] = [];
  for (const fraction of [0.25, 0.5, 0.75, 1]) {
    const t0 = Date.now();
    await tree.evaluate((el, f) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
    }, fraction);
    const expected = fraction === 1 ? 'f099999.bin' : undefined;
    if (expected) await expect(tree.getByRole('treeitem', { name: expected })).toBeVisible();
    else await expect(tree.locator('.file-row.placeholder')).toHaveCount(0);
    timings.push(Date.now() - t0);
    expect(await rows()).toBeLessThan(200);
  }
  test.info().annotations.push({ type: 'scroll ms', description: timings.join(', ') });
  await shot(page, '10-100k-entries');
  // keyboard End goes to the last row too
  await tree.getByRole('treeitem', { name: 'f099999.bin' }).click();
  await page.keyboard.press('Home');
  await expect(tree.getByRole('treeitem', { name: /^data/ })).toHaveAttribute('aria-selected', 'true');
});

test('opening another archive cancels the one being read', async ({ page }) => {
  test.setTimeout(120_000);
  const big = hugeArchive();
  const copy = join(TMP, 'dir-100k-copy.tar');
  if (!existsSync(copy)) copyFileSync(big, copy);
  await page.goto('./');
  await openViaInput(page, copy);
  await openViaDrop(page, SAMPLE);
  expect(await waitIndexed(page)).toBe(gnuTarEntries(SAMPLE));
  await expect(layerTree(page)).toContainText('explorer/web:2.0');
  await page.waitForTimeout(500);
  await expect(status(page)).toContainText(`Indexed ${gnuTarEntries(SAMPLE)} entries`);
});

test('Cancel stops reading and keeps what was read', async ({ page }) => {
  test.setTimeout(120_000);
  const big = hugeArchive();
  await page.goto('./');
  await openViaInput(page, big);
  await expect(status(page)).toContainText(/Reading|Indexing|Indexed/);
  await shot(page, '12-reading-progress');
  const cancel = page.getByRole('button', { name: 'Cancel' });
  if (await cancel.isVisible()) await cancel.click({ timeout: 2000 }).catch(() => {});
  await expect(status(page)).toContainText(/Stopped: [\d,]+ entries read|Indexed \d+ entries/);
  await expect(page.getByLabel('Open image archive')).toBeEnabled();
});

test('dark theme follows the system', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await openSample(page);
  await pickImage(page, 'explorer/web:1.0');
  await selectLayer(page, 3);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).not.toBe('rgb(238, 241, 245)');
  await shot(page, '11-dark');
  await context.close();
});
