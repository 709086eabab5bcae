import { analyzeImage } from '../core/analysis';
import { imageChangeCounts, type LayerChangeDetail } from '../core/fs';
import type { ImageArchive } from '../core/image/model';
import type { ImageFacts } from '../core/image/summary';

/** Per-layer change counts from the filesystem model and dive's analysis, for every image. */
export async function imageFacts(archive: ImageArchive): Promise<ImageFacts> {
  // Only the counts: inspect prints nothing else of the filesystem model.
  const layerCounts: LayerChangeDetail[][] = [];
  for (let i = 0; i < archive.images.length; i++) layerCounts.push(await imageChangeCounts(archive, i));
  const analyses = archive.images.map((_, i) => analyzeImage(archive, i));
  return {
    counts: (image, layer) => {
      const c = layerCounts[image][layer];
      // The rule they are counted by is core/fs/changeRule.ts (the Changes rows and history follow it too).
      return {
        added: c.added,
        modified: c.modified,
        removed: c.removed,
        rewritten: c.rewritten,
        replaced: c.replaced,
      };
    },
    analysis: (image) => analyses[image],
  };
}
