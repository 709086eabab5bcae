import type { ImageArchive } from '../image/model';
import type { EntryTable } from '../tar/entryTable';
import { ENTRY_TYPES } from '../tar/types';
import { GrowableFloat64, GrowableInt32, GrowableUint8 } from './growable';
import { classifyName, cleanRelative, parentOf } from './path';
import { PathInterner, type PathTree } from './pathTree';
import type { ContentHasher, ContentRef, DiffType, FileNodeInfo, LayerChangeDetail, ViewMode } from './types';

// Change codes, stored in Uint8Arrays; PENDING only lives until contents are compared.
const ADDED = 0;
const MODIFIED = 1;
const REMOVED = 2;
const UNMODIFIED = 3;
const PENDING = 4;
const DIFF_TYPES: readonly DiffType[] = ['added', 'modified', 'removed', 'unmodified'];

// What an entry means for stacking.
const K_SKIP = 0;
const K_WRITE = 1;
const K_WHITEOUT = 2;
const K_OPAQUE = 3;

const T_FILE = ENTRY_TYPES.indexOf('file');
const T_HARDLINK = ENTRY_TYPES.indexOf('hardlink');
const T_SYMLINK = ENTRY_TYPES.indexOf('symlink');
const T_DIR = ENTRY_TYPES.indexOf('dir');

/** A directory that exists only because paths below it do: what extractors create for it. */
const IMPLICIT_DIR_MODE = 0o755;
const PERMISSION_BITS = 0o7777;
/** Layers hashed at the same time; the content reader keeps a few decompression cursors. */
const HASH_PARALLEL_LAYERS = 4;
const MAX_LINK_CHAIN = 16;

interface LayerSource {
  blobKey: string;
  table: EntryTable | null;
}

/**
 * One layer's own view, flattened depth-first (parent before children, children by name) so
 * the children of a directory are found by jumping from subtree end to subtree end.
 */
interface LayerView {
  node: Int32Array;
  change: Uint8Array;
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
interface NodeEvents {
  start: Int32Array;
  layer: Int32Array;
  entry: Int32Array;
  change: Uint8Array;
}

interface DirRecords {
  start: Int32Array;
  layer: Int32Array;
  subtreeSize: Float64Array;
  childCount: Int32Array;
}

interface BuiltModel {
  tree: PathTree;
  layers: LayerSource[];
  events: NodeEvents;
  records: DirRecords;
  views: LayerView[];
  counts: LayerChangeDetail[];
  hardlinks: Map<number, number>[];
  warnings: string[];
}

function packRef(layer: number, entry: number): number {
  return layer * 0x1_0000_0000 + entry;
}

function unpackRef(packed: number): ContentRef {
  return { layer: Math.floor(packed / 0x1_0000_0000), entryIndex: packed % 0x1_0000_0000 };
}

/**
 * The files of one image: every layer's own changes and the union filesystem as seen at any
 * layer, stacked the way overlay filesystems do (the rules are listed at `build`).
 *
 * Paths are interned once for the whole image; per layer only what the layer touched is stored,
 * and the merged view at layer n is answered from per-path event lists (which layer wrote or
 * removed a path), so no per-layer copy of the whole tree exists.
 */
export class ImageFileSystem {
  readonly layerCount: number;
  /** Contents that could not be read to compare them (those paths count as modified). */
  readonly warnings: readonly string[];
  /** Layers without an entry table (not readable); they are shown as empty. */
  readonly unreadableLayers: readonly number[];
  private readonly tree: PathTree;
  private readonly layers: LayerSource[];
  private readonly events: NodeEvents;
  private readonly records: DirRecords;
  private readonly views: LayerView[];
  private readonly layerCounts: LayerChangeDetail[];
  private readonly hardlinks: Map<number, number>[];

  private constructor(model: BuiltModel) {
    this.tree = model.tree;
    this.layers = model.layers;
    this.events = model.events;
    this.records = model.records;
    this.views = model.views;
    this.layerCounts = model.counts;
    this.hardlinks = model.hardlinks;
    this.warnings = model.warnings;
    this.layerCount = model.layers.length;
    this.unreadableLayers = model.layers.flatMap((layer, index) => (layer.table ? [] : [index]));
  }

  /**
   * Builds per-layer trees and stacking for one image. Stacking rules: `.wh.<name>` removes that
   * path (and everything below it) from the layers below; `.wh..wh..opq` hides every lower child
   * of its directory wherever it stands in the tar, while the layer's own children stay; a
   * directory over a directory merges; anything else replaces; a later duplicate entry wins; a
   * hardlink resolves against the layer itself and the layers below.
   *
   * `contentHash(layer, entryIndex)` is only called for paths re-written with the same size and
   * metadata (and not the very same entry of a shared layer blob). Without it such rewrites count
   * as modified, since nothing proves them equal.
   */
  static async build(
    archive: ImageArchive,
    imageIndex: number,
    contentHash?: ContentHasher,
  ): Promise<ImageFileSystem> {
    const image = archive.images[imageIndex];
    if (!image)
      throw new RangeError(`no image ${imageIndex} in ${archive.name} (${archive.images.length} images)`);
    const layers: LayerSource[] = image.layers.map((layer) => ({
      blobKey: layer.blob,
      table: archive.blobs.get(layer.blob)?.entries ?? null,
    }));
    const builder = new Builder(layers, contentHash);
    return new ImageFileSystem(await builder.run());
  }

  /** Number of distinct paths the image's layers mention (whiteout targets included). */
  get pathCount(): number {
    return this.tree.count - 1;
  }

  counts(layer: number): LayerChangeDetail {
    this.checkLayer(layer);
    return { ...this.layerCounts[layer] };
  }

