import { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import { ImageFileSystem } from './imageFileSystem';

/**
 * The image's filesystem with contents compared where it matters: only paths re-written with the
 * same size are hashed, through a ContentReader that decompresses each layer at most once.
 */
export function buildImageFileSystem(archive: ImageArchive, imageIndex: number): Promise<ImageFileSystem> {
  const reader = new ContentReader(archive);
  const layers = archive.images[imageIndex].layers;
  return ImageFileSystem.build(archive, imageIndex, (layer, entry) => reader.hash(layers[layer].blob, entry));
}
