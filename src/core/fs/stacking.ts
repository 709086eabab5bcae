/**
 * Stacks an image's layers once, the way overlay filesystems do (the rules are listed at
 * ImageFileSystem.build; each step of `applyLayer` says which one it applies), logging what every
 * layer did. The log is then settled (contents compared) and packed for the read model.
 */
import { MAX_LINK_HOPS } from '../limits';
import {
  countedAs,
  NOTE_NONE,
  NOTE_REPLACED,
  NOTE_REWRITTEN,
  NOTE_UNDER_REMOVED,
  NOTE_UNDER_REPLACED,
  noteName,
} from './changeRule';
import { settleContentComparisons } from './contentHashing';
import { GrowableInt32 } from './growable';
import { LayerViews, packEvents, packRecords } from './packing';
import { classifyName, cleanRelative, parentOf, plainPathSpan } from './path';
import { PathInterner, type PathTree } from './pathTree';
import {
  ADDED,
  type BuiltModel,
  DIFF_TYPES,
  IMPLICIT_DIR_MODE,
  type LayerSource,
  MODIFIED,
  PENDING,
  PERMISSION_BITS,
  packRef,
  REMOVED,
  T_DIR,
  T_FILE,
  T_HARDLINK,
  T_SYMLINK,
  typeOf,
  UNMODIFIED,
} from './stackedModel';
import { StackingLog } from './stackingLog';
import type { ContentHasher, InternedPaths, LayerChangeDetail } from './types';

/**
 * Called before each layer is interned and before each is stacked, by a build that may have to
 * give way: the explorer's, while a comparison needs the machine (src/worker/backgroundHold.ts).
 * Stacking a 100k-entry image is otherwise one block of close to a second on a busy machine.
 */
export type BuildPause = () => Promise<void>;

// What an entry means for stacking.
const K_SKIP = 0;
const K_WRITE = 1;
const K_WHITEOUT = 2;
const K_OPAQUE = 3;

export async function stackLayers(
  layers: LayerSource[],
  contentHash: ContentHasher | undefined,
  pause?: BuildPause,
): Promise<BuiltModel> {
  const { tree, log, hardlinks, counts, replaced } = await applyLayers(layers, pause);
  const warnings: string[] = [];
  await settleContentComparisons(log, layers, hardlinks, contentHash, warnings);
  for (let layer = 0; layer < layers.length; layer++) noteRewrites(log, layers, layer);
  log.releasePending();
  const changedBelow = tallyItems(log, tree, counts, true);
  // Each part of the log is let go once it is packed: on a 1,000,000-entry layer the log and its
  // packed form would otherwise be held side by side at the peak. The items stay until the
  // layers' own views are built, on first use (LayerViews).
  const events = packEvents(log, tree.count);
  log.releaseEvents();
  const records = packRecords(log, tree.count);
  log.releaseRecords();
  const views = new LayerViews(log, tree, layers);
  return { tree, layers, events, records, views, changedBelow, counts, replaced, hardlinks, warnings };
}

/**
 * Counts each layer's Changes rows into `counts` by changeRule.ts: a layer's view lists each node
 * it touched once, with its last item (packing.ts, buildView), so counting those items counts
 * exactly the view's rows. With `withMarks`, also lists per layer (sorted) the directories with
 * a counted row below them, which is what the view's `subtreeCounted` says of them.
 */
function tallyItems(
  log: StackingLog,
  tree: PathTree,
  counts: LayerChangeDetail[],
  withMarks: boolean,
): Int32Array[] {
  const { parent } = tree;
  const lastItem = new Int32Array(tree.count).fill(-1);
  const marked = withMarks ? new Int32Array(tree.count) : null;
  const changedBelow: Int32Array[] = [];
  for (let layer = 0; layer < counts.length; layer++) {
    const from = log.itemStart[layer];
    const to = log.itemStart[layer + 1];
    const stamp = layer + 1;
    const dirs = new GrowableInt32(16);
    for (let i = from; i < to; i++) lastItem[log.itemNode.get(i)] = i;
    for (let i = from; i < to; i++) {
      const node = log.itemNode.get(i);
      if (node === 0 || lastItem[node] !== i) continue;
      const counted = countedAs(DIFF_TYPES[log.itemChange.get(i)], noteName(log.itemNote.get(i)));
      if (counted === null) continue;
      counts[layer][counted]++;
      // Up to the first ancestor already marked: its own ancestors are, so this stays linear.
      if (marked)
        for (let a = parent[node]; a >= 0 && marked[a] !== stamp; a = parent[a]) {
          marked[a] = stamp;
          dirs.push(a);
        }
    }
    changedBelow.push(dirs.toArray().sort());
  }
  return changedBelow;
}

