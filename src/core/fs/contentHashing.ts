/**
 * Settles the comparisons stacking could not decide from metadata: a path re-written with the
 * same type, permissions, owner and size is unmodified only if its bytes are the same.
 */
import { messageOf } from '../errors';
import { type LayerSource, MODIFIED, T_HARDLINK, UNMODIFIED, unpackRef } from './stackedModel';
import type { StackingLog } from './stackingLog';
import type { ContentHasher } from './types';

/** Layers hashed at the same time; the content reader keeps a few decompression cursors. */
const HASH_PARALLEL_LAYERS = 4;

/**
 * Decides the PENDING comparisons. Sizes first; the very same entry of a shared layer blob,
 * and empty files, are equal without reading anything; the rest are hashed, each distinct
 * entry once, in archive order per layer so compressed layers are decompressed once. Without
 * `contentHash` those stay modified, since nothing proves them equal. Contents that cannot be
 * read also stay modified, with a warning.
 */
export async function settleContentComparisons(
  log: StackingLog,
  layers: readonly LayerSource[],
  hardlinks: readonly Map<number, number>[],
  contentHash: ContentHasher | undefined,
  warnings: string[],
): Promise<void> {
  const count = log.pendingEvent.length;
  const results = new Uint8Array(count).fill(MODIFIED);
  const needHash: { index: number; lower: number; upper: number }[] = [];
  for (let p = 0; p < count; p++) {
    const lower = resolvedRef(layers, hardlinks, log.pendingLower.get(p));
    const upper = resolvedRef(layers, hardlinks, log.pendingUpper.get(p));
    if (lower === null || upper === null) {
      // Links whose targets are gone: equal link targets are all there is to compare.
      results[p] = lower === upper ? UNMODIFIED : MODIFIED;
      continue;
    }
    const size = sizeOfRef(layers, upper);
    if (sizeOfRef(layers, lower) !== size) continue;
    if (contentKey(layers, lower) === contentKey(layers, upper) || size === 0) {
      results[p] = UNMODIFIED;
      continue;
    }
    if (contentHash) needHash.push({ index: p, lower, upper });
  }
  if (contentHash && needHash.length > 0) {
    const refs = needHash.flatMap((job) => [job.lower, job.upper]);
    const hashes = await hashAll(layers, refs, contentHash, warnings);
    for (const job of needHash) {
      const a = hashes.get(contentKey(layers, job.lower));
      const b = hashes.get(contentKey(layers, job.upper));
      if (a !== undefined && a === b) results[job.index] = UNMODIFIED;
    }
  }
  for (let p = 0; p < count; p++) log.settlePending(p, results[p]);
}

/** A hardlink's ref becomes the file it shares; null when its target was missing. */
function resolvedRef(
  layers: readonly LayerSource[],
  hardlinks: readonly Map<number, number>[],
  packed: number,
): number | null {
  const { layer, entryIndex } = unpackRef(packed);
  const type = layers[layer].table!.types[entryIndex];
  if (type !== T_HARDLINK) return packed;
  return hardlinks[layer].get(entryIndex) ?? null;
}

function sizeOfRef(layers: readonly LayerSource[], packed: number): number {
  const { layer, entryIndex } = unpackRef(packed);
  return layers[layer].table!.sizes[entryIndex];
}

/** By blob rather than layer: one blob used by two layers is the same bytes, hashed once. */
function contentKey(layers: readonly LayerSource[], packed: number): string {
  const { layer, entryIndex } = unpackRef(packed);
  return `${layers[layer].blobKey}\n${entryIndex}`;
}

/**
 * Hashes each distinct content once, keyed by contentKey. One queue per blob, in entry order, so
 * a compressed layer is read front to back; a few blobs at a time.
 */
async function hashAll(
  layers: readonly LayerSource[],
  refs: number[],
  contentHash: ContentHasher,
  warnings: string[],
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const byBlob = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const ref of refs) {
    const key = contentKey(layers, ref);
    if (seen.has(key)) continue;
    seen.add(key);
    const blob = layers[unpackRef(ref).layer].blobKey;
    const list = byBlob.get(blob);
    if (list) list.push(ref);
    else byBlob.set(blob, [ref]);
  }
  const queues = [...byBlob.values()].map((list) =>
    list.sort((a, b) => unpackRef(a).entryIndex - unpackRef(b).entryIndex),
  );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queues.length) {
      const queue = queues[next++];
      for (const ref of queue) {
        const { layer, entryIndex } = unpackRef(ref);
        try {
          hashes.set(contentKey(layers, ref), await contentHash(layer, entryIndex));
        } catch (error) {
          const name = layers[layer].table!.name(entryIndex);
          warnings.push(
            `could not read ${JSON.stringify(name)} in layer ${layer} to compare it: ${messageOf(error)}`,
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_PARALLEL_LAYERS, queues.length) }, worker));
  return hashes;
}
