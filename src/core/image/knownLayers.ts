/**
 * Layers another archive has already indexed, taken instead of reading them again. Two images
 * being compared usually share most of their layers; when the second archive is opened beside
 * the first, only the layers it does not share need reading.
 *
 * A layer is matched by its diff ID, the SHA-256 of its uncompressed tar: the same diff ID is the
 * same bytes, so the same entries at the same offsets within the blob (offsets are counted from
 * the blob's start). Only layers stored uncompressed on both sides are matched (a compressed
 * copy has other stored bytes, and its seek points would not fit), and the stored sizes must
 * agree. The comparison already trusts diff IDs the same way (equal diff IDs settle contents
 * without reading); `inspect --verify` checks them. As a guard against a lying name, the first
 * and last headers the table points at must be tar headers in the new blob too.
 */
import type { ByteSource } from '../bytes/byteSource';
import type { EntryTable } from '../tar/entryTable';
import { checksumMatches } from '../tar/header';
import type { LayerIndexResult, LayerJob } from './layerIndex';
import type { ImageArchive } from './model';

export interface KnownLayer {
  storedSize: number;
  entries: EntryTable;
}

/** Indexed layers by diff ID. */
export type KnownLayers = ReadonlyMap<string, KnownLayer>;

const HEADER = 512;

/** The layers of `archive` that another archive may take: uncompressed, indexed to their end. */
export function knownLayersOf(archive: ImageArchive): Map<string, KnownLayer> {
  const known = new Map<string, KnownLayer>();
  for (const image of archive.images)
    for (const layer of image.layers) {
      const blob = archive.blobs.get(layer.blob);
      if (!layer.diffId || !blob?.entries || blob.error || blob.compression !== 'none') continue;
      known.set(layer.diffId, { storedSize: blob.storedSize, entries: blob.entries });
    }
  return known;
}

/** The diff ID of each blob, as the images' configs name it. */
export function diffIdsOf(archive: ImageArchive): Map<string, string> {
  const ids = new Map<string, string>();
  for (const image of archive.images)
    for (const layer of image.layers) if (layer.diffId) ids.set(layer.blob, layer.diffId);
  return ids;
}

/** The known layer's index for `job`, or null when it must be read. */
export async function reuseKnownLayer(
  source: ByteSource,
  job: LayerJob,
  diffId: string | undefined,
  known: KnownLayers,
): Promise<LayerIndexResult | null> {
  if (!diffId || job.compression !== 'none') return null;
  const layer = known.get(diffId);
  if (!layer || layer.storedSize !== job.size) return null;
  const { entries } = layer;
  if (entries.count > 0) {
    const offsets = [...new Set([0, entries.count - 1])].map((i) => entries.headerOffsets[i]);
    if (offsets.some((at) => at < 0 || at + HEADER > job.size)) return null;
    // side by side: a Blob read costs milliseconds of waiting, two at once hardly more than one
    const read = (at: number) => source.read(job.dataOffset + at, HEADER).then((h) => h.slice());
    const headers: Uint8Array[] = [];
    if (source.ownBuffers) headers.push(...(await Promise.all(offsets.map(read))));
    else for (const at of offsets) headers.push(await read(at));
    if (headers.some((header) => header.length < HEADER || !checksumMatches(header))) return null;
  }
  return { compression: 'none', entries, error: null, warnings: [] };
}
