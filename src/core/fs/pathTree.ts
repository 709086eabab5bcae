import { AsciiNames } from '../tar/asciiNames';
import { GrowableInt32 } from './growable';
import { pathSegments } from './path';

/**
 * Interns every path of an image once: a node per path, with its parent, its name (an index into
 * a table of distinct segment names) and its depth. A 100k-path image then costs a few typed
 * arrays and one string per distinct name instead of 100k path strings and objects.
 */
export class PathInterner {
  /**
   * (parent node, name id) → node: an open-addressing table of node ids (0, the root, is never a
   * child, so it marks a free slot), checked against the node's own parent and name. A path of
   * any depth costs one lookup per new segment. It replaces a Map keyed by `parent/name`
   * strings, which held a key string and a map entry per path: about 80 MB of a 1,000,000-entry
   * layer's index while it was built. Only needed while building; dropped with the interner.
   */
  private slots = new Int32Array(1 << 10);
  /**
   * name → name id, the same way: an open-addressing table of name id + 1 (0 marks a free slot),
   * checked against the name itself, with each name's hash kept so growing the table rehashes no
   * string. A Map of every distinct name held ~30 MB of heap for a 1,000,000-file layer (plus the
   * dead half of each doubling) through the stacking peak; this is 4 bytes a slot and 4 a name.
   */
  private nameSlots = new Int32Array(1 << 10);
  private readonly nameHashes = new GrowableInt32(1024);
  private readonly names: AsciiNames;
  private readonly parents: GrowableInt32;
  private readonly nameOf: GrowableInt32;
  private readonly depths: GrowableInt32;
  /** Tar entries come grouped by directory: the last parent looked up is usually the next one. */
  private lastParentPath = '';
  private lastParent = 0;
  /**
   * The path interned last: a directory's own entry is often followed by its first child, so its
   * node is the next parent. Without it a chain of 5,000 nested directories re-split each parent
   * path, segment by segment: quadratic in the depth.
   */
  private lastPath = '';
  private lastNode = 0;
  /**
   * The same two shortcuts for `internBytes`, as byte ranges of the arena they came from. Each form
   * of interning drops the other's (a string of '/' is no cleaned path), so mixing them stays exact.
   */
  private lastParentBytes: Uint8Array | null = null;
  private lastParentFrom = 0;
  private lastParentTo = 0;
  private lastPathBytes: Uint8Array | null = null;
  private lastPathFrom = 0;
  private lastPathTo = 0;
  /** The last tree frozen: its names' ranks still hold for them, whatever was interned since. */
  private frozen: PathTree | null = null;

  constructor(expectedPaths = 1024) {
    // Segment names are short: a file's base name, a directory's.
    this.names = new AsciiNames(expectedPaths, 10);
    this.parents = new GrowableInt32(expectedPaths);
    this.nameOf = new GrowableInt32(expectedPaths);
    this.depths = new GrowableInt32(expectedPaths);
    this.addName('', nameHash(''));
    this.parents.push(-1);
    this.nameOf.push(0);
    this.depths.push(0);
  }

  get count(): number {
    return this.parents.length;
  }

  /** Node of a cleaned relative path ('' = root), creating it and its missing ancestors. */
  intern(relative: string): number {
    if (relative === '') return 0;
    this.lastParentBytes = null;
    this.lastPathBytes = null;
    const slash = relative.lastIndexOf('/');
    const parentPath = slash < 0 ? '' : relative.slice(0, slash);
    if (parentPath !== this.lastParentPath) {
      let parent = 0;
      if (parentPath === this.lastPath) parent = this.lastNode;
      // No recursion: a hostile archive may hold a path hundreds of thousands of segments deep.
      else if (parentPath !== '') for (const name of parentPath.split('/')) parent = this.child(parent, name);
      this.lastParentPath = parentPath;
      this.lastParent = parent;
    }
    const node = this.child(this.lastParent, relative.slice(slash + 1));
    this.lastPath = relative;
    this.lastNode = node;
    return node;
  }

  /**
   * `intern` of the ASCII path at `source[from, to)`, already clean (no leading or trailing '/', no
   * empty, '.' or '..' segment), without making a string of it or of its segments: a layer's names
   * are bytes in its table's arena (AsciiNames), and decoding each to a string, then slicing it
   * into segments, was about half of interning a 100k-entry image.
   */
  internBytes(source: Uint8Array, from: number, to: number): number {
    if (from >= to) return 0;
    this.lastParentPath = '/';
    this.lastPath = '/';
    let slash = to - 1;
    while (slash >= from && source[slash] !== SLASH) slash--;
    const parentTo = Math.max(slash, from);
    if (!sameBytes(this.lastParentBytes, this.lastParentFrom, this.lastParentTo, source, from, parentTo)) {
      let parent = 0;
      if (sameBytes(this.lastPathBytes, this.lastPathFrom, this.lastPathTo, source, from, parentTo))
        parent = this.lastNode;
      else
        for (let start = from, k = from; k <= parentTo; k++)
          if (k === parentTo || source[k] === SLASH) {
            if (k > start) parent = this.childOfBytes(parent, source, start, k);
            start = k + 1;
          }
      this.lastParentBytes = source;
      this.lastParentFrom = from;
      this.lastParentTo = parentTo;
      this.lastParent = parent;
    }
    const node = this.childOfBytes(this.lastParent, source, slash < from ? from : slash + 1, to);
    this.lastPathBytes = source;
    this.lastPathFrom = from;
    this.lastPathTo = to;
    this.lastNode = node;
    return node;
  }

