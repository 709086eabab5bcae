import type { ImageArchive } from '../image/model';
import { ENTRY_TYPES } from '../tar/types';
import { NOTE_NONE, NOTE_REPLACED, NOTE_REWRITTEN, noteName } from './changeRule';
import type { LayerViews } from './packing';
import { cleanRelative } from './path';
import type { PathTree } from './pathTree';
import {
  ADDED,
  type BuiltModel,
  DIFF_TYPES,
  type DirRecords,
  IMPLICIT_DIR_MODE,
  type LayerSource,
  type LayerView,
  MODIFIED,
  type NodeEvents,
  PERMISSION_BITS,
  REMOVED,
  T_DIR,
  T_FILE,
  T_HARDLINK,
  T_SYMLINK,
  UNMODIFIED,
  unpackRef,
} from './stackedModel';
import { type BuildPause, stackLayers } from './stacking';
import type {
  ContentHasher,
  ContentRef,
  FileNodeInfo,
  LayerChangeDetail,
  PathChange,
  ViewMode,
} from './types';

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
  private readonly views: LayerViews;
  private readonly changedBelow: Int32Array[];
  private readonly layerCounts: LayerChangeDetail[];
  private readonly hardlinks: Map<number, number>[];
  private readonly replaced: Map<number, number[]>;

  private constructor(model: BuiltModel) {
    this.tree = model.tree;
    this.layers = model.layers;
    this.events = model.events;
    this.records = model.records;
    this.views = model.views;
    this.changedBelow = model.changedBelow;
    this.layerCounts = model.counts;
    this.hardlinks = model.hardlinks;
    this.replaced = model.replaced;
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
    /** Between layers, a build that may have to give way waits here (stacking.ts, BuildPause). */
    pause?: BuildPause,
  ): Promise<ImageFileSystem> {
    const image = archive.images[imageIndex];
    if (!image)
      throw new RangeError(`no image ${imageIndex} in ${archive.name} (${archive.images.length} images)`);
    const layers: LayerSource[] = image.layers.map((layer) => ({
      blobKey: layer.blob,
      table: archive.blobs.get(layer.blob)?.entries ?? null,
    }));
    return new ImageFileSystem(await stackLayers(layers, contentHash, pause));
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
      const view = this.views.get(layer);
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
      const view = this.views.get(layer);
      const pos = findInView(view, node);
      return pos < 0 ? null : this.viewInfo(layer, view, pos, this.tree.path(node));
    }
    const version = this.visibleEvent(node, layer);
    return version === NOT_VISIBLE ? null : this.mergedInfo(layer, node, version, this.tree.path(node));
  }

  /**
   * Every layer that wrote, replaced or removed this path, in order: identical rewrites too
   * (`rewritten`), and removals that went with a directory above it (with their note). The
   * entries follow changeRule.ts, as the layers' Changes rows and counts do.
   */
  timeline(path: string): PathChange[] {
    const node = this.tree.find(path);
    const out: PathChange[] = [];
    if (node <= 0) return out;
    const replacedAt = this.replaced.get(node) ?? [];
    const { start, layer, entry, change, note } = this.events;
    for (let i = start[node]; i < start[node + 1]; i++) {
      const code = change[i];
      if (replacedAt.includes(layer[i]) && code !== REMOVED) continue;
      if (code === ADDED || code === MODIFIED) {
        out.push({ layer: layer[i], change: code === ADDED ? 'added' : 'modified' });
      } else if (code === REMOVED) {
        const why = noteName(note[i]);
        out.push(
          why ? { layer: layer[i], change: 'removed', note: why } : { layer: layer[i], change: 'removed' },
        );
      } else if (code === UNMODIFIED && entry[i] >= 0 && !this.isDirVersion(layer[i], entry[i])) {
        out.push({ layer: layer[i], change: 'rewritten' });
      }
    }
    for (const at of replacedAt) out.push({ layer: at, change: 'replaced' });
    return out.sort((a, b) => a.layer - b.layer);
  }

  /**
   * Depth-first walk of a view below `dirPath` (the whole view by default), parents before
   * children, children by name; `dirPath` itself is not visited. `visit` returns false to leave
   * out what is below a node; `id` names the node for `pathOf`. For `ls`, search and export.
   */
  walk(
    layer: number,
    mode: ViewMode,
    visit: (node: FileNodeInfo, id: number) => unknown,
    dirPath = '/',
  ): void {
    const nodes = this.walkNodes(layer, mode, dirPath);
    for (let step = nodes.next(); !step.done; )
      step = nodes.next(visit(step.value[0], step.value[1]) !== false);
  }

  /**
   * `walk` as a generator, for a caller that waits between nodes (`ls` writing to a slow pipe):
   * yields each node and its id; the value passed to `next` says whether to descend into it
   * (anything but false does; a plain for-of descends everywhere).
   */
  *walkNodes(layer: number, mode: ViewMode, dirPath = '/'): Generator<[FileNodeInfo, number], void, unknown> {
    this.checkLayer(layer);
    const { tree } = this;
    const dir = tree.find(dirPath);
    if (dir < 0) return;
    const dirPathText = dir === 0 ? '' : tree.path(dir);
    if (mode === 'changes') {
      const view = this.views.get(layer);
      let from = 1;
      let to = view.node.length;
      if (dir !== 0) {
        const pos = findInView(view, dir);
        if (pos < 0) return;
        from = pos + 1;
        to = view.end[pos];
      }
      const pathAtDepth: string[] = [];
      pathAtDepth[tree.depth[dir]] = dirPathText;
      for (let pos = from; pos < to; ) {
        const node = view.node[pos];
        const depth = tree.depth[node];
        const path = `${pathAtDepth[depth - 1]}/${tree.name(node)}`;
        pathAtDepth[depth] = path;
        const descend = yield [this.viewInfo(layer, view, pos, path), node];
        pos = descend === false ? view.end[pos] : pos + 1;
      }
      return;
    }
    if (this.visibleEvent(dir, layer) === NOT_VISIBLE) return;
    const { childStart, childList } = tree;
    const stackNodes: number[] = [dir];
    const stackPaths: string[] = [dirPathText];
    while (stackNodes.length > 0) {
      const node = stackNodes.pop()!;
      const nodePath = stackPaths.pop()!;
      if (node !== dir) {
        const descend = yield [this.mergedInfo(layer, node, this.visibleEvent(node, layer), nodePath), node];
        if (descend === false) continue;
      }
      // Pushed in reverse so they pop in name order.
      for (let i = childStart[node + 1] - 1; i >= childStart[node]; i--) {
        const child = childList[i];
        if (this.visibleEvent(child, layer) === NOT_VISIBLE) continue;
        stackNodes.push(child);
        stackPaths.push(`${nodePath}/${tree.name(child)}`);
      }
    }
  }

  /** The path of a node `walk` named by its id. */
  pathOf(id: number): string {
    return this.tree.path(id);
  }

  /**
   * The tar entry that gives a path its metadata in a view: the last write at or below `layer`
   * in the merged view, the layer's own entry in its changes. Null for paths not in the view, the
   * root and directories no entry names (implied by their children).
   */
  entryOf(layer: number, mode: ViewMode, path: string): ContentRef | null {
    this.checkLayer(layer);
    const node = this.tree.find(path);
    if (node < 0) return null;
    let versionLayer: number;
    let versionEntry: number;
    if (mode === 'changes') {
      const view = this.views.get(layer);
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
    return versionEntry < 0 ? null : { layer: versionLayer, entryIndex: versionEntry };
  }

  /**
   * Where to read a file's bytes as seen in a view: its entry, or for a hardlink the entry of
   * the file it links to (possibly in a lower layer). Null for directories, symlinks, devices,
   * paths not in the view and hardlinks whose target is missing.
   */
  contentSource(layer: number, mode: ViewMode, path: string): ContentRef | null {
    const ref = this.entryOf(layer, mode, path);
    if (!ref) return null;
    const type = this.layers[ref.layer].table!.types[ref.entryIndex];
    if (type === T_HARDLINK) {
      const resolved = this.hardlinks[ref.layer].get(ref.entryIndex);
      return resolved === undefined ? null : unpackRef(resolved);
    }
    return type === T_FILE ? ref : null;
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
    let note = NOTE_NONE;
    if (version !== ROOT_VERSION) {
      versionLayer = this.events.layer[version];
      versionEntry = this.events.entry[version];
      if (versionLayer === layer) change = this.events.change[version];
    }
    // What the layer's own row says (whether it rewrote or replaced the path, whether anything
    // changed below), read from the events and the stacker's lists: a merged view builds no
    // layer view. The rules are noteRewrites' and the REPLACED pass of stacking.ts.
    if (this.replaced.get(node)?.includes(layer)) note = NOTE_REPLACED;
    else if (
      version !== ROOT_VERSION &&
      versionLayer === layer &&
      change === UNMODIFIED &&
      versionEntry >= 0 &&
      !this.isDirVersion(versionLayer, versionEntry)
    )
      note = NOTE_REWRITTEN;
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
    const info = this.describe(
      node,
      path,
      versionLayer,
      versionEntry,
      change,
      note,
      versionLayer,
      subtreeSize,
      childCount,
    );
    if (info.type === 'dir' && sortedHas(this.changedBelow[layer], node)) info.subtreeChanged = true;
    return info;
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
      view.note[pos],
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
    noteCode: number,
    layer: number,
    subtreeSize: number,
    childCount: number,
  ): FileNodeInfo {
    const name = node === 0 ? '/' : this.tree.name(node);
    const table = versionEntry >= 0 ? this.layers[versionLayer].table : null;
    const note = noteName(noteCode);
    const noted = note ? { note } : {};
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
        ...noted,
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
      ...noted,
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

/** Whether a sorted list holds `value` (a binary search). */
function sortedHas(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