/**
 * Every layer stacked; what the model keeps of the stacker. The stacker's per-path scratch (about
 * 45 bytes a path: 45 MB for a 1,000,000-entry layer) is unreachable once this returns, before
 * the log is packed.
 */
async function applyLayers(
  layers: LayerSource[],
  pause: BuildPause | undefined,
): Promise<Pick<LayerStacker, 'tree' | 'log' | 'hardlinks' | 'counts' | 'replaced'>> {
  // The explorer's model keeps only the frozen tree: the interner's lookup tables (a map of every
  // distinct name and a slot table, ~60 MB for a 1,000,000-entry layer) go before the stacker's
  // per-path scratch is allocated, instead of being held through the stacking peak.
  const { tree: frozen, kinds, targets } = await internLayers(layers, pause);
  const stacker = new LayerStacker(layers, { tree: frozen, kinds, targets }, null);
  for (let layer = 0; layer < layers.length; layer++) {
    if (pause) await pause();
    stacker.applyLayer(layer);
  }
  stacker.log.endItems();
  const { tree, log, hardlinks, counts, replaced } = stacker;
  return { tree, log, hardlinks, counts, replaced };
}

/** The layers stacked and their content comparisons settled: everything but the read model. */
async function stackAndSettle(
  layers: LayerSource[],
  contentHash: ContentHasher | undefined,
): Promise<{ stacker: LayerStacker; warnings: string[] }> {
  const interned = await internLayers(layers, undefined);
  const stacker = new LayerStacker(layers, interned, interned.interner);
  for (let layer = 0; layer < layers.length; layer++) stacker.applyLayer(layer);
  stacker.log.endItems();
  const warnings: string[] = [];
  await settleContentComparisons(stacker.log, layers, stacker.hardlinks, contentHash, warnings);
  for (let layer = 0; layer < layers.length; layer++) noteRewrites(stacker.log, layers, layer);
  return { stacker, warnings };
}

/**
 * Only the layers' change counts, for `inspect`, which prints nothing else of the model: the same
 * stacking and the same rule as `stackLayers`, without building the layer views and packed
 * histories the explorer reads. A layer's view lists each node it touched once, with its last
 * item (packing.ts, buildView), so counting those items counts exactly the view's rows.
 */
export async function stackLayerCounts(
  layers: LayerSource[],
  contentHash: ContentHasher | undefined,
): Promise<{ counts: LayerChangeDetail[]; paths: InternedPaths }> {
  const { stacker } = await stackAndSettle(layers, contentHash);
  const { log, counts, tree } = stacker;
  const pathNode = stacker.kinds.map((kinds, layer) => {
    const nodes = new Int32Array(kinds.length).fill(-1);
    const targets = stacker.targets[layer];
    for (let i = 0; i < kinds.length; i++) if (kinds[i] === K_WRITE) nodes[i] = targets[i];
    return nodes;
  });
  tallyItems(log, tree, counts, false);
  return { counts, paths: { interner: stacker.interner!, pathNode } };
}

/** Which writes were identical rewrites is only known once contents are compared. */
function noteRewrites(log: StackingLog, layers: readonly LayerSource[], layer: number): void {
  const from = log.itemStart[layer];
  const to = log.itemStart[layer + 1];
  for (let i = from; i < to; i++) {
    if (
      log.itemChange.get(i) === UNMODIFIED &&
      log.itemNote.get(i) === NOTE_NONE &&
      log.itemLayer.get(i) === layer &&
      log.itemEntry.get(i) >= 0 &&
      typeOf(layers, layer, log.itemEntry.get(i)) !== T_DIR
    ) {
      log.itemNote.set(i, NOTE_REWRITTEN);
    }
  }
}

