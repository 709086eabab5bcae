/**
 * Layout of the layer tree as `docker images --tree` and git graphs draw history: one row per
 * layer node (chain ID) in depth-first order, a lane per branch. A node's first child continues
 * its lane; other children start a new lane, reusing lanes whose branches have ended. Labels then
 * line up in one column and never overlap, however many images share the tree.
 *
 * d3-hierarchy builds the tree (stratify) and orders it; the lanes are assigned here.
 */
import { type HierarchyNode, stratify } from 'd3';
import type { LayerTreeNode } from '../worker/protocol';

export interface LaidOutNode {
  chainId: string;
  node: LayerTreeNode;
  /** Layer index within any image containing it (its depth from the root). */
  depth: number;
  row: number;
  lane: number;
  parent: string | null;
  children: string[];
}

export interface LaidOutLink {
  source: LaidOutNode;
  target: LaidOutNode;
}

export interface TreeLayout {
  nodes: LaidOutNode[];
  byId: Map<string, LaidOutNode>;
  links: LaidOutLink[];
  rows: number;
  lanes: number;
}

const VIRTUAL_ROOT = '\u0000root';

type Datum = LayerTreeNode | { chainId: string; parent: null; virtual: true };

export function layoutLayerTree(tree: LayerTreeNode[]): TreeLayout {
  const empty: TreeLayout = { nodes: [], byId: new Map(), links: [], rows: 0, lanes: 0 };
  if (tree.length === 0) return empty;
  const known = new Set(tree.map((n) => n.chainId));
  const data: Datum[] = [{ chainId: VIRTUAL_ROOT, parent: null, virtual: true }];
  for (const n of tree) data.push(n);
  const order = new Map(tree.map((n, i) => [n.chainId, i]));
  let root: HierarchyNode<Datum>;
  try {
    root = stratify<Datum>()
      .id((d) => d.chainId)
      .parentId((d) => {
        if (d.chainId === VIRTUAL_ROOT) return null;
        return d.parent !== null && known.has(d.parent) ? d.parent : VIRTUAL_ROOT;
      })(data);
  } catch {
    return empty;
  }
  // Children in the order the archive lists images (stable and what people expect).
  root.count();
  root.sort((a, b) => (order.get(a.id ?? '') ?? 0) - (order.get(b.id ?? '') ?? 0));

  const nodes: LaidOutNode[] = [];
  const byId = new Map<string, LaidOutNode>();
  // Rows: pre-order.
  let row = 0;
  const rowOf = new Map<HierarchyNode<Datum>, number>();
  const lastRowOf = new Map<HierarchyNode<Datum>, number>();
  root.eachBefore((h) => {
    if (h === root) return;
    rowOf.set(h, row++);
  });
  root.eachAfter((h) => {
    const own = rowOf.get(h) ?? -1;
    let last = own;
    for (const c of h.children ?? []) last = Math.max(last, lastRowOf.get(c) ?? -1);
    lastRowOf.set(h, last);
  });

  // Lanes: a branch occupies its lane from the parent's row to its subtree's last row.
  const laneEnds: number[] = []; // last row each lane is busy until
  const laneOf = new Map<HierarchyNode<Datum>, number>();
  const claim = (from: number, to: number): number => {
    for (let l = 0; l < laneEnds.length; l++) {
      if (laneEnds[l] < from) {
        laneEnds[l] = to;
        return l;
      }
    }
    laneEnds.push(to);
    return laneEnds.length - 1;
  };
  root.eachBefore((h) => {
    const kids = h.children ?? [];
    kids.forEach((c, i) => {
      const end = lastRowOf.get(c) ?? 0;
      if (h !== root && i === 0) {
        const lane = laneOf.get(h) ?? 0;
        laneOf.set(c, lane);
        laneEnds[lane] = Math.max(laneEnds[lane] ?? -1, end);
      } else {
        const start = h === root ? (rowOf.get(c) ?? 0) : (rowOf.get(h) ?? 0);
        laneOf.set(c, claim(start, end));
      }
    });
  });

  root.eachBefore((h) => {
    if (h === root) return;
    const d = h.data as LayerTreeNode;
    const parent = h.parent && h.parent !== root ? (h.parent.id ?? null) : null;
    const laid: LaidOutNode = {
      chainId: d.chainId,
      node: d,
      depth: h.depth - 1,
      row: rowOf.get(h) ?? 0,
      lane: laneOf.get(h) ?? 0,
      parent,
      children: (h.children ?? []).map((c) => c.id ?? ''),
    };
    nodes.push(laid);
    byId.set(laid.chainId, laid);
  });
  const links: LaidOutLink[] = [];
  for (const n of nodes) {
    if (n.parent === null) continue;
    const p = byId.get(n.parent);
    if (p) links.push({ source: p, target: n });
  }
  return { nodes, byId, links, rows: row, lanes: Math.max(1, laneEnds.length) };
}

/** A row of the tree at a zoom level: one layer node, or a run of layers folded into one row. */
export type TreeRow =
  | { kind: 'node'; id: string; laid: LaidOutNode; row: number; lane: number; parent: string | null }
  | { kind: 'run'; id: string; nodes: LaidOutNode[]; row: number; lane: number; parent: string | null };

/**
 * The overview level of semantic zoom: each run of two or more layers in the middle of a straight
 * chain (one parent, one child, no tag, not in `keep`) folds into one row. Branch points, the
 * first layer after a branch, tagged tips and the kept layers stay, so the shape stays readable.
 * `parent` is the id of the row drawn above it (a run's id is `run:` and its first chain ID).
 */
export function foldRuns(layout: TreeLayout, keep: ReadonlySet<string>): { rows: TreeRow[]; count: number } {
  const foldable = (n: LaidOutNode): boolean => {
    if (n.parent === null || n.children.length !== 1 || n.node.tags.length > 0 || keep.has(n.chainId))
      return false;
    return layout.byId.get(n.parent)?.children.length === 1;
  };
  const rowOf = new Map<string, string>();
  const rows: TreeRow[] = [];
  const nodes = layout.nodes;
  let i = 0;
  while (i < nodes.length) {
    const start = nodes[i];
    let end = i;
    if (foldable(start)) {
      while (
        end + 1 < nodes.length &&
        foldable(nodes[end + 1]) &&
        nodes[end + 1].parent === nodes[end].chainId
      )
        end++;
    }
    const parent = start.parent === null ? null : (rowOf.get(start.parent) ?? null);
    if (end > i) {
      const run = nodes.slice(i, end + 1);
      const id = `run:${start.chainId}`;
      for (const n of run) rowOf.set(n.chainId, id);
      rows.push({ kind: 'run', id, nodes: run, row: rows.length, lane: start.lane, parent });
    } else {
      rowOf.set(start.chainId, start.chainId);
      rows.push({ kind: 'node', id: start.chainId, laid: start, row: rows.length, lane: start.lane, parent });
    }
    i = end + 1;
  }
  return { rows, count: rows.length };
}

/** Every layer in its own row (the normal and detail levels). */
export function unfoldedRows(layout: TreeLayout): TreeRow[] {
  return layout.nodes.map((laid) => ({
    kind: 'node',
    id: laid.chainId,
    laid,
    row: laid.row,
    lane: laid.lane,
    parent: laid.parent,
  }));
}
