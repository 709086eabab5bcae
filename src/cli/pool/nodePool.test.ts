import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageArchive } from '../../core/image/model';
import { openArchive, totalEntries } from '../../core/image/open';
import { LayerWorkerPool } from '../../pool/pool';
import { sha256, zstdStored } from '../../testing/archives';
import { archivesUnder, SHARED, sharedExists } from '../../testing/gnuTar';
import { type BuildEntry, buildTar, concat } from '../../testing/tarBuilder';
import { NodeFileSource } from '../nodeFileSource';
import { defaultPoolSize, MAX_POOL, nodeLayerPool } from './nodePool';

/** A layer of `n` files in a few directories, names long enough to need PAX now and then. */
function layerEntries(seed: number, n: number): BuildEntry[] {
  const entries: BuildEntry[] = [{ name: `d${seed}/`, type: 'dir' }];
  for (let i = 0; i < n; i++) {
    const deep = i % 7 === 0 ? `${'x'.repeat(90)}/` : '';
    entries.push({
      name: `d${seed}/${deep}f${i}-é.txt`,
      content: `layer ${seed} file ${i}\n`.repeat((i % 5) + 1),
      uname: i % 3 ? 'root' : 'app',
      gname: 'root',
      mtime: 1_700_000_000 + i,
    });
  }
  entries.push({ name: `d${seed}/link`, type: 'symlink', linkTarget: 'f0-é.txt' });
  return entries;
}

/** A docker-archive whose layer members are the given blobs, stored as they are. */
function dockerWith(blobs: Uint8Array[]): Uint8Array {
  const diffIds = blobs.map((b) => sha256(b));
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: blobs.map((_, i) => ({ created_by: `STEP ${i}` })),
  });
  const configName = `${sha256(config).slice(7)}.json`;
  const members: BuildEntry[] = blobs.map((content, i) => ({ name: `l${i}/layer.tar`, content }));
  members.push({ name: configName, content: config });
  members.push({
    name: 'manifest.json',
    content: JSON.stringify([
      {
        Config: configName,
        RepoTags: ['pool:test'],
        Layers: members.slice(0, blobs.length).map((m) => m.name),
      },
    ]),
  });
  return buildTar(members);
}