  /** Children of a directory ('/' = root) at a layer, in a mode; sorted by name; offset/limit for paging. */
  children(
    layer: number,
    mode: ViewMode,
    dirPath: string,
    offset = 0,
    limit = Number.POSITIVE_INFINITY,
  ): { total: number; items: FileNodeInfo[] } {
    this.checkLayer(layer);
    const dir = this.tree.find(dirPath);
    const items: FileNodeInfo[] = [];
    if (dir < 0) return { total: 0, items };
    const prefix = dir === 0 ? '/' : `${this.tree.path(dir)}/`;
    const from = Math.max(0, offset);
    const to = from + Math.max(0, limit);
    if (mode === 'changes') {
      const view = this.views[layer];
      const pos = findInView(view, dir);
      if (pos < 0 || !this.isDirVersion(view.versionLayer[pos], view.versionEntry[pos]))
        return { total: 0, items };
      let index = 0;
      for (let child = pos + 1; child < view.end[pos]; child = view.end[child], index++) {
        if (index >= from && index < to)
          items.push(this.viewInfo(layer, view, child, prefix + this.tree.name(view.node[child])));
      }
      return { total: view.childCount[pos], items };
    }
    const version = this.visibleEvent(dir, layer);
    if (version === NOT_VISIBLE || !this.isMergedDir(dir, version)) return { total: 0, items };
    const { childStart, childList } = this.tree;
    let total = 0;
    for (let i = childStart[dir]; i < childStart[dir + 1]; i++) {
      const child = childList[i];
      const childVersion = this.visibleEvent(child, layer);
      if (childVersion === NOT_VISIBLE) continue;
      if (total >= from && total < to) {
        items.push(this.mergedInfo(layer, child, childVersion, prefix + this.tree.name(child)));
      }
      total++;
    }
    return { total, items };
  }

  node(layer: number, mode: ViewMode, path: string): FileNodeInfo | null {
    this.checkLayer(layer);
    const node = this.tree.find(path);
    if (node < 0) return null;
    if (mode === 'changes') {
      const view = this.views[layer];
      const pos = findInView(view, node);
      return pos < 0 ? null : this.viewInfo(layer, view, pos, this.tree.path(node));
    }
    const version = this.visibleEvent(node, layer);
    return version === NOT_VISIBLE ? null : this.mergedInfo(layer, node, version, this.tree.path(node));
  }

  /** Every layer that added, modified or removed this path, in order. */
  timeline(path: string): { layer: number; change: Exclude<DiffType, 'unmodified'> }[] {
    const node = this.tree.find(path);
    const out: { layer: number; change: Exclude<DiffType, 'unmodified'> }[] = [];
    if (node <= 0) return out;
    const { start, layer, change } = this.events;
    for (let i = start[node]; i < start[node + 1]; i++) {
      const code = change[i];
      if (code === ADDED || code === MODIFIED || code === REMOVED) {
        out.push({ layer: layer[i], change: DIFF_TYPES[code] as Exclude<DiffType, 'unmodified'> });
      }
    }
    return out;
  }

  /**
   * Depth-first walk of a view, parents before children, children by name; the root itself is
   * not visited. For `ls`, search and export.
   */
  walk(layer: number, mode: ViewMode, visit: (node: FileNodeInfo) => void): void {
    this.checkLayer(layer);
    const { tree } = this;
    if (mode === 'changes') {
      const view = this.views[layer];
      const pathAtDepth: string[] = [''];
      for (let pos = 1; pos < view.node.length; pos++) {
        const node = view.node[pos];
        const depth = tree.depth[node];
        const path = `${pathAtDepth[depth - 1]}/${tree.name(node)}`;
        pathAtDepth[depth] = path;
        visit(this.viewInfo(layer, view, pos, path));
      }
      return;
    }
    const { childStart, childList } = tree;
    const stackNodes: number[] = [0];
    const stackPaths: string[] = [''];
    while (stackNodes.length > 0) {
      const dir = stackNodes.pop()!;
      const dirPath = stackPaths.pop()!;
      // Pushed in reverse so they pop in name order.
      for (let i = childStart[dir + 1] - 1; i >= childStart[dir]; i--) {
        const child = childList[i];
        if (this.visibleEvent(child, layer) === NOT_VISIBLE) continue;
        stackNodes.push(child);
        stackPaths.push(`${dirPath}/${tree.name(child)}`);
      }
      if (dir !== 0) visit(this.mergedInfo(layer, dir, this.visibleEvent(dir, layer), dirPath));
    }
  }

  /**
   * Where to read a file's bytes as seen in a view: its entry, or for a hardlink the entry of
   * the file it links to (possibly in a lower layer). Null for directories, symlinks, devices,
   * paths not in the view and hardlinks whose target is missing.
   */
  contentSource(layer: number, mode: ViewMode, path: string): ContentRef | null {
    this.checkLayer(layer);
    const node = this.tree.find(path);
    if (node < 0) return null;
    let versionLayer: number;
    let versionEntry: number;
    if (mode === 'changes') {
      const view = this.views[layer];
      const pos = findInView(view, node);
      if (pos < 0) return null;
      versionLayer = view.versionLayer[pos];
      versionEntry = view.versionEntry[pos];
    } else {
      const version = this.visibleEvent(node, layer);
      if (version === NOT_VISIBLE || version === ROOT_VERSION) return null;
      versionLayer = this.events.layer[version];
      versionEntry = this.events.entry[version];
    }
    if (versionEntry < 0) return null;
    const type = this.layers[versionLayer].table!.types[versionEntry];
    if (type === T_HARDLINK) {
      const resolved = this.hardlinks[versionLayer].get(versionEntry);
      return resolved === undefined ? null : unpackRef(resolved);
    }
    return type === T_FILE ? { layer: versionLayer, entryIndex: versionEntry } : null;
  }

  private checkLayer(layer: number): void {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.layerCount) {
      throw new RangeError(`layer ${layer} is out of range (the image has ${this.layerCount} layers)`);
    }
  }

  private isDirVersion(layer: number, entry: number): boolean {
    return entry < 0 || this.layers[layer].table!.types[entry] === T_DIR;
  }

