import type { EntryType } from '../tar/types';
import type { PathInterner } from './pathTree';

export type DiffType = 'added' | 'modified' | 'removed' | 'unmodified';
export type ViewMode = 'changes' | 'merged';
/**
 * What a row or history entry is beyond its DiffType (the rule is in changeRule.ts):
 * 'rewritten' an unmodified file, link or device the layer wrote again with the same bytes;
 * 'replaced' a directory the layer made opaque; 'underRemoved' / 'underReplaced' a removed path
 * that went with a removed or replaced directory above it (not counted on its own).
 */
export type ChangeNote = 'rewritten' | 'replaced' | 'underRemoved' | 'underReplaced';
/** The classes a layer's changes are counted in. */
export type CountedChange = 'added' | 'modified' | 'removed' | 'rewritten' | 'replaced';

export interface FileNodeInfo {
  /** Absolute and cleaned: '/etc/passwd'; '/' is the root. */
  path: string;
  /** Last segment ('/' for the root). */
  name: string;
  type: EntryType;
  /** Size from the tar header: 0 for directories, links and devices. */
  size: number;
  /**
   * Directories: the sum of file sizes below, in this view. As in dive, files removed in this
   * view are left out, unless the directory itself was removed (then it is what went away).
   * Other nodes: their size.
   */
  subtreeSize: number;
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777); the file type is in `type`. */
  mode: number;
  uid: number;
  gid: number;
  /** Symlinks: the target as stored. Hardlinks: the absolute path of the linked file. Else ''. */
  linkTarget: string;
  /**
   * 'changes' view: added/modified/removed against the layers below; 'unmodified' for paths the
   * layer re-wrote identically and for directories that only lead to changes. Below a directory
   * the layer made opaque, what the layer puts there is 'added' (the lower paths were hidden, not
   * merged; they are listed as 'removed'). Modified means type, permission bits, owner, link
   * target or content differ (mtime does not count). 'merged' view: what the viewed layer did to
   * the path, 'unmodified' when it came from below; removed paths are not in it.
   */
  change: DiffType;
  /** Children in this view (0 for non-directories). */
  childCount: number;
  /**
   * The layer whose entry this is: the last layer that wrote the path as of the viewed layer.
   * For a path shown as removed, the layer that removed it.
   */
  layer: number;
  /** Set when the row is more than its change says (see ChangeNote); absent otherwise. */
  note?: ChangeNote;
  /** Merged view, directories: set when something below it counts as a change of the viewed layer. */
  subtreeChanged?: true;
}

/** A layer's counts, by the rule in changeRule.ts (the same the Changes rows and history follow). */
export interface LayerChangeCounts {
  added: number;
  modified: number;
  removed: number;
  /** Files, links and devices written again with the same bytes and metadata. */
  rewritten: number;
  /** Directories made opaque that were directories below. */
  replaced: number;
}

/** One layer that touched a path, as the path history lists it. */
export interface PathChange {
  layer: number;
  change: CountedChange;
  /** 'underRemoved' / 'underReplaced': the path went with a directory above it (not counted). */
  note?: ChangeNote;
}

/** Counts with the details behind them; `added/modified/removed` are what inspect reports. */
export interface LayerChangeDetail extends LayerChangeCounts {
  /** Opaque markers applied in this layer (`.wh..wh..opq`, or a whiteout plus a new directory), as facts.json counts them. */
  opaqueDirs: number;
  /** Lower paths hidden by those opaque directories (top-most hidden path counted once). */
  hiddenByOpaque: number;
}

/** Where a file's bytes are: an entry of a layer (hardlinks resolved to the file they share). */
export interface ContentRef {
  layer: number;
  entryIndex: number;
}

/** Hash of an entry's content; only asked for paths re-written with the same size. */
export type ContentHasher = (layer: number, entryIndex: number) => Promise<string>;

/**
 * The paths the stacker interned, handed on so that the analysis does not intern them again
 * (`inspect`): the interner itself, which the analysis goes on filling with the names only it
 * needs (whiteout names, cut-short prefixes), and per layer and entry the node of each entry that
 * is an ordinary path (no whiteout, opaque marker or aufs segment), -1 for every other entry.
 * Once handed on, the stacker's own frozen tree shares the interner's name list and is not to be used.
 */
export interface InternedPaths {
  interner: PathInterner;
  pathNode: Int32Array[];
}
