/**
 * What the comparison worker keeps of a run and how the page sees it: every path the walk visited
 * in walk order (parents before children, siblings by name) — the differences whole, the unchanged
 * paths as bare paths, so "Show unchanged" is a filter of the kept result, never a second walk —
 * and, per filter, the tree of rows (each kept path under the directories that hold it) with
 * folders that open and close. Built incrementally while the walk streams; pages are slices.
 */
import type { PathComparison, PathDifference } from '../core/compare/index';
import type { CompareFold, CompareRow, RowFilter } from './compareProtocol';

/** A row of the tree: a kept entry (its index) or a directory shown to place rows below it (-1). */
interface TreeRow {
  path: string;
  depth: number;
  entry: number;
  /** Rows directly below it. */
  children: number;
}

/** The tree of one filter, extended as entries arrive. */
class FilteredTree {
  readonly rows: TreeRow[] = [];
  /** Entries looked at so far. */
  seen = 0;
  /** Indices of the rows above the next one (its ancestors, innermost last). */
  private readonly open: number[] = [];
  private readonly needle: string;

  constructor(
    readonly key: string,
    private readonly filter: RowFilter,
  ) {
    this.needle = filter.filter.toLowerCase();
  }

  extend(results: CompareResults): void {
    const f = this.filter;
    for (; this.seen < results.length; this.seen++) {
      const path = results.pathAt(this.seen);
      if (!f[results.changeAt(this.seen)]) continue;
      if (this.needle && !path.toLowerCase().includes(this.needle)) continue;
      const { open, rows } = this;
      while (open.length > 0 && !isBelow(path, rows[open[open.length - 1]].path)) open.pop();
      // Depth 0 is a child of the root: one slash less than the path has.
      const depth = slashesIn(path) - 1;
      for (let d = open.length; d < depth; d++)
        this.push({ path: path.slice(0, slashAt(path, d + 2)), depth: d, entry: -1, children: 0 });
      this.push({ path, depth, entry: this.seen, children: 0 });
    }
  }

  private push(row: TreeRow): void {
    const parent = this.open[this.open.length - 1];
    if (parent !== undefined) this.rows[parent].children++;
    this.open.push(this.rows.length);
    this.rows.push(row);
  }
}

function isBelow(path: string, dir: string): boolean {
  return path.length > dir.length && path.charCodeAt(dir.length) === 47 && path.startsWith(dir);
}

function slashesIn(path: string): number {
  let n = 0;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) n++;
  return n;
}

/** Where the nth slash of the path is (the first, at 0, is n = 1). */
function slashAt(path: string, n: number): number {
  let i = -1;
  for (let k = 0; k < n; k++) i = path.indexOf('/', i + 1);
  return i;
}

/** The rows shown of a tree with some folders closed: indices into its rows, in order. */
interface FoldedView {
  key: string;
  rowCount: number;
  /** null: every folder open, the rows themselves. */
  shown: Int32Array | null;
}

function foldKey(fold: CompareFold): string {
  return `${fold.open ? 1 : 0}\n${[...fold.except].sort().join('\n')}`;
}

export function filterKey(f: RowFilter): string {
  return `${+f.added}${+f.removed}${+f.changed}${+f.unchanged}\n${f.filter}`;
}

export class CompareResults {
  /** Every visited path in walk order: a difference, or (a string) a path that does not differ. */
  private readonly entries: (PathDifference | string)[] = [];
  private readonly byPath = new Map<string, PathDifference>();
  private tree: FilteredTree | null = null;
  private folded: FoldedView | null = null;
  differences = 0;
  unchanged = 0;

  get length(): number {
    return this.entries.length;
  }

  add(result: PathComparison): void {
    if (result.change === 'unchanged') {
      this.entries.push(result.path);
      this.unchanged++;
    } else {
      this.entries.push(result);
      this.byPath.set(result.path, result);
      this.differences++;
    }
  }

  pathAt(index: number): string {
    const e = this.entries[index];
    return typeof e === 'string' ? e : e.path;
  }

  changeAt(index: number): PathComparison['change'] {
    const e = this.entries[index];
    return typeof e === 'string' ? 'unchanged' : e.change;
  }

  /** The difference at a path; null for a path that does not differ (or was not visited). */
  difference(path: string): PathDifference | null {
    return this.byPath.get(path) ?? null;
  }

  private treeOf(filter: RowFilter): FilteredTree {
    const key = filterKey(filter);
    if (!this.tree || this.tree.key !== key) {
      this.tree = new FilteredTree(key, filter);
      this.folded = null;
    }
    this.tree.extend(this);
    return this.tree;
  }

  private viewOf(filter: RowFilter, fold: CompareFold): { tree: FilteredTree; view: FoldedView } {
    const tree = this.treeOf(filter);
    const key = foldKey(fold);
    let view = this.folded;
    if (!view || view.key !== key || view.rowCount !== tree.rows.length) {
      view = { key, rowCount: tree.rows.length, shown: foldRows(tree.rows, fold) };
      this.folded = view;
    }
    return { tree, view };
  }

  /** The number of rows shown and a page of them. */
  page(
    filter: RowFilter,
    fold: CompareFold,
    offset: number,
    limit: number,
  ): { total: number; rows: CompareRow[] } {
    const { tree, view } = this.viewOf(filter, fold);
    const total = view.shown ? view.shown.length : tree.rows.length;
    const except = new Set(fold.except);
    const rows: CompareRow[] = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) {
      const row = tree.rows[view.shown ? view.shown[i] : i];
      const folder = row.children > 0;
      const bits = {
        depth: row.depth,
        children: row.children,
        expanded: folder && fold.open !== except.has(row.path),
      };
      const entry = row.entry < 0 ? null : this.entries[row.entry];
      if (entry === null) rows.push({ path: row.path, context: true, ...bits });
      else if (typeof entry === 'string') rows.push({ path: entry, change: 'unchanged', ...bits });
      else rows.push({ ...entry, ...bits });
    }
    return { total, rows };
  }

  /** Where a path's row is among the rows shown; -1 when it is not shown (filtered, or in a closed folder). */
  locate(filter: RowFilter, fold: CompareFold, path: string): number {
    const { tree, view } = this.viewOf(filter, fold);
    if (!view.shown) return tree.rows.findIndex((r) => r.path === path);
    for (let i = 0; i < view.shown.length; i++) if (tree.rows[view.shown[i]].path === path) return i;
    return -1;
  }
}

/** The rows left when the closed folders' rows are hidden; null when every folder is open. */
export function foldRows(
  rows: readonly { path: string; depth: number; children: number }[],
  fold: CompareFold,
): Int32Array | null {
  if (fold.open && fold.except.length === 0) return null;
  const except = new Set(fold.except);
  const shown = new Int32Array(rows.length);
  let count = 0;
  let hideBelow = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (hideBelow >= 0) {
      if (row.depth > hideBelow) continue;
      hideBelow = -1;
    }
    shown[count++] = i;
    if (row.children > 0 && fold.open === except.has(row.path)) hideBelow = row.depth;
  }
  return shown.slice(0, count);
}
