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

/** An image of an archive, seen at one of its layers. */
export interface SidePlace {
  archive: ImageArchive;
  imageIndex: number;
  /** The merged view at this layer. */
  layer: number;
}

export interface CompareSide extends SidePlace {
  fs: ImageFileSystem;
  reader: ContentReader;
}

/**
 * Which side's stack holds the other's: 'b' when A's layers, up to A's layer, are B's first
 * layers (the same blobs of one archive or, trusting diff IDs, the same diff IDs), 'a' the other
 * way round, null when neither holds the other. A merged view at layer n depends only on layers
 * 0..n, so the held side is the holder's filesystem seen at the held side's layer: an image
 * against its base, a rebuild that added layers on top, or two layers of one image need one
 * filesystem built, not two. The holder must have read every layer of the common part.
 */
export function stackHolder(a: SidePlace, b: SidePlace, trustDiffIds = true): 'a' | 'b' | null {
  const layersA = a.archive.images[a.imageIndex].layers.slice(0, a.layer + 1);
  const layersB = b.archive.images[b.imageIndex].layers.slice(0, b.layer + 1);
  const holder = layersA.length <= layersB.length ? b : a;
  for (let i = 0; i < Math.min(layersA.length, layersB.length); i++) {
    const la = layersA[i];
    const lb = layersB[i];
    const same =
      (a.archive === b.archive && la.blob === lb.blob) ||
      (trustDiffIds && la.diffId !== null && la.diffId === lb.diffId);
    if (!same) return null;
    const held = holder.archive.images[holder.imageIndex].layers[i];
    if (!holder.archive.blobs.get(held.blob)?.entries) return null;
  }
  return holder === b ? 'b' : 'a';
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
