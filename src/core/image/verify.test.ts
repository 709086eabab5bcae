import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dockerArchive, ociArchive, type TestImage } from '../../testing/archives';
import { MemorySource } from '../bytes/byteSource';
import { openArchive } from './open';
import { verifyArchive } from './verify';

const image: TestImage = {
  tags: ['v:1'],
  layers: [
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/motd', content: 'MARKER-hello\n' },
    ],
    [{ name: 'x', content: 'y' }],
  ],
};

function tamper(bytes: Uint8Array, marker: string): Uint8Array {
  const copy = bytes.slice();
  const needle = new TextEncoder().encode(marker);
  outer: for (let i = 0; i < copy.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (copy[i + j] !== needle[j]) continue outer;
    copy[i] = 'm'.charCodeAt(0);
    return copy;
  }
  throw new Error('marker not found');
}

describe('verifyArchive', () => {
  const intact: [string, Uint8Array][] = [
    ['docker-archive', dockerArchive([image])],
    ['OCI gzip', ociArchive([image], 'gzip')],
    ['OCI zstd', ociArchive([image], 'zstd')],
    ['gzipped docker-archive', gzipSync(dockerArchive([image]))],
  ];
  for (const [label, bytes] of intact) {
    it(`finds nothing wrong in an intact ${label}`, async () => {
      const archive = await openArchive(new MemorySource(bytes));
      const progress: number[] = [];
      const report = await verifyArchive(archive, (p) => progress.push(p.blobsDone));
      expect(report.problems).toEqual([]);
      expect(report.blobs).toHaveLength(2);
      expect(report.configs.every((c) => c.ok)).toBe(true);
      expect(progress.at(-1)).toBe(2);
      for (const check of report.blobs) expect(check.expectedDiffIds).toEqual([check.actualDiffId]);
    });
  }

  it('flags a layer whose content no longer matches its diff ID', async () => {
    const archive = await openArchive(new MemorySource(tamper(dockerArchive([image]), 'MARKER')));
    const report = await verifyArchive(archive);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(
      /^layer "[a-f0-9]{64}\/layer\.tar": diff ID is sha256:[a-f0-9]{64}, the config says sha256:[a-f0-9]{64}$/,
    );
  });

  it('flags an OCI blob whose digest does not match its name and manifest', async () => {
    const archive = await openArchive(new MemorySource(tamper(ociArchive([image], 'none'), 'MARKER')));
    const report = await verifyArchive(archive);
    expect(report.problems).toHaveLength(2);
    expect(report.problems[0]).toMatch(
      /^layer "blobs\/sha256\/[a-f0-9]{64}": digest is sha256:[a-f0-9]{64}, the archive says sha256:/,
    );
    expect(report.problems[1]).toMatch(/diff ID is .*, the config says/);
  });
});