/** Every path of every layer as a node, so the tree is complete before stacking. */
interface InternedLayers {
  tree: PathTree;
  /** Per layer and entry: what the entry means (K_*). */
  kinds: Uint8Array[];
  /** Per layer and entry: the node it acts on (for an opaque marker, its directory). */
  targets: Int32Array[];
  /** The interner the tree was frozen from (the analysis may go on interning into it). */
  interner: PathInterner;
}

async function internLayers(
  layers: readonly LayerSource[],
  pause: BuildPause | undefined,
): Promise<InternedLayers> {
  const entries = layers.reduce((sum, { table }) => sum + (table?.count ?? 0), 0);
  // Paths are about the entries, and a few more for directories only implied by paths below them.
  const interner = new PathInterner(entries + (entries >> 3) + 1);
  const kinds: Uint8Array[] = [];
  const targets: Int32Array[] = [];
  const span = new Int32Array(2);
  for (const { table } of layers) {
    if (pause) await pause();
    const count = table?.count ?? 0;
    const layerKinds = new Uint8Array(count);
    const layerTargets = new Int32Array(count);
    const names = table?.nameColumn;
    for (let i = 0; i < count; i++) {
      if (names && plainPathSpan(names, i, span)) {
        layerKinds[i] = K_WRITE;
        layerTargets[i] = interner.internBytes(names.arena, span[0], span[1]);
        continue;
      }
      const relative = cleanRelative(table!.name(i));
      const meaning = classifyName(relative);
      if (meaning.kind === 'path') {
        layerKinds[i] = K_WRITE;
        layerTargets[i] = interner.intern(relative);
      } else if (meaning.kind === 'whiteout') {
        layerKinds[i] = K_WHITEOUT;
        layerTargets[i] = interner.intern(meaning.target);
      } else if (meaning.kind === 'opaque') {
        layerKinds[i] = K_OPAQUE;
        layerTargets[i] = interner.intern(parentOf(relative));
      } else {
        layerKinds[i] = K_SKIP;
      }
    }
    kinds.push(layerKinds);
    targets.push(layerTargets);
  }
  return { tree: interner.freeze(), kinds, targets, interner };
}

/**
 * The nodes ordered by depth, in their given order within a depth (as a stable sort would):
 * a counting sort, linear in the nodes since every ancestor of a node is among them.
 */
function sortByDepth(nodes: Int32Array, depth: Int32Array): Int32Array {
  let deepest = 0;
  for (const node of nodes) deepest = Math.max(deepest, depth[node]);
  const start = new Int32Array(deepest + 2);
  for (const node of nodes) start[depth[node] + 1]++;
  for (let d = 0; d <= deepest; d++) start[d + 1] += start[d];
  const sorted = new Int32Array(nodes.length);
  for (const node of nodes) sorted[start[depth[node]]++] = node;
  return sorted;
}

type StampArray = Uint8Array | Uint16Array | Int32Array;
type StampConstructor = Uint8ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor;
type ScratchConstructor = StampConstructor | Float64ArrayConstructor;

/** `applyLayer` starts this many generations of `mark`. */
const GENERATIONS_PER_LAYER = 3;

/**
 * Per-path stamps from 0 to `max` in the narrowest array that holds them: an image of a few
 * layers needs a byte a stamp, not four (the eight stamp arrays were 32 MB of a 1,000,000-path layer).
 */
function stampType(max: number): StampConstructor {
  if (max <= 0xff) return Uint8Array;
  return max <= 0xffff ? Uint16Array : Int32Array;
}

/**
 * The stacker's per-path columns carved out of one buffer. Seventeen separate arrays of a few MB
 * each (45 MB for a 1,000,000-path layer) came from malloc's heap once its dynamic mmap threshold
 * had risen, and their pages stayed in the process after the stacker was gone; one block that
 * large is mapped on its own and goes back to the system when it is collected.
 */
class ScratchColumns {
  private readonly buffer: ArrayBuffer;
  private offset = 0;

  /** `types`: the columns `take` will be asked for, widest first (so each stays aligned). */
  constructor(
    private readonly length: number,
    types: readonly ScratchConstructor[],
  ) {
    this.buffer = new ArrayBuffer(types.reduce((sum, type) => sum + type.BYTES_PER_ELEMENT * length, 0));
  }

