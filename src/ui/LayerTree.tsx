/**
 * All images of the archive in one tree: a node per layer (chain ID), shared layers once, a lane
 * per branch, tags where images end. d3 lays it out and runs zoom (wheel, drag, pinch, buttons);
 * React renders the SVG.
 */
import {
  type D3ZoomEvent,
  scaleSqrt,
  select,
  type ZoomBehavior,
  type ZoomTransform,
  zoom,
  zoomIdentity,
} from 'd3';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { selectLayer, useExplorer } from '../store';
import type { LayerChangeCounts } from '../worker/protocol';
import { formatBytes, formatCount, layerLabel, plural, shortDigest, visible } from './format';
import { type LaidOutNode, layoutLayerTree } from './layerTreeLayout';

const ROW_H = 26;
const LANE_W = 18;
const PAD = 14;
const SIZE_COL = 58;
const MAX_LABEL = 280;
/** Below this scale the labels are too small to read: opening never fits smaller than it. */
const MIN_READABLE = 0.85;
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const TAG_FONT = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

let measureCtx: CanvasRenderingContext2D | null = null;
let measureFont = '';
const measured = new Map<string, number>();
/** Text width for SVG labels (SVG text has no ellipsis); memoised, since labels repeat on every render. */
function measure(text: string, font: string): number {
  const key = `${font}\u0000${text}`;
  const hit = measured.get(key);
  if (hit !== undefined) return hit;
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  let width = text.length * 6.5;
  if (measureCtx) {
    if (measureFont !== font) {
      measureCtx.font = font;
      measureFont = font;
    }
    width = measureCtx.measureText(text).width;
  }
  if (measured.size > 20000) measured.clear();
  measured.set(key, width);
  return width;
}

