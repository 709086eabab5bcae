import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { archivesBuiltInCode, dockerArchive } from '../../testing/archives';
import { analyzeImage } from '../analysis';
import { BlobSource, MemorySource } from '../bytes/byteSource';
import { buildImageFileSystem } from '../fs';
import type { ImageArchive } from '../image/model';
import { openArchive } from '../image/open';
import { archiveKey, sampledRanges } from './archiveKey';
import { decodeIndex, encodeIndex, indexHeadLength, readIndexInfo, SavedIndexError } from './indexCodec';

const REAL = join(__dirname, '../../../../shared/fixtures/real');

/** Everything a user sees of an archive, as text: the model, every layer's listings, the analysis. */
async function observable(archive: ImageArchive): Promise<string> {
  const lines: string[] = [
    JSON.stringify({
      format: archive.format,
      name: archive.name,
      outer: archive.outerCompression,
      images: archive.images,
      tree: archive.layerTree,
      warnings: archive.warnings,
      errors: archive.errors,
    }),
  ];
  for (const [key, blob] of archive.blobs) {
    const { entries, ...rest } = blob;
    lines.push(JSON.stringify({ key, ...rest }));
    if (!entries) continue;
    for (let i = 0; i < entries.count; i++)
      lines.push(
        JSON.stringify([
          entries.name(i),
          entries.type(i),
          entries.sizes[i],
          entries.storedSize(i),
          entries.modes[i],
          entries.uids[i],
          entries.gids[i],
          entries.mtimes[i],
          entries.dataOffsets[i],
          entries.headerOffsets[i],
          entries.linkTarget(i),
          entries.ownerNames(i),
          entries.xattrs.get(i) ?? null,
          entries.unknownTypeFlags.get(i) ?? null,
        ]),
      );
  }
  for (let image = 0; image < archive.images.length; image++) {
    const fs = await buildImageFileSystem(archive, image);
    for (let layer = 0; layer < archive.images[image].layers.length; layer++)
      for (const mode of ['changes', 'merged'] as const)
        fs.walk(layer, mode, (node) => lines.push(`${image}/${layer}/${mode} ${JSON.stringify(node)}`));
    lines.push(JSON.stringify(analyzeImage(archive, image)));
  }
  return lines.join('\n');
}

async function roundTrip(
  name: string,
  bytes: Uint8Array,
): Promise<{ archive: ImageArchive; restored: ImageArchive }> {
  const source = new MemorySource(bytes, name);
  const archive = await openArchive(source);
  const key = await archiveKey(source, { name, size: bytes.length, lastModified: 1 });
  const saved = await encodeIndex(archive, { key, archiveName: name, archiveSize: bytes.length, savedAt: 5 });
  const restored = await decodeIndex(saved, source, key);
  expect(await observable(restored)).toBe(await observable(archive));
  // the restored archive reads contents from the same source
  expect(restored.source).toBe(source);
  return { archive, restored };
}

