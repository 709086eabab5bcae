/** Package databases per layer (dpkg, apk, rpm, Python, npm) and risky files. */
import type { ImageFileSystem } from '../fs/imageFileSystem';
import type { ContentRef } from '../fs/types';
import type { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import { analyzePackages } from './imagePackages';
import type { ImagePackages } from './types';

export { databasePath, parseDatabase } from './databases';
export { analyzePackages, type PackageAnalysisInput, type PackageFileSystem } from './imagePackages';
export { PackageOwnership } from './ownership';
export { findRiskyFiles, RISK_KINDS, type RiskKind, type RiskyFile, type RiskyFiles } from './risky';
export * from './types';
export { compareApkVersions, compareDebianVersions, compareRpmVersions, compareVersions } from './versions';

/** Files at most this far apart in a layer are fetched in one read (a Blob read costs ~1 ms before its first byte). */
const SPAN_GAP = 64 * 1024;
const SPAN_MAX = 8 * 1024 * 1024;
/** Bytes one prefetch may hold: the small files of one layer's databases. */
const PREFETCH_MAX = 64 * 1024 * 1024;

export interface ImageFileReader {
  (ref: ContentRef, limit: number): Promise<{ bytes: Uint8Array; size: number }>;
  /**
   * Fetches many small files of uncompressed layers in a few reads: a thousand dpkg lists read
   * one by one cost a thousand Blob reads in the browser. Compressed layers are read forwards by
   * the ContentReader's cursor anyway.
   */
  prefetch(refs: readonly ContentRef[]): Promise<void>;
}

/** Reads a file of the image through the archive's ContentReader, never more than `limit` bytes. */
export function imageFileReader(
  archive: ImageArchive,
  imageIndex: number,
  reader: ContentReader,
): ImageFileReader {
  const fetched = new Map<string, Uint8Array>();
  const key = (ref: ContentRef) => `${ref.layer}:${ref.entryIndex}`;
  const entryOf = (ref: ContentRef) => {
    const layer = archive.images[imageIndex]?.layers[ref.layer];
    const blob = layer ? archive.blobs.get(layer.blob) : undefined;
    const entries = blob?.entries;
    if (!layer || !blob || !entries || ref.entryIndex >= entries.count)
      throw new RangeError(`layer ${ref.layer} has no entry ${ref.entryIndex}`);
    return { layer, blob, entries };
  };
  const read = async (ref: ContentRef, limit: number) => {
    const { layer, entries } = entryOf(ref);
    const size = entries.sizes[ref.entryIndex];
    if (entries.storedSize(ref.entryIndex) !== size) throw new Error('a sparse file');
    if (size > limit) return { bytes: new Uint8Array(0), size };
    const early = fetched.get(key(ref));
    if (early) {
      fetched.delete(key(ref));
      return { bytes: early, size };
    }
    return { bytes: await reader.read(layer.blob, ref.entryIndex, 0, size), size };
  };
  const prefetch = async (refs: readonly ContentRef[]) => {
    fetched.clear();
    if (archive.outerCompression !== 'none') return;
    const wanted: { ref: ContentRef; start: number; size: number }[] = [];
    let total = 0;
    for (const ref of refs) {
      const { blob, entries } = entryOf(ref);
      const size = entries.sizes[ref.entryIndex];
      if (blob.compression !== 'none' || blob.dataOffset < 0 || size > SPAN_GAP * 4) continue;
      if (entries.storedSize(ref.entryIndex) !== size || total + size > PREFETCH_MAX) continue;
      total += size;
      wanted.push({ ref, start: blob.dataOffset + entries.dataOffsets[ref.entryIndex], size });
    }
    wanted.sort((a, b) => a.start - b.start);
    for (let i = 0; i < wanted.length; ) {
      const from = wanted[i].start;
      let end = from + wanted[i].size;
      let j = i + 1;
      while (
        j < wanted.length &&
        wanted[j].start - end <= SPAN_GAP &&
        wanted[j].start + wanted[j].size - from <= SPAN_MAX
      ) {
        end = Math.max(end, wanted[j].start + wanted[j].size);
        j++;
      }
      const span = await archive.source.read(from, end - from);
      for (let k = i; k < j; k++) {
        const w = wanted[k];
        if (w.start + w.size - from <= span.length)
          fetched.set(key(w.ref), span.slice(w.start - from, w.start - from + w.size));
      }
      i = j;
    }
  };
  return Object.assign(read, { prefetch });
}

/** The packages of one image of an archive (its file system already built). */
export function imagePackages(
  archive: ImageArchive,
  imageIndex: number,
  fs: ImageFileSystem,
  reader: ContentReader,
  signal?: AbortSignal,
): Promise<ImagePackages> {
  const read = imageFileReader(archive, imageIndex, reader);
  return analyzePackages({ fs, read, prefetch: read.prefetch, signal });
}