  private isMergedDir(node: number, version: number): boolean {
    return (
      version === ROOT_VERSION ||
      node === 0 ||
      this.isDirVersion(this.events.layer[version], this.events.entry[version])
    );
  }

  /** The event that put the visible version of `node` in place as of `layer`, or NOT_VISIBLE. */
  private visibleEvent(node: number, layer: number): number {
    if (node === 0) return ROOT_VERSION;
    const { start, layer: eventLayer, change } = this.events;
    for (let i = start[node + 1] - 1; i >= start[node]; i--) {
      if (eventLayer[i] <= layer) return change[i] === REMOVED ? NOT_VISIBLE : i;
    }
    return NOT_VISIBLE;
  }

  private mergedInfo(layer: number, node: number, version: number, path: string): FileNodeInfo {
    let versionLayer = 0;
    let versionEntry = -1;
    let change = UNMODIFIED;
    if (version !== ROOT_VERSION) {
      versionLayer = this.events.layer[version];
      versionEntry = this.events.entry[version];
      if (versionLayer === layer) change = this.events.change[version];
    }
    let subtreeSize = 0;
    let childCount = 0;
    if (this.isDirVersion(versionLayer, versionEntry)) {
      const { start, layer: recordLayer } = this.records;
      for (let i = start[node + 1] - 1; i >= start[node]; i--) {
        if (recordLayer[i] <= layer) {
          subtreeSize = this.records.subtreeSize[i];
          childCount = this.records.childCount[i];
          break;
        }
      }
    }
    return this.describe(
      node,
      path,
      versionLayer,
      versionEntry,
      change,
      versionLayer,
      subtreeSize,
      childCount,
    );
  }

  private viewInfo(layer: number, view: LayerView, pos: number, path: string): FileNodeInfo {
    const change = view.change[pos];
    const versionLayer = view.versionLayer[pos];
    return this.describe(
      view.node[pos],
      path,
      versionLayer,
      view.versionEntry[pos],
      change,
      change === REMOVED ? layer : versionLayer,
      view.subtreeSize[pos],
      view.childCount[pos],
    );
  }

  private describe(
    node: number,
    path: string,
    versionLayer: number,
    versionEntry: number,
    change: number,
    layer: number,
    subtreeSize: number,
    childCount: number,
  ): FileNodeInfo {
    const name = node === 0 ? '/' : this.tree.name(node);
    const table = versionEntry >= 0 ? this.layers[versionLayer].table : null;
    if (!table) {
      return {
        path,
        name,
        type: 'dir',
        size: 0,
        subtreeSize,
        mode: IMPLICIT_DIR_MODE,
        uid: 0,
        gid: 0,
        linkTarget: '',
        change: DIFF_TYPES[change],
        childCount,
        layer,
      };
    }
    const typeCode = table.types[versionEntry];
    const isDir = typeCode === T_DIR;
    const size = isDir ? 0 : table.sizes[versionEntry];
    let linkTarget = '';
    if (typeCode === T_SYMLINK) linkTarget = table.linkTarget(versionEntry);
    else if (typeCode === T_HARDLINK) linkTarget = `/${cleanRelative(table.linkTarget(versionEntry))}`;
    return {
      path,
      name,
      type: ENTRY_TYPES[typeCode],
      size,
      subtreeSize: isDir ? subtreeSize : size,
      mode: table.modes[versionEntry] & PERMISSION_BITS,
      uid: table.uids[versionEntry],
      gid: table.gids[versionEntry],
      linkTarget,
      change: DIFF_TYPES[change],
      childCount: isDir ? childCount : 0,
      layer,
    };
  }
}

const NOT_VISIBLE = -1;
/** The root has no events: it is always there, an implicit directory. */
const ROOT_VERSION = -2;

function findInView(view: LayerView, node: number): number {
  const { byNode } = view;
  let lo = 0;
  let hi = byNode.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const candidate = view.node[byNode[mid]];
    if (candidate === node) return byNode[mid];
    if (candidate < node) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Counting sort of (node, value...) rows into per-node runs, keeping their order within a node. */
function csrStart(nodes: Int32Array, nodeCount: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(nodeCount + 1);
  for (const n of nodes) start[n + 1]++;
  for (let n = 0; n < nodeCount; n++) start[n + 1] += start[n];
  const fill = start.slice(0, nodeCount);
  const order = new Int32Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) order[fill[nodes[i]]++] = i;
  return { start, order };
}

/** Stacks the layers once, recording what each layer did; the result is only read afterwards. */
class Builder {
  private tree!: PathTree;
  private readonly kinds: Uint8Array[] = [];
  private readonly targets: Int32Array[] = [];
  private readonly warnings: string[] = [];

  // Merged state as of the layer being applied.
  private curLayer!: Int32Array;
  private curEntry!: Int32Array;
  private curDir!: Uint8Array;
  /** A file's size, or a directory's subtree size: what the node adds to its ancestors. */
  private curSize!: Float64Array;
  private curChildren!: Int32Array;

  // Per-layer sets, valid where the stamp equals the current layer + 1 (no clearing needed).
  private writeStamp!: Int32Array;
  private writeEntry!: Int32Array;
  private impliedStamp!: Int32Array;
  /** Last entry index at or below an implied directory (see `applyLayer`). */
  private latestBelow!: Int32Array;
  /** Last file or link written over an ancestor, per candidate path of the layer. */
  private sweepMax!: Int32Array;
  /** Where a file or link was last written over the node in this layer. */
  private clearStamp!: Int32Array;
  private clearIndex!: Int32Array;
  private setStamp!: Int32Array;
  /** Layer paths below an opaque directory of the same layer: new whatever was there before. */
  private freshStamp!: Int32Array;
  private dirtyStamp!: Int32Array;
  private dirty: number[] = [];
  /** Scratch marks for de-duplicating lists; a new generation per use. */
  private mark!: Int32Array;
  private generation = 0;
  /** Scratch for building views: item of each node in the layer being flattened. */
  private viewItem!: Int32Array;

