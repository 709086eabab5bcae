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
