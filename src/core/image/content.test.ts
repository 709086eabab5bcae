import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dockerArchive, ociArchive, type TestImage, zstdStored } from '../../testing/archives';
import { buildTar } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { ContentReader } from './content';
import { openArchive } from './open';

const big = new Uint8Array(3_000_000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
const image: TestImage = {
  tags: ['c:1'],
  layers: [
    [
      { name: 'a.txt', content: 'first file\n' },
      { name: 'big.bin', content: big },
      { name: 'z.txt', content: 'last file, after a big one\n' },
    ],
    [{ name: 'a.txt', content: 'first file\n' }],
  ],
};

async function readAll(bytes: Uint8Array) {
  const archive = await openArchive(new MemorySource(bytes));
  expect(archive.errors).toEqual([]);
  const reader = new ContentReader(archive);
  const layer0 = archive.images[0].layers[0].blob;
  const layer1 = archive.images[0].layers[1].blob;
  const text = async (blob: string, i: number) => new TextDecoder().decode(await reader.read(blob, i));
  return { archive, reader, layer0, layer1, text };
}

const variants: [string, () => Uint8Array][] = [
  ['uncompressed docker-archive', () => dockerArchive([image])],
  ['gzip OCI layers', () => ociArchive([image], 'gzip')],
  ['zstd OCI layers', () => ociArchive([image], 'zstd')],
  ['gzipped docker-archive', () => gzipSync(dockerArchive([image]))],
  ['zstd-wrapped OCI with gzip layers', () => zstdStored(ociArchive([image], 'gzip'))],
];

describe('ContentReader', () => {
  for (const [label, make] of variants) {
    it(`reads files in any order from ${label}`, async () => {
      const { reader, layer0, layer1, text } = await readAll(make());
      expect(await text(layer0, 2)).toBe('last file, after a big one\n');
      expect(await text(layer0, 0)).toBe('first file\n'); // backwards: a new cursor
      const middle = await reader.read(layer0, 1, 1_000_000, 16);
      expect([...middle]).toEqual([...big.subarray(1_000_000, 1_000_016)]);
      expect(Buffer.from(await reader.read(layer0, 1)).equals(big)).toBe(true);
      expect(await reader.hash(layer0, 0)).toBe(await reader.hash(layer1, 0));
      expect(await reader.hash(layer0, 0)).not.toBe(await reader.hash(layer0, 2));
    });
  }

  for (const [label, make] of variants) {
    it(`serves reads that overlap in time one after another (${label})`, async () => {
      const { reader, layer0, text } = await readAll(make());
      // A viewer's page, a later file and an earlier one, all asked for at once on one layer.
      const [middle, last, first] = await Promise.all([
        reader.read(layer0, 1, 2_000_000, 1000),
        text(layer0, 2),
        text(layer0, 0),
      ]);
      expect(Buffer.from(middle).equals(big.subarray(2_000_000, 2_001_000))).toBe(true);
      expect([last, first]).toEqual(['last file, after a big one\n', 'first file\n']);
      await expect(reader.read('no such layer', 0)).rejects.toThrow('is not in the archive');
    });
  }

  it('reads from a rootfs archive, plain and gzipped', async () => {
    const tar = buildTar([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/os-release', content: 'ID=test\n' },
    ]);
    for (const bytes of [tar, gzipSync(tar)]) {
      const archive = await openArchive(new MemorySource(bytes));
      const reader = new ContentReader(archive);
      expect(new TextDecoder().decode(await reader.read('', 1))).toBe('ID=test\n');
    }
  });
});

describe('ContentReader on a large compressed layer', () => {
  // Six random bits a byte: gzip keeps about three quarters, so the layer spans many read windows.
  const megabytes = (n: number, seed: number) => {
    const out = new Uint8Array(n * 1_000_000);
    let x = seed;
    for (let i = 0; i < out.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      out[i] = 0x40 + (x >>> 26);
    }
    return out;
  };
  const big2 = megabytes(8, 2);
  const layer = [
    { name: 'first.txt', content: 'first\n' },
    { name: 'big1.bin', content: megabytes(8, 1) },
    { name: 'middle.txt', content: 'middle\n' },
    { name: 'big2.bin', content: big2 },
    { name: 'near-the-end.txt', content: 'near the end\n' },
  ];

  for (const compression of ['gzip', 'zstd'] as const) {
    it(`reads a file near the end of a ${compression} layer, and a later one by moving the same cursor on`, async () => {
      const bytes = ociArchive([{ tags: ['big:1'], layers: [layer] }], compression);
      const memory = new MemorySource(bytes);
      let bytesRead = 0;
      const counting = {
        size: memory.size,
        name: 'counting',
        read(offset: number, length: number) {
          bytesRead += Math.min(length, memory.size - offset);
          return memory.read(offset, length);
        },
      };
      const archive = await openArchive(counting);
      const key = archive.images[0].layers[0].blob;
      const stored = archive.blobs.get(key)!.storedSize;
      const reader = new ContentReader(archive);
      const text = async (i: number) => new TextDecoder().decode(await reader.read(key, i));

      bytesRead = 0;
      expect(await text(2)).toBe('middle\n');
      const toMiddle = bytesRead;
      expect(toMiddle).toBeLessThan(stored);

      bytesRead = 0;
      expect(await text(4)).toBe('near the end\n');
      // Only the rest of the layer was read: the cursor left at the middle moved on.
      const window = 2 * 1024 * 1024;
      expect(bytesRead).toBeLessThanOrEqual(stored - toMiddle + window);
      expect(toMiddle + bytesRead).toBeLessThanOrEqual(stored + window);

      // Going back means decompressing from the start again.
      bytesRead = 0;
      expect(await text(0)).toBe('first\n');
      expect(bytesRead).toBeGreaterThan(0);
      const end = await reader.read(key, 3, 7_999_990, 100);
      expect([...end]).toEqual([...big2.subarray(7_999_990)]);
    });
  }
});

describe('ContentReader with more compressed layers in use at once than it keeps cursors', () => {
  it('never closes a cursor under a read that is still running, and reuse keeps a cursor recent', async () => {
    // Six gzip layers, each with a 2 MB file: six reads at once, each one pausing between chunks,
    // so every layer's cursor is in use while the others ask for theirs.
    const payload = (seed: number) => {
      const b = new Uint8Array(2_000_000);
      for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 17) % 253;
      return b;
    };
    const layers = Array.from({ length: 6 }, (_, i) => [
      { name: `l${i}/`, type: 'dir' as const },
      { name: `l${i}/data.bin`, content: payload(i) },
    ]);
    const archive = await openArchive(new MemorySource(ociArchive([{ tags: ['many:1'], layers }], 'gzip')));
    expect(archive.errors).toEqual([]);
    const reader = new ContentReader(archive);
    const reads = archive.images[0].layers.map(async (layer, i) => {
      const entries = archive.blobs.get(layer.blob)?.entries;
      const index = entries?.allNames().findIndex((n) => n.endsWith('data.bin')) ?? -1;
      const parts: Uint8Array[] = [];
      // in four pieces, so the reads of all layers interleave
      for (let offset = 0; offset < 2_000_000; offset += 500_000) {
        parts.push(await reader.read(layer.blob, index, offset, 500_000));
        await new Promise((r) => setTimeout(r, 1));
      }
      const whole = new Uint8Array(2_000_000);
      let at = 0;
      for (const p of parts) {
        whole.set(p, at);
        at += p.length;
      }
      // compared as one Buffer: a deep equal of 2 million elements takes most of a minute
      expect(Buffer.compare(whole, payload(i))).toBe(0);
    });
    await Promise.all(reads);
  });
});

