/**
 * Test helpers: images assembled in memory from layer entry lists, with the layers' tars parsed
 * by the real walker into the real EntryTable, so tests exercise what the app runs on.
 */

import { MemorySource } from '../core/bytes/byteSource';
import { WindowedReader } from '../core/bytes/reader';
import type { ContentHasher } from '../core/fs/types';
import { emptyConfig } from '../core/image/config';
import type { Image, ImageArchive, LayerBlob } from '../core/image/model';
import { EntryTable } from '../core/tar/entryTable';
import { walkTar } from '../core/tar/walker';
import { type BuildEntry, buildTar } from './tarBuilder';

export interface ParsedLayer {
  bytes: Uint8Array;
  table: EntryTable;
}

export async function parseLayer(bytes: Uint8Array): Promise<EntryTable> {
  const table = new EntryTable();
  for await (const entry of walkTar(new WindowedReader(new MemorySource(bytes)))) table.add(entry);
  return table;
}

export async function layerOf(entries: BuildEntry[]): Promise<ParsedLayer> {
  const bytes = buildTar(entries);
  return { bytes, table: await parseLayer(bytes) };
}

/** A layer given as entries, or as `{ sameAs: n }`: the very same blob as layer n (one diff ID twice). */
export type LayerSpec = BuildEntry[] | { sameAs: number };

export interface TestArchive {
  archive: ImageArchive;
  layers: ParsedLayer[];
  /** Hashes entry contents straight from the layer tars, counting how often it was asked. */
  contentHash: ContentHasher & { calls: number };
}

/** FNV-1a over the bytes: enough to tell contents apart in tests, and pure TypeScript. */
export function fnv1a(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${bytes.length}:${hash.toString(16)}`;
}

export function blobOf(table: EntryTable | null, key: string): LayerBlob {
  return {
    member: key,
    storedName: key,
    dataOffset: 0,
    digest: null,
    compression: 'none',
    storedSize: 0,
    entries: table,
    error: table ? null : 'unreadable in test',
  };
}

export function imageOf(blobKeys: string[], tags: string[] = ['test:1']): Image {
  return {
    tags,
    id: `sha256:${tags.join(',')}`,
    manifestDigest: null,
    configName: null,
    platform: 'linux/amd64',
    created: null,
    author: null,
    config: emptyConfig(),
    layers: blobKeys.map((blob, index) => ({
      index,
      blob,
      diffId: null,
      chainId: `chain-${index}`,
      createdBy: `step ${index}`,
      created: null,
      comment: null,
    })),
    history: blobKeys.map((_, index) => ({
      createdBy: `step ${index}`,
      created: null,
      comment: null,
      emptyLayer: false,
      layerIndex: index,
    })),
  };
}

export function archiveOfImages(blobs: Map<string, LayerBlob>, images: Image[]): ImageArchive {
  return {
    source: new MemorySource(new Uint8Array(0), 'test'),
    format: 'docker-archive',
    name: 'test.tar',
    outerCompression: 'none',
    images,
    blobs,
    layerTree: [],
    warnings: [],
    errors: [],
  };
}

export async function testArchive(specs: LayerSpec[]): Promise<TestArchive> {
  const layers: ParsedLayer[] = [];
  const keys: string[] = [];
  const blobs = new Map<string, LayerBlob>();
  for (const [index, spec] of specs.entries()) {
    if (Array.isArray(spec)) {
      const layer = await layerOf(spec);
      const key = `blob-${index}`;
      layers.push(layer);
      keys.push(key);
      blobs.set(key, blobOf(layer.table, key));
    } else {
      layers.push(layers[spec.sameAs]);
      keys.push(keys[spec.sameAs]);
    }
  }
  const hasher = async (layer: number, entryIndex: number): Promise<string> => {
    hasher.calls++;
    const { bytes, table } = layers[layer];
    const start = table.dataOffsets[entryIndex];
    return fnv1a(bytes.subarray(start, start + table.sizes[entryIndex]));
  };
  hasher.calls = 0;
  return { archive: archiveOfImages(blobs, [imageOf(keys)]), layers, contentHash: hasher };
}
