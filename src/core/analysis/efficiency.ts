import { cleanRelative, WHITEOUT_PREFIX } from '../fs/path';
import { PathInterner, type PathTree } from '../fs/pathTree';
import type { InternedPaths } from '../fs/types';
import type { EntryTable } from '../tar/entryTable';
import { ENTRY_TYPES } from '../tar/types';

/** The contract's `analysis` object (../shared/DESIGN.md), with dive's definitions. */
export interface ImageAnalysis {
  sizeBytes: number;
  userSizeBytes: number;
  wastedBytes: number;
  /**
   * wastedBytes / userSizeBytes. 0 when both are 0; Infinity when bytes are wasted but the user
   * layers hold none (dive divides the same way, and its CI rule then fails).
   */
  wastedUserPercent: number;
  efficiency: number;
  inefficientFiles: InefficientFile[];
}

export interface InefficientFile {
  path: string;
  count: number;
  sizeBytes: number;
}

const T_DIR = ENTRY_TYPES.indexOf('dir');
/** dive never creates a tree node whose name starts with this (opaque markers, aufs metadata). */
const DIVE_SKIPPED_PREFIX = '.wh..wh..';

interface LayerEntries {
  /** Node of each entry's path (0: nothing to add). */
  node: Int32Array;
  /**
   * 1 where dive stops early: at a segment starting with `.wh..wh..` it adds the directories
   * before it (empty payload when new) and nothing else; `node` is then the last of those.
   */
  cutShort: Uint8Array;
  table: EntryTable | null;
}

/**
 * Efficiency, wasted bytes and inefficient files exactly as dive computes them
 * (filetree.Efficiency), so CI thresholds carry over:
 *
 * - every layer's own tree is walked, visiting only leaves (nodes without children in that layer);
 * - per path: how many times it was seen, the sum of the sizes seen and the smallest size;
 * - a whiteout leaf `.wh.X` stands for X, sized as X's whole subtree in the layers below (stacked
 *   the dive way: whiteouts remove, everything else is laid over, opaque markers ignored) when X
 *   was a directory there, else 0;
 * - paths seen twice or more are inefficient; wasted bytes sum their cumulative sizes;
 *   efficiency = Σ smallest / Σ cumulative over all paths.
 *
 * One difference on purpose: dive stops counting a layer when a whiteout names a path missing
 * below (an error it only logs); the contract says such a whiteout weighs 0, so counting goes on.
 */
export function analyzeLayers(
  tables: readonly (EntryTable | null)[],
  /** The stacker's paths for these very tables (`imageChangeCounts`), so as not to intern them twice. */
  shared?: InternedPaths,
): ImageAnalysis {
  let sizeBytes = 0;
  let userSizeBytes = 0;
  tables.forEach((table, index) => {
    const bytes = table?.regularFileBytes() ?? 0;
    sizeBytes += bytes;
    if (index > 0) userSizeBytes += bytes;
  });

  const { tree, layers } = internLayers(tables, shared);
  const n = tree.count;
  const { preorder, postorder } = treeOrders(tree);
  // Per distinct name, once: the test runs for every node of every layer, twice.
  const whiteoutName = new Uint8Array(tree.names.length);
  for (let id = 0; id < tree.names.length; id++)
    if (tree.names.startsWith(id, WHITEOUT_PREFIX)) whiteoutName[id] = 1;
  const isWhiteoutName = (node: number): boolean => whiteoutName[tree.nameId[node]] === 1;

  // Per path: times seen, sum of sizes, smallest size, and when it became inefficient.
  const seen = new Int32Array(n);
  const cumulative = new Float64Array(n);
  const smallest = new Float64Array(n);
  const becameInefficient = new Int32Array(n).fill(-1);
  let discoveries = 0;

  // The layers below, stacked the dive way.
  const stacked = new Uint8Array(n);
  const stackedSize = new Float64Array(n);
  const stackedDir = new Uint8Array(n);
  stacked[0] = 1;

  // This layer's own tree: presence, payload (size, is-dir) and whether a node has children.
  const presentStamp = new Int32Array(n);
  const parentStamp = new Int32Array(n);
  const payloadSize = new Float64Array(n);
  const payloadDir = new Uint8Array(n);

  const { childStart, childList, parent } = tree;
  const forEachStackedBelow = (root: number, visit: (node: number) => void): void => {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      visit(node);
      for (let i = childStart[node]; i < childStart[node + 1]; i++)
        if (stacked[childList[i]]) stack.push(childList[i]);
    }
  };

  for (let layer = 0; layer < layers.length; layer++) {
    const stamp = layer + 1;
    const { node: entryNodes, cutShort, table } = layers[layer];
    const present: number[] = [];
    const addPresent = (node: number): void => {
      if (presentStamp[node] === stamp) return;
      presentStamp[node] = stamp;
      payloadSize[node] = 0; // an intermediary node carries an empty payload
      payloadDir[node] = 0;
      present.push(node);
      parentStamp[parent[node]] = stamp;
    };
    for (let i = 0; i < entryNodes.length; i++) {
      const node = entryNodes[i];
      if (node <= 0) continue;
      // Presence is closed upwards, so the walk up stops at the first ancestor already there.
      for (let a = node; a > 0 && presentStamp[a] !== stamp; a = parent[a]) addPresent(a);
      if (cutShort[i]) continue;
      payloadSize[node] = table!.sizes[i];
      payloadDir[node] = table!.types[i] === T_DIR ? 1 : 0;
    }

    // Leaves in dive's visiting order (depth-first, children by name): their preorder.
    const leaves = present.filter((node) => parentStamp[node] !== stamp);
    leaves.sort((a, b) => preorder[a] - preorder[b]);
    for (const leaf of leaves) {
      let path = leaf;
      let size = payloadSize[leaf];
      if (isWhiteoutName(leaf)) {
        path = whiteoutTarget(tree, leaf);
        if (path < 0) continue; // a bare `.wh.` names nothing
        size = 0;
        if (stacked[path] && stackedDir[path]) {
          forEachStackedBelow(path, (below) => {
            size += stackedSize[below];
          });
        }
      }
      if (seen[path] === 0 || size < smallest[path]) smallest[path] = size;
      cumulative[path] += size;
      seen[path]++;
      if (seen[path] === 2) becameInefficient[path] = discoveries++;
    }

    // Stack this layer over the ones below, visiting its tree children-first in name order.
    present.sort((a, b) => postorder[a] - postorder[b]);
    for (const node of present) {
      if (isWhiteoutName(node)) {
        const target = whiteoutTarget(tree, node);
        if (target > 0 && stacked[target]) {
          forEachStackedBelow(target, (below) => {
            stacked[below] = 0;
          });
        }
        continue;
      }
      // Missing ancestors come in as intermediaries with an empty payload (the stacked tree is
      // closed upwards too, since removals take whole subtrees).
      for (let a = parent[node]; a > 0 && !stacked[a]; a = parent[a]) {
        stacked[a] = 1;
        stackedSize[a] = 0;
        stackedDir[a] = 0;
      }
      stacked[node] = 1;
      stackedSize[node] = payloadSize[node];
      stackedDir[node] = payloadDir[node];
    }
  }

  let minimumSum = 0;
  let cumulativeSum = 0;
  const inefficient: number[] = [];
  for (let node = 1; node < n; node++) {
    if (seen[node] === 0) continue;
    minimumSum += smallest[node];
    cumulativeSum += cumulative[node];
    if (seen[node] >= 2) inefficient.push(node);
  }
  // dive sorts by cumulative size (stable for its small lists) and lists from the end: largest
  // first, and among equals the one found inefficient later first.
  inefficient.sort((a, b) => cumulative[b] - cumulative[a] || becameInefficient[b] - becameInefficient[a]);
  let wastedBytes = 0;
  for (const node of inefficient) wastedBytes += cumulative[node];
  return {
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    // A number, as the contract says: with no user bytes, none of them is wasted (dive's Go
    // division would give +Inf, which JSON cannot hold).
    wastedUserPercent: userSizeBytes > 0 ? wastedBytes / userSizeBytes : 0,
    efficiency: cumulativeSum === 0 ? 1 : minimumSum / cumulativeSum,
    inefficientFiles: inefficient.map((node) => ({
      path: tree.path(node),
      count: seen[node],
      sizeBytes: cumulative[node],
    })),
  };
}

