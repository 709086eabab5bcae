import { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import { ImageFileSystem } from './imageFileSystem';
import type { LayerSource } from './stackedModel';
import { type BuildPause, stackLayerCounts } from './stacking';
import type { InternedPaths, LayerChangeDetail } from './types';

/**
 * The image's filesystem with contents compared where it matters: only paths re-written with the
 * same size are hashed, through a ContentReader that decompresses each layer at most once.
 */
export function buildImageFileSystem(
  archive: ImageArchive,
  imageIndex: number,
  pause?: BuildPause,
): Promise<ImageFileSystem> {
  const reader = new ContentReader(archive);
  const layers = archive.images[imageIndex].layers;
  return ImageFileSystem.build(
    archive,
    imageIndex,
    (layer, entry) => reader.hash(layers[layer].blob, entry),
    pause,
  );
}

/**
 * The change counts of every layer of an image, as `buildImageFileSystem(…).counts(layer)` gives
 * them (with contents compared the same way), without building the model the explorer reads; and
 * the paths it interned, for `analyzeImage` to share.
 */
export function imageChangeCounts(
  archive: ImageArchive,
  imageIndex: number,
): Promise<{ counts: LayerChangeDetail[]; paths: InternedPaths }> {
  const image = archive.images[imageIndex];
  if (!image)
    throw new RangeError(`no image ${imageIndex} in ${archive.name} (${archive.images.length} images)`);
  const reader = new ContentReader(archive);
  const layers: LayerSource[] = image.layers.map((layer) => ({
    blobKey: layer.blob,
    table: archive.blobs.get(layer.blob)?.entries ?? null,
  }));
  return stackLayerCounts(layers, (layer, entry) => reader.hash(image.layers[layer].blob, entry));
}