  take<T extends ScratchConstructor>(type: T): InstanceType<T> {
    const column = new type(this.buffer, this.offset, this.length) as InstanceType<T>;
    this.offset += type.BYTES_PER_ELEMENT * this.length;
    return column;
  }
}

/** The merged state as of the layer being applied, and the log of what each layer changed in it. */
class LayerStacker {
  readonly tree: PathTree;
  readonly log: StackingLog;
  /** Per layer: hardlink entry → packed ref of the regular file it shares. */
  readonly hardlinks: Map<number, number>[] = [];
  readonly counts: LayerChangeDetail[] = [];
  readonly replaced = new Map<number, number[]>();
  /** The interner the tree was frozen from, when the caller goes on interning (else null). */
  readonly interner: PathInterner | null;
  readonly kinds: Uint8Array[];
  readonly targets: Int32Array[];

  // Merged state as of the layer being applied.
  private readonly curLayer: Int32Array;
  private readonly curEntry: Int32Array;
  private readonly curDir: Uint8Array;
  /** A file's size, or a directory's subtree size: what the node adds to its ancestors. */
  private readonly curSize: Float64Array;
  private readonly curChildren: Int32Array;

  // Per-layer sets, valid where the stamp equals the current layer + 1 (no clearing needed).
  private readonly writeStamp: StampArray;
  private readonly writeEntry: Int32Array;
  private readonly impliedStamp: StampArray;
  /** Last entry index at or below an implied directory (see `applyLayer`). */
  private readonly latestBelow: Int32Array;
  /** Last file or link written over an ancestor, per candidate path of the layer. */
  private readonly sweepMax: Int32Array;
  /** Where a file or link was last written over the node in this layer. */
  private readonly clearStamp: StampArray;
  private readonly clearIndex: Int32Array;
  private readonly setStamp: StampArray;
  /** Layer paths below an opaque directory of the same layer: new whatever was there before. */
  private readonly freshStamp: StampArray;
  private readonly dirtyStamp: StampArray;
  /** Directories the layer replaced (made opaque while they were directories below). */
  private readonly replacedStamp: StampArray;
  private dirty = new GrowableInt32(16);
  /** Scratch marks for de-duplicating lists; a new generation per use. */
  private readonly mark: StampArray;
  private generation = 0;

  constructor(
    private readonly layers: readonly LayerSource[],
    { tree, kinds, targets }: Omit<InternedLayers, 'interner'>,
    interner: PathInterner | null,
  ) {
    this.tree = tree;
    this.interner = interner;
    this.kinds = kinds;
    this.targets = targets;
    const n = tree.count;
    this.log = new StackingLog(n + layers.length);
    const scratch = new ScratchColumns(n, [
      Float64Array,
      ...Array<Int32ArrayConstructor>(7).fill(Int32Array),
      stampType(GENERATIONS_PER_LAYER * layers.length),
      ...Array<StampConstructor>(7).fill(stampType(layers.length)),
      Uint8Array,
    ]);
    this.curSize = scratch.take(Float64Array);
    this.curLayer = scratch.take(Int32Array).fill(-1);
    this.curEntry = scratch.take(Int32Array).fill(-1);
    this.curChildren = scratch.take(Int32Array);
    this.writeEntry = scratch.take(Int32Array);
    this.latestBelow = scratch.take(Int32Array);
    this.sweepMax = scratch.take(Int32Array);
    this.clearIndex = scratch.take(Int32Array);
    // `mark` counts further than the stamps, so its type is at least as wide: it goes first.
    this.mark = scratch.take(stampType(GENERATIONS_PER_LAYER * layers.length));
    const stamps = stampType(layers.length);
    this.writeStamp = scratch.take(stamps);
    this.impliedStamp = scratch.take(stamps);
    this.clearStamp = scratch.take(stamps);
    this.setStamp = scratch.take(stamps);
    this.freshStamp = scratch.take(stamps);
    this.dirtyStamp = scratch.take(stamps);
    this.replacedStamp = scratch.take(stamps);
    this.curDir = scratch.take(Uint8Array);
    // The root is always there, an implicit directory of layer 0.
    this.curLayer[0] = 0;
    this.curDir[0] = 1;
  }

