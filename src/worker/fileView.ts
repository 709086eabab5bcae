/**
 * The Files tree as rows: the file system's directories, filtered (keeping the tree's shape),
 * sorted and flattened through the expanded directories. Lives in the worker; the page asks for
 * windows of rows and never holds the whole list.
 *
 * Two levels of caching: a `FileViewContext` per (image, layer, mode, sort, filters) keeps each
 * directory's filtered and sorted children, so expanding or collapsing one directory only
 * re-flattens; the flattened rows are kept per full spec (with the expansion state).
 */
import type { FileNodeInfo, FileSystemView } from './fsApi';
import {
  ALL_CHANGES,
  changeFilterActive,
  contextKey,
  type FileRow,
  type FileViewSpec,
  parentPath,
  ROOT,
  type SortKey,
  viewKey,
} from './protocol';

export { ancestorsOf, changeFilterActive, contextKey, parentPath, ROOT, viewKey } from './protocol';

function byName(a: FileNodeInfo, b: FileNodeInfo): number {
  const ad = a.type === 'dir' ? 0 : 1;
  const bd = b.type === 'dir' ? 0 : 1;
  if (ad !== bd) return ad - bd;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function bySize(a: FileNodeInfo, b: FileNodeInfo): number {
  const d = b.subtreeSize - a.subtreeSize;
  return d !== 0 ? d : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function comparator(sort: SortKey): (a: FileNodeInfo, b: FileNodeInfo) => number {
  return sort === 'size' ? bySize : byName;
}

/** Compiles the path filter; returns an error message for a bad regular expression. */
export function compileFilter(
  text: string,
  regex: boolean,
): { test: (path: string) => boolean } | { error: string } | null {
  if (!text) return null;
  if (regex) {
    try {
      const re = new RegExp(text);
      return { test: (p) => re.test(p) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }
  const needle = text.toLowerCase();
  return { test: (p) => p.toLowerCase().includes(needle) };
}

export class FileViewContext {
  private readonly kids = new Map<string, FileNodeInfo[]>();
  /** Paths shown under the filters (matches and their ancestors); null when nothing filters. */
  readonly visible: Set<string> | null;
  readonly matches: number | null;
  readonly filterError: string | null;
  private readonly compare: (a: FileNodeInfo, b: FileNodeInfo) => number;

  constructor(
    private readonly fs: FileSystemView,
    private readonly spec: FileViewSpec,
  ) {
    this.compare = comparator(spec.sort);
    const compiled = compileFilter(spec.filter, spec.regex);
    this.filterError = compiled && 'error' in compiled ? compiled.error : null;
    const pathTest = compiled && 'test' in compiled ? compiled.test : null;
    const changes = spec.changes ?? ALL_CHANGES;
    const changeActive = changeFilterActive(changes);
    if (!pathTest && !changeActive) {
      this.visible = null;
      this.matches = null;
      return;
    }
    const visible = new Set<string>();
    let matches = 0;
    fs.walk(spec.layer, spec.mode, (node) => {
      if (!changes[node.change]) return;
      if (pathTest && !pathTest(node.path)) return;
      matches++;
      if (visible.has(node.path)) return;
      visible.add(node.path);
      let p = parentPath(node.path);
      while (p !== ROOT && !visible.has(p)) {
        visible.add(p);
        p = parentPath(p);
      }
    });
    this.visible = visible;
    this.matches = matches;
  }

  /** A directory's children under the filters, sorted. */
  childrenOf(dir: string): FileNodeInfo[] {
    let list = this.kids.get(dir);
    if (!list) {
      const { items } = this.fs.children(this.spec.layer, this.spec.mode, dir);
      const visible = this.visible;
      list = visible ? items.filter((n) => visible.has(n.path)) : items.slice();
      list.sort(this.compare);
      this.kids.set(dir, list);
    }
    return list;
  }

  /** Flattens through the expanded directories. */
  flatten(expandAll: boolean, toggled: ReadonlySet<string>): FlatRows {
    const nodes: FileNodeInfo[] = [];
    const depths: number[] = [];
    const expanded: boolean[] = [];
    const walk = (dir: string, depth: number) => {
      for (const node of this.childrenOf(dir)) {
        const isDir = node.type === 'dir';
        const open = isDir && expandAll !== toggled.has(node.path);
        nodes.push(node);
        depths.push(depth);
        expanded.push(open);
        if (open) walk(node.path, depth + 1);
      }
    };
    walk(ROOT, 0);
    return new FlatRows(nodes, depths, expanded);
  }
}

export class FlatRows {
  private index: Map<string, number> | null = null;
  constructor(
    private readonly nodes: FileNodeInfo[],
    private readonly depths: number[],
    private readonly expanded: boolean[],
  ) {}

  get total(): number {
    return this.nodes.length;
  }

  slice(offset: number, limit: number): FileRow[] {
    const out: FileRow[] = [];
    const end = Math.min(this.nodes.length, offset + limit);
    for (let i = Math.max(0, offset); i < end; i++) {
      out.push(toRow(this.nodes[i], this.depths[i], this.expanded[i]));
    }
    return out;
  }

  locate(path: string): number {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.nodes.length; i++) this.index.set(this.nodes[i].path, i);
    }
    return this.index.get(path) ?? -1;
  }
}

export function toRow(n: FileNodeInfo, depth: number, expanded: boolean): FileRow {
  return {
    path: n.path,
    name: n.name,
    type: n.type,
    size: n.size,
    subtreeSize: n.subtreeSize,
    mode: n.mode,
    uid: n.uid,
    gid: n.gid,
    linkTarget: n.linkTarget,
    change: n.change,
    childCount: n.childCount,
    layer: n.layer,
    ...(n.note ? { note: n.note } : {}),
    ...(n.subtreeChanged ? { subtreeChanged: true } : {}),
    depth,
    expanded,
  };
}

/** Small LRU caches of contexts and flattened views, per file system. */
export class FileViews {
  private contexts = new Map<string, FileViewContext>();
  private flats = new Map<string, FlatRows>();

  constructor(
    private readonly maxContexts = 4,
    private readonly maxFlats = 4,
  ) {}

  context(fs: FileSystemView, spec: FileViewSpec): FileViewContext {
    const key = contextKey(spec);
    let ctx = this.contexts.get(key);
    if (ctx) {
      this.contexts.delete(key);
    } else {
      ctx = new FileViewContext(fs, spec);
    }
    this.contexts.set(key, ctx);
    while (this.contexts.size > this.maxContexts) {
      const oldest = this.contexts.keys().next().value;
      if (oldest === undefined) break;
      this.contexts.delete(oldest);
    }
    return ctx;
  }

  rows(fs: FileSystemView, spec: FileViewSpec): { ctx: FileViewContext; flat: FlatRows } {
    const ctx = this.context(fs, spec);
    const key = viewKey(spec);
    let flat = this.flats.get(key);
    if (flat) {
      this.flats.delete(key);
    } else {
      flat = ctx.flatten(spec.expandAll, new Set(spec.toggled));
    }
    this.flats.set(key, flat);
    while (this.flats.size > this.maxFlats) {
      const oldest = this.flats.keys().next().value;
      if (oldest === undefined) break;
      this.flats.delete(oldest);
    }
    return { ctx, flat };
  }

  clear(): void {
    this.contexts.clear();
    this.flats.clear();
  }
}
