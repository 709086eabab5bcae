import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archivesBuiltInCode } from '../../testing/archives';
import { archivesUnder, SHARED, sharedExists } from '../../testing/gnuTar';
import { MemorySource } from '../bytes/byteSource';
import { sniffCompression } from '../compress/sniff';
import { messageOf } from '../errors';
import type { ImageArchive } from './model';
import { openArchive } from './open';

/**
 * One member classifier serves the random-access scan (a plain tar) and the streaming scan (a tar
 * wrapped in gzip or zstd, read once, forwards). Every archive, opened all three ways and under
 * another file name, must give the same images, layers, entries and messages.
 */

function zstd(bytes: Uint8Array): Uint8Array {
  return execFileSync('zstd', ['-1', '-q', '-c'], { input: bytes, maxBuffer: 1 << 30 });
}

function unwrap(bytes: Uint8Array): Uint8Array {
  const kind = sniffCompression(bytes.subarray(0, 8));
  if (kind === 'gzip') return gunzipSync(bytes);
  if (kind === 'zstd') return execFileSync('zstd', ['-d', '-q', '-c'], { input: bytes, maxBuffer: 1 << 30 });
  return bytes;
}

/** Everything a person or a script sees of an opened archive, except how its bytes arrived. */
function summary(archive: ImageArchive) {
  return {
    format: archive.format,
    images: archive.images.map((i) => ({
      tags: i.tags,
      id: i.id,
      manifestDigest: i.manifestDigest,
      platform: i.platform,
      config: i.config,
      history: i.history,
      layers: i.layers,
    })),
    blobs: [...archive.blobs].map(([key, b]) => ({
      key,
      member: b.member,
      dataOffset: b.dataOffset,
      digest: b.digest,
      // A rootfs archive's one layer is the archive itself, stored as it arrived.
      compression: archive.format === 'rootfs' ? 'as stored' : b.compression,
      storedSize: archive.format === 'rootfs' ? 'as stored' : b.storedSize,
      entries: b.entries?.allNames() ?? null,
      error: b.error,
    })),
    layerTree: archive.layerTree,
    warnings: archive.warnings,
    errors: archive.errors,
  };
}

async function openAs(bytes: Uint8Array, name: string): Promise<ReturnType<typeof summary> | string> {
  try {
    return summary(await openArchive(new MemorySource(bytes, name)));
  } catch (error) {
    // The refusal's closing remark says how the bytes were wrapped; the rest must agree.
    return `refused: ${messageOf(error).replace(/ \([^)]*\)$/, '')}`;
  }
}

async function expectSameEveryWay(name: string, stored: Uint8Array): Promise<void> {
  const tar = unwrap(stored);
  const plain = await openAs(tar, name);
  expect(await openAs(gzipSync(tar, { level: 1 }), name), `${name} wrapped in gzip`).toEqual(plain);
  expect(await openAs(zstd(tar), name), `${name} wrapped in zstd`).toEqual(plain);
  // The name is only a label: a file renamed (or dropped without one) opens the same.
  const renamed = await openAs(tar, 'renamed');
  expect(JSON.parse(JSON.stringify(renamed).replaceAll('renamed', name))).toEqual(plain);
}

describe('every archive opens the same plain, gzip-wrapped and zstd-wrapped', () => {
  it.each(archivesBuiltInCode().map((a) => [a.name, a.bytes] as const))(
    '%s (built in code)',
    async (name, bytes) => {
      await expectSameEveryWay(name, bytes);
    },
  );

  const fixtures = sharedExists
    ? ['real', 'modern', 'peers'].flatMap((dir) => archivesUnder(join(SHARED, 'fixtures', dir)))
    : [];
  it.skipIf(!sharedExists).each(fixtures.map((p) => [p.slice(SHARED.length + 1), p]))(
    '%s',
    async (label, path) => {
      await expectSameEveryWay(label.split('/').pop() ?? label, readFileSync(path));
    },
  );
});
