/**
 * The seek benchmark's measurement, the same in Node and in a Chromium worker: open the archive
 * (with or without seek points), take the largest gzip (or zstd) layer, and time reading its last file
 * (the entry with the greatest data offset) through a fresh ContentReader.
 */
import type { ByteSource } from '../../../src/core/bytes/byteSource';
import { seekPointBytes } from '../../../src/core/compress/seekPoints';
import { ContentReader } from '../../../src/core/image/content';
import type { LayerBlob } from '../../../src/core/image/model';
import { openArchive } from '../../../src/core/image/open';

export interface SeekResult {
  seekPoints: boolean;
  openMs: number;
  layer: string;
  layerStoredBytes: number;
  file: string;
  fileBytes: number;
  /** Decompressed offset of the file's data in its layer. */
  fileOffset: number;
  /** The first read of the last file, and a second one (a new reader each time). */
  readMs: number;
  rereadMs: number;
  points: number;
  pointBytes: number;
  /** xxHash64 of the file's bytes, to compare the two ways. */
  hash: string;
}

export async function measureSeek(
  source: ByteSource,
  seekPoints: boolean,
  compression: 'gzip' | 'zstd' = 'gzip',
): Promise<SeekResult> {
  const started = performance.now();
  const archive = await openArchive(source, { seekPoints });
  const openMs = performance.now() - started;
  let best: [string, LayerBlob] | null = null;
  for (const [key, blob] of archive.blobs)
    if (blob.compression === compression && blob.entries && (!best || blob.storedSize > best[1].storedSize))
      best = [key, blob];
  if (!best?.[1].entries) throw new Error(`${source.name} has no ${compression} layer`);
  const [key, blob] = best;
  const entries = best[1].entries;
  let last = 0;
  for (let i = 0; i < entries.count; i++)
    if (entries.storedSize(i) > 0 && entries.dataOffsets[i] > entries.dataOffsets[last]) last = i;
  const timeRead = async (): Promise<number> => {
    const reader = new ContentReader(archive);
    const t = performance.now();
    await reader.read(key, last);
    return performance.now() - t;
  };
  const readMs = await timeRead();
  const rereadMs = await timeRead();
  const hash = await new ContentReader(archive).hash(key, last);
  return {
    seekPoints,
    openMs,
    layer: blob.member,
    layerStoredBytes: blob.storedSize,
    file: entries.name(last),
    fileBytes: entries.storedSize(last),
    fileOffset: entries.dataOffsets[last],
    readMs,
    rereadMs,
    points: blob.seekPoints?.outOffsets.length ?? 0,
    pointBytes: blob.seekPoints ? seekPointBytes(blob.seekPoints) : 0,
    hash,
  };
}