  private readonly eventNode = new GrowableInt32();
  private readonly eventLayer = new GrowableInt32();
  private readonly eventEntry = new GrowableInt32();
  private readonly eventChange = new GrowableUint8();

  private readonly recordNode = new GrowableInt32();
  private readonly recordLayer = new GrowableInt32();
  private readonly recordSize = new GrowableFloat64();
  private readonly recordCount = new GrowableInt32();

  private readonly itemNode = new GrowableInt32();
  private readonly itemChange = new GrowableUint8();
  private readonly itemLayer = new GrowableInt32();
  private readonly itemEntry = new GrowableInt32();
  private readonly itemStart: number[] = [];

  private readonly pendingEvent = new GrowableInt32();
  private readonly pendingItem = new GrowableInt32();
  private readonly pendingLower = new GrowableFloat64();
  private readonly pendingUpper = new GrowableFloat64();

  private readonly hardlinks: Map<number, number>[] = [];
  private readonly counts: LayerChangeDetail[] = [];

  constructor(
    private readonly layers: LayerSource[],
    private readonly contentHash: ContentHasher | undefined,
  ) {}

  async run(): Promise<BuiltModel> {
    this.internPaths();
    const n = this.tree.count;
    this.curLayer = new Int32Array(n).fill(-1);
    this.curEntry = new Int32Array(n).fill(-1);
    this.curDir = new Uint8Array(n);
    this.curSize = new Float64Array(n);
    this.curChildren = new Int32Array(n);
    this.writeStamp = new Int32Array(n);
    this.writeEntry = new Int32Array(n);
    this.impliedStamp = new Int32Array(n);
    this.latestBelow = new Int32Array(n);
    this.sweepMax = new Int32Array(n);
    this.clearStamp = new Int32Array(n);
    this.clearIndex = new Int32Array(n);
    this.setStamp = new Int32Array(n);
    this.freshStamp = new Int32Array(n);
    this.dirtyStamp = new Int32Array(n);
    this.mark = new Int32Array(n);
    this.viewItem = new Int32Array(n);
    this.curLayer[0] = 0;
    this.curDir[0] = 1;

    for (let layer = 0; layer < this.layers.length; layer++) this.applyLayer(layer);
    this.itemStart.push(this.itemNode.length);
    await this.settleContentComparisons();
    for (let layer = 0; layer < this.layers.length; layer++) this.countChanges(layer);

    const views: LayerView[] = [];
    for (let layer = 0; layer < this.layers.length; layer++) views.push(this.buildView(layer));
    return {
      tree: this.tree,
      layers: this.layers,
      events: this.packEvents(),
      records: this.packRecords(),
      views,
      counts: this.counts,
      hardlinks: this.hardlinks,
      warnings: this.warnings,
    };
  }

