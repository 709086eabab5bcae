/**
 * The site as people host and share it: dist/ from any sub-path, archives opened from an address
 * (`?url=`, with and without Range support), links that carry that address, and offline use.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { dockerArchive } from '../src/testing/archives';
import { type ArchiveServer, startArchiveServer } from './archiveServer';
import {
  files,
  fixturePath,
  gnuTarEntries,
  layers,
  layerTree,
  openViaInput,
  pickImage,
  ROOT,
  SAMPLE,
  selectLayer,
  setMode,
  shot,
  status,
  waitIndexed,
  writeFixture,
} from './helpers';
import { startStaticServer } from './serve';

const TMP = '/tmp/ilx-e2e';
const DIST = join(ROOT, 'dist');
const MiB = 1024 * 1024;

/** `./?url=…` relative to the configured base URL. */
function withUrl(address: string): string {
  return `./?url=${encodeURIComponent(address)}`;
}

/** Waits until the service worker is active and controls the page. */
async function serviceWorkerReady(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    return registration.scope;
  });
}

/** Every URL in the service worker's caches. */
function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) urls.push(request.url);
    }
    return urls.sort();
  });
}

/**
 * Two layers, each a few small files around one 64 MiB file: reading headers needs a few windows,
 * the bodies are never needed, so Range requests fetch a small part of the archive.
 */
function bigRemoteArchive(): string {
  const path = fixturePath(TMP, 'remote-big-v1.tar');
  if (existsSync(path)) return path;
  const big = new Uint8Array(64 * MiB);
  return writeFixture(
    TMP,
    'remote-big-v1.tar',
    dockerArchive([
      {
        tags: ['remote/big:1'],
        layers: [
          [
            { name: 'etc/', type: 'dir' },
            { name: 'etc/hostname', content: 'remote\n' },
            { name: 'data/', type: 'dir' },
            { name: 'data/blob-a.bin', content: big },
            { name: 'data/after-a.txt', content: 'after a\n' },
          ],
          [
            { name: 'opt/', type: 'dir' },
            { name: 'opt/blob-b.bin', content: big },
            { name: 'opt/readme', content: 'b\n' },
          ],
        ],
      },
    ]),
  );
}