function truncate(text: string, max: number, font: string): string {
  if (measure(text, font) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(`${text.slice(0, mid)}…`, font) <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

interface NodeView {
  laid: LaidOutNode;
  x: number;
  y: number;
  label: string;
  fullLabel: string;
  size: number | null;
  entries: number | null;
  tags: { text: string; x: number; width: number }[];
  labelStart: number;
  end: number;
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

export function LayerTree() {
  const archive = useExplorer((s) => s.archive);
  const blobs = useExplorer((s) => s.blobs);
  const stats = useExplorer((s) => s.stats);
  const selection = useExplorer((s) => s.selection);
  const sessionId = useExplorer((s) => s.session.id);
  const svgRef = useRef<SVGSVGElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const [transform, setTransform] = useState<ZoomTransform>(zoomIdentity);
  const [hover, setHover] = useState<string | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const nodeRefs = useRef(new Map<string, SVGGElement>());

  const layout = useMemo(() => layoutLayerTree(archive?.layerTree ?? []), [archive?.layerTree]);
  const images = archive?.images ?? [];
  const selectedChain = images[selection.image]?.layers[selection.layer]?.chainId ?? null;

  const labelX = PAD + layout.lanes * LANE_W + 8;

  const views = useMemo(() => {
    const sizes: number[] = [];
    const out = new Map<string, NodeView>();
    for (const laid of layout.nodes) {
      const blob = blobs[laid.node.blob];
      const img = images[laid.node.images[0]];
      const layer = img?.layers[laid.depth];
      const fullLabel = layerLabel(layer?.createdBy, layer?.comment);
      const label = truncate(fullLabel, MAX_LABEL, FONT);
      let counts: LayerChangeCounts | null = null;
      for (const i of laid.node.images) {
        const c = stats[i]?.counts[laid.depth];
        if (c) {
          counts = c;
          break;
        }
      }
      // Tags first, as `git log --decorate` shows them: always in view, right after the size.
      let x = labelX + SIZE_COL;
      const tagTexts = laid.node.tags.length
        ? laid.node.tags.map((t) => visible(t))
        : isTip(laid, images)
          ? [untaggedLabel(tipImageId(laid, images))]
          : [];
      const tags = tagTexts.map((text) => {
        const width = measure(text, TAG_FONT) + 14;
        const t = { text, x, width };
        x += width + 6;
        return t;
      });
      const labelStart = x;
      x += measure(label, FONT) + 10;
      const size = blob?.sizeBytes ?? null;
      if (size !== null) sizes.push(size);
      out.set(laid.chainId, {
        laid,
        x: nodeX(laid.lane),
        y: rowY(laid.row),
        label,
        fullLabel,
        size,
        entries: blob?.entries ?? null,
        tags,
        labelStart,
        end: x,
        counts,
        failed: blob?.state === 'failed',
      });
    }
    const max = Math.max(1, ...sizes);
    return { nodes: out, radius: scaleSqrt().domain([0, max]).range([3.5, 8.5]).clamp(true) };
  }, [layout, blobs, images, stats, labelX]);

  const contentWidth = useMemo(() => {
    let w = labelX + SIZE_COL + 40;
    for (const v of views.nodes.values()) w = Math.max(w, v.end + PAD);
    return w;
  }, [views, labelX]);
  const contentHeight = PAD * 2 + layout.rows * ROW_H;
  /** What "Fit" must show: the graph, sizes, tags and the first words of each label. */
  const coreWidth = useMemo(() => {
    let w = labelX + SIZE_COL + 40;
    for (const v of views.nodes.values()) w = Math.max(w, Math.min(v.end, v.labelStart + 150) + PAD);
    return w;
  }, [views, labelX]);

  // d3-zoom owns wheel, drag and pinch; React renders the transform it computes.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const behavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.2, 4])
      .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => setTransform(event.transform));
    zoomRef.current = behavior;
    select(svg).call(behavior).on('dblclick.zoom', null);
    return () => {
      select(svg).on('.zoom', null);
    };
  }, []);

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
      const whole = Math.min(w / coreWidth, h / contentHeight);
      const k = all ? Math.max(0.2, Math.min(whole, 1.25)) : Math.max(MIN_READABLE, Math.min(whole, 1.1));
      const tx = contentWidth * k <= w ? (w - contentWidth * k) / 2 : 0;
      let ty = (h - contentHeight * k) / 2;
      if (contentHeight * k > h) {
        const f = focus ? views.nodes.get(focus) : undefined;
        ty = h / 2 - (f ? f.y : 0) * k;
        ty = Math.min(0, Math.max(h - contentHeight * k, ty));
      }
      return zoomIdentity.translate(tx, ty).scale(k);
    },
    [layout, contentWidth, coreWidth, contentHeight, views],
  );

  const fitView = useCallback(
    (animate: boolean, all = false) => {
      const svg = svgRef.current;
      const behavior = zoomRef.current;
      const t = fitTransform(selectedChain, all);
      if (!svg || !behavior || !t) return;
      if (animate) select(svg).transition().duration(250).call(behavior.transform, t);
      else select(svg).call(behavior.transform, t);
    },
    [fitTransform, selectedChain],
  );

  // Fit when an archive's tree arrives (and when the panel is resized before the user zoomed).
  const fittedFor = useRef<string>('');
  const userMoved = useRef(false);
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
      if (size === last) return;
      last = size;
      if (!userMoved.current) fitRef.current(false);
    });
    ro.observe(wrap);
    return () => ro.disconnect();
  }, []);

  const zoomBy = (factor: number) => {
    const svg = svgRef.current;
    const behavior = zoomRef.current;
    if (!svg || !behavior) return;
    userMoved.current = true;
    select(svg).transition().duration(200).call(behavior.scaleBy, factor);
  };

  /** Pans just enough to show a node (keyboard selection of a node off screen). */
  const ensureVisible = useCallback(
    (chainId: string) => {
      const svg = svgRef.current;
      const behavior = zoomRef.current;
      const v = views.nodes.get(chainId);
      if (!svg || !behavior || !v) return;
      const w = svg.clientWidth;
      const h = svg.clientHeight;
      const sx = transform.applyX(v.x);
      const sy = transform.applyY(v.y);
      const margin = ROW_H * transform.k;
      if (sx >= 0 && sx <= w && sy >= margin && sy <= h - margin) return;
      const dx = sx < 0 ? -sx + 24 : sx > w ? w - sx - 24 : 0;
      const dy = sy < margin ? margin - sy + 8 : sy > h - margin ? h - margin - sy - 8 : 0;
      select(svg)
        .transition()
        .duration(150)
        .call(behavior.translateBy, dx / transform.k, dy / transform.k);
    },
    [views, transform],
  );

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

  const tabStop =
    focusId && views.nodes.has(focusId) ? focusId : (selectedChain ?? layout.nodes[0]?.chainId ?? null);
  const hovered = hover ? views.nodes.get(hover) : undefined;
  const selectedImages = new Set([selection.image]);

  return (
    <figure className="panel layer-tree" aria-label="Layer tree">
      <header className="panel-head">
        <h2>Layer tree</h2>
        <span className="muted small">
          {images.length} {images.length === 1 ? 'image' : 'images'} ·{' '}
          {plural(layout.nodes.length, 'layer', 'layers')}
        </span>
        <div className="toolbar tight">
          <button
            type="button"
            className="icon-btn"
            aria-label="Zoom in"
            title="Zoom in (+)"
            onClick={() => zoomBy(1.3)}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M7 3v8M3 7h8" />
              <circle cx="7" cy="7" r="5.5" fill="none" />
              <path d="M11 11l3.5 3.5" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Zoom out"
            title="Zoom out (−)"
            onClick={() => zoomBy(1 / 1.3)}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M3 7h8" />
              <circle cx="7" cy="7" r="5.5" fill="none" />
              <path d="M11 11l3.5 3.5" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Fit"
            title="Fit the tree in view"
            onClick={() => {
              fitView(true, true);
            }}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" fill="none" />
            </svg>
          </button>
        </div>
      </header>
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
              {layout.links.map((l) => {
                const s = views.nodes.get(l.source.chainId);
                const t = views.nodes.get(l.target.chainId);
                if (!s || !t) return null;
                const inSel = l.target.node.images.some((i) => selectedImages.has(i));
                return (
                  <path
                    key={`${l.source.chainId}>${l.target.chainId}`}
                    d={linkPath(s.x, s.y, t.x, t.y)}
                    className={inSel ? 'link in-image' : 'link'}
                  />
                );
              })}
            </g>
            {layout.nodes.map((laid) => {
              const v = views.nodes.get(laid.chainId);
              if (!v) return null;
              const selected = laid.chainId === selectedChain;
              const inImage = laid.node.images.includes(selection.image);
              const r = v.size === null ? 3.5 : views.radius(v.size);
              const c = v.counts;
              const name =
                `Layer ${laid.depth}: ${v.fullLabel}, ${formatBytes(v.size)}` +
                (c ? `, ${c.added} added, ${c.modified} modified, ${c.removed} removed` : '') +
                (laid.node.tags.length ? `, tagged ${visible(laid.node.tags.join(', '))}` : '');
              return (
                <g
                  key={laid.chainId}
                  ref={(el) => {
                    if (el) nodeRefs.current.set(laid.chainId, el);
                    else nodeRefs.current.delete(laid.chainId);
                  }}
                  className={`tree-node${selected ? ' selected' : ''}${inImage ? ' in-image' : ''}${v.failed ? ' failed' : ''}`}
                  role="button"
                  aria-label={name}
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
                    y={v.y - ROW_H / 2}
                    width={Math.max(contentWidth, v.end + PAD)}
                    height={ROW_H}
                    rx={5}
                  />
                  <circle className="dot" cx={v.x} cy={v.y} r={r} />
                  <text
                    className="size"
                    x={labelX + SIZE_COL - 8}
                    y={v.y}
                    textAnchor="end"
                    dominantBaseline="central"
                  >
                    {formatBytes(v.size)}
                  </text>
                  <text className="label" x={v.labelStart} y={v.y} dominantBaseline="central">
                    {v.label}
                  </text>
                  {v.tags.map((t) => (
                    <g key={t.text} className={laid.node.tags.length ? 'tag' : 'tag untagged'}>
                      <rect x={t.x} y={v.y - 9} width={t.width} height={18} rx={9} />
                      <text x={t.x + t.width / 2} y={v.y} textAnchor="middle" dominantBaseline="central">
                        {t.text}
                      </text>
                    </g>
                  ))}
                </g>
              );
            })}
          </g>
        </svg>
        {hovered && <TreeTooltip view={hovered} transform={transform} />}
      </div>
    </figure>
  );
}

