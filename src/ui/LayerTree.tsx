/**
 * The layer view beside the Layers list, a `figure` named Layer tree. With several images: every
 * image in one tree, a node per layer (chain ID), shared layers once, a lane per branch, tags where
 * images end. With one image there is nothing to branch, so it draws the layers left to right, as
 * wide as their bytes (LayerStrip.tsx). Zoom is semantic in both: zoomed out, runs of layers fold
 * into one row; zoomed in, rows show more of each command and the change counts.
 */
import { type ZoomTransform, zoomIdentity } from 'd3';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { selectLayer, useExplorer } from '../store';
import type { LayerChangeCounts } from '../worker/protocol';
import { formatBytes, formatCount, layerLabel, plural } from './format';
import { LayerStrip } from './LayerStrip';
import { foldRuns, type LaidOutNode, layoutLayerTree, type TreeRow, unfoldedRows } from './layerTreeLayout';
import {
  FOLD_BELOW,
  type HoverCard,
  measure,
  nodeName,
  TreeFrame,
  TreeHoverCard,
  tagTexts,
  usePanZoom,
  zoomLevel,
} from './layerViewParts';

const ROW_H = 26;
const LANE_W = 18;
const PAD = 14;
const SIZE_COL = 58;
/** Label widths per level: what each row shows of its command. */
const LABEL_W = { overview: 200, normal: 280, detail: 560 } as const;
/** Below this scale the labels are too small to read: opening never fits smaller than it. */
const MIN_READABLE = 0.85;
const TAG_FONT = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export function LayerTree() {
  const imageCount = useExplorer((s) => s.archive?.images.length ?? 0);
  return imageCount === 1 ? <LayerStrip /> : <LayerGraph />;
}

interface NodeView {
  laid: LaidOutNode;
  label: string;
  size: number | null;
  entries: number | null;
  tags: { text: string; width: number }[];
  tagsWidth: number;
  counts: LayerChangeCounts | null;
  failed: boolean;
}

function nodeX(lane: number): number {
  return PAD + lane * LANE_W + LANE_W / 2;
}
function rowY(row: number): number {
  return PAD + row * ROW_H + ROW_H / 2;
}

function linkPath(sx: number, sy: number, tx: number, ty: number): string {
  if (sx === tx) return `M${sx},${sy}L${tx},${ty}`;
  const bend = Math.min(ROW_H, ty - sy);
  return `M${sx},${sy}C${sx},${sy + bend * 0.6} ${tx},${sy + bend * 0.4} ${tx},${sy + bend}L${tx},${ty}`;
}

