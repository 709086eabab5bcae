import type { InternedPaths } from '../fs/types';
import type { ImageArchive } from '../image/model';
import { analyzeLayers, type ImageAnalysis } from './efficiency';

export {
  type CiConfig,
  type CiReport,
  type CiRuleResult,
  DEFAULT_CI_CONFIG,
  evaluateCiRules,
  formatBytes,
  NO_SECRETS_RULE,
  noSecretsResult,
  parseBytes,
  parseDiveCiFile,
} from './ciRules';
export { analyzeLayers, type ImageAnalysis, type InefficientFile } from './efficiency';

/** The contract's `analysis` for one image of an archive (layers that could not be read count as empty). */
export function analyzeImage(
  archive: ImageArchive,
  imageIndex: number,
  /** What `imageChangeCounts` interned for this image, to share (the results are the same). */
  shared?: InternedPaths,
): ImageAnalysis {
  const image = archive.images[imageIndex];
  if (!image)
    throw new RangeError(`no image ${imageIndex} in ${archive.name} (${archive.images.length} images)`);
  return analyzeLayers(
    image.layers.map((layer) => archive.blobs.get(layer.blob)?.entries ?? null),
    shared,
  );
}
