import { describe, expect, it } from 'vitest';
import type { LayerTreeNode } from '../worker/protocol';
import { FOLD_BELOW, foldStrip, layoutStrip, STRIP_MIN, stripDetail } from './layerStripLayout';
import { foldRuns, layoutLayerTree } from './layerTreeLayout';

function node(chainId: string, parent: string | null, images: number[], tags: string[] = []): LayerTreeNode {
  return { chainId, diffId: chainId, parent, tags, blob: chainId, images };
}

describe('semantic zoom of the layer tree: runs fold', () => {
  // base → a1 → a2 → a3 → a4 → {x1 (app:1), y1 → y2 (app:2)}
  const tree = [
    node('base', null, [0, 1], ['base:1']),
    node('a1', 'base', [0, 1]),
    node('a2', 'a1', [0, 1]),
    node('a3', 'a2', [0, 1]),
    node('a4', 'a3', [0, 1]),
    node('x1', 'a4', [0], ['app:1']),
    node('y1', 'a4', [1]),
    node('y2', 'y1', [1], ['app:2']),
  ];
  const layout = layoutLayerTree(tree);

  it('folds the middle of a straight chain, keeps tags, branch points and the first layer after a branch', () => {
    const { rows } = foldRuns(layout, new Set());
    expect(rows.map((r) => (r.kind === 'run' ? r.nodes.map((n) => n.chainId).join('+') : r.id))).toEqual([
      'base',
      'a1+a2+a3',
      'a4',
      'x1',
      'y1',
      'y2',
    ]);
    expect(rows.map((r) => r.row)).toEqual([0, 1, 2, 3, 4, 5]);
    // links point at the rows drawn above: a4 hangs from the run, the run from base
    expect(rows[1].parent).toBe('base');
    expect(rows[2].parent).toBe('run:a1');
  });

  it('never folds a kept (selected) layer: the run splits around it', () => {
    const { rows } = foldRuns(layout, new Set(['a2']));
    expect(rows.map((r) => r.id)).toEqual(['base', 'a1', 'a2', 'a3', 'a4', 'x1', 'y1', 'y2']);
  });
});

describe('layer strip', () => {
  it('gives every layer a minimum and shares the rest by bytes, filling the room', () => {
    const { layers, total } = layoutStrip([1000, 0, 3000], 300);
    expect(total).toBeCloseTo(300);
    expect(layers[1].width).toBe(STRIP_MIN);
    expect(layers[2].width - STRIP_MIN).toBeCloseTo(3 * (layers[0].width - STRIP_MIN));
    expect(layers.map((l) => l.x)).toEqual([0, layers[0].width, layers[0].width + layers[1].width]);
  });

  it('shows more as layers get wider, and folds narrow neighbours except the selected one', () => {
    expect(stripDetail(10)).toBe('none');
    expect(stripDetail(30)).toBe('index');
    expect(stripDetail(90)).toBe('label');
    const { layers } = layoutStrip([0, 0, 0, 1_000_000, 0], 400);
    const k = (FOLD_BELOW - 1) / STRIP_MIN;
    const items = foldStrip(layers, k, 4);
    expect(items.map((i) => (i.kind === 'run' ? i.layers.map((l) => l.index) : i.layer.index))).toEqual([
      [0, 1, 2],
      3,
      4,
    ]);
    expect(foldStrip(layers, 1, 0).every((i) => i.kind === 'layer')).toBe(true);
  });
});
