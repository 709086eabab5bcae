import { analyzeImage, type ImageAnalysis } from '../core/analysis';
import { imageChangeCounts, type LayerChangeDetail } from '../core/fs';
import type { ImageArchive } from '../core/image/model';
import type { ImageFacts } from '../core/image/summary';

/** Per-layer change counts from the filesystem model and dive's analysis, for every image. */
export async function imageFacts(archive: ImageArchive): Promise<ImageFacts> {
  // Only the counts: inspect prints nothing else of the filesystem model.
  // The analysis goes on from the paths the counting interned, instead of interning them again.
  const layerCounts: LayerChangeDetail[][] = [];
  const analyses: ImageAnalysis[] = [];
  for (let i = 0; i < archive.images.length; i++) {
    const { counts, paths } = await imageChangeCounts(archive, i);
    layerCounts.push(counts);
    analyses.push(analyzeImage(archive, i, paths));
  }
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