function LayerGraph() {
  const archive = useExplorer((s) => s.archive);
  const blobs = useExplorer((s) => s.blobs);
  const stats = useExplorer((s) => s.stats);
  const selection = useExplorer((s) => s.selection);
  const sessionId = useExplorer((s) => s.session.id);
  const svgRef = useRef<SVGSVGElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const userMoved = useRef(false);
  const { panZoom, transform } = usePanZoom(svgRef, 0.2, 4, () => {
    userMoved.current = true;
  });
  const [hover, setHover] = useState<string | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const nodeRefs = useRef(new Map<string, SVGGElement>());

  const layout = useMemo(() => layoutLayerTree(archive?.layerTree ?? []), [archive?.layerTree]);
  const images = archive?.images ?? [];
  const selectedChain = images[selection.image]?.layers[selection.layer]?.chainId ?? null;
  const level = zoomLevel(transform.k);
  const labelX = PAD + layout.lanes * LANE_W + 8;

  const keep = useMemo(() => new Set(selectedChain ? [selectedChain] : []), [selectedChain]);
  const rows = useMemo(
    () => (level === 'overview' ? foldRuns(layout, keep).rows : unfoldedRows(layout)),
    [layout, level, keep],
  );
  const rowById = useMemo(() => new Map(rows.map((r) => [r.id, r])), [rows]);

  const views = useMemo(() => {
    const out = new Map<string, NodeView>();
    for (const laid of layout.nodes) {
      const blob = blobs[laid.node.blob];
      const img = images[laid.node.images[0]];
      const layer = img?.layers[laid.depth];
      let counts: LayerChangeCounts | null = null;
      for (const i of laid.node.images) {
        const c = stats[i]?.counts[laid.depth];
        if (c) {
          counts = c;
          break;
        }
      }
      const tags = tagTexts(laid.node, images).map((text) => ({ text, width: measure(text, TAG_FONT) + 14 }));
      out.set(laid.chainId, {
        laid,
        label: layerLabel(layer?.createdBy, layer?.comment),
        size: blob?.sizeBytes ?? null,
        entries: blob?.entries ?? null,
        tags,
        tagsWidth: tags.reduce((w, t) => w + t.width + 6, 0),
        counts,
        failed: blob?.state === 'failed',
      });
    }
    return out;
  }, [layout, blobs, images, stats]);

  const maxTags = useMemo(() => {
    let w = 0;
    for (const v of views.values()) w = Math.max(w, v.tagsWidth);
    return w;
  }, [views]);
  const labelW = LABEL_W[level];
  const contentWidth = labelX + SIZE_COL + maxTags + labelW + PAD;
  /** What "Fit" must show: the graph, sizes, tags and the first words of each label. */
  const coreWidth = labelX + SIZE_COL + maxTags + 150 + PAD;

  /**
   * `all`: the whole tree in view (the Fit button). Otherwise the most that stays readable: never
   * smaller than MIN_READABLE, left-aligned, centred on the selected layer when it is taller.
   */
  const fitTransform = useCallback(
    (focus: string | null, all: boolean): ZoomTransform | null => {
      const svg = svgRef.current;
      if (!svg || layout.nodes.length === 0) return null;
      const w = svg.clientWidth || 300;
      const h = svg.clientHeight || 200;
      // the whole tree, as it will be drawn at the scale chosen (folded below FOLD_BELOW)
      const unfolded = PAD * 2 + layout.rows * ROW_H;
      let k = Math.min(w / coreWidth, h / unfolded);
      if (all && k < FOLD_BELOW) {
        const folded = PAD * 2 + foldRuns(layout, keep).count * ROW_H;
        k = Math.max(0.2, Math.min(w / coreWidth, h / folded, FOLD_BELOW - 0.01));
      }
      k = all ? Math.max(0.2, Math.min(k, 1.25)) : Math.max(MIN_READABLE, Math.min(k, 1.1));
      const height = PAD * 2 + (k < FOLD_BELOW ? foldRuns(layout, keep).count : layout.rows) * ROW_H;
      let ty = (h - height * k) / 2;
      if (height * k > h) {
        const f = focus ? layout.byId.get(focus) : undefined;
        ty = h / 2 - (f ? rowY(f.row) : 0) * k;
        ty = Math.min(0, Math.max(h - height * k, ty));
      }
      return zoomIdentity.translate(0, ty).scale(k);
    },
    [layout, coreWidth, keep],
  );

  const fitView = useCallback(
    (animate: boolean, all = false) => {
      const t = fitTransform(selectedChain, all);
      if (t) panZoom.current?.setTransform(t, animate ? 250 : 0);
    },
    [fitTransform, selectedChain, panZoom],
  );

  // Fit when an archive's tree arrives (and when the panel is resized before the user zoomed).
  const fittedFor = useRef<string>('');
  // In the next frame (before it is painted): measuring the panel now would force a layout of
  // the whole new workspace inside the task that mounted it.
  useEffect(() => {
    const key = `${sessionId}:${layout.nodes.length}`;
    if (!layout.nodes.length || fittedFor.current === key) return;
    const frame = requestAnimationFrame(() => {
      fittedFor.current = key;
      userMoved.current = false;
      fitView(false);
    });
    return () => cancelAnimationFrame(frame);
  }, [sessionId, layout, fitView]);
  const fitRef = useRef(fitView);
  fitRef.current = fitView;
  useEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap || typeof ResizeObserver === 'undefined') return;
    let last = '';
    const ro = new ResizeObserver(() => {
      const size = `${wrap.clientWidth}x${wrap.clientHeight}`;
      if (size === last || wrap.clientWidth === 0) return;
      last = size;
      if (!userMoved.current) fitRef.current(false);
    });
    ro.observe(wrap);
    return () => ro.disconnect();
  }, []);

  const zoomBy = (factor: number) => {
    userMoved.current = true;
    panZoom.current?.zoomBy(factor);
  };

  const rowOfChain = (chainId: string): TreeRow | undefined =>
    rowById.get(chainId) ?? rows.find((r) => r.kind === 'run' && r.nodes.some((n) => n.chainId === chainId));

  /** Pans just enough to show a node (keyboard selection of a node off screen). */
  const ensureVisible = (chainId: string) => {
    const svg = svgRef.current;
    const r = rowOfChain(chainId);
    if (!svg || !r || !panZoom.current) return;
    const w = svg.clientWidth;
    const h = svg.clientHeight;
    const sx = transform.applyX(nodeX(r.lane));
    const sy = transform.applyY(rowY(r.row));
    const margin = ROW_H * transform.k;
    if (sx >= 0 && sx <= w && sy >= margin && sy <= h - margin) return;
    const dx = sx < 0 ? -sx + 24 : sx > w ? w - sx - 24 : 0;
    const dy = sy < margin ? margin - sy + 8 : sy > h - margin ? h - margin - sy - 8 : 0;
    panZoom.current.panBy(dx / transform.k, dy / transform.k);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the selection moves, not on every pan
  useEffect(() => {
    if (!selectedChain) return;
    const frame = requestAnimationFrame(() => ensureVisible(selectedChain));
    return () => cancelAnimationFrame(frame);
  }, [selectedChain]);

  const choose = (laid: LaidOutNode) => {
    const imgs = laid.node.images;
    const image = imgs.includes(selection.image) ? selection.image : (imgs[0] ?? 0);
    selectLayer(laid.depth, image);
  };

  const moveFocus = (chainId: string | null | undefined) => {
    if (!chainId) return;
    const laid = layout.byId.get(chainId);
    if (!laid) return;
    setFocusId(chainId);
    choose(laid);
    // a layer of a folded run gets its own row once selected: focus it after that render
    requestAnimationFrame(() => nodeRefs.current.get(chainId)?.focus({ preventScroll: true }));
    nodeRefs.current.get(chainId)?.focus({ preventScroll: true });
  };

  const onKey = (event: KeyboardEvent<SVGGElement>, laid: LaidOutNode) => {
    const byRow = layout.nodes;
    const idx = byRow.indexOf(laid);
    let target: string | null | undefined;
    switch (event.key) {
      case 'ArrowDown':
        target = byRow[idx + 1]?.chainId;
        break;
      case 'ArrowUp':
        target = byRow[idx - 1]?.chainId;
        break;
      case 'ArrowLeft':
        target = laid.parent;
        break;
      case 'ArrowRight':
        target = laid.children[0];
        break;
      case 'Home':
        target = byRow[0]?.chainId;
        break;
      case 'End':
        target = byRow[byRow.length - 1]?.chainId;
        break;
      case 'Enter':
      case ' ':
        choose(laid);
        event.preventDefault();
        return;
      case '+':
      case '=':
        zoomBy(1.3);
        return;
      case '-':
        zoomBy(1 / 1.3);
        return;
      default:
        return;
    }
    event.preventDefault();
    moveFocus(target);
  };

  /** A folded run opens where it is: zoomed to the normal level, centred on it. */
  const openRun = (r: Extract<TreeRow, { kind: 'run' }>) => {
    const svg = svgRef.current;
    if (!svg || !panZoom.current) return;
    userMoved.current = true;
    const k = 1;
    const first = r.nodes[0];
    const t = zoomIdentity.translate(0, svg.clientHeight / 2 - rowY(first.row) * k).scale(k);
    panZoom.current.setTransform(t, 250);
  };

  const tabStop =
    focusId && rowById.has(focusId) ? focusId : (selectedChain ?? layout.nodes[0]?.chainId ?? null);
  const hovered = hover ? views.get(hover) : undefined;
  const hoveredRow = hover ? rowById.get(hover) : undefined;
  const svgBox = svgRef.current?.getBoundingClientRect();
  const card: HoverCard | null =
    hovered && hoveredRow && svgBox
      ? {
          depth: hovered.laid.depth,
          label: hovered.label,
          size: hovered.size,
          entries: hovered.entries,
          counts: hovered.counts,
          chainId: hovered.laid.chainId,
          tags: hovered.tags.map((t) => t.text),
          x: svgBox.left + transform.applyX(nodeX(hoveredRow.lane)),
          y: svgBox.top + transform.applyY(rowY(hoveredRow.row)),
        }
      : null;
  const sizeRadius = (size: number | null) => {
    if (size === null) return 3.5;
    let max = 1;
    for (const v of views.values()) max = Math.max(max, v.size ?? 0);
    return 3.5 + 5 * Math.sqrt(Math.min(1, size / max));
  };

  return (
    <TreeFrame
      count={`${plural(images.length, 'image', 'images')} · ${plural(layout.nodes.length, 'layer', 'layers')}`}
      onZoom={zoomBy}
      onFit={() => {
        userMoved.current = true;
        fitView(true, true);
      }}
      level={level}
    >
      <div
        className="tree-canvas"
        ref={wrapRef}
        onPointerDown={() => {
          userMoved.current = true;
        }}
        onWheel={() => {
          userMoved.current = true;
        }}
      >
        <svg ref={svgRef} className="tree-svg" role="presentation">
          <g transform={transform.toString()}>
            <g className="tree-links">
              {rows.map((r) => {
                if (r.parent === null) return null;
                const p = rowById.get(r.parent);
                if (!p) return null;
                const ids = r.kind === 'run' ? r.nodes.flatMap((n) => n.node.images) : r.laid.node.images;
                return (
                  <path
                    key={`${p.id}>${r.id}`}
                    d={linkPath(nodeX(p.lane), rowY(p.row), nodeX(r.lane), rowY(r.row))}
                    className={ids.includes(selection.image) ? 'link in-image' : 'link'}
                  />
                );
              })}
            </g>
            {rows.map((r) => {
              const y = rowY(r.row);
              if (r.kind === 'run') {
                const bytes = r.nodes.reduce((sum, n) => sum + (views.get(n.chainId)?.size ?? 0), 0);
                const first = r.nodes[0].depth;
                const last = r.nodes[r.nodes.length - 1].depth;
                const text = `${r.nodes.length} layers · ${formatBytes(bytes)}`;
                return (
                  <g
                    key={r.id}
                    className="tree-node tree-run"
                    role="button"
                    tabIndex={-1}
                    aria-label={`${text}, layers ${first} to ${last}, folded`}
                    onClick={() => openRun(r)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        openRun(r);
                      }
                    }}
                  >
                    <rect
                      className="row-hit"
                      x={0}
                      y={y - ROW_H / 2}
                      width={contentWidth}
                      height={ROW_H}
                      rx={5}
                    />
                    <line className="run-line" x1={nodeX(r.lane)} x2={nodeX(r.lane)} y1={y - 8} y2={y + 8} />
                    <circle className="run-dot" cx={nodeX(r.lane)} cy={y - 6} r={2.5} />
                    <circle className="run-dot" cx={nodeX(r.lane)} cy={y} r={2.5} />
                    <circle className="run-dot" cx={nodeX(r.lane)} cy={y + 6} r={2.5} />
                    <text className="run-label" x={labelX} y={y} dominantBaseline="central">
                      {' '}
                      {text}
                    </text>
                  </g>
                );
              }
              const laid = r.laid;
              const v = views.get(laid.chainId);
              if (!v) return null;
              const selected = laid.chainId === selectedChain;
              const inImage = laid.node.images.includes(selection.image);
              const x = nodeX(r.lane);
              const c = v.counts;
              const tagStart = labelX + SIZE_COL;
              const labelStart = tagStart + v.tagsWidth;
              let tx = tagStart;
              const detail = level === 'detail' && c;
              return (
                <g
                  key={laid.chainId}
                  ref={(el) => {
                    if (el) nodeRefs.current.set(laid.chainId, el);
                    else nodeRefs.current.delete(laid.chainId);
                  }}
                  className={`tree-node${selected ? ' selected' : ''}${inImage ? ' in-image' : ''}${v.failed ? ' failed' : ''}`}
                  role="button"
                  aria-label={nodeName(
                    laid.depth,
                    v.label,
                    v.tags.map((t) => t.text),
                    v.size,
                    c,
                  )}
                  aria-pressed={selected}
                  tabIndex={laid.chainId === tabStop ? 0 : -1}
                  data-chain-id={laid.chainId}
                  onClick={() => {
                    setFocusId(laid.chainId);
                    choose(laid);
                  }}
                  onKeyDown={(e) => onKey(e, laid)}
                  onMouseEnter={() => setHover(laid.chainId)}
                  onMouseLeave={() => setHover((h) => (h === laid.chainId ? null : h))}
                  onFocus={() => setHover(laid.chainId)}
                  onBlur={() => setHover((h) => (h === laid.chainId ? null : h))}
                >
                  <rect
                    className="row-hit"
                    x={0}
                    y={y - ROW_H / 2}
                    width={contentWidth}
                    height={ROW_H}
                    rx={5}
                  />
                  <circle className="dot" cx={x} cy={y} r={sizeRadius(v.size)} />
                  {/* DOM order = the accessible name's order: command, tags, size */}
                  <foreignObject
                    x={labelStart}
                    y={y - ROW_H / 2}
                    width={Math.max(40, labelW - (detail ? 110 : 0))}
                    height={ROW_H}
                  >
                    <div className="tn-label">{v.label}</div>
                  </foreignObject>
                  {/* axe joins the visible texts without spaces: these keep them words apart */}{' '}
                  {v.tags.map((t) => {
                    const at = tx;
                    tx += t.width + 6;
                    return (
                      <g key={t.text} className={laid.node.tags.length ? 'tag' : 'tag untagged'}>
                        <rect x={at} y={y - 9} width={t.width} height={18} rx={9} />
                        <text x={at + t.width / 2} y={y} textAnchor="middle" dominantBaseline="central">
                          {t.text}
                        </text>{' '}
                      </g>
                    );
                  })}
                  <text
                    className="size"
                    x={labelX + SIZE_COL - 8}
                    y={y}
                    textAnchor="end"
                    dominantBaseline="central"
                  >
                    {formatBytes(v.size)}
                  </text>
                  {detail && (
                    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: text is not focusable; the counts are in the node's name in words
                    <text
                      className="counts-text"
                      x={labelStart + labelW - 100}
                      y={y}
                      dominantBaseline="central"
                      aria-hidden="true"
                    >
                      {`+${formatCount(c.added)} ~${formatCount(c.modified)} −${formatCount(c.removed)}`}
                    </text>
                  )}
                </g>
              );
            })}
          </g>
        </svg>
      </div>
      {card && <TreeHoverCard card={card} />}
    </TreeFrame>
  );
}
