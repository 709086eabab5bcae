/**
 * One side of a comparison: the merged filesystem of an image at a layer, listed a directory
 * at a time, with what a comparison needs beyond FileNodeInfo: where a file's bytes are (a
 * hardlink resolved to the file it shares), its mtime, and which layer tar holds it.
 */
import type { FileNodeInfo } from '../fs';
import type { ImageFileSystem } from '../fs/imageFileSystem';
import type { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import type { PathState } from './types';

export interface CompareSide {
  archive: ImageArchive;
  imageIndex: number;
  /** The merged view at this layer. */
  layer: number;
  fs: ImageFileSystem;
  reader: ContentReader;
}

/** Where a regular file's bytes are, and what proves two of them the same without reading. */
export interface ContentLocation {
  blobKey: string;
  entryIndex: number;
  /** The diff ID of the layer tar holding the entry (the SHA-256 of that tar), when known. */
  diffId: string | null;
  /** The entry's name in its layer tar. */
  entryName: string;
  /** Stored bytes differ from the logical size: a sparse file. */
  sparse: boolean;
}

export interface SideEntry {
  path: string;
  name: string;
  state: PathState;
  /** file and hardlink are one kind: on disk a hardlink is the file it shares. */
  kind: string;
  mtime: number;
  content: ContentLocation | null;
  isDir: boolean;
}

/** The children of a directory of the side, sorted by name (as the path tree sorts them). */
export function childrenOf(side: CompareSide, dirPath: string): SideEntry[] {
  const { items } = side.fs.children(side.layer, 'merged', dirPath);
  return items.map((info) => entryOf(side, info));
}

export function entryOf(side: CompareSide, info: FileNodeInfo): SideEntry {
  const image = side.archive.images[side.imageIndex];
  const state: PathState = {
    type: info.type,
    size: info.size,
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
    linkTarget: info.linkTarget,
  };
  let mtime = 0;
  let content: ContentLocation | null = null;
  const own = side.fs.entryOf(side.layer, 'merged', info.path);
  if (own) {
    const table = side.archive.blobs.get(image.layers[own.layer].blob)?.entries;
    if (table) mtime = table.mtimes[own.entryIndex];
  }
  if (info.type === 'file' || info.type === 'hardlink') {
    const ref = side.fs.contentSource(side.layer, 'merged', info.path);
    if (ref) {
      const layer = image.layers[ref.layer];
      const table = side.archive.blobs.get(layer.blob)?.entries;
      if (table) {
        content = {
          blobKey: layer.blob,
          entryIndex: ref.entryIndex,
          diffId: layer.diffId,
          entryName: table.name(ref.entryIndex),
          sparse: table.storedSize(ref.entryIndex) !== table.sizes[ref.entryIndex],
        };
        if (info.type === 'hardlink') {
          // The linked file's inode is what is on disk: its size, permissions and owner.
          state.size = table.sizes[ref.entryIndex];
          state.mode = table.modes[ref.entryIndex] & 0o7777;
          state.uid = table.uids[ref.entryIndex];
          state.gid = table.gids[ref.entryIndex];
          mtime = table.mtimes[ref.entryIndex];
        }
      }
    }
  }
  const kind = info.type === 'hardlink' && content ? 'file' : info.type;
  return { path: info.path, name: info.name, state, kind, mtime, content, isDir: info.type === 'dir' };
}
