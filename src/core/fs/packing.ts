/**
 * Packs the stacking log into what the read model queries: events and directory records grouped
 * per node (CSR), and each layer's own items flattened into a depth-first view.
 */
import { countedAs, noteName } from './changeRule';
import type { PathTree } from './pathTree';
import {
  DIFF_TYPES,
  type DirRecords,
  type LayerSource,
  type LayerView,
  type NodeEvents,
  REMOVED,
  T_DIR,
  typeOf,
} from './stackedModel';
import type { StackingLog } from './stackingLog';

export function packEvents(log: StackingLog, nodeCount: number): NodeEvents {
  const nodes = log.eventNode.toArray();
  const { start, order } = csrStart(nodes, nodeCount);
  const layer = new Int32Array(order.length);
  const entry = new Int32Array(order.length);
  const change = new Uint8Array(order.length);
  const note = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    layer[i] = log.eventLayer.get(order[i]);
    entry[i] = log.eventEntry.get(order[i]);
    change[i] = log.eventChange.get(order[i]);
    note[i] = log.eventNote.get(order[i]);
  }
  return { start, layer, entry, change, note };
}

export function packRecords(log: StackingLog, nodeCount: number): DirRecords {
  const nodes = log.recordNode.toArray();
  const { start, order } = csrStart(nodes, nodeCount);
  const layer = new Int32Array(order.length);
  const subtreeSize = new Float64Array(order.length);
  const childCount = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    layer[i] = log.recordLayer.get(order[i]);
    subtreeSize[i] = log.recordSize.get(order[i]);
    childCount[i] = log.recordCount.get(order[i]);
  }
  return { start, layer, subtreeSize, childCount };
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

/**
 * Each layer's own view (its Changes), built from the log's items when first asked for: a merged
 * view never reads one (export --merged, ls --merged, cat), and building the view of a
 * 1,000,000-entry layer allocates ~100 MB of columns and scratch at the build's peak. The items
 * (14 bytes each) are let go once every layer's view is built.
 */
export class LayerViews {
  private readonly built: (LayerView | undefined)[];
  /** Scratch shared by all layers: item of each node in the layer being flattened. */
  private viewItem: Int32Array | null = null;
  private unbuilt: number;

  constructor(
    private readonly log: StackingLog,
    private readonly tree: PathTree,
    private readonly layers: readonly LayerSource[],
  ) {
    this.built = new Array(layers.length);
    this.unbuilt = layers.length;
  }

  get(layer: number): LayerView {
    let view = this.built[layer];
    if (!view) {
      this.viewItem ??= new Int32Array(this.tree.count);
      view = buildView(this.log, this.tree, this.layers, this.viewItem, layer);
      this.built[layer] = view;
      if (--this.unbuilt === 0) {
        this.viewItem = null;
        this.log.releaseItems();
      }
    }
    return view;
  }
}

function buildView(
  log: StackingLog,
  tree: PathTree,
  layers: readonly LayerSource[],
  viewItem: Int32Array,
  layer: number,
): LayerView {
  const from = log.itemStart[layer];
  const to = log.itemStart[layer + 1];
  const { parent, nameId, nameRank } = tree;
  // Item of each node in this layer (the root's is always `from`); then the items bucketed
  // by parent item in name order: the children lists the depth-first order is made from.
  const count = to - from;
  for (let i = from; i < to; i++) {
    const node = log.itemNode.get(i);
    viewItem[node] = i - from;
  }
  const sorted = itemsByName(
    log,
    from,
    count,
    viewItem,
    (item) => nameRank[nameId[log.itemNode.get(from + item)]],
  );
  const parentItemOf = (item: number): number => viewItem[parent[log.itemNode.get(from + item)]];
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
    note: new Uint8Array(pos),
    subtreeCounted: new Uint8Array(pos),
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
    view.node[p] = log.itemNode.get(item);
    view.change[p] = log.itemChange.get(item);
    view.note[p] = log.itemNote.get(item);
    view.versionLayer[p] = log.itemLayer.get(item);
    view.versionEntry[p] = log.itemEntry.get(item);
  }
  // Bottom-up: subtree spans, child counts and both size sums (with and without removed files).
  for (let p = pos - 1; p >= 0; p--) {
    const entry = view.versionEntry[p];
    const isDir = typeOf(layers, view.versionLayer[p], entry) === T_DIR;
    const own = isDir ? 0 : layers[view.versionLayer[p]].table!.sizes[entry];
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
      if (view.subtreeCounted[p] || countedAs(DIFF_TYPES[view.change[p]], noteName(view.note[p])) !== null)
        view.subtreeCounted[up] = 1;
    }
  }
  // Positions by node id: the nodes of a view are distinct, so sorting the ids themselves (a
  // native numeric sort, no comparator and no array of numbers on the heap) and mapping each back
  // to its position through its item gives the same order. The root is always at position 0,
  // whatever later items it has (a `./` entry).
  const positionOfItem = new Int32Array(count);
  for (let p = 0; p < pos; p++) positionOfItem[order[p] - from] = p;
  const sortedNodes = view.node.slice().sort();
  for (let i = 0; i < pos; i++) {
    const node = sortedNodes[i];
    view.byNode[i] = node === 0 ? 0 : positionOfItem[viewItem[node]];
  }
  return view;
}

/**
 * The items of a layer but the root's, one per node (its last), stably ordered by the rank of their name. Each is sorted as one number, rank and item packed
 * together, with a native numeric sort where the product fits a double exactly (always, short of
 * 2^53 names times items): at 1,000,000 items an array of numbers and a comparator sort cost
 * tens of MB of heap.
 */
function itemsByName(
  log: StackingLog,
  from: number,
  count: number,
  viewItem: Int32Array,
  rank: (item: number) => number,
): Int32Array {
  const items = new Int32Array(count);
  let length = 0;
  for (let i = 0; i < count; i++) {
    const node = log.itemNode.get(from + i);
    if (node !== 0 && viewItem[node] === i) items[length++] = i;
  }
  const kept = items.subarray(0, length);
  let highestRank = 0;
  for (const item of kept) highestRank = Math.max(highestRank, rank(item));
  if ((highestRank + 1) * count > Number.MAX_SAFE_INTEGER) {
    return Int32Array.from(Array.from(kept).sort((a, b) => rank(a) - rank(b)));
  }
  const keys = new Float64Array(length);
  for (let k = 0; k < length; k++) keys[k] = rank(kept[k]) * count + kept[k];
  keys.sort();
  const sorted = new Int32Array(length);
  for (let k = 0; k < length; k++) sorted[k] = keys[k] % count;
  return sorted;
}