function untaggedLabel(id: string): string {
  return id.startsWith('sha256:') ? `untagged ${shortDigest(id, 7)}` : 'untagged';
}

function isTip(laid: LaidOutNode, images: { layers: { chainId: string }[] }[]): boolean {
  return laid.node.images.some((i) => {
    const layers = images[i]?.layers ?? [];
    return layers[layers.length - 1]?.chainId === laid.chainId;
  });
}

function tipImageId(laid: LaidOutNode, images: { id: string; layers: { chainId: string }[] }[]): string {
  for (const i of laid.node.images) {
    const layers = images[i]?.layers ?? [];
    if (layers[layers.length - 1]?.chainId === laid.chainId) return images[i].id;
  }
  return '';
}

function TreeTooltip({ view, transform }: { view: NodeView; transform: ZoomTransform }) {
  const x = transform.applyX(view.x);
  const y = transform.applyY(view.y);
  const c = view.counts;
  const below = y < 140;
  return (
    <div
      className="tooltip"
      role="tooltip"
      style={{
        left: Math.max(8, x - 12),
        top: below ? y + 16 * transform.k + 4 : undefined,
        bottom: below ? undefined : `calc(100% - ${y - 12 * transform.k}px)`,
      }}
    >
      <div className="tooltip-cmd">{view.fullLabel}</div>
      <div className="tooltip-grid">
        <span>Layer</span>
        <span>{view.laid.depth}</span>
        <span>Size</span>
        <span>{formatBytes(view.size)}</span>
        <span>Entries</span>
        <span>{formatCount(view.entries)}</span>
        <span>Changes</span>
        <span>
          {c ? (
            <>
              <span className="c-added">+{formatCount(c.added)}</span>{' '}
              <span className="c-modified">~{formatCount(c.modified)}</span>{' '}
              <span className="c-removed">−{formatCount(c.removed)}</span>
            </>
          ) : (
            '…'
          )}
        </span>
        <span>Chain ID</span>
        <span className="mono">{shortDigest(view.laid.chainId)}</span>
        {view.laid.node.tags.length > 0 && (
          <>
            <span>Tags</span>
            <span>{visible(view.laid.node.tags.join(', '))}</span>
          </>
        )}
      </div>
    </div>
  );
}
