/**
 * What stacking hands to ImageFileSystem: the interned path tree and typed arrays that are only
 * read afterwards, plus the codes both sides share to write and read them.
 */
import type { EntryTable } from '../tar/entryTable';
import { ENTRY_TYPES } from '../tar/types';
import type { LayerViews } from './packing';
import type { PathTree } from './pathTree';
import type { ContentRef, DiffType, LayerChangeDetail } from './types';

// Change codes, stored in Uint8Arrays; PENDING only lives until contents are compared.
export const ADDED = 0;
export const MODIFIED = 1;
export const REMOVED = 2;
export const UNMODIFIED = 3;
export const PENDING = 4;
export const DIFF_TYPES: readonly DiffType[] = ['added', 'modified', 'removed', 'unmodified'];

export const T_FILE = ENTRY_TYPES.indexOf('file');
export const T_HARDLINK = ENTRY_TYPES.indexOf('hardlink');
export const T_SYMLINK = ENTRY_TYPES.indexOf('symlink');
export const T_DIR = ENTRY_TYPES.indexOf('dir');

/** A directory that exists only because paths below it do: what extractors create for it. */
export const IMPLICIT_DIR_MODE = 0o755;
export const PERMISSION_BITS = 0o7777;

export interface LayerSource {
  blobKey: string;
  table: EntryTable | null;
}

/**
 * One layer's own view, flattened depth-first (parent before children, children by name) so
 * the children of a directory are found by jumping from subtree end to subtree end.
 */
export interface LayerView {
  node: Int32Array;
  change: Uint8Array;
  /** NOTE_* of changeRule.ts. */
  note: Uint8Array;
  /** 1 where something below the position counts as a change of the layer (changeRule.ts). */
  subtreeCounted: Uint8Array;
  /** Which entry describes the node (for removed nodes: the version that was removed). */
  versionLayer: Int32Array;
  /** -1: a directory that has no entry of its own (implied by paths below it). */
  versionEntry: Int32Array;
  /** Position just past the node's subtree. */
  end: Int32Array;
  subtreeSize: Float64Array;
  childCount: Int32Array;
  /** Positions sorted by node id, for finding a node's position by binary search. */
  byNode: Int32Array;
}

/** CSR arrays: per node, the entries [start[n], start[n+1]) of the value arrays. */
export interface NodeEvents {
  start: Int32Array;
  layer: Int32Array;
  entry: Int32Array;
  change: Uint8Array;
  /** NOTE_* of changeRule.ts. */
  note: Uint8Array;
}

/** CSR arrays like NodeEvents: a directory's size and child count after each layer that changed them. */
export interface DirRecords {
  start: Int32Array;
  layer: Int32Array;
  subtreeSize: Float64Array;
  childCount: Int32Array;
}

export interface BuiltModel {
  tree: PathTree;
  layers: LayerSource[];
  events: NodeEvents;
  records: DirRecords;
  /** Each layer's own view, built on first use. */
  views: LayerViews;
  /** Per layer, sorted: the directories with a counted change below them in the layer's view. */
  changedBelow: Int32Array[];
  counts: LayerChangeDetail[];
  /** Node → the layers that replaced it (made it opaque while it was a directory below). */
  replaced: Map<number, number[]>;
  /** Per layer: hardlink entry → packed ref of the regular file it shares. */
  hardlinks: Map<number, number>[];
  warnings: string[];
}

/** A (layer, entry) pair as one number, so it fits a Float64Array and a Map key. */
export function packRef(layer: number, entry: number): number {
  return layer * 0x1_0000_0000 + entry;
}

export function unpackRef(packed: number): ContentRef {
  return { layer: Math.floor(packed / 0x1_0000_0000), entryIndex: packed % 0x1_0000_0000 };
}

/** Entry type code; entry -1 is a directory implied by paths below it. */
export function typeOf(layers: readonly LayerSource[], layer: number, entry: number): number {
  return entry < 0 ? T_DIR : layers[layer].table!.types[entry];
}