  /** Node of an existing cleaned relative path, or -1. */
  lookup(relative: string): number {
    if (relative === '') return 0;
    let node = 0;
    for (const name of relative.split('/')) {
      const nameId = this.nameSlots[this.findNameSlot(name, nameHash(name))] - 1;
      const slot = nameId < 0 ? -1 : this.findSlot(node, nameId);
      if (slot < 0 || this.slots[slot] === 0) return -1;
      node = this.slots[slot];
    }
    return node;
  }

  private child(parent: number, name: string): number {
    const hash = nameHash(name);
    let nameId = this.nameSlots[this.findNameSlot(name, hash)] - 1;
    if (nameId < 0) nameId = this.addName(name, hash);
    return this.childNamed(parent, nameId);
  }

  private childOfBytes(parent: number, source: Uint8Array, from: number, to: number): number {
    const hash = bytesHash(source, from, to);
    const mask = this.nameSlots.length - 1;
    const hashes = this.nameHashes.data;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const entry = this.nameSlots[slot];
      if (entry === 0) break;
      if (hashes[entry - 1] === hash && this.names.equalsBytes(entry - 1, source, from, to))
        return this.childNamed(parent, entry - 1);
    }
    const nameId = this.names.pushBytes(source, from, to);
    this.nameHashes.push(hash);
    this.placeName(nameId, hash);
    return this.childNamed(parent, nameId);
  }

  private childNamed(parent: number, nameId: number): number {
    let slot = this.findSlot(parent, nameId);
    if (this.slots[slot] !== 0) return this.slots[slot];
    const id = this.parents.push(parent);
    this.nameOf.push(nameId);
    this.depths.push(this.depths.get(parent) + 1);
    // At most half full, so a probe ends soon.
    if (2 * id >= this.slots.length) {
      this.rehash();
      slot = this.findSlot(parent, nameId);
    }
    this.slots[slot] = id;
    return id;
  }

  private addName(name: string, hash: number): number {
    const nameId = this.names.push(name);
    this.nameHashes.push(hash);
    this.placeName(nameId, hash);
    return nameId;
  }

  /** Puts a new name's id in the name table, growing it first when it would pass half full. */
  private placeName(nameId: number, hash: number): void {
    if (2 * (nameId + 1) >= this.nameSlots.length) {
      const slots = new Int32Array(this.nameSlots.length * 2);
      const mask = slots.length - 1;
      const hashes = this.nameHashes.data;
      for (let id = 0; id < nameId; id++) {
        let slot = hashes[id] & mask;
        while (slots[slot] !== 0) slot = (slot + 1) & mask;
        slots[slot] = id + 1;
      }
      this.nameSlots = slots;
    }
    const mask = this.nameSlots.length - 1;
    let slot = hash & mask;
    while (this.nameSlots[slot] !== 0) slot = (slot + 1) & mask;
    this.nameSlots[slot] = nameId + 1;
  }

  /** The slot holding `name`'s id + 1, or the free slot where it would go. */
  private findNameSlot(name: string, hash: number): number {
    const mask = this.nameSlots.length - 1;
    const hashes = this.nameHashes.data;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.nameSlots[slot];
      if (entry === 0 || (hashes[entry - 1] === hash && this.names.compare(entry - 1, name) === 0))
        return slot;
    }
  }

  /** The slot holding (parent, nameId), or the free slot where it would go. */
  private findSlot(parent: number, nameId: number): number {
    const mask = this.slots.length - 1;
    const parents = this.parents.data;
    const nameOf = this.nameOf.data;
    for (let slot = slotHash(parent, nameId) & mask; ; slot = (slot + 1) & mask) {
      const node = this.slots[slot];
      if (node === 0 || (parents[node] === parent && nameOf[node] === nameId)) return slot;
    }
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    const parents = this.parents.data;
    const nameOf = this.nameOf.data;
    for (let node = 1; node < this.parents.length; node++) {
      let slot = slotHash(parents[node], nameOf[node]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = node;
    }
    this.slots = slots;
  }

  /**
   * The tree of the paths so far. It views the columns rather than copying them (12 MB at the
   * stacking peak of a 1,000,000-entry layer): interning more only appends past its end.
   */
  freeze(): PathTree {
    // A second freeze (the analysis goes on interning into the stacker's interner, adding a
    // whiteout's own path here and there) ranks only the names added since the first: sorting
    // every name again was about 30 ms of `inspect` on 100k entries.
    this.frozen = new PathTree(
      this.parents.values(),
      this.nameOf.values(),
      this.depths.values(),
      this.names,
      this.frozen?.nameRank,
    );
    return this.frozen;
  }
}

