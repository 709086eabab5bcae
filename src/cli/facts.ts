import { analyzeImage } from '../core/analysis';
import { buildImageFileSystem, type ImageFileSystem } from '../core/fs';
import type { ImageArchive } from '../core/image/model';
import type { ImageFacts } from '../core/image/summary';

/** Per-layer change counts from the filesystem model and dive's analysis, for every image. */
export async function imageFacts(archive: ImageArchive): Promise<ImageFacts> {
  const fileSystems: ImageFileSystem[] = [];
  for (let i = 0; i < archive.images.length; i++) fileSystems.push(await buildImageFileSystem(archive, i));
  const analyses = archive.images.map((_, i) => analyzeImage(archive, i));
  return {
    counts: (image, layer) => {
      const c = fileSystems[image].counts(layer);
      return { added: c.added, modified: c.modified, removed: c.removed };
    },
    analysis: (image) => analyses[image],
  };
}