const dir = mkdtempSync(join(tmpdir(), 'ilx-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeArchive(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const tarOf = (seed: number, n: number): Uint8Array => buildTar(layerEntries(seed, n));

const CASES: Record<string, () => Uint8Array[]> = {
  'gzip and zstd layers with a plain one between': () => [
    gzipSync(tarOf(0, 3000)),
    zstdStored(tarOf(1, 500)),
    tarOf(2, 200),
    gzipSync(tarOf(3, 1200)),
    zstdStored(tarOf(4, 50)),
  ],
  'a truncated gzip layer, a truncated zstd layer and good ones': () => {
    const cutGzip = gzipSync(tarOf(1, 2000));
    const cutZstd = zstdStored(tarOf(2, 800));
    return [
      gzipSync(tarOf(0, 400)),
      cutGzip.subarray(0, Math.floor(cutGzip.length * 0.6)),
      cutZstd.subarray(0, Math.floor(cutZstd.length * 0.5)),
      gzipSync(tarOf(3, 100)),
    ];
  },
  'garbage inside the compression, and trailing garbage after a stream': () => [
    gzipSync(new TextEncoder().encode('not a tar at all, just words '.repeat(200))),
    concat([gzipSync(tarOf(1, 300)), new TextEncoder().encode('GARBAGE AFTER THE STREAM')]),
    zstdStored(concat([tarOf(2, 100).subarray(0, 5120), new Uint8Array(512).fill(0x41)])),
    gzipSync(tarOf(3, 10)),
  ],
};

/** Everything openArchive's result says about its layers, in comparable form. */
function described(archive: ImageArchive): unknown {
  return {
    format: archive.format,
    entries: totalEntries(archive),
    errors: archive.errors,
    warnings: archive.warnings,
    blobs: [...archive.blobs].map(([key, b]) => ({
      key,
      compression: b.compression,
      error: b.error,
      columns: b.entries?.toColumns() ?? null,
    })),
  };
}

/** Opens with a pool of `poolSize` workers (null: none) and checks the pool did every compressed layer. */
async function open(path: string, poolSize: number | null): Promise<ImageArchive> {
  const source = new NodeFileSource(path);
  const pool = poolSize === null ? undefined : nodeLayerPool(path, poolSize);
  try {
    const archive = await openArchive(source, { layerPool: pool });
    if (pool) {
      const compressed = [...archive.blobs.values()].filter((b) => b.compression !== 'none').length;
      // not read on the main thread after all (a pool that failed would fall back and still agree)
      expect(pool.stats).toEqual({
        started: Math.min(poolSize ?? 0, compressed),
        indexed: compressed,
        failed: 0,
      });
    }
    return archive;
  } finally {
    pool?.close();
    source.close();
  }
}

describe('compressed layers decoded by a pool of worker threads give the same archive', () => {
  for (const [name, blobs] of Object.entries(CASES)) {
    it(`${name}: pool of 1, 2 and 4 workers = read on the main thread`, async () => {
      const path = writeArchive(`${name.replace(/\W+/g, '-')}.tar`, dockerWith(blobs()));
      const alone = described(await open(path, null));
      for (const size of [1, 2, 4]) expect(described(await open(path, size))).toEqual(alone);
    }, 60_000);
  }

  it('the main-thread read agrees with what was built (the comparison is not of two empty results)', async () => {
    const path = writeArchive(
      'counts.tar',
      dockerWith(CASES['gzip and zstd layers with a plain one between']()),
    );
    const archive = await open(path, 2);
    // each layer: its directory, its files and a symlink
    expect([...archive.blobs.values()].map((b) => b.entries?.count)).toEqual([3002, 502, 202, 1202, 52]);
    expect([...archive.blobs.values()].map((b) => b.compression)).toEqual([
      'gzip',
      'zstd',
      'none',
      'gzip',
      'zstd',
    ]);
    expect(archive.errors).toEqual([]);
  }, 60_000);

  it('the broken layers are reported by the pool as by the main thread: errors and warnings are there', async () => {
    const path = writeArchive(
      'broken.tar',
      dockerWith(CASES['a truncated gzip layer, a truncated zstd layer and good ones']()),
    );
    const archive = await open(path, 4);
    expect(archive.errors).toHaveLength(2);
    expect(archive.errors[0]).toMatch(
      /^layer "l1\/layer\.tar": gzip data is corrupt or truncated after \d+ decompressed bytes/,
    );
    expect(archive.errors[1]).toMatch(/^layer "l2\/layer\.tar": zstd data is corrupt or truncated/);
    const garbage = await open(
      writeArchive(
        'garbage.tar',
        dockerWith(CASES['garbage inside the compression, and trailing garbage after a stream']()),
      ),
      2,
    );
    expect(garbage.errors.some((e) => e.startsWith('layer "l0/layer.tar": '))).toBe(true);
    expect(
      garbage.warnings.some((w) => w.startsWith('layer "l1/layer.tar": ') && /trailing|after/i.test(w)),
    ).toBe(true);
  }, 60_000);

  it('seek points recorded in a pool worker reach the owner as the main thread records them', async () => {
    // layers of several MiB of output, so that block-boundary points are taken past the first
    const big = (seed: number) => gzipSync(tarOf(seed, 12000));
    const path = writeArchive('seek.tar', dockerWith([big(0), zstdStored(tarOf(1, 500)), big(2)]));
    const points = async (poolSize: number | null) => {
      const source = new NodeFileSource(path);
      const pool = poolSize === null ? undefined : nodeLayerPool(path, poolSize);
      try {
        const archive = await openArchive(source, { layerPool: pool, seekPoints: true, seekPointsFrom: 0 });
        if (pool) expect(pool.stats.indexed).toBe(3);
        return [...archive.blobs.values()].map((b) => b.seekPoints ?? null);
      } finally {
        pool?.close();
        source.close();
      }
    };
    const alone = await points(null);
    expect(alone[0]?.outOffsets.length).toBeGreaterThan(1);
    expect(alone[2]?.outOffsets.length).toBeGreaterThan(1);
    for (const size of [1, 2]) {
      const pooled = await points(size);
      for (let i = 0; i < alone.length; i++) {
        const a = alone[i];
        const b = pooled[i];
        expect(b === null).toBe(a === null);
        if (!a || !b) continue;
        expect(Array.from(b.outOffsets)).toEqual(Array.from(a.outOffsets));
        expect(Array.from(b.bitOffsets)).toEqual(Array.from(a.bitOffsets));
        expect(Array.from(b.checks)).toEqual(Array.from(a.checks));
        expect(Buffer.compare(Buffer.from(b.windows), Buffer.from(a.windows))).toBe(0);
      }
    }
  }, 60_000);

  it('cancelling stops the pool: openArchive rejects with the abort reason and no worker is left running', async () => {
    const path = writeArchive(
      'cancel.tar',
      dockerWith([gzipSync(tarOf(0, 20000)), gzipSync(tarOf(1, 20000))]),
    );
    const controller = new AbortController();
    const pool = nodeLayerPool(path, 2);
    const source = new NodeFileSource(path);
    const opening = openArchive(source, {
      layerPool: pool,
      signal: controller.signal,
      onImages: () => setTimeout(() => controller.abort(new Error('stopped by the test')), 5),
    });
    await expect(opening).rejects.toThrow('stopped by the test');
    expect(pool.stats.indexed).toBe(0);
    pool.close();
    expect(pool.workers).toBe(0);
    source.close();
  }, 60_000);
});

describe("the command line pool's size", () => {
  it('ILX_POOL when it is a whole number (capped), else one worker per core', async () => {
    const { availableParallelism } = await import('node:os');
    const perCore = Math.min(availableParallelism(), MAX_POOL);
    expect(defaultPoolSize({ ILX_POOL: '0' })).toBe(0);
    expect(defaultPoolSize({ ILX_POOL: '3' })).toBe(3);
    expect(defaultPoolSize({ ILX_POOL: '99' })).toBe(MAX_POOL);
    expect(defaultPoolSize({ ILX_POOL: 'two' })).toBe(perCore);
    expect(defaultPoolSize({})).toBe(perCore);
  });
});

describe('a pool whose workers cannot start', () => {
  it('fails its layers at once and the owner reads them: the same archive, no error of its own', async () => {
    const path = writeArchive(
      'nostart.tar',
      dockerWith(CASES['gzip and zstd layers with a plain one between']()),
    );
    const alone = described(await open(path, null));
    const pool = new LayerWorkerPool({
      size: 2,
      spawn: () => {
        throw new Error('no worker script here');
      },
    });
    const source = new NodeFileSource(path);
    const archive = await openArchive(source, { layerPool: pool });
    source.close();
    expect(described(archive)).toEqual(alone);
    // the first layer meets the failure; the pool then refuses the rest, which the owner reads too
    expect(pool.stats).toEqual({ started: 0, indexed: 0, failed: 1 });
    expect(
      pool.accepts({
        member: 'x',
        dataOffset: 0,
        size: 1,
        compression: 'gzip',
        expansion: { ratio: 1, floorBytes: 1 },
      }),
    ).toBe(false);
  });
});

// Archives written by real tools (../shared/fixtures, when present): a pool of 2 changes nothing.
const realArchives = sharedExists
  ? ['real', 'modern', 'peers'].flatMap((d) => archivesUnder(join(SHARED, 'fixtures', d)))
  : [];
describe.skipIf(realArchives.length === 0)('archives made by real tools read the same with a pool', () => {
  it('every fixture archive: pool of 2 = the main thread, and the pool did the compressed layers', async () => {
    let pooledLayers = 0;
    for (const path of realArchives) {
      const alone = await openPlain(path).then(described, (error: Error) => ({ refused: error.message }));
      const source = new NodeFileSource(path);
      const pool = nodeLayerPool(path, 2);
      try {
        const pooled = await openArchive(source, { layerPool: pool }).then(described, (error: Error) => ({
          refused: error.message,
        }));
        // an archive that cannot be opened at all is refused with the same words
        expect([path, pooled]).toEqual([path, alone]);
        expect(pool.stats.failed).toBe(0);
        pooledLayers += pool.stats.indexed;
      } finally {
        pool.close();
        source.close();
      }
    }
    // the fixtures hold several OCI archives of gzip or zstd layers
    expect(pooledLayers).toBeGreaterThan(0);
  }, 600_000);
});

async function openPlain(path: string): Promise<ImageArchive> {
  const source = new NodeFileSource(path);
  try {
    return await openArchive(source);
  } finally {
    source.close();
  }
}
