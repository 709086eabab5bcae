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

/** Reads a file of the image through the archive's ContentReader, never more than `limit` bytes. */
export function imageFileReader(
  archive: ImageArchive,
  imageIndex: number,
  reader: ContentReader,
): (ref: ContentRef, limit: number) => Promise<{ bytes: Uint8Array; size: number }> {
  return async (ref, limit) => {
    const layer = archive.images[imageIndex]?.layers[ref.layer];
    const entries = layer ? archive.blobs.get(layer.blob)?.entries : null;
    if (!layer || !entries || ref.entryIndex >= entries.count)
      throw new RangeError(`layer ${ref.layer} has no entry ${ref.entryIndex}`);
    const size = entries.sizes[ref.entryIndex];
    if (entries.storedSize(ref.entryIndex) !== size) throw new Error('a sparse file');
    if (size > limit) return { bytes: new Uint8Array(0), size };
    return { bytes: await reader.read(layer.blob, ref.entryIndex, 0, size), size };
  };
}

/** The packages of one image of an archive (its file system already built). */
export function imagePackages(
  archive: ImageArchive,
  imageIndex: number,
  fs: ImageFileSystem,
  reader: ContentReader,
  signal?: AbortSignal,
): Promise<ImagePackages> {
  return analyzePackages({ fs, read: imageFileReader(archive, imageIndex, reader), signal });
}