  /** First pass: every path of every layer becomes a node, so the tree is complete before stacking. */
  private internPaths(): void {
    const interner = new PathInterner();
    for (const { table } of this.layers) {
      const count = table?.count ?? 0;
      const kinds = new Uint8Array(count);
      const targets = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const relative = cleanRelative(table!.names[i]);
        const meaning = classifyName(relative);
        if (meaning.kind === 'path') {
          kinds[i] = K_WRITE;
          targets[i] = interner.intern(relative);
        } else if (meaning.kind === 'whiteout') {
          kinds[i] = K_WHITEOUT;
          targets[i] = interner.intern(meaning.target);
        } else if (meaning.kind === 'opaque') {
          kinds[i] = K_OPAQUE;
          targets[i] = interner.intern(parentOf(relative));
        } else {
          kinds[i] = K_SKIP;
        }
      }
      this.kinds.push(kinds);
      this.targets.push(targets);
    }
    this.tree = interner.freeze();
  }

  private typeOf(layer: number, entry: number): number {
    return entry < 0 ? T_DIR : this.layers[layer].table!.types[entry];
  }

  private markDirty(node: number, stamp: number): void {
    if (this.dirtyStamp[node] !== stamp) {
      this.dirtyStamp[node] = stamp;
      this.dirty.push(node);
    }
  }

  private addToAncestors(node: number, delta: number, stamp: number): void {
    if (delta === 0) return;
    const { parent } = this.tree;
    for (let a = parent[node]; a >= 0; a = parent[a]) {
      this.curSize[a] += delta;
      this.markDirty(a, stamp);
    }
  }

  private pushEvent(node: number, layer: number, entry: number, change: number): number {
    this.eventNode.push(node);
    this.eventLayer.push(layer);
    this.eventEntry.push(entry);
    return this.eventChange.push(change);
  }

  private pushItem(node: number, change: number, layer: number, entry: number): number {
    this.itemNode.push(node);
    this.itemLayer.push(layer);
    this.itemEntry.push(entry);
    return this.itemChange.push(change);
  }

  private applyLayer(layer: number): void {
    const stamp = layer + 1;
    const table = this.layers[layer].table;
    const kinds = this.kinds[layer];
    const targets = this.targets[layer];
    const { parent, depth } = this.tree;
    this.dirty = [];
    this.itemStart.push(this.itemNode.length);
    this.hardlinks.push(new Map());
    this.pushItem(0, UNMODIFIED, 0, -1);
    if (layer === 0) this.markDirty(0, stamp);

    // 1. Read the layer's entries in tar order into sets: written paths (a later duplicate
    //    replaces an earlier one), directories implied by paths below them, whiteouts, opaques.
    const writes: number[] = [];
    const implied: number[] = [];
    const removals: number[] = [];
    const removalIndex: number[] = [];
    const opaques: number[] = [];
    const opaqueIndex: number[] = [];
    // The walk up stops at a directory already implied: its ancestors are, too. That keeps a
    // layer linear in its entries however deep its paths go.
    const implyFrom = (dir: number): void => {
      for (let a = dir; a > 0 && this.impliedStamp[a] !== stamp; a = parent[a]) {
        this.impliedStamp[a] = stamp;
        this.latestBelow[a] = -1;
        implied.push(a);
      }
    };
    const noteInside = (dir: number, index: number): void => {
      if (dir > 0 && this.latestBelow[dir] < index) this.latestBelow[dir] = index;
    };
    for (let i = 0; i < kinds.length; i++) {
      const node = targets[i];
      switch (kinds[i]) {
        case K_WRITE:
          implyFrom(parent[node]);
          noteInside(parent[node], i);
          this.writeStamp[node] = stamp;
          this.writeEntry[node] = i;
          writes.push(node);
          if (table!.types[i] !== T_DIR) {
            this.clearStamp[node] = stamp;
            this.clearIndex[node] = i;
          }
          break;
        case K_WHITEOUT:
          implyFrom(parent[node]);
          noteInside(parent[node], i);
          removals.push(node);
          removalIndex.push(i);
          break;
        case K_OPAQUE:
          implyFrom(node);
          noteInside(node, i);
          opaques.push(node);
          opaqueIndex.push(i);
          break;
      }
    }

    // 2. Settle conflicts the way extracting in tar order would: a file or link written over a
    //    directory deletes what was extracted below it before, and a path extracted below a
    //    file or link later turns it back into a directory. So per directory: the last entry
    //    index below it (bottom-up), and per path: the last file-or-link write above it
    //    (top-down). Both in one pass each over the layer's paths, parents before children.
    const isWritten = (node: number): boolean => this.writeStamp[node] === stamp;
    const isWrittenNonDir = (node: number): boolean =>
      this.writeStamp[node] === stamp && table!.types[this.writeEntry[node]] !== T_DIR;
    const candidates: number[] = [];
    const gen = ++this.generation;
    for (const list of [implied, writes]) {
      for (const node of list) {
        if (this.mark[node] === gen) continue;
        this.mark[node] = gen;
        candidates.push(node);
      }
    }
    candidates.sort((a, b) => depth[a] - depth[b]);
    for (let c = candidates.length - 1; c >= 0; c--) {
      const node = candidates[c];
      const up = parent[node];
      if (up <= 0) continue;
      const below = this.impliedStamp[node] === stamp ? this.latestBelow[node] : -1;
      const own = isWritten(node) ? this.writeEntry[node] : -1;
      this.latestBelow[up] = Math.max(this.latestBelow[up], below, own);
    }
    const clearAt = (node: number): number =>
      node > 0 && this.clearStamp[node] === stamp ? this.clearIndex[node] : -1;
    /** Index of the last file or link written over an ancestor of `node` (whose parent is a candidate). */
    const sweepAbove = (node: number): number => {
      const up = parent[node];
      return up > 0 ? Math.max(this.sweepMax[up], clearAt(up)) : -1;
    };
    const layerSet: number[] = [];
    for (const node of candidates) {
      this.sweepMax[node] = sweepAbove(node);
      const impliedHere = this.impliedStamp[node] === stamp;
      if (isWrittenNonDir(node) && impliedHere && this.latestBelow[node] > this.writeEntry[node]) {
        this.writeStamp[node] = 0; // a later path below makes it a directory again
      }
      if (isWritten(node) && this.sweepMax[node] > this.writeEntry[node]) {
        this.writeStamp[node] = 0; // swept away by a later file or link above it
      }
      if (isWritten(node) || (impliedHere && this.sweepMax[node] <= this.latestBelow[node])) {
        this.setStamp[node] = stamp;
        layerSet.push(node);
      }
    }
    const inSet = (node: number): boolean => this.setStamp[node] === stamp;
    const staysDir = (node: number): boolean => inSet(node) && !isWrittenNonDir(node);

    // 3. Whiteouts act on the layers below only. A whiteout of a path this layer also writes
    //    as a directory (or writes below) is a removal followed by a fresh directory: opaque.
    let removed = 0;
    const removalGen = ++this.generation;
    const opaqueDirsToApply: number[] = [];
    for (let r = 0; r < removals.length; r++) {
      const node = removals[r];
      if (this.mark[node] === removalGen || sweepAbove(node) > removalIndex[r]) continue;
      this.mark[node] = removalGen;
      if (this.curLayer[node] < 0) continue;
      if (inSet(node)) {
        if (staysDir(node)) opaqueDirsToApply.push(node);
        continue;
      }
      this.hideSubtree(node, layer, stamp, true);
      removed++;
    }
    for (let o = 0; o < opaques.length; o++) {
      const dir = opaques[o];
      if (Math.max(sweepAbove(dir), clearAt(dir)) <= opaqueIndex[o]) opaqueDirsToApply.push(dir);
    }

    // 4. Opaque directories hide every lower path below them that this layer does not write.
    let opaqueDirs = 0;
    let hiddenByOpaque = 0;
    const opaqueGen = ++this.generation;
    for (const dir of opaqueDirsToApply) {
      if (this.mark[dir] === opaqueGen) continue;
      this.mark[dir] = opaqueGen;
      opaqueDirs++;
      if (this.curLayer[dir] < 0 || !this.curDir[dir]) continue;
      hiddenByOpaque += this.hideLowerChildren(dir, layer, stamp, staysDir, inSet);
    }
    // Below an opaque directory nothing of the layers below shows through, so what the layer
    // puts there is new, even where a path of the same name existed before (it was hidden,
    // not merged). This is also how ../shared/fixtures/real/facts.json counts them.
    for (const node of layerSet) {
      const up = parent[node];
      if (this.mark[up] === opaqueGen || (up > 0 && this.freshStamp[up] === stamp))
        this.freshStamp[node] = stamp;
    }

    // 5. Apply the written and implied paths, parents first (the set is in depth order) so a
    //    parent is a directory before its children are counted in it.
    for (const node of layerSet) {
      if (isWritten(node)) this.applyWrite(node, layer, this.writeEntry[node], stamp);
      else this.applyImplied(node, layer, stamp);
    }

    // 6. Hardlinks resolve against the stacked state (this layer's own files included).
    if (table) {
      const links = layerSet
        .filter((node) => isWritten(node) && table.types[this.writeEntry[node]] === T_HARDLINK)
        .map((node) => this.writeEntry[node])
        .sort((a, b) => a - b);
      for (const entry of links) this.resolveHardlink(layer, entry, 0);
    }

    for (const node of this.dirty) {
      if (this.curLayer[node] < 0 || !this.curDir[node]) continue;
      this.recordNode.push(node);
      this.recordLayer.push(layer);
      this.recordSize.push(this.curSize[node]);
      this.recordCount.push(this.curChildren[node]);
    }
    this.counts.push({ added: 0, modified: 0, removed, unchangedRewrites: 0, opaqueDirs, hiddenByOpaque });
  }

  private applyWrite(node: number, layer: number, entry: number, stamp: number): void {
    const table = this.layers[layer].table!;
    const isDir = table.types[entry] === T_DIR;
    const lowerLayer = this.curLayer[node];
    const lowerEntry = this.curEntry[node];
    const lowerVisible = lowerLayer >= 0;
    let change: number;
    let before = 0;
    if (lowerVisible) {
      if (this.curDir[node] && !isDir) this.hideChildren(node, layer, stamp);
      before = this.curSize[node];
      change = this.freshStamp[node] === stamp ? ADDED : this.compare(lowerLayer, lowerEntry, layer, entry);
    } else {
      change = ADDED;
      const parentNode = this.tree.parent[node];
      this.curChildren[parentNode]++;
      this.markDirty(parentNode, stamp);
    }
    const keepsChildren = isDir && lowerVisible && this.curDir[node] === 1;
    const after = isDir ? (keepsChildren ? this.curSize[node] : 0) : table.sizes[entry];
    if (!keepsChildren) this.curChildren[node] = 0;
    this.curSize[node] = after;
    this.addToAncestors(node, after - before, stamp);
    this.curLayer[node] = layer;
    this.curEntry[node] = entry;
    this.curDir[node] = isDir ? 1 : 0;
    if (isDir) this.markDirty(node, stamp);
    const event = this.pushEvent(node, layer, entry, change);
    const item = this.pushItem(node, change, layer, entry);
    if (change === PENDING) {
      this.pendingEvent.push(event);
      this.pendingItem.push(item);
      this.pendingLower.push(packRef(lowerLayer, lowerEntry));
      this.pendingUpper.push(packRef(layer, entry));
    }
  }

  /** A directory the layer has no entry for, but paths (or markers) below it. */
  private applyImplied(node: number, layer: number, stamp: number): void {
    const lowerVisible = this.curLayer[node] >= 0;
    if (lowerVisible && this.curDir[node]) {
      if (this.freshStamp[node] !== stamp) {
        this.pushItem(node, UNMODIFIED, this.curLayer[node], this.curEntry[node]);
        return;
      }
      // Re-created below an opaque directory: a new directory holding what the layer put in it.
      this.curLayer[node] = layer;
      this.curEntry[node] = -1;
      this.markDirty(node, stamp);
      this.pushEvent(node, layer, -1, ADDED);
      this.pushItem(node, ADDED, layer, -1);
      return;
    }
    let change: number;
    if (lowerVisible) {
      change = this.freshStamp[node] === stamp ? ADDED : MODIFIED; // a file or link below becomes a directory
      this.addToAncestors(node, -this.curSize[node], stamp);
    } else {
      change = ADDED;
      const parentNode = this.tree.parent[node];
      this.curChildren[parentNode]++;
      this.markDirty(parentNode, stamp);
    }
    this.curSize[node] = 0;
    this.curChildren[node] = 0;
    this.curLayer[node] = layer;
    this.curEntry[node] = -1;
    this.curDir[node] = 1;
    this.markDirty(node, stamp);
    this.pushEvent(node, layer, -1, change);
    this.pushItem(node, change, layer, -1);
  }

  /** Removes a visible path and everything below it; `withItems` lists them in the layer's view. */
  private hideSubtree(root: number, layer: number, stamp: number, withItems: boolean): void {
    const parentNode = this.tree.parent[root];
    this.addToAncestors(root, -this.curSize[root], stamp);
    this.curChildren[parentNode]--;
    this.markDirty(parentNode, stamp);
    const { childStart, childList } = this.tree;
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      this.pushEvent(node, layer, -1, REMOVED);
      if (withItems) this.pushItem(node, REMOVED, this.curLayer[node], this.curEntry[node]);
      if (this.curDir[node]) {
        for (let i = childStart[node + 1] - 1; i >= childStart[node]; i--) {
          if (this.curLayer[childList[i]] >= 0) stack.push(childList[i]);
        }
      }
      this.curLayer[node] = -1;
      this.curEntry[node] = -1;
      this.curDir[node] = 0;
      this.curSize[node] = 0;
      this.curChildren[node] = 0;
    }
  }

  /** A directory replaced by a file or link: its lower contents go, without showing in the view. */
  private hideChildren(node: number, layer: number, stamp: number): void {
    const { childStart, childList } = this.tree;
    for (let i = childStart[node]; i < childStart[node + 1]; i++) {
      if (this.curLayer[childList[i]] >= 0) this.hideSubtree(childList[i], layer, stamp, false);
    }
  }

  /** Hides lower paths below an opaque directory, descending into directories the layer keeps. */
  private hideLowerChildren(
    dir: number,
    layer: number,
    stamp: number,
    staysDir: (node: number) => boolean,
    inSet: (node: number) => boolean,
  ): number {
    const { childStart, childList } = this.tree;
    let hidden = 0;
    const stack = [dir];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (let i = childStart[current]; i < childStart[current + 1]; i++) {
        const child = childList[i];
        if (this.curLayer[child] < 0) continue;
        if (inSet(child)) {
          // Written as a file or link: the write replaces the lower path itself.
          if (staysDir(child) && this.curDir[child]) stack.push(child);
          continue;
        }
        this.hideSubtree(child, layer, stamp, true);
        hidden++;
      }
    }
    return hidden;
  }

  /** Modified, unmodified, or PENDING when only the contents can tell. */
  private compare(lowerLayer: number, lowerEntry: number, layer: number, entry: number): number {
    const lowerType = this.typeOf(lowerLayer, lowerEntry);
    const table = this.layers[layer].table!;
    const type = table.types[entry];
    if (lowerType !== type) return MODIFIED;
    const lower = lowerEntry >= 0 ? this.layers[lowerLayer].table! : null;
    const lowerMode = lower ? lower.modes[lowerEntry] & PERMISSION_BITS : IMPLICIT_DIR_MODE;
    if (lowerMode !== (table.modes[entry] & PERMISSION_BITS)) return MODIFIED;
    if ((lower ? lower.uids[lowerEntry] : 0) !== table.uids[entry]) return MODIFIED;
    if ((lower ? lower.gids[lowerEntry] : 0) !== table.gids[entry]) return MODIFIED;
    if (type === T_SYMLINK)
      return lower!.linkTarget(lowerEntry) === table.linkTarget(entry) ? UNMODIFIED : MODIFIED;
    if (type === T_HARDLINK) {
      const same = cleanRelative(lower!.linkTarget(lowerEntry)) === cleanRelative(table.linkTarget(entry));
      return same ? PENDING : MODIFIED;
    }
    if (type === T_FILE) return lower!.sizes[lowerEntry] === table.sizes[entry] ? PENDING : MODIFIED;
    return UNMODIFIED;
  }

  /** Resolves a hardlink entry to the regular file it shares, following link chains. */
  private resolveHardlink(layer: number, entry: number, depth: number): number | undefined {
    const links = this.hardlinks[layer];
    const known = links.get(entry);
    if (known !== undefined || depth > MAX_LINK_CHAIN) return known;
    const table = this.layers[layer].table!;
    const target = this.tree.find(table.linkTarget(entry));
    if (target <= 0 || this.curLayer[target] < 0 || this.curEntry[target] < 0) return undefined;
    const targetLayer = this.curLayer[target];
    const targetEntry = this.curEntry[target];
    const targetType = this.layers[targetLayer].table!.types[targetEntry];
    let resolved: number | undefined;
    if (targetType === T_FILE) resolved = packRef(targetLayer, targetEntry);
    else if (targetType === T_HARDLINK && !(targetLayer === layer && targetEntry === entry)) {
      resolved = this.resolveHardlink(targetLayer, targetEntry, depth + 1);
    }
    if (resolved !== undefined) links.set(entry, resolved);
    return resolved;
  }

  private resolvedRef(packed: number): number | null {
    const { layer, entryIndex } = unpackRef(packed);
    const type = this.layers[layer].table!.types[entryIndex];
    if (type !== T_HARDLINK) return packed;
    return this.hardlinks[layer].get(entryIndex) ?? null;
  }

  private sizeOfRef(packed: number): number {
    const { layer, entryIndex } = unpackRef(packed);
    return this.layers[layer].table!.sizes[entryIndex];
  }

  private contentKey(packed: number): string {
    const { layer, entryIndex } = unpackRef(packed);
    return `${this.layers[layer].blobKey}\n${entryIndex}`;
  }

  /**
   * Decides the PENDING comparisons. Sizes first; the very same entry of a shared layer blob,
   * and empty files, are equal without reading anything; the rest are hashed, each distinct
   * entry once, in archive order per layer so compressed layers are decompressed once.
   */
  private async settleContentComparisons(): Promise<void> {
    const count = this.pendingEvent.length;
    const results = new Uint8Array(count).fill(MODIFIED);
    const needHash: { index: number; lower: number; upper: number }[] = [];
    for (let p = 0; p < count; p++) {
      const lower = this.resolvedRef(this.pendingLower.get(p));
      const upper = this.resolvedRef(this.pendingUpper.get(p));
      if (lower === null || upper === null) {
        // Links whose targets are gone: equal link targets are all there is to compare.
        results[p] = lower === upper ? UNMODIFIED : MODIFIED;
        continue;
      }
      const size = this.sizeOfRef(upper);
      if (this.sizeOfRef(lower) !== size) continue;
      if (this.contentKey(lower) === this.contentKey(upper) || size === 0) {
        results[p] = UNMODIFIED;
        continue;
      }
      if (this.contentHash) needHash.push({ index: p, lower, upper });
    }
    if (needHash.length > 0) {
      const hashes = await this.hashAll(needHash.flatMap((job) => [job.lower, job.upper]));
      for (const job of needHash) {
        const a = hashes.get(this.contentKey(job.lower));
        const b = hashes.get(this.contentKey(job.upper));
        if (a !== undefined && a === b) results[job.index] = UNMODIFIED;
      }
    }
    for (let p = 0; p < count; p++) {
      this.eventChange.set(this.pendingEvent.get(p), results[p]);
      this.itemChange.set(this.pendingItem.get(p), results[p]);
    }
  }

  private async hashAll(refs: number[]): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    const byBlob = new Map<string, number[]>();
    const seen = new Set<string>();
    for (const ref of refs) {
      const key = this.contentKey(ref);
      if (seen.has(key)) continue;
      seen.add(key);
      const blob = this.layers[unpackRef(ref).layer].blobKey;
      const list = byBlob.get(blob);
      if (list) list.push(ref);
      else byBlob.set(blob, [ref]);
    }
    const queues = [...byBlob.values()].map((list) =>
      list.sort((a, b) => unpackRef(a).entryIndex - unpackRef(b).entryIndex),
    );
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queues.length) {
        const queue = queues[next++];
        for (const ref of queue) {
          const { layer, entryIndex } = unpackRef(ref);
          try {
            hashes.set(this.contentKey(ref), await this.contentHash!(layer, entryIndex));
          } catch (error) {
            const name = this.layers[layer].table!.names[entryIndex];
            this.warnings.push(
              `could not read ${JSON.stringify(name)} in layer ${layer} to compare it: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(HASH_PARALLEL_LAYERS, queues.length) }, worker));
    return hashes;
  }

  private countChanges(layer: number): void {
    const counts = this.counts[layer];
    const from = this.itemStart[layer];
    const to = this.itemStart[layer + 1];
    for (let i = from; i < to; i++) {
      const change = this.itemChange.get(i);
      if (change === ADDED) counts.added++;
      else if (change === MODIFIED) counts.modified++;
      else if (
        change === UNMODIFIED &&
        this.itemLayer.get(i) === layer &&
        this.itemEntry.get(i) >= 0 &&
        this.typeOf(layer, this.itemEntry.get(i)) !== T_DIR
      ) {
        counts.unchangedRewrites++;
      }
    }
  }

  private buildView(layer: number): LayerView {
    const from = this.itemStart[layer];
    const to = this.itemStart[layer + 1];
    const { tree } = this;
    const { parent, nameId, nameRank } = tree;
    // Item of each node in this layer (the root's is always `from`); then the items bucketed
    // by parent item in name order: the children lists the depth-first order is made from.
    const count = to - from;
    for (let i = from; i < to; i++) {
      const node = this.itemNode.get(i);
      this.viewItem[node] = i - from;
    }
    const sorted: number[] = [];
    for (let i = 0; i < count; i++) {
      const node = this.itemNode.get(from + i);
      if (node !== 0 && this.viewItem[node] === i) sorted.push(i);
    }
    const rank = (item: number): number => nameRank[nameId[this.itemNode.get(from + item)]];
    sorted.sort((a, b) => rank(a) - rank(b));
    const parentItemOf = (item: number): number => this.viewItem[parent[this.itemNode.get(from + item)]];
    const childStart = new Int32Array(count + 1);
    for (const item of sorted) childStart[parentItemOf(item) + 1]++;
    for (let i = 0; i < count; i++) childStart[i + 1] += childStart[i];
    const fill = childStart.slice(0, count);
    const childList = new Int32Array(sorted.length);
    for (const item of sorted) childList[fill[parentItemOf(item)]++] = item;

    const order = new Int32Array(sorted.length + 1);
    const parentPos = new Int32Array(sorted.length + 1).fill(-1);
    const stackItems = new Int32Array(sorted.length + 1);
    const stackParents = new Int32Array(sorted.length + 1);
    let top = 0;
    stackItems[0] = 0;
    stackParents[0] = -1;
    let pos = 0;
    while (top >= 0) {
      const item = stackItems[top];
      parentPos[pos] = stackParents[top];
      top--;
      order[pos] = from + item;
      for (let c = childStart[item + 1] - 1; c >= childStart[item]; c--) {
        top++;
        stackItems[top] = childList[c];
        stackParents[top] = pos;
      }
      pos++;
    }

    const view: LayerView = {
      node: new Int32Array(pos),
      change: new Uint8Array(pos),
      versionLayer: new Int32Array(pos),
      versionEntry: new Int32Array(pos),
      end: new Int32Array(pos),
      subtreeSize: new Float64Array(pos),
      childCount: new Int32Array(pos),
      byNode: new Int32Array(pos),
    };
    const all = new Float64Array(pos);
    const live = new Float64Array(pos);
    const span = new Int32Array(pos).fill(1);
    for (let p = 0; p < pos; p++) {
      const item = order[p];
      view.node[p] = this.itemNode.get(item);
      view.change[p] = this.itemChange.get(item);
      view.versionLayer[p] = this.itemLayer.get(item);
      view.versionEntry[p] = this.itemEntry.get(item);
    }
    // Bottom-up: subtree spans, child counts and both size sums (with and without removed files).
    for (let p = pos - 1; p >= 0; p--) {
      const entry = view.versionEntry[p];
      const isDir = this.typeOf(view.versionLayer[p], entry) === T_DIR;
      const own = isDir ? 0 : this.layers[view.versionLayer[p]].table!.sizes[entry];
      all[p] += own;
      if (view.change[p] !== REMOVED) live[p] += own;
      view.subtreeSize[p] = isDir ? (view.change[p] === REMOVED ? all[p] : live[p]) : own;
      view.end[p] = p + span[p];
      const up = parentPos[p];
      if (up >= 0) {
        span[up] += span[p];
        all[up] += all[p];
        live[up] += live[p];
        view.childCount[up]++;
      }
    }
    const byNode = Array.from({ length: pos }, (_, p) => p);
    byNode.sort((a, b) => view.node[a] - view.node[b]);
    view.byNode.set(byNode);
    return view;
  }

  private packEvents(): NodeEvents {
    const nodes = this.eventNode.toArray();
    const { start, order } = csrStart(nodes, this.tree.count);
    const layer = new Int32Array(order.length);
    const entry = new Int32Array(order.length);
    const change = new Uint8Array(order.length);
    for (let i = 0; i < order.length; i++) {
      layer[i] = this.eventLayer.get(order[i]);
      entry[i] = this.eventEntry.get(order[i]);
      change[i] = this.eventChange.get(order[i]);
    }
    return { start, layer, entry, change };
  }

  private packRecords(): DirRecords {
    const nodes = this.recordNode.toArray();
    const { start, order } = csrStart(nodes, this.tree.count);
    const layer = new Int32Array(order.length);
    const subtreeSize = new Float64Array(order.length);
    const childCount = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) {
      layer[i] = this.recordLayer.get(order[i]);
      subtreeSize[i] = this.recordSize.get(order[i]);
      childCount[i] = this.recordCount.get(order[i]);
    }
    return { start, layer, subtreeSize, childCount };
  }
}