test('dist uses only relative URLs: every asset, the worker, the sample and the service worker', () => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  expect(refs.length).toBeGreaterThanOrEqual(3);
  for (const ref of refs) expect(ref).toMatch(/^\.\//);
  const sw = readFileSync(join(DIST, 'sw.js'), 'utf8');
  const precache = JSON.parse(/new Set\((\[[^\]]*\])/.exec(sw)?.[1] ?? '[]') as string[];
  expect(precache).toContain('index.html');
  expect(precache.some((f) => /^assets\/worker-.*\.js$/.test(f))).toBe(true);
  for (const f of precache) expect(f).not.toMatch(/^\/|^https?:|\.tar$/);
  for (const file of readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js'))) {
    const js = readFileSync(join(DIST, 'assets', file), 'utf8');
    // no root-relative reference to the site's own files (it would break under a sub-path)
    expect(js).not.toMatch(/["'`]\/(?:assets|sample|sw\.js|favicon)/);
  }
});

test('the same dist works unchanged under two other sub-paths', async ({ browser }) => {
  const expected = gnuTarEntries(SAMPLE);
  for (const base of ['/a/', '/deeply/nested/image-explorer-2/']) {
    const site = await startStaticServer({ base });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const seen: string[] = [];
    context.on('request', (r) => seen.push(r.url()));
    const page = await context.newPage();
    try {
      await page.goto(site.url);
      await expect(page.getByRole('heading', { name: 'See inside a container image' })).toBeVisible();
      expect(await serviceWorkerReady(page)).toBe(site.url);
      await page.getByRole('button', { name: 'Open sample' }).click();
      expect(await waitIndexed(page)).toBe(expected);
      await expect(layerTree(page)).toContainText('explorer/web:2.0');
      if (base.startsWith('/deeply')) await shot(page, '7-hosting-subpath');
      // everything came from under the base: the server saw nothing else, the browser asked nothing else
      expect(site.requests.length).toBeGreaterThan(4);
      for (const r of site.requests) expect(r.path.startsWith(base)).toBe(true);
      for (const url of seen) expect(url.startsWith(site.url)).toBe(true);
      expect(seen.some((u) => /\/assets\/worker-[^/]+\.js$/.test(u))).toBe(true);
      expect(seen).toContain(`${site.url}sample/sample.tar`);
    } finally {
      await context.close();
      await site.close();
    }
  }
});

test.describe('?url= opens an archive from another site', () => {
  let ranged: ArchiveServer;
  let plain: ArchiveServer;
  let noCors: ArchiveServer;
  test.beforeAll(async () => {
    const big = bigRemoteArchive();
    ranged = await startArchiveServer({ files: { 'big.tar': big, 'sample.tar': SAMPLE }, ranges: true });
    // without Range, slowly enough that the download's progress shows
    plain = await startArchiveServer({
      files: { 'sample.tar': SAMPLE },
      ranges: false,
      throttle: { chunk: 192 * 1024, delayMs: 60 },
    });
    noCors = await startArchiveServer({ files: { 'sample.tar': SAMPLE }, ranges: true, cors: false });
  });
  test.afterAll(async () => {
    await ranged?.close();
    await plain?.close();
    await noCors?.close();
  });

  test('a server that honours Range: headers only, a fraction of the bytes', async ({ page }) => {
    const file = bigRemoteArchive();
    const size = readFileSync(file).length;
    const before = ranged.requests.length;
    const address = ranged.urlOf('big.tar');
    await page.goto(withUrl(address));
    expect(await waitIndexed(page)).toBe(gnuTarEntries(file));
    await expect(layerTree(page)).toContainText('remote/big:1');
    await expect(page.locator('.archive-chip')).toContainText('big.tar');
    await expect(page.locator('.statusbar')).toContainText('Read from 127.0.0.1:');
    const mine = ranged.requests.slice(before);
    const sent = mine.reduce((n, r) => n + r.bytes, 0);
    test.info().annotations.push({
      type: 'range transfer',
      description: `${sent} of ${size} bytes (${((100 * sent) / size).toFixed(1)} %) in ${mine.length} requests`,
    });
    expect(mine.length).toBeGreaterThan(1);
    for (const r of mine) {
      expect(r.range).toMatch(/^bytes=\d+-\d+$/);
      expect(r.status).toBe(206);
    }
    expect(sent).toBeLessThan(size * 0.3);
    // the address moved from the query into the hash, where the link keeps it
    await expect(page).toHaveURL(
      /\/tools\/explorer\/#url=http%3A\/\/127\.0\.0\.1%3A\d+\/big\.tar&image=0&layer=1/,
    );
    await files(page)
      .getByRole('treeitem', { name: /^readme/ })
      .click();
    await expect(page.getByRole('region', { name: 'File details' })).toContainText('/opt/readme');
    await shot(page, '7-url-range');
    // the service worker keeps none of it
    await serviceWorkerReady(page);
    const cached = await cachedUrls(page);
    expect(cached.length).toBeGreaterThan(3);
    for (const url of cached) {
      expect(url.startsWith(ranged.origin)).toBe(false);
      expect(url).not.toMatch(/\.tar$/);
    }
  });

  test('a server that ignores Range: one full download, with progress', async ({ page }) => {
    const size = readFileSync(SAMPLE).length;
    const before = plain.requests.length;
    await page.goto(withUrl(plain.urlOf('sample.tar')));
    const downloading =
      /Downloading sample\.tar: [\d.]+ [kMG]?B of 6\.\d+ MB \(the server does not support Range requests\)/;
    await expect(status(page)).toContainText(downloading);
    await expect(page.getByRole('heading', { name: 'Downloading sample.tar' })).toBeVisible();
    await shot(page, '7-url-download');
    expect(await waitIndexed(page)).toBe(gnuTarEntries(SAMPLE));
    await expect(layerTree(page)).toContainText('explorer/web:2.0');
    const mine = plain.requests.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ method: 'GET', status: 200, bytes: size });
  });

  test('a server that does not allow cross-origin reads: the alert says so', async ({ page }) => {
    await page.goto(withUrl(noCors.urlOf('sample.tar')));
    await expect(page.getByRole('alert')).toContainText(/does not allow cross-origin reads \(CORS\)/);
    await expect(page.getByRole('alert')).toContainText(noCors.urlOf('sample.tar'));
    await expect(status(page)).toContainText('Could not read sample.tar');
    await expect(page.getByLabel('Open image archive')).toBeEnabled();
  });

  test('only http and https addresses are opened', async ({ page }) => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto('./?url=javascript%3Aalert(1)');
    await expect(page.getByRole('alert')).toContainText('Not an http or https address: javascript:alert(1)');
    await expect(page.getByRole('heading', { name: 'See inside a container image' })).toBeVisible();
    for (const url of requests) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tools\/explorer\//);
  });

  test("a shared link opens the same remote archive at the same place in a colleague's browser", async ({
    page,
    browser,
  }) => {
    await page.goto(withUrl(ranged.urlOf('sample.tar')));
    await waitIndexed(page);
    await pickImage(page, 'explorer/web:1.0');
    await selectLayer(page, 2);
    await setMode(page, 'Merged');
    await page.getByLabel('Filter paths').fill('index.html');
    await files(page)
      .getByRole('treeitem', { name: /^index\.html/ })
      .click();
    await expect(page).toHaveURL(
      /#url=http%3A\/\/127\.0\.0\.1%3A\d+\/sample\.tar&image=1&layer=2&mode=merged&filter=index\.html&path=\/srv\/www\/index\.html$/,
    );
    const link = page.url();

    const colleague = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const other = await colleague.newPage();
    try {
      await other.goto(link);
      await waitIndexed(other);
      await expect(other.getByRole('combobox', { name: 'Image' })).toHaveValue('1');
      await expect(layers(other).getByRole('option').nth(2)).toHaveAttribute('aria-selected', 'true');
      await expect(other.getByRole('button', { name: 'Merged', exact: true })).toHaveAttribute(
        'aria-pressed',
        'true',
      );
      await expect(files(other).getByRole('treeitem', { name: /^index\.html/ })).toHaveAttribute(
        'aria-selected',
        'true',
      );
      await expect(other.getByRole('region', { name: 'File details' })).toContainText('/srv/www/index.html');
      // the filter came along with the link
      await expect(other.getByLabel('Filter paths')).toHaveValue('index.html');
      await shot(other, '7-url-deep-link');
    } finally {
      await colleague.close();
    }
  });
});

