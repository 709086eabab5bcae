import { GrowableInt32 } from './growable';
import { pathSegments } from './path';

/**
 * Interns every path of an image once: a node per path, with its parent, its name (an index into
 * a table of distinct segment names) and its depth. A 100k-path image then costs a few typed
 * arrays and one string per distinct name instead of 100k path strings and objects.
 */
export class PathInterner {
  /**
   * (parent node, name) → node, keyed `parent/name`: short keys, so a path of any depth costs
   * one lookup per new segment. Only needed while building; dropped with the interner.
   */
  private readonly ids = new Map<string, number>();
  private readonly nameIds = new Map<string, number>([['', 0]]);
  private readonly names: string[] = [''];
  private readonly parents = new GrowableInt32();
  private readonly nameOf = new GrowableInt32();
  private readonly depths = new GrowableInt32();
  /** Tar entries come grouped by directory: the last parent looked up is usually the next one. */
  private lastParentPath = '';
  private lastParent = 0;

  constructor() {
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
    const slash = relative.lastIndexOf('/');
    const parentPath = slash < 0 ? '' : relative.slice(0, slash);
    if (parentPath !== this.lastParentPath) {
      let parent = 0;
      // No recursion: a hostile archive may hold a path hundreds of thousands of segments deep.
      if (parentPath !== '') for (const name of parentPath.split('/')) parent = this.child(parent, name);
      this.lastParentPath = parentPath;
      this.lastParent = parent;
    }
    return this.child(this.lastParent, relative.slice(slash + 1));
  }

  /** Node of an existing cleaned relative path, or -1. */
  lookup(relative: string): number {
    if (relative === '') return 0;
    let node = 0;
    for (const name of relative.split('/')) {
      const next = this.ids.get(`${node}/${name}`);
      if (next === undefined) return -1;
      node = next;
    }
    return node;
  }

  private child(parent: number, name: string): number {
    const key = `${parent}/${name}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    let nameId = this.nameIds.get(name);
    if (nameId === undefined) {
      nameId = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, nameId);
    }
    const id = this.parents.push(parent);
    this.nameOf.push(nameId);
    this.depths.push(this.depths.get(parent) + 1);
    this.ids.set(key, id);
    return id;
  }

  freeze(): PathTree {
    return new PathTree(this.parents.toArray(), this.nameOf.toArray(), this.depths.toArray(), this.names);
  }
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
    readonly names: string[],
  ) {
    this.count = parent.length;
    const order = names.map((_, i) => i);
    order.sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    this.nameRank = new Int32Array(names.length);
    for (let r = 0; r < order.length; r++) this.nameRank[order[r]] = r;

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
    return this.names[this.nameId[node]];
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
      const candidate = this.name(this.childList[mid]);
      if (candidate === name) return this.childList[mid];
      if (candidate < name) lo = mid + 1;
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