  applyLayer(layer: number): void {
    const stamp = layer + 1;
    const table = this.layers[layer].table;
    const kinds = this.kinds[layer];
    const targets = this.targets[layer];
    const { parent, depth } = this.tree;
    this.dirty = new GrowableInt32(16);
    this.log.beginLayerItems();
    this.hardlinks.push(new Map());
    this.log.pushItem(0, UNMODIFIED, 0, -1);
    if (layer === 0) this.markDirty(0, stamp);

    // 1. Read the layer's entries in tar order into sets: written paths (a later duplicate
    //    replaces an earlier one), directories implied by paths below them, whiteouts, opaques.
    // Typed, as the lists below: on a 1,000,000-entry layer arrays of numbers were ~60 MB of heap.
    // Sized to what they can hold at most where that is known: an image of 10,000 small layers
    // makes these lists 10,000 times.
    const writes = new GrowableInt32(kinds.length);
    const implied = new GrowableInt32(16);
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
    const unsorted = new Int32Array(implied.length + writes.length);
    let candidateCount = 0;
    const gen = ++this.generation;
    for (const list of [implied.values(), writes.values()]) {
      for (const node of list) {
        if (this.mark[node] === gen) continue;
        this.mark[node] = gen;
        unsorted[candidateCount++] = node;
      }
    }
    const candidates = sortByDepth(unsorted.subarray(0, candidateCount), depth);
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
    const layerSet = new GrowableInt32(candidates.length);
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
      this.hideSubtree(node, layer, stamp, true, NOTE_NONE, NOTE_UNDER_REMOVED);
    }
    for (let o = 0; o < opaques.length; o++) {
      const dir = opaques[o];
      if (Math.max(sweepAbove(dir), clearAt(dir)) <= opaqueIndex[o]) opaqueDirsToApply.push(dir);
    }

    // 4. Opaque directories hide every lower path below them that this layer does not write.
    let opaqueDirs = 0;
    let hiddenByOpaque = 0;
    const hiding: number[] = [];
    const opaqueGen = ++this.generation;
    for (const dir of opaqueDirsToApply) {
      if (this.mark[dir] === opaqueGen) continue;
      this.mark[dir] = opaqueGen;
      opaqueDirs++;
      if (this.curLayer[dir] < 0 || !this.curDir[dir]) continue;
      hiding.push(dir);
    }
    // Below an opaque directory nothing of the layers below shows through, so what the layer
    // puts there is new, even where a path of the same name existed before (it was hidden,
    // not merged). This is also how ../shared/fixtures/real/facts.json counts them.
    for (const node of layerSet.values()) {
      const up = parent[node];
      if (this.mark[up] === opaqueGen || (up > 0 && this.freshStamp[up] === stamp))
        this.freshStamp[node] = stamp;
    }
    // A lower directory made opaque is replaced, unless it is itself new (below a replaced one).
    for (const dir of hiding) {
      if (dir === 0 || !staysDir(dir) || this.freshStamp[dir] === stamp) continue;
      this.replacedStamp[dir] = stamp;
      const layersOf = this.replaced.get(dir);
      if (layersOf) layersOf.push(layer);
      else this.replaced.set(dir, [layer]);
    }
    // Replaced directories first, so what they hide goes with them whatever the order of the
    // markers; what the others hide (the root has no row to count it on, a new directory
    // replaced nothing) counts as removed (changeRule.ts).
    for (const replacedPass of [true, false]) {
      for (const dir of hiding) {
        if ((this.replacedStamp[dir] === stamp) !== replacedPass) continue;
        if (this.curLayer[dir] < 0 || !this.curDir[dir]) continue;
        hiddenByOpaque += this.hideLowerChildren(dir, layer, stamp, staysDir, inSet, replacedPass);
      }
    }

    // 5. Apply the written and implied paths, parents first (the set is in depth order) so a
    //    parent is a directory before its children are counted in it.
    for (const node of layerSet.values()) {
      if (isWritten(node)) this.applyWrite(node, layer, this.writeEntry[node], stamp);
      else this.applyImplied(node, layer, stamp);
    }
    // A replaced directory's row says so (changeRule.ts counts it as replaced, not by its change).
    for (let i = this.log.itemStart[layer]; i < this.log.itemNode.length; i++) {
      const node = this.log.itemNode.get(i);
      if (this.replacedStamp[node] === stamp && this.log.itemChange.get(i) !== REMOVED)
        this.log.itemNote.set(i, NOTE_REPLACED);
    }

