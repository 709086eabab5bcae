import type { EntryType } from '../tar/types';

/** What differs about a path present on both sides. */
export type ChangeAspect = 'content' | 'size' | 'type' | 'mode' | 'uid' | 'gid' | 'linkTarget' | 'mtime';
export const CHANGE_ASPECTS: readonly ChangeAspect[] = [
  'content',
  'size',
  'type',
  'mode',
  'uid',
  'gid',
  'linkTarget',
  'mtime',
];

export type PathChangeKind = 'added' | 'removed' | 'changed';

/** A path as one side has it: the fields the contract prints. */
export interface PathState {
  type: EntryType;
  /** For a hardlink: the size of the file it shares (on disk they are one file). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkTarget: string;
}

export interface PathDifference {
  /** Absolute and cleaned ('/etc/passwd'). */
  path: string;
  change: PathChangeKind;
  /** Empty for added and removed paths; in CHANGE_ASPECTS order otherwise. */
  what: ChangeAspect[];
  a: PathState | null;
  b: PathState | null;
}

/** A path on both sides that does not differ: only produced when unchanged paths are asked for. */
export interface PathSame {
  path: string;
  change: 'unchanged';
  what: [];
  a: PathState;
  b: PathState;
}

export type PathComparison = PathDifference | PathSame;

export interface DifferenceCounts {
  added: number;
  removed: number;
  changed: number;
  /** Bytes of regular files B has that A has not: added files, and the new versions of files whose content changed. */
  bytesAdded: number;
  /** Bytes of regular files A has that B has not: removed files, and the old versions of files whose content changed. */
  bytesRemoved: number;
}

/** The counts of one top-level entry of the root ('/usr' counts everything below /usr). */
export interface TopLevelSummary extends DifferenceCounts {
  path: string;
}

export interface CompareOptions {
  /** Compare mtimes too (ignored by default: a rebuild that only changed times shows no difference). */
  includeTimes?: boolean;
  /** Globs of paths left out on both sides (see glob.ts for the syntax). */
  exclude?: readonly string[];
  /** Also produce paths that do not differ (`change: 'unchanged'`), for a full tree. */
  includeUnchanged?: boolean;
  signal?: AbortSignal;
  /**
   * Take two entries at the same place of two layer tars with the same diff ID (the SHA-256 of
   * the tar) as the same bytes without reading them (default true). False reads and hashes them.
   */
  trustDiffIds?: boolean;
}
