import { describe, expect, it } from 'vitest';
import { ociArchive } from '../../testing/archives';
import type { BuildEntry } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import type { SeekPoints } from '../compress/seekPoints';
import { EntryTable } from '../tar/entryTable';
import { laterSeekPointJobs, recordLaterSeekPoints } from './laterSeekPoints';
import { indexLayer } from './layerIndex';
import { openArchive } from './open';

/** A layer of several MiB of tar, so that block-boundary points are taken past the first. */
function layer(seed: number, n: number): BuildEntry[] {
  const entries: BuildEntry[] = [{ name: `d${seed}/`, type: 'dir' }];
  for (let i = 0; i < n; i++)
    entries.push({ name: `d${seed}/f${i}.txt`, content: `layer ${seed} file ${i}\n`.repeat((i % 5) + 1) });
  return entries;
}

const bytes = ociArchive([{ tags: ['later:1'], layers: [layer(0, 12000), layer(1, 300), layer(2, 12000)] }]);

const pointsOf = (archive: { blobs: Map<string, { seekPoints?: SeekPoints | null }> }) =>
  [...archive.blobs.values()].map((b) => b.seekPoints);

function same(a: SeekPoints | null | undefined, b: SeekPoints | null | undefined): void {
  expect(b === null || b === undefined).toBe(a === null || a === undefined);
  if (!a || !b) return;
  expect(Array.from(b.outOffsets)).toEqual(Array.from(a.outOffsets));
  expect(Array.from(b.kinds)).toEqual(Array.from(a.kinds));
  expect(Array.from(b.windowLengths)).toEqual(Array.from(a.windowLengths));
  expect(Array.from(b.bitOffsets)).toEqual(Array.from(a.bitOffsets));
  expect(Array.from(b.checks)).toEqual(Array.from(a.checks));
  expect(Buffer.compare(Buffer.from(b.windows), Buffer.from(a.windows))).toBe(0);
}

describe('seek points recorded after the index', () => {
  it('are the points the index pass would have recorded, for every gzip layer big enough', async () => {
    const source = new MemorySource(bytes, 'later.tar');
    const during = await openArchive(source, { seekPoints: true, seekPointsFrom: 0 });
    const later = await openArchive(source, {
      seekPoints: true,
      seekPointsFrom: 0,
      gzipSeekPointsLater: true,
    });
    // the index itself is the same; only the points are missing
    expect([...later.blobs.values()].map((b) => b.entries?.count)).toEqual(
      [...during.blobs.values()].map((b) => b.entries?.count),
    );
    expect(pointsOf(later).every((p) => p === undefined)).toBe(true);
    expect(laterSeekPointJobs(later, 0)).toHaveLength(3);
    // above the default threshold (32 MiB stored) none of these small layers qualifies
    expect(laterSeekPointJobs(later)).toHaveLength(0);

    const recorded = await recordLaterSeekPoints(later, (job) => indexLayer(source, job), undefined, 0);
    const want = pointsOf(during);
    expect(recorded).toBe(want.filter(Boolean).length);
    expect(want[0]?.outOffsets.length).toBeGreaterThan(1);
    expect(want[2]?.outOffsets.length).toBeGreaterThan(1);
    for (const [i, p] of pointsOf(later).entries()) same(want[i], p);
    // recorded once: a second call finds nothing left to do
    expect(laterSeekPointJobs(later, 0)).toHaveLength(0);
  });

  it('gives none to a layer that reads differently now, and stops when cancelled', async () => {
    const source = new MemorySource(bytes, 'later.tar');
    const archive = await openArchive(source, { seekPointsFrom: 0, gzipSeekPointsLater: true });
    const recorded = await recordLaterSeekPoints(
      archive,
      // as if the file had changed since it was indexed: another entry count
      async (job) => ({ ...(await indexLayer(source, job)), entries: new EntryTable() }),
      undefined,
      0,
    );
    expect(recorded).toBe(0);
    expect(pointsOf(archive).every((p) => p === null)).toBe(true);
    expect(laterSeekPointJobs(archive, 0)).toHaveLength(0);

    const controller = new AbortController();
    controller.abort(new Error('stopped by the test'));
    const fresh = await openArchive(source, { seekPointsFrom: 0, gzipSeekPointsLater: true });
    await expect(
      recordLaterSeekPoints(fresh, (job) => indexLayer(source, job), controller.signal, 0),
    ).rejects.toThrow('stopped by the test');
  });
});
