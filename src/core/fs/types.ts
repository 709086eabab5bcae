import type { EntryType } from '../tar/types';

export type DiffType = 'added' | 'modified' | 'removed' | 'unmodified';
export type ViewMode = 'changes' | 'merged';

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
}

export interface LayerChangeCounts {
  added: number;
  modified: number;
  removed: number;
}

/** Counts with the details behind them; `added/modified/removed` are what inspect reports. */
export interface LayerChangeDetail extends LayerChangeCounts {
  /** Non-directory paths the layer wrote again with identical type, metadata and content. */
  unchangedRewrites: number;
  /** Directories made opaque in this layer (`.wh..wh..opq`, or a whiteout plus a new directory). */
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