/** The node a whiteout node `.wh.X` stands for (X, interned with the layers), or -1. */
function whiteoutTarget(tree: PathTree, node: number): number {
  const name = tree.name(node).slice(WHITEOUT_PREFIX.length);
  if (name === '') return -1;
  return tree.child(tree.parent[node], name);
}

/** Interns every entry path literally (whiteout names included) plus every whiteout's target. */
function internLayers(
  tables: readonly (EntryTable | null)[],
  shared: InternedPaths | undefined,
): { tree: PathTree; layers: LayerEntries[] } {
  const interner = shared?.interner ?? new PathInterner();
  const layers: LayerEntries[] = [];
  for (const [layer, table] of tables.entries()) {
    const count = table?.count ?? 0;
    const node = new Int32Array(count);
    const cutShort = new Uint8Array(count);
    const known = shared?.pathNode[layer];
    for (let i = 0; i < count; i++) {
      // An ordinary path (no whiteout, no `.wh..wh.` segment) is neither cut short nor names a
      // whiteout target here: its node is the one the stacker interned for it.
      if (known !== undefined && known[i] >= 0) {
        node[i] = known[i];
        continue;
      }
      const relative = cleanRelative(table!.name(i));
      const cut = relative.startsWith(DIVE_SKIPPED_PREFIX)
        ? 0
        : relative.indexOf(`/${DIVE_SKIPPED_PREFIX}`) + 1;
      if (cut > 0 || relative.startsWith(DIVE_SKIPPED_PREFIX)) {
        cutShort[i] = 1;
        node[i] = cut > 0 ? interner.intern(relative.slice(0, cut - 1)) : 0;
        continue;
      }
      const slash = relative.lastIndexOf('/');
      // Tested in place: slicing out every entry's base name only to test it was a string per entry.
      if (
        relative.startsWith(WHITEOUT_PREFIX, slash + 1) &&
        relative.length - slash - 1 > WHITEOUT_PREFIX.length
      ) {
        interner.intern(relative.slice(0, slash + 1) + relative.slice(slash + 1 + WHITEOUT_PREFIX.length));
      }
      node[i] = relative === '' ? 0 : interner.intern(relative);
    }
    layers.push({ node, cutShort, table });
  }
  return { tree: interner.freeze(), layers };
}

/** Depth-first positions over the whole path tree, children by name: dive's visiting orders. */
function treeOrders(tree: PathTree): { preorder: Int32Array; postorder: Int32Array } {
  const preorder = new Int32Array(tree.count);
  const postorder = new Int32Array(tree.count);
  const { childStart, childList } = tree;
  const stack: number[] = [0];
  const expanded: boolean[] = [false];
  let pre = 0;
  let post = 0;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const node = stack[top];
    if (expanded[top]) {
      stack.pop();
      expanded.pop();
      postorder[node] = post++;
      continue;
    }
    expanded[top] = true;
    preorder[node] = pre++;
    for (let i = childStart[node + 1] - 1; i >= childStart[node]; i--) {
      stack.push(childList[i]);
      expanded.push(false);
    }
  }
  return { preorder, postorder };
}
