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
import { type CompareSide, type SidePlace, stackHolder } from './side';

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
export {
  type CompareSide,
  type ContentLocation,
  childrenOf,
  entryOf,
  type SideEntry,
  type SidePlace,
  stackHolder,
} from './side';
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

/**
 * The two sides a tree comparison walks, with one filesystem built where one side's stack holds
 * the other's (see stackHolder): the held side is then the holder's image at the held side's
 * layer, and both read contents through one reader. `fsOf` makes an image's filesystem (or
 * takes one already made). The places' own archives and images are still what the metadata
 * comparison and the results' headings name.
 */
export async function openSides(
  a: SidePlace,
  b: SidePlace,
  options: {
    trustDiffIds?: boolean;
    fsOf?: (archive: ImageArchive, imageIndex: number) => Promise<ImageFileSystem>;
  } = {},
): Promise<[CompareSide, CompareSide]> {
  const fsOf = options.fsOf ?? ((archive, imageIndex) => ImageFileSystem.build(archive, imageIndex));
  const holder = stackHolder(a, b, options.trustDiffIds ?? true);
  if (holder) {
    const on = holder === 'a' ? a : b;
    const fs = await fsOf(on.archive, on.imageIndex);
    const reader = new ContentReader(on.archive);
    const { archive, imageIndex } = on;
    return [
      { archive, imageIndex, layer: a.layer, fs, reader },
      { archive, imageIndex, layer: b.layer, fs, reader },
    ];
  }
  const fsA = await fsOf(a.archive, a.imageIndex);
  const sameImage = a.archive === b.archive && a.imageIndex === b.imageIndex;
  const fsB = sameImage ? fsA : await fsOf(b.archive, b.imageIndex);
  const readerA = new ContentReader(a.archive);
  const readerB = a.archive === b.archive ? readerA : new ContentReader(b.archive);
  return [
    { archive: a.archive, imageIndex: a.imageIndex, layer: a.layer, fs: fsA, reader: readerA },
    { archive: b.archive, imageIndex: b.imageIndex, layer: b.layer, fs: fsB, reader: readerB },
  ];
}

/** Everything of a comparison except the paths: what the two images' metadata says. */
export interface ImageComparison {
  config: ConfigDifference[];
  layers: LayerSharing;
  history: HistoryRow[];
}

export function compareImageMetadata(a: SidePlace, b: SidePlace): ImageComparison {
  const imageA = a.archive.images[a.imageIndex];
  const imageB = b.archive.images[b.imageIndex];
  return {
    config: diffConfig(imageA, imageB),
    layers: shareLayers(imageA, a.layer, imageB, b.layer, a.archive === b.archive),
    history: alignHistory(imageA, a.layer, imageB, b.layer),
  };
}