test('offline after the first visit: the app loads from the service worker and opens a local file', async ({
  page,
  context,
}) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'See inside a container image' })).toBeVisible();
  expect(await serviceWorkerReady(page)).toMatch(/\/tools\/explorer\/$/);
  const cached = await cachedUrls(page);
  const base = new URL(page.url()).origin + '/tools/explorer/';
  expect(cached).toContain(`${base}index.html`);
  expect(cached).toContain(`${base}favicon.svg`);
  expect(cached.some((u) => /\/assets\/worker-[^/]+\.js$/.test(u))).toBe(true);
  expect(cached.some((u) => u.endsWith('.tar'))).toBe(false);

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.getByRole('heading', { name: 'See inside a container image' })).toBeVisible();
    await expect(page.getByLabel('Open image archive')).toBeAttached();
    await openViaInput(page, SAMPLE);
    expect(await waitIndexed(page)).toBe(gnuTarEntries(SAMPLE));
    await expect(layerTree(page)).toContainText('explorer/web:2.0');
    await shot(page, '7-offline');
    // the sample is an archive: it is not kept, so offline it cannot be fetched, and the alert says so
    await page.getByRole('button', { name: 'Open sample' }).click();
    await expect(page.getByRole('alert')).toContainText('Could not load the built-in sample');
  } finally {
    await context.setOffline(false);
  }
});