/** FNV-1a over the name's UTF-16 units, finished so the low bits (the slot) depend on all of them. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return finishHash(h);
}

/** `nameHash` of the ASCII name at `source[from, to)`: the same number, since ASCII bytes are its UTF-16 units. */
function bytesHash(source: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ source[i], 0x01000193);
  return finishHash(h);
}

/** Both hashes end alike, so a name hashed as bytes finds the same name hashed as a string. */
function finishHash(h: number): number {
  const mixed = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return mixed ^ (mixed >>> 13);
}

const SLASH = 0x2f;

function sameBytes(
  a: Uint8Array | null,
  aFrom: number,
  aTo: number,
  b: Uint8Array,
  bFrom: number,
  bTo: number,
): boolean {
  if (a === null || aTo - aFrom !== bTo - bFrom) return false;
  for (let k = 0; k < aTo - aFrom; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}

/** Mixes a parent and a name id into a slot number (a multiplicative hash of both). */
function slotHash(parent: number, nameId: number): number {
  const h = Math.imul(parent ^ Math.imul(nameId, 0x9e3779b1), 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Each name's rank in sorted order. With the ranks of the first names known, the names added after
 * them are sorted alone and merged in, each by a binary search among the known ones.
 */
function rankNames(names: AsciiNames, known: Int32Array | undefined): Int32Array {
  const n = names.length;
  const rank = new Int32Array(n);
  const k = known?.length ?? 0;
  if (!known || k === 0 || n - k > k / 4) {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => names.compareNames(a, b));
    for (let r = 0; r < n; r++) rank[order[r]] = r;
    return rank;
  }
  const order = new Int32Array(k);
  for (let id = 0; id < k; id++) order[known[id]] = id;
  const added = Array.from({ length: n - k }, (_, i) => k + i);
  added.sort((a, b) => names.compareNames(a, b));
  let r = 0;
  let next = 0;
  for (const id of added) {
    // the names are distinct: every known name before `id` sorts below it
    let lo = next;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names.compareNames(order[mid], id) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (; next < lo; next++) rank[order[next]] = r++;
    rank[id] = r++;
  }
  for (; next < k; next++) rank[order[next]] = r++;
  return rank;
}

/**
 * The frozen union of all paths: children of every node in one array (CSR), sorted by name, so
 * listing or finding a child touches only that directory.
 */
export class PathTree {
  readonly count: number;
  /** Rank of each distinct name in sorted order: comparing ranks compares names. */
  readonly nameRank: Int32Array;
  readonly childStart: Int32Array;
  readonly childList: Int32Array;

  constructor(
    readonly parent: Int32Array,
    readonly nameId: Int32Array,
    readonly depth: Int32Array,
    /** The distinct segment names, by name id. */
    readonly names: AsciiNames,
    /** The ranks of the first names, from an earlier tree of the same interner: only the rest are sorted. */
    knownRanks?: Int32Array,
  ) {
    this.count = parent.length;
    this.nameRank = rankNames(names, knownRanks);

    // Nodes in name order (counting sort on rank), then bucketed by parent: stable, so every
    // parent's children come out sorted without a comparison sort per directory.
    const byRankStart = new Int32Array(names.length + 1);
    for (let n = 1; n < this.count; n++) byRankStart[this.nameRank[nameId[n]] + 1]++;
    for (let r = 0; r < names.length; r++) byRankStart[r + 1] += byRankStart[r];
    const byRank = new Int32Array(Math.max(0, this.count - 1));
    const rankFill = byRankStart.slice(0, names.length);
    for (let n = 1; n < this.count; n++) byRank[rankFill[this.nameRank[nameId[n]]]++] = n;

    this.childStart = new Int32Array(this.count + 1);
    for (let n = 1; n < this.count; n++) this.childStart[parent[n] + 1]++;
    for (let n = 0; n < this.count; n++) this.childStart[n + 1] += this.childStart[n];
    this.childList = new Int32Array(Math.max(0, this.count - 1));
    const fill = this.childStart.slice(0, this.count);
    for (const n of byRank) this.childList[fill[parent[n]]++] = n;
  }

  name(node: number): string {
    return this.names.get(this.nameId[node]);
  }

  /** Absolute path: '/etc/passwd', '/' for the root. */
  path(node: number): string {
    if (node === 0) return '/';
    const parts: string[] = [];
    for (let n = node; n > 0; n = this.parent[n]) parts.push(this.name(n));
    return `/${parts.reverse().join('/')}`;
  }

  /** Child of `node` called `name`, or -1: a binary search over the sorted children. */
  child(node: number, name: string): number {
    let lo = this.childStart[node];
    let hi = this.childStart[node + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = this.names.compare(this.nameId[this.childList[mid]], name);
      if (order === 0) return this.childList[mid];
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Node of any spelling of a path ('/etc/', 'etc', './etc'), or -1 if no layer has it. */
  find(path: string): number {
    let node = 0;
    for (const segment of pathSegments(path)) {
      node = this.child(node, segment);
      if (node < 0) return -1;
    }
    return node;
  }
}
