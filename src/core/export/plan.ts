/**
 * What an export writes: the entries of a view (a layer's own changes, or the merged filesystem
 * at a layer), or of one directory in it, with the metadata of the tar entries they came from,
 * in an order that extracts exactly (directory times included) and reads every compressed layer
 * front to back once.
 */
import { GrowableInt32 } from '../fs/growable';
import type { ImageFileSystem } from '../fs/imageFileSystem';
import {
  classifyName,
  cleanRelative,
  climbsOutOfRoot,
  OPAQUE_MARKER,
  parentOf,
  WHITEOUT_PREFIX,
} from '../fs/path';
import type { ContentRef, FileNodeInfo, ViewMode } from '../fs/types';
import type { ImageArchive } from '../image/model';
import { MAX_LINK_HOPS } from '../limits';
import type { EntryTable } from '../tar/entryTable';

export type ExportEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface ExportEntry {
  /** Name in the tar: relative, directories with a trailing `/`. */
  name: string;
  type: ExportEntryType;
  /** Permission bits with setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch, fractional when the source had fractions. */
  mtime: number;
  /** Symlinks: the target as stored; hardlinks: the tar name of the linked entry. */
  linkTarget: string;
  /** Bytes of content (regular files only). */
  size: number;
  /** Where the bytes are (regular files only). */
  content: { blobKey: string; entryIndex: number } | null;
  /** Extended attributes (PAX SCHILY.xattr), when the source had them. */
  xattrs: Record<string, string> | null;
}

export interface ExportSpec {
  layer: number;
  /** 'changes': the layer itself, a valid layer tar with whiteouts; 'merged': the filesystem at the layer. */
  mode: ViewMode;
  /** A directory of the view to export alone (default `/`: the whole view). */
  path?: string;
  /**
   * Names below a selected directory start with the directory's own name (`share/doc/…` for
   * `/usr/share`), as `docker cp` writes them; set this to keep full paths (`usr/share/doc/…`).
   */
  fullPaths?: boolean;
}

export interface ExportPlan {
  /** How many entries the tar holds. */
  entryCount: number;
  /**
   * The entries in the order they are written, each made when it is asked for: the regular files
   * of a view (a layer may hold 1,000,000) are kept as three numbers each, the node and the tar
   * entry their bytes are in, not as objects. Each call walks the plan from the start.
   */
  entries(): Generator<ExportEntry>;
  /** Sum of the content sizes: what the progress of an export is measured in. */
  contentBytes: number;
  /** What could not be exported exactly (sparse files, device numbers, binary xattrs). */
  warnings: string[];
  /** A file name for the download, e.g. `app_1-layer-3-merged.tar`. */
  suggestedName: string;
}

const PERMISSION_BITS = 0o7777;

/** The last entry of each path in a layer (a later duplicate wins, as in stacking). */
class LayerNames {
  private readonly byLayer = new Map<number, Map<string, number>>();

  constructor(private readonly tables: readonly (EntryTable | null)[]) {}

  lookup(layer: number, relative: string): number | undefined {
    let names = this.byLayer.get(layer);
    if (!names) {
      names = new Map();
      const table = this.tables[layer];
      // Regular files are found through their content reference; only the other entries (and
      // whiteouts, which are regular files by type) are looked up by name. A map of every name
      // of a 1,000,000-file layer was a large part of an export's memory.
      if (table)
        for (let i = 0; i < table.count; i++) {
          const name = table.name(i);
          if (table.type(i) !== 'file' || name.includes(WHITEOUT_PREFIX)) names.set(cleanRelative(name), i);
        }
      this.byLayer.set(layer, names);
    }
    return names.get(relative);
  }
}

/**
 * Directories a layer makes opaque: those with a `.wh..wh..opq` marker, and those it whites out
 * and then writes again as a directory (the same thing, written the other way).
 */