describe('ContentReader.readWhole', () => {
  const small = Array.from({ length: 300 }, (_, i) => ({
    name: `s/${i}.txt`,
    content: `file ${i}\n`.repeat(i),
  }));
  const gapBytes = new Uint8Array(200_000).fill(7);
  const many: TestImage = {
    tags: ['m:1'],
    layers: [[...small.slice(0, 150), { name: 'gap.bin', content: gapBytes }, ...small.slice(150)]],
  };

  /** A source that counts its reads and, once `failFrom` is set, fails any read reaching past it. */
  class CountingSource extends MemorySource {
    reads = 0;
    failFrom = Number.POSITIVE_INFINITY;
    override async read(offset: number, length: number): Promise<Uint8Array> {
      this.reads++;
      if (offset + length > this.failFrom) throw new Error(`cannot read ${offset}+${length}`);
      return super.read(offset, length);
    }
  }

  async function wholeOf(reader: ContentReader, blob: string, entries: number[]) {
    const seen: [number, string][] = [];
    await reader.readWhole(blob, entries, (entryIndex, bytes) => {
      seen.push([
        entryIndex,
        bytes instanceof Error ? `error: ${bytes.message}` : new TextDecoder().decode(bytes),
      ]);
    });
    return seen;
  }

  for (const [label, make] of [
    ['uncompressed docker-archive', () => dockerArchive([many])],
    ['gzip OCI layers', () => ociArchive([many], 'gzip')],
    ['zstd OCI layers', () => ociArchive([many], 'zstd')],
  ] as const) {
    it(`gives every file whole, in order (${label})`, async () => {
      const source = new CountingSource(make());
      const archive = await openArchive(source);
      const reader = new ContentReader(archive);
      const blob = archive.images[0].layers[0].blob;
      const entries = Array.from({ length: 301 }, (_, i) => i).filter((i) => i % 3 !== 1);
      const expected: [number, string][] = [];
      for (const i of entries) expected.push([i, new TextDecoder().decode(await reader.read(blob, i))]);
      source.reads = 0;
      expect(await wholeOf(reader, blob, entries)).toEqual(expected);
      // stored as it is, 201 files 200 KB apart at most are one read of the source
      if (label.startsWith('uncompressed')) expect(source.reads).toBe(1);
    });
  }

  it('reads each file alone when a read of several fails, and says which could not be read', async () => {
    const source = new CountingSource(dockerArchive([many]));
    const archive = await openArchive(source);
    const reader = new ContentReader(archive);
    const blob = archive.images[0].layers[0].blob;
    const table = archive.blobs.get(blob)!.entries!;
    // from the first file after the gap on, the archive can no longer be read
    source.failFrom = archive.blobs.get(blob)!.dataOffset + table.dataOffsets[151];
    const seen = await wholeOf(reader, blob, [3, 4, 151, 152]);
    expect(seen.map(([i]) => i)).toEqual([3, 4, 151, 152]);
    expect(seen[0][1]).toBe('file 3\n'.repeat(3));
    expect(seen[1][1]).toBe('file 4\n'.repeat(4));
    expect(seen[2][1]).toMatch(/^error: cannot read/);
    expect(seen[3][1]).toMatch(/^error: cannot read/);
  });
});
