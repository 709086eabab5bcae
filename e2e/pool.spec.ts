/**
 * The engine's pool of layer decoders (src/worker/layerPool.ts): the same archive opened with
 * `?pool=0` (every layer decoded in the engine worker), 1, 2 and 4 workers shows the same layers
 * and the same entry count, and with a pool the layers really are decoded by pool workers.
 */
import { execFileSync } from 'node:child_process';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { ociArchive } from '../src/testing/archives';
import type { BuildEntry } from '../src/testing/tarBuilder';
import { layers, openViaInput, shot, waitIndexed, writeFixture } from './helpers';

const TMP = '/tmp/ilx-e2e-pool';

function layer(seed: number, n: number): BuildEntry[] {
  const entries: BuildEntry[] = [{ name: `d${seed}/`, type: 'dir' }];
  for (let i = 0; i < n; i++) entries.push({ name: `d${seed}/f${i}.txt`, content: `${seed}:${i}\n` });
  if (seed > 0) entries.push({ name: `d${seed - 1}/.wh.f0.txt`, content: '' });
  return entries;
}

function writeOci(name: string, compression: 'gzip' | 'zstd'): string {
  const image = {
    tags: [`pool/${compression}:1`],
    layers: [layer(0, 3000), layer(1, 800), layer(2, 1500), layer(3, 40)],
  };
  return writeFixture(TMP, name, ociArchive([image], compression));
}

/** GNU tar's count of every layer blob's entries: the index.json's manifest's layers, decompressed by the real tools. */
function gnuEntries(archive: string, compression: 'gzip' | 'zstd'): number {
  const read = (member: string): string => execFileSync('tar', ['-xOf', archive, member]).toString();
  const index = JSON.parse(read('index.json')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(read(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)) as {
    layers: { digest: string }[];
  };
  const decompress = compression === 'gzip' ? 'gzip -dc' : 'zstd -dc';
  let total = 0;
  for (const l of manifest.layers) {
    const out = execFileSync('sh', [
      '-c',
      `tar -xOf "$1" "$2" | ${decompress} | tar -t | wc -l`,
      'count',
      archive,
      `blobs/sha256/${l.digest.slice(7)}`,
    ]);
    total += Number(out.toString().trim());
  }
  return total;
}

interface PoolStats {
  size: number;
  started?: number;
  indexed?: number;
  failed?: number;
}

/**
 * Opens `file` with `?pool=<pool>` in a context of its own: the same context would restore the index
 * the first open saved (Remember indexes), and not read the archive again.
 */
async function openWithPool(
  browser: Browser,
  file: string,
  pool: number,
): Promise<{ entries: number; layerNames: string[]; stats: PoolStats; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`./?pool=${pool}`);
  await openViaInput(page, file);
  const entries = await waitIndexed(page);
  const names = () =>
    layers(page)
      .getByRole('option')
      .evaluateAll((options) => options.map((o) => o.getAttribute('aria-label') ?? o.textContent ?? ''));
  // each layer's change counts come with the image's stats, a moment after Indexed: compared once all are there
  await expect.poll(async () => (await names()).every((name) => / added, /.test(name))).toBe(true);
  const layerNames = await names();
  // the engine worker that opened it (a spare one is kept warm beside it) says what its pool did,
  // once openArchive has returned (the status can say Indexed a moment before)
  const poolStats = async (): Promise<PoolStats[]> => {
    const found: PoolStats[] = [];
    for (const worker of page.workers()) {
      const s = await worker.evaluate(() => (self as { layerPoolStats?: PoolStats }).layerPoolStats ?? null);
      if (s) found.push(s);
    }
    return found;
  };
  await expect.poll(async () => (await poolStats()).length).toBe(1);
  const stats = await poolStats();
  return { entries, layerNames, stats: stats[0], page };
}

for (const compression of ['gzip', 'zstd'] as const) {
  test(`an OCI archive of ${compression} layers reads the same with a pool of 0, 1, 2 and 4 decoders`, async ({
    browser,
  }) => {
    const file = writeOci(`pool-${compression}.tar`, compression);
    const expected = gnuEntries(file, compression);
    const alone = await openWithPool(browser, file, 0);
    expect(alone.entries).toBe(expected);
    expect(alone.stats).toEqual({ size: 0 });
    expect(alone.layerNames).toHaveLength(4);
    for (const pool of [1, 2, 4]) {
      const pooled = await openWithPool(browser, file, pool);
      expect(pooled.entries).toBe(expected);
      expect(pooled.layerNames).toEqual(alone.layerNames);
      // four compressed layers, all decoded in pool workers: as many as the pool has, up to four
      expect(pooled.stats).toEqual({ size: pool, started: Math.min(pool, 4), indexed: 4, failed: 0 });
      if (pool === 4) await shot(pooled.page, `pool-${compression}`);
      await pooled.page.context().close();
    }
    await alone.page.context().close();
  });
}