    // 6. Hardlinks resolve against the stacked state (this layer's own files included).
    if (table) {
      const links: number[] = [];
      for (const node of layerSet.values())
        if (isWritten(node) && table.types[this.writeEntry[node]] === T_HARDLINK)
          links.push(this.writeEntry[node]);
      links.sort((a, b) => a - b);
      for (const entry of links) this.resolveHardlink(layer, entry, 0);
    }

    for (const node of this.dirty.values()) {
      if (this.curLayer[node] < 0 || !this.curDir[node]) continue;
      this.log.pushRecord(node, layer, this.curSize[node], this.curChildren[node]);
    }
    this.counts.push({
      added: 0,
      modified: 0,
      removed: 0,
      rewritten: 0,
      replaced: 0,
      opaqueDirs,
      hiddenByOpaque,
    });
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
    const event = this.log.pushEvent(node, layer, entry, change);
    const item = this.log.pushItem(node, change, layer, entry);
    if (change === PENDING) this.log.pushPending(event, item, lowerLayer, lowerEntry, layer, entry);
  }

  /** A directory the layer has no entry for, but paths (or markers) below it. */
  private applyImplied(node: number, layer: number, stamp: number): void {
    const lowerVisible = this.curLayer[node] >= 0;
    if (lowerVisible && this.curDir[node]) {
      if (this.freshStamp[node] !== stamp) {
        this.log.pushItem(node, UNMODIFIED, this.curLayer[node], this.curEntry[node]);
        return;
      }
      // Re-created below an opaque directory: a new directory holding what the layer put in it.
      this.curLayer[node] = layer;
      this.curEntry[node] = -1;
      this.markDirty(node, stamp);
      this.log.pushEvent(node, layer, -1, ADDED);
      this.log.pushItem(node, ADDED, layer, -1);
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
    this.log.pushEvent(node, layer, -1, change);
    this.log.pushItem(node, change, layer, -1);
  }

  /**
   * Removes a visible path and everything below it; `withItems` lists them in the layer's view.
   * The notes (changeRule.ts) say whether the root counts as a removal of its own.
   */
  private hideSubtree(
    root: number,
    layer: number,
    stamp: number,
    withItems: boolean,
    rootNote: number,
    belowNote: number,
  ): void {
    const parentNode = this.tree.parent[root];
    this.addToAncestors(root, -this.curSize[root], stamp);
    this.curChildren[parentNode]--;
    this.markDirty(parentNode, stamp);
    const { childStart, childList } = this.tree;
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const note = node === root ? rootNote : belowNote;
      this.log.pushEvent(node, layer, -1, REMOVED, note);
      if (withItems) this.log.pushItem(node, REMOVED, this.curLayer[node], this.curEntry[node], note);
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
      if (this.curLayer[childList[i]] >= 0)
        this.hideSubtree(childList[i], layer, stamp, false, NOTE_UNDER_REMOVED, NOTE_UNDER_REMOVED);
    }
  }

  /** Hides lower paths below an opaque directory, descending into directories the layer keeps. */
  private hideLowerChildren(
    dir: number,
    layer: number,
    stamp: number,
    staysDir: (node: number) => boolean,
    inSet: (node: number) => boolean,
    replaced: boolean,
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
        if (replaced) this.hideSubtree(child, layer, stamp, true, NOTE_UNDER_REPLACED, NOTE_UNDER_REPLACED);
        else this.hideSubtree(child, layer, stamp, true, NOTE_NONE, NOTE_UNDER_REMOVED);
        hidden++;
      }
    }
    return hidden;
  }

  /** Modified, unmodified, or PENDING when only the contents can tell. */
  private compare(lowerLayer: number, lowerEntry: number, layer: number, entry: number): number {
    const lowerType = typeOf(this.layers, lowerLayer, lowerEntry);
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

  /**
   * Resolves a hardlink entry to the regular file it shares, following link chains. A chain of
   * links (or a loop of them, which never resolves) stops after MAX_LINK_HOPS, so the recursion
   * is at most that deep.
   */
  private resolveHardlink(layer: number, entry: number, depth: number): number | undefined {
    const links = this.hardlinks[layer];
    const known = links.get(entry);
    if (known !== undefined || depth > MAX_LINK_HOPS) return known;
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
}