function opaqueDirectories(table: EntryTable | null): Set<string> {
  const opaque = new Set<string>();
  if (!table) return opaque;
  const whitedOut = new Set<string>();
  for (let i = 0; i < table.count; i++) {
    const relative = cleanRelative(table.name(i));
    const kind = classifyName(relative);
    if (kind.kind === 'opaque') opaque.add(parentOf(relative));
    else if (kind.kind === 'whiteout') whitedOut.add(kind.target);
    else if (kind.kind === 'path' && table.type(i) === 'dir' && whitedOut.has(relative)) opaque.add(relative);
  }
  return opaque;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

interface Planned {
  entry: ExportEntry;
  /** Regular files and hardlinks: the bytes they stand for. */
  ref: ContentRef | null;
  /** Hardlinks: the absolute path they link to. */
  linkPath: string;
}

/**
 * Lists what to write for `spec`. Throws a RangeError naming the problem when the layer or the
 * directory is not in the image.
 */
export function planExport(
  archive: ImageArchive,
  fs: ImageFileSystem,
  imageIndex: number,
  spec: ExportSpec,
): ExportPlan {
  const image = archive.images[imageIndex];
  if (!image) throw new RangeError(`no image ${imageIndex} in ${archive.name}`);
  const { layer, mode } = spec;
  if (!Number.isInteger(layer) || layer < 0 || layer >= fs.layerCount)
    throw new RangeError(
      `no layer ${layer}: the image has ${fs.layerCount} layers (0..${fs.layerCount - 1})`,
    );
  const root = `/${cleanRelative(spec.path ?? '/')}`;
  const rootNode = fs.node(layer, mode, root);
  const viewName = mode === 'changes' ? "layer's own changes" : 'merged view';
  if (!rootNode) throw new RangeError(`${root} is not in the ${viewName} at layer ${layer}`);
  if (rootNode.type !== 'dir')
    throw new RangeError(`${root} is a ${rootNode.type}, not a directory; export takes a directory`);

  const tables = image.layers.map((l) => archive.blobs.get(l.blob)?.entries ?? null);
  const blobKeys = image.layers.map((l) => l.blob);
  const names = new LayerNames(tables);
  const warnings: string[] = [];
  // Tar names: relative to the root for the whole view, else from the directory's own name.
  const parent = parentOf(root.slice(1));
  const strip = root === '/' || spec.fullPaths || parent === '' ? '/' : `/${parent}/`;
  const tarName = (path: string): string => path.slice(strip.length);
  const opaque = mode === 'changes' ? opaqueDirectories(tables[layer]) : new Set<string>();

  /**
   * The extended attributes an entry keeps. Values were decoded as UTF-8 when read; a binary one
   * (security.capability) did not survive that and is left out, with a warning when `path` is given.
   */
  const xattrsOf = (
    table: EntryTable,
    entryIndex: number,
    warnAbout?: string,
  ): Record<string, string> | null => {
    const stored = table.xattrs.get(entryIndex);
    if (!stored) return null;
    const xattrs: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) {
      if (!value.includes('\ufffd')) xattrs[key] = value;
      else if (warnAbout !== undefined)
        warnings.push(`${warnAbout}: xattr ${key} holds binary data and was left out`);
    }
    return xattrs;
  };

  const fromEntry = (
    node: FileNodeInfo,
    type: ExportEntryType,
    entryLayer: number,
    entryIndex: number | undefined,
  ): ExportEntry => {
    const table = entryIndex === undefined ? null : tables[entryLayer];
    const [uname, gname] = table ? table.ownerNames(entryIndex!) : ['', ''];
    return {
      name: type === 'dir' ? `${tarName(node.path)}/` : tarName(node.path),
      type,
      mode: node.mode & PERMISSION_BITS,
      uid: node.uid,
      gid: node.gid,
      uname,
      gname,
      mtime: table ? table.mtimes[entryIndex!] : 0,
      linkTarget: type === 'symlink' ? node.linkTarget : '',
      size: 0,
      content: null,
      xattrs: table ? xattrsOf(table, entryIndex!, node.path) : null,
    };
  };

  /**
   * A regular file's entry, from the tar entry its bytes are in (which gives a file node its
   * metadata too): made while the tar is written, from the node's id.
   */
  const fileEntry = (id: number, refLayer: number, entryIndex: number): ExportEntry => {
    const table = tables[refLayer]!;
    const [uname, gname] = table.ownerNames(entryIndex);
    return {
      name: tarName(fs.pathOf(id)),
      type: 'file',
      mode: table.modes[entryIndex] & PERMISSION_BITS,
      uid: table.uids[entryIndex],
      gid: table.gids[entryIndex],
      uname,
      gname,
      mtime: table.mtimes[entryIndex],
      linkTarget: '',
      size: table.sizes[entryIndex],
      content: { blobKey: blobKeys[refLayer], entryIndex },
      xattrs: xattrsOf(table, entryIndex),
    };
  };

  /** Whiteouts and opaque markers: the layer's own entry when it has one, else made like Docker's. */
  const marker = (relative: string, mtime: number): ExportEntry => {
    const index = names.lookup(layer, relative);
    const table = tables[layer];
    const own = index !== undefined && table && table.type(index) === 'file' ? index : undefined;
    const [uname, gname] = own !== undefined ? table!.ownerNames(own) : ['', ''];
    return {
      name: tarName(`/${relative}`),
      type: 'file',
      mode: own !== undefined ? table!.modes[own] & PERMISSION_BITS : 0,
      uid: own !== undefined ? table!.uids[own] : 0,
      gid: own !== undefined ? table!.gids[own] : 0,
      uname,
      gname,
      mtime: own !== undefined ? table!.mtimes[own] : mtime,
      linkTarget: '',
      size: 0,
      content: null,
      xattrs: null,
    };
  };

  const dirs: ExportEntry[] = [];
  const whiteouts: ExportEntry[] = [];
  /**
   * What has bytes, as parallel columns: the node (a plain file, its entry made when written) or
   * -1 - k for `copies[k]` (a hardlink written as a copy), and the tar entry the bytes are in.
   */
  // Sized for every path of the image (12 bytes a path, a fraction of what the model holds per
  // path), so a view of a million files does not double its way up and leave dead copies behind.
  const fileNode = new GrowableInt32(fs.pathCount + 1);
  const fileLayer = new GrowableInt32(fs.pathCount + 1);
  const fileEntryIndex = new GrowableInt32(fs.pathCount + 1);
  const copies: ExportEntry[] = [];
  /** Files of the view that are not written (their warnings say why): no link may name them. */
  const leftOut = new Set<string>();
  let contentBytes = 0;
  const others: ExportEntry[] = [];
  const hardlinks: Planned[] = [];

  /** Names that climb out of the root (see the rule below): warned about, and true to leave out. */
  const climbing = (node: FileNodeInfo, rawName: string | undefined): boolean => {
    if (rawName === undefined || !climbsOutOfRoot(rawName)) return false;
    warnings.push(
      `${node.path}: its entry is named ${JSON.stringify(rawName)}, which climbs out of the root; left out`,
    );
    return true;
  };

  /** Why a hardlink has no contents: what its target is, in words an extractor would use. */
  const whyNoTarget = (node: FileNodeInfo): string => {
    const target = fs.node(layer, mode, `/${cleanRelative(node.linkTarget)}`);
    if (!target) return `a hardlink to ${node.linkTarget}, which is not in the image`;
    if (target.type === 'dir') return `a hardlink to the directory ${node.linkTarget}, which tar cannot make`;
    if (target.type === 'hardlink')
      return `a hardlink to ${node.linkTarget}, part of a cycle of hardlinks (or a chain of more than ${MAX_LINK_HOPS}) that reaches no file`;
    return `a hardlink to the ${target.type} ${node.linkTarget}, which has no contents to link to`;
  };

  const visit = (node: FileNodeInfo, id: number): boolean => {
    const relative = node.path.slice(1);
    if (node.change === 'removed') {
      // Below a removed directory or an opaque one, the one whiteout (or the marker) covers it.
      const parent = parentOf(relative);
      if (!opaque.has(parent)) {
        const whiteout = `${parent ? `${parent}/` : ''}${WHITEOUT_PREFIX}${baseName(relative)}`;
        whiteouts.push(marker(whiteout, 0));
      }
      return false;
    }
    const entryIndex = node.type === 'file' ? undefined : names.lookup(node.layer, relative);
    const entryType = entryIndex === undefined ? null : tables[node.layer]?.type(entryIndex);
    // The entry found by name is the node's own unless the layer wrote the path twice as different types.
    const own = entryType === node.type ? entryIndex : undefined;
    // The stated rule for names that climb out of the root (`../../etc/passwd`): the index shows
    // them cleaned, but written cleaned they would overwrite a system file where Docker refuses
    // the layer, so they are left out. A file's own entry is the one its contents come from.
    if (node.type !== 'file' && own !== undefined && climbing(node, tables[node.layer]?.name(own)))
      return node.type === 'dir';
    switch (node.type) {
      case 'dir': {
        const entry = fromEntry(node, 'dir', node.layer, own);
        dirs.push(entry);
        // An opaque marker at the root would hide every lower layer: left out, as the warning says.
        if (opaque.has(relative) && relative !== '')
          whiteouts.push(marker(`${relative}/${OPAQUE_MARKER}`, entry.mtime));
        else if (opaque.has(relative))
          warnings.push(
            `/${OPAQUE_MARKER}: an opaque marker at the root, which would hide every lower layer; left out`,
          );
        return true;
      }
      case 'file': {
        const ref = fs.contentSource(layer, mode, node.path);
        if (!ref) {
          warnings.push(`${node.path}: its contents could not be located and it was left out`);
          leftOut.add(node.path);
          return false;
        }
        const table = tables[ref.layer]!;
        if (climbing(node, table.name(ref.entryIndex))) {
          leftOut.add(node.path);
          return false;
        }
        if (table.storedSize(ref.entryIndex) !== table.sizes[ref.entryIndex]) {
          warnings.push(`${node.path}: a sparse file (the index keeps no map of its holes) was left out`);
          leftOut.add(node.path);
          return false;
        }
        xattrsOf(table, ref.entryIndex, node.path); // its warnings, now, before anything is written
        fileNode.push(id);
        fileLayer.push(ref.layer);
        fileEntryIndex.push(ref.entryIndex);
        contentBytes += table.sizes[ref.entryIndex];
        return false;
      }
      case 'hardlink': {
        const ref = fs.contentSource(layer, mode, node.path);
        const entry = fromEntry(node, 'hardlink', node.layer, own);
        if (!ref) {
          warnings.push(`${node.path}: ${whyNoTarget(node)}; left out`);
          return false;
        }
        hardlinks.push({ entry, ref, linkPath: node.linkTarget });
        return false;
      }
      case 'symlink':
      case 'fifo':
        others.push(fromEntry(node, node.type, node.layer, own));
        return false;
      case 'char':
      case 'block':
        warnings.push(`${node.path}: device numbers are not kept by the index; written as 0,0`);
        others.push(fromEntry(node, node.type, node.layer, own));
        return false;
      default:
        warnings.push(`${node.path}: a ${node.type} entry cannot be exported and was left out`);
        return false;
    }
  };

  // Depth first, a directory's entry before what is in it; `/` itself has no entry of its own.
  // The stated rule for an opaque marker at the root: it would hide every lower layer (Docker
  // and containerd do not agree on it), so it is left out, with a warning.
  if (root === '/' && opaque.has(''))
    warnings.push(
      `/${OPAQUE_MARKER}: an opaque marker at the root, which would hide every lower layer; left out`,
    );
  // A directory exported alone is written as itself first (`share/` for /usr/share).
  if (root === '/' || visit(rootNode, -1)) fs.walk(layer, mode, visit, root);

  const sameRef = (a: ContentRef | null, b: ContentRef | null): boolean =>
    a !== null && b !== null && a.layer === b.layer && a.entryIndex === b.entryIndex;
  /** Whether the file at `path` is written as itself, with the bytes of `ref`. */
  const writtenAsFile = (path: string, ref: ContentRef | null): boolean => {
    const target = fs.node(layer, mode, path);
    if (target?.type !== 'file' || target.change === 'removed' || leftOut.has(path)) return false;
    return sameRef(fs.contentSource(layer, mode, path), ref);
  };
  // A hardlink stays a link when what it links to is written before it with the same bytes;
  // otherwise (its target is outside the export, or was replaced later) it becomes a copy.
  const linkDepth = new Map<Planned, number>();
  const hardlinkByName = new Map<string, Planned>();
  for (const link of hardlinks) hardlinkByName.set(link.entry.name, link);
  /**
   * How many links deep a hardlink sits above the file it ends at (1: it names the file), or 0
   * when its chain ends nowhere usable (outside the export, other bytes, a loop): it is then
   * written as a copy. Iterative: a layer may hold a chain of 50,000 links, each naming the last.
   */
  const depthOf = (start: Planned): number => {
    const chain: Planned[] = [];
    const onChain = new Set<Planned>();
    let base = 0;
    for (let link: Planned | undefined = start; link; ) {
      const known = linkDepth.get(link);
      if (known !== undefined) {
        base = known;
        break;
      }
      chain.push(link);
      onChain.add(link);
      const targetName = tarName(link.linkPath);
      const inExport = link.linkPath === root || link.linkPath.startsWith(root === '/' ? '/' : `${root}/`);
      if (!inExport) break;
      if (writtenAsFile(link.linkPath, link.ref)) {
        base = 1;
        linkDepth.set(chain.pop()!, 1);
        break;
      }
      const viaLink = hardlinkByName.get(targetName);
      link = viaLink && !onChain.has(viaLink) && sameRef(viaLink.ref, link.ref) ? viaLink : undefined;
    }
    // Back down the chain: each link sits one above the one it names, or is a copy with it.
    for (let i = chain.length - 1; i >= 0; i--) {
      base = base > 0 ? base + 1 : 0;
      linkDepth.set(chain[i], base);
    }
    return linkDepth.get(start)!;
  };
  const links: Planned[] = [];
  for (const link of hardlinks) {
    if (depthOf(link) > 0) {
      link.entry.linkTarget = tarName(link.linkPath);
      links.push(link);
    } else {
      const ref = link.ref!;
      const table = tables[ref.layer]!;
      link.entry.type = 'file';
      link.entry.size = table.sizes[ref.entryIndex];
      link.entry.content = { blobKey: blobKeys[ref.layer], entryIndex: ref.entryIndex };
      fileNode.push(-1 - copies.length);
      copies.push(link.entry);
      fileLayer.push(ref.layer);
      fileEntryIndex.push(ref.entryIndex);
      contentBytes += link.entry.size;
    }
  }
  // Contents in archive order: each layer (by where its blob sits) from front to back.
  const layerOffsets = blobKeys.map((key) => archive.blobs.get(key)?.dataOffset ?? 0);
  const fileCount = fileNode.length;
  const refLayers = fileLayer.data;
  const refEntries = fileEntryIndex.data;
  const order = new Int32Array(fileCount);
  for (let i = 0; i < fileCount; i++) order[i] = i;
  order.sort(
    (a, b) =>
      layerOffsets[refLayers[a]] - layerOffsets[refLayers[b]] ||
      tables[refLayers[a]]!.dataOffsets[refEntries[a]] - tables[refLayers[b]]!.dataOffsets[refEntries[b]],
  );
  links.sort((a, b) => linkDepth.get(a)! - linkDepth.get(b)!);

  // Directories last, parents first: an extractor sets a directory's time when it meets the
  // entry (GNU tar once it has left the directory), so anything written into it afterwards would
  // leave it with the time of the extraction. What comes before finds its directories created for it.
  function* entries(): Generator<ExportEntry> {
    yield* whiteouts;
    for (let k = 0; k < fileCount; k++) {
      const i = order[k];
      const node = fileNode.data[i];
      yield node >= 0 ? fileEntry(node, refLayers[i], refEntries[i]) : copies[-1 - node];
    }
    yield* others;
    for (const link of links) yield link.entry;
    yield* dirs;
  }
  const tag = (image.tags[0] ?? image.id.replace(/^sha256:/, '').slice(0, 12)).replace(
    /[^A-Za-z0-9._-]+/g,
    '_',
  );
  const where = root === '/' ? '' : `-${root.slice(1).replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  return {
    entryCount: whiteouts.length + fileCount + others.length + links.length + dirs.length,
    entries,
    contentBytes,
    warnings,
    suggestedName: `${tag}-layer-${layer}-${mode}${where}.tar`,
  };
}
