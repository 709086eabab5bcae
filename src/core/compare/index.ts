/**
 * Comparing two images, or two layers, of one archive or two: the merged filesystems path by
 * path (treeDiff.ts), their configs, shared layers and histories (imageDiff.ts).
 */
import { ImageFileSystem } from '../fs/imageFileSystem';
import { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import {
  alignHistory,
  type ConfigDifference,
  diffConfig,
  type HistoryRow,
  type LayerSharing,
  shareLayers,
} from './imageDiff';
import type { CompareSide } from './side';

export { ContentDigests, digestOf, provablySame } from './contentDigest';
export { compileGlobs, globSource, type PathMatcher } from './glob';
export {
  alignHistory,
  type ConfigDifference,
  diffConfig,
  type HistoryRow,
  type LayerRef,
  type LayerSharing,
  shareLayers,
} from './imageDiff';
export { type CompareSide, type ContentLocation, childrenOf, entryOf, type SideEntry } from './side';
export { emptyCounts, TreeComparison } from './treeDiff';
export * from './types';

/**
 * A side over an image of an archive: its stacked filesystem (no content hashing: the merged
 * view does not depend on which rewrites were identical) and a content reader of its own.
 */
export async function openSide(
  archive: ImageArchive,
  imageIndex: number,
  layer: number,
  fs?: ImageFileSystem,
  reader?: ContentReader,
): Promise<CompareSide> {
  const built = fs ?? (await ImageFileSystem.build(archive, imageIndex));
  return { archive, imageIndex, layer, fs: built, reader: reader ?? new ContentReader(archive) };
}

/** Everything of a comparison except the paths: what the two images' metadata says. */
export interface ImageComparison {
  config: ConfigDifference[];
  layers: LayerSharing;
  history: HistoryRow[];
}

export function compareImageMetadata(a: CompareSide, b: CompareSide): ImageComparison {
  const imageA = a.archive.images[a.imageIndex];
  const imageB = b.archive.images[b.imageIndex];
  return {
    config: diffConfig(imageA, imageB),
    layers: shareLayers(imageA, a.layer, imageB, b.layer, a.archive === b.archive),
    history: alignHistory(imageA, a.layer, imageB, b.layer),
  };
}
