import type { ImageAnalysis } from '../../core/analysis';
import type { ImageArchive } from '../../core/image/model';
import type { EntryTable } from '../../core/tar/entryTable';
import { cleanRelative } from '../../core/tar/names';
import type { EntryType } from '../../core/tar/types';

/**
 * What `dive <image> --json <file>` writes (dive v0.13.1, cmd/dive/cli/internal/command/export):
 * the layers with index, id, digestId, sizeBytes, command and each layer's own file list, and the
 * image block with sizeBytes, inefficientBytes, efficiencyScore and fileReference. Go's
 * `json.MarshalIndent(…, "", "  ")`, so scripts written for dive's file read ours unchanged.
 */
export interface DiveExport {
  layer: DiveLayer[];
  image: {
    sizeBytes: number;
    inefficientBytes: number;
    efficiencyScore: number;
    fileReference: { count: number; sizeBytes: number; file: string }[];
  };
}

export interface DiveLayer {
  index: number;
  id: string;
  digestId: string;
  sizeBytes: number;
  command: string;
  fileList: DiveFileInfo[];
}

/** dive's filetree.FileInfo as encoding/json writes it. */
export interface DiveFileInfo {
  path: string;
  typeFlag: number;
  linkName: string;
  size: number;
  /** Go's os.FileMode: permission bits plus Go's own type and special bits (ModeDir is 1 << 31). */
  fileMode: number;
  uid: number;
  gid: number;
  isDir: boolean;
}

/** The tar type flag each entry type is written with ('0', '1', … as a byte). */
const TYPE_FLAGS: Record<EntryType, number> = {
  file: 0x30,
  hardlink: 0x31,
  symlink: 0x32,
  char: 0x33,
  block: 0x34,
  dir: 0x35,
  fifo: 0x36,
  other: 0x30,
};

// Go's io/fs mode bits (archive/tar's headerFileInfo.Mode sets them from the header).
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR_DEVICE = 2 ** 21;
const MODE_STICKY = 2 ** 20;

/** Go's `header.FileInfo().Mode()` for a tar entry's type and mode. */
export function goFileMode(type: EntryType, mode: number): number {
  let result = mode & 0o777;
  if (mode & 0o4000) result += MODE_SETUID;
  if (mode & 0o2000) result += MODE_SETGID;
  if (mode & 0o1000) result += MODE_STICKY;
  if (type === 'dir') result += MODE_DIR;
  else if (type === 'symlink') result += MODE_SYMLINK;
  else if (type === 'char') result += MODE_DEVICE + MODE_CHAR_DEVICE;
  else if (type === 'block') result += MODE_DEVICE;
  else if (type === 'fifo') result += MODE_NAMED_PIPE;
  return result;
}

/** dive builds no tree node at or below a name starting with this (opaque markers, aufs metadata). */
const DIVE_SKIPPED_PREFIX = '.wh..wh..';

interface TreeNode {
  children: Map<string, TreeNode>;
  info: DiveFileInfo | null;
}

/** Go's sort.Strings: byte order of the UTF-8 encoding, which is code point order. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * A layer's own tree as dive lists it: every entry under its cleaned name, children by name,
 * each directory after its children (VisitDepthChildFirst); a directory the layer does not hold
 * itself is listed with dive's empty FileInfo, and a later entry for a path replaces an earlier one.
 */
export function diveFileList(table: EntryTable | null): DiveFileInfo[] {
  const root: TreeNode = { children: new Map(), info: null };
  for (let i = 0; i < (table?.count ?? 0); i++) {
    const path = cleanRelative(table!.name(i));
    if (path === '') continue;
    const segments = path.split('/');
    const skipped = segments.findIndex((segment) => segment.startsWith(DIVE_SKIPPED_PREFIX));
    let node = root;
    for (const segment of skipped < 0 ? segments : segments.slice(0, skipped)) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map(), info: null };
        node.children.set(segment, child);
      }
      node = child;
    }
    if (skipped >= 0) continue;
    const type = table!.type(i);
    const unknownFlag = table!.unknownTypeFlags.get(i);
    node.info = {
      path,
      typeFlag: unknownFlag !== undefined ? unknownFlag.charCodeAt(0) : TYPE_FLAGS[type],
      linkName: table!.linkTarget(i),
      size: table!.sizes[i],
      fileMode: goFileMode(type, table!.modes[i]),
      uid: table!.uids[i],
      gid: table!.gids[i],
      isDir: type === 'dir',
    };
  }
  const list: DiveFileInfo[] = [];
  const empty = (): DiveFileInfo => ({
    path: '',
    typeFlag: 0,
    linkName: '',
    size: 0,
    fileMode: 0,
    uid: 0,
    gid: 0,
    isDir: false,
  });
  // Iterative post-order: a layer may nest deeper than the call stack allows.
  const stack: { node: TreeNode; names: string[] | null; next: number }[] = [
    { node: root, names: null, next: 0 },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    top.names ??= [...top.node.children.keys()].sort(byCodePoint);
    if (top.next < top.names.length) {
      const child = top.node.children.get(top.names[top.next++])!;
      stack.push({ node: child, names: null, next: 0 });
      continue;
    }
    stack.pop();
    if (top.node !== root) list.push(top.node.info ?? empty());
  }
  return list;
}

/** dive's layer id: the member's name less `/layer.tar`, `.tar` and a `blobs/sha256/` folder. */
function diveLayerId(member: string): string {
  return member
    .replace(/\/layer\.tar$/, '')
    .replace(/\.tar(\.gz|\.zst)?$/, '')
    .replace(/^blobs\/sha256\//, '');
}

/** dive's export of one image of the archive, from its analysis. */
export function diveExport(archive: ImageArchive, imageIndex: number, analysis: ImageAnalysis): DiveExport {
  const image = archive.images[imageIndex];
  return {
    layer: image.layers.map((layer) => {
      const blob = archive.blobs.get(layer.blob);
      const table = blob?.entries ?? null;
      return {
        index: layer.index,
        id: diveLayerId(blob?.member || layer.blob),
        digestId: layer.diffId ?? '',
        sizeBytes: table?.regularFileBytes() ?? 0,
        command: (layer.createdBy ?? '').replace(/^\/bin\/sh -c /, ''),
        fileList: diveFileList(table),
      };
    }),
    image: {
      sizeBytes: analysis.sizeBytes,
      inefficientBytes: analysis.wastedBytes,
      efficiencyScore: analysis.efficiency,
      fileReference: analysis.inefficientFiles.map((file) => ({
        count: file.count,
        sizeBytes: file.sizeBytes,
        file: file.path,
      })),
    },
  };
}

/**
 * Go's encoding/json with MarshalIndent's two spaces: JSON.stringify's layout and numbers (both
 * shortest round-trip), plus Go's HTML-safe escapes of <, >, & and U+2028/U+2029. Characters that
 * could reorder or hide text on a terminal (C1, DEL, bidi controls) are escaped as well: the value
 * parsed is dive's, and the bytes are dive's unless a name holds such a character.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[<>&\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