describe('a saved index', () => {
  for (const { name, bytes } of archivesBuiltInCode())
    it(`gives back exactly the archive it was made from: ${name}`, async () => {
      await roundTrip(name, bytes);
    });

  it('keeps names byte for byte: a layer of ASCII names (taken as bytes) and one with others (decoded)', async () => {
    const ascii = [
      { name: 'etc/', type: 'dir' as const },
      ...Array.from({ length: 300 }, (_, i) => ({ name: `etc/f${i}~!#`, content: `${i}` })),
    ];
    const others = [
      { name: 'opt/', type: 'dir' as const },
      { name: 'opt/café', content: 'é' },
      { name: 'opt/日本語.txt', content: 'ja' },
      { name: 'opt/🙂 smile', content: ':)' },
      { name: 'opt/plain', content: 'p' },
    ];
    const bytes = dockerArchive([{ tags: ['names:1'], layers: [ascii, others] }]);
    const { archive, restored } = await roundTrip('names.tar', bytes);
    for (const [key, blob] of archive.blobs)
      expect(restored.blobs.get(key)?.entries?.allNames()).toEqual(blob.entries?.allNames());
    const names = [...restored.blobs.values()].flatMap((b) => b.entries?.allNames() ?? []);
    expect(names).toContain('opt/🙂 smile');
    expect(names).toContain('etc/f299~!#');
  });

  const real = existsSync(REAL) ? readdirSync(REAL).filter((f) => /\.tar(\.gz)?$/.test(f)) : [];
  it.skipIf(real.length === 0)('gives back exactly the real images it was made from', async () => {
    for (const file of real) await roundTrip(file, new Uint8Array(readFileSync(join(REAL, file))));
  });

  it('lists itself from its first bytes', async () => {
    const { name, bytes } = archivesBuiltInCode()[0];
    const archive = await openArchive(new MemorySource(bytes, name));
    const saved = await encodeIndex(archive, {
      key: 'k',
      archiveName: name,
      archiveSize: bytes.length,
      savedAt: 7,
    });
    const head = saved.subarray(0, indexHeadLength(saved.subarray(0, 24)));
    const entries = [...archive.blobs.values()].reduce((n, b) => n + (b.entries?.count ?? 0), 0);
    expect(readIndexInfo(head)).toEqual({
      key: 'k',
      archiveName: name,
      archiveSize: bytes.length,
      savedAt: 7,
      entries,
    });
    expect(readIndexInfo(saved.subarray(0, 10))).toBeNull();
  });

  describe('is never trusted when it is not exactly what was saved', () => {
    const { name, bytes } = archivesBuiltInCode()[0];
    const source = new MemorySource(bytes, name);
    let saved: Uint8Array;
    beforeAll(async () => {
      const archive = await openArchive(source);
      saved = await encodeIndex(archive, {
        key: 'k',
        archiveName: name,
        archiveSize: bytes.length,
        savedAt: 1,
      });
    });
    const refuses = (damaged: Uint8Array, key = 'k', src = source) =>
      expect(decodeIndex(damaged, src, key)).rejects.toThrow(SavedIndexError);

    it('a flipped bit anywhere after the fixed header fails the checksum', async () => {
      for (const at of [20, 24, 100, Math.floor(saved.length / 2), saved.length - 1]) {
        const damaged = saved.slice();
        damaged[at] ^= 0x10;
        await refuses(damaged);
      }
    });
    it('a truncated index', async () => {
      for (const length of [0, 10, 23, 24, 200, saved.length - 1]) await refuses(saved.slice(0, length));
    });
    it('another format version', async () => {
      const damaged = saved.slice();
      damaged[8] = 99;
      await expect(decodeIndex(damaged, source, 'k')).rejects.toThrow(/format 99/);
    });
    it('another archive key or size', async () => {
      await expect(decodeIndex(saved, source, 'other')).rejects.toThrow(/another archive/);
      await refuses(saved, 'k', new MemorySource(bytes.subarray(0, bytes.length - 512), name));
    });
  });
});

describe('an archive key', () => {
  const size = 4 * 1024 * 1024;
  const bytes = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
  const identity = { name: 'x.tar', size, lastModified: 10 };
  const keyOf = (b: Uint8Array, id = identity) => archiveKey(new MemorySource(b, id.name), id);

  it('samples the head, the tail and evenly spaced ranges between, in order', () => {
    const ranges = sampledRanges(size);
    expect(ranges[0]).toEqual([0, 64 * 1024]);
    expect(ranges.at(-1)).toEqual([size - 64 * 1024, size]);
    expect(ranges).toHaveLength(10);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
    expect(sampledRanges(1000)).toEqual([[0, 1000]]);
  });

  it('differs for the same name and size when a sampled byte differs, or the time or name', async () => {
    const key = await keyOf(bytes);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await keyOf(bytes.slice())).toBe(key);
    for (const at of [0, size - 1, sampledRanges(size)[4][0] + 100]) {
      const other = bytes.slice();
      other[at] ^= 1;
      expect(await keyOf(other)).not.toBe(key);
    }
    expect(await keyOf(bytes, { ...identity, lastModified: 11 })).not.toBe(key);
    expect(await keyOf(bytes, { ...identity, name: 'y.tar' })).not.toBe(key);
  });

  it('is the same whether the samples are read one by one or all at once', async () => {
    const blob = new BlobSource(new Blob([bytes]), identity.name);
    expect(blob.ownBuffers).toBe(true);
    // a source that reuses one buffer for every read must be read one sample at a time
    const shared = new Uint8Array(size);
    const reusing = {
      size,
      name: identity.name,
      async read(offset: number, length: number) {
        const view = shared.subarray(0, length);
        view.set(bytes.subarray(offset, offset + length));
        return view;
      },
    };
    const key = await keyOf(bytes);
    expect(await archiveKey(blob, identity)).toBe(key);
    expect(await archiveKey(reusing, identity)).toBe(key);
  });

  it('is the same key where the platform has no SHA-256 (hash-wasm instead)', async () => {
    const key = await keyOf(bytes);
    vi.stubGlobal('crypto', undefined);
    try {
      expect(await keyOf(bytes)).toBe(key);
      expect(await archiveKey(new BlobSource(new Blob([bytes]), identity.name), identity)).toBe(key);
    } finally {
      vi.unstubAllGlobals();
    }
    // and both are SHA-256 of the identity's JSON and the samples, one after another
    const parts = [
      Buffer.from(
        JSON.stringify(['image-layer-explorer index key 1', identity.name, size, identity.lastModified]),
      ),
      ...sampledRanges(size).map(([start, end]) => bytes.subarray(start, end)),
    ];
    expect(createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(key);
  });
});
