import type { ImageArchive } from '../core/image/model';
import type { ImageFacts } from '../core/image/summary';

/** Per-layer change counts and analysis; zeros until the filesystem model is wired in. */
export async function imageFacts(_archive: ImageArchive): Promise<ImageFacts> {
  return {
    counts: () => ({ added: 0, modified: 0, removed: 0 }),
    analysis: () => ({
      sizeBytes: 0,
      userSizeBytes: 0,
      wastedBytes: 0,
      wastedUserPercent: 0,
      efficiency: 1,
      inefficientFiles: [],
    }),
  };
}
