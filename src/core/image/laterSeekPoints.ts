/**
 * Seek points recorded after the index, not during it. Recording needs our own inflater
 * (compress/inflate.ts), which in Chromium took the largest gzip layer of the benchmark from 7.0 s
 * to 11.9 s against the platform's DecompressionStream; so the page indexes gzip layers with the
 * platform's decoder, shows the index, and then decodes each big gzip layer once more in a
 * background worker to record its points. Until they land, a file near a layer's end is read from
 * the layer's start, as it was before seek points existed.
 */
import { fitToBudget } from '../compress/seekPoints';
import { DEFAULT_EXPANSION_LIMIT } from '../limits';
import { checkAbort, type LayerIndexResult, type LayerJob } from './layerIndex';
import type { ImageArchive } from './model';
import { SEEK_POINTS_FROM } from './open';

/**
 * The gzip layers that `openArchive` indexed without points (OpenOptions.gzipSeekPointsLater) and
 * are big enough for them, as jobs that record them. An archive that is compressed as a whole is
 * read through its outer decoder, so its layers get none here.
 */
export function laterSeekPointJobs(archive: ImageArchive, from = SEEK_POINTS_FROM): [string, LayerJob][] {
  if (archive.outerCompression !== 'none') return [];
  const jobs: [string, LayerJob][] = [];
  for (const [key, blob] of archive.blobs) {
    if (blob.compression !== 'gzip' || blob.error !== null || blob.entries === null) continue;
    if (blob.seekPoints !== undefined || blob.storedSize < from || blob.dataOffset < 0) continue;
    jobs.push([
      key,
      {
        member: blob.member,
        dataOffset: blob.dataOffset,
        size: blob.storedSize,
        compression: 'gzip',
        expansion: archive.expansionLimit ?? DEFAULT_EXPANSION_LIMIT,
        seekPoints: true,
      },
    ]);
  }
  return jobs;
}

/**
 * Runs each job with `index` (a pool worker's indexLayer), one layer after another, and gives
 * each blob its points as they come, within the archive's budget. A layer that now reads
 * differently (another entry count, an error) keeps none: its points would not match its index.
 * Returns how many layers got points.
 */
export async function recordLaterSeekPoints(
  archive: ImageArchive,
  index: (job: LayerJob) => Promise<LayerIndexResult>,
  signal?: AbortSignal,
  from = SEEK_POINTS_FROM,
): Promise<number> {
  let recorded = 0;
  for (const [key, job] of laterSeekPointJobs(archive, from)) {
    checkAbort(signal);
    const blob = archive.blobs.get(key);
    const result = await index(job);
    if (!blob) continue;
    const matches = !result.error && result.entries.count === blob.entries?.count;
    // null, not absent: this layer was tried, and is read from its start
    blob.seekPoints = (matches && result.seekPoints) || null;
    if (!blob.seekPoints) continue;
    fitToBudget([...archive.blobs.values()]);
    recorded++;
  }
  return recorded;
}
