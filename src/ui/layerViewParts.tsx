/**
 * What the two layer views (LayerTree.tsx's graph, LayerStrip.tsx's strip) share: the figure with
 * its zoom buttons, the pan-zoom object's hook, the hover card, tags, and node names that hold
 * their visible text.
 */
import { type ZoomTransform, zoomIdentity } from 'd3';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { LayerChangeCounts } from '../worker/protocol';
import { formatBytes, formatCount, plural, shortDigest, visible } from './format';
import { createPanZoom, type PanZoom } from './panZoom';

/** Zoomed out below this, runs of layers fold; above DETAIL_AT, rows show counts and long labels. */
export const FOLD_BELOW = 0.7;
export const DETAIL_AT = 1.6;

export type ZoomLevel = 'overview' | 'normal' | 'detail';

export function zoomLevel(k: number): ZoomLevel {
  return k < FOLD_BELOW ? 'overview' : k >= DETAIL_AT ? 'detail' : 'normal';
}

let measureCtx: CanvasRenderingContext2D | null = null;
const measured = new Map<string, number>();
/** Text width for SVG tags (sized to their text); memoised, since tags repeat on every render. */
export function measure(text: string, font: string): number {
  const key = `${font}\u0000${text}`;
  const hit = measured.get(key);
  if (hit !== undefined) return hit;
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  let width = text.length * 6.5;
  if (measureCtx) {
    measureCtx.font = font;
    width = measureCtx.measureText(text).width;
  }
  if (measured.size > 20000) measured.clear();
  measured.set(key, width);
  return width;
}

/** The tags drawn on a node: its own, or "untagged …" where an untagged image ends. */
export function tagTexts(
  node: { chainId: string; tags: string[]; images: number[] },
  images: { id: string; layers: { chainId: string }[] }[],
): string[] {
  if (node.tags.length) return node.tags.map((t) => visible(t));
  for (const i of node.images) {
    const layers = images[i]?.layers ?? [];
    if (layers[layers.length - 1]?.chainId === node.chainId) {
      const id = images[i].id;
      return [id.startsWith('sha256:') ? `untagged ${shortDigest(id, 7)}` : 'untagged'];
    }
  }
  return [];
}

/**
 * A node's accessible name holds its visible text in the order the DOM has it (command, tags,
 * size), so speech input can say what it sees: axe's label-content-name-mismatch. A node that draws
 * only its index beside its tags (`5 app:1`) says the tags right after the index, so that run of
 * visible text is one run of its name too (axe compares them without punctuation).
 */
export function nodeName(
  depth: number,
  label: string,
  tags: string[],
  size: number | null,
  counts: LayerChangeCounts | null,
  tagsAfterIndex = false,
  /** Findings of the Secrets scan in this layer: right after the size, where the strip draws them. */
  secrets = 0,
): string {
  const tagText = tags.length ? tags.join(', ') : '';
  return (
    (tagsAfterIndex && tagText ? `Layer ${depth}: ${tagText}, ${label}` : `Layer ${depth}: ${label}`) +
    (tagText && !tagsAfterIndex ? `, ${tagText}` : '') +
    `, ${formatBytes(size)}` +
    (secrets ? `, ${plural(secrets, 'secret', 'secrets')}` : '') +
    (counts ? `, ${counts.added} added, ${counts.modified} modified, ${counts.removed} removed` : '')
  );
}

export interface HoverCard {
  depth: number;
  label: string;
  size: number | null;
  entries: number | null;
  counts: LayerChangeCounts | null;
  chainId: string;
  tags: string[];
  /** Where to point, in viewport pixels. */
  x: number;
  y: number;
}

/** The header with the zoom buttons both views share. */
export function TreeFrame({
  count,
  onZoom,
  onFit,
  level,
  strip = false,
  children,
}: {
  strip?: boolean;
  count: string;
  onZoom: (factor: number) => void;
  onFit: () => void;
  level: ZoomLevel | string;
  children: ReactNode;
}) {
  return (
    <figure className={`panel layer-tree${strip ? ' strip' : ''}`} aria-label="Layer tree" data-level={level}>
      <header className="panel-head">
        <h2>Layer tree</h2>
        <span className="muted small">{count}</span>
        <div className="toolbar tight">
          <button
            type="button"
            className="icon-btn"
            aria-label="Zoom in"
            title="Zoom in (+): more of each layer"
            onClick={() => onZoom(1.3)}
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
            title="Zoom out (−): runs of layers fold"
            onClick={() => onZoom(1 / 1.3)}
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
            onClick={onFit}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" fill="none" />
            </svg>
          </button>
        </div>
      </header>
      {children}
    </figure>
  );
}

/** Creates the pan-zoom object for an SVG element once, and destroys it with the element. */
export function usePanZoom(
  svgRef: React.RefObject<SVGSVGElement | null>,
  minZoom: number,
  maxZoom: number,
  onUserGesture: () => void,
): { panZoom: React.RefObject<PanZoom | null>; transform: ZoomTransform } {
  const [transform, setTransform] = useState<ZoomTransform>(zoomIdentity);
  const panZoom = useRef<PanZoom | null>(null);
  const gesture = useRef(onUserGesture);
  gesture.current = onUserGesture;
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const pz = createPanZoom(svg, {
      minZoom,
      maxZoom,
      onChange: setTransform,
      onUserGesture: () => gesture.current(),
    });
    panZoom.current = pz;
    return () => {
      pz.destroy();
      panZoom.current = null;
    };
  }, [svgRef, minZoom, maxZoom]);
  return { panZoom, transform };
}

const MAX_CARD_TEXT = 4000;

/** The hover card: the whole command, wrapped, fixed to the viewport so no panel cuts it off. */
export function TreeHoverCard({ card }: { card: HoverCard }) {
  const c = card.counts;
  const below = card.y < window.innerHeight / 2;
  const left = Math.max(8, Math.min(card.x - 12, window.innerWidth - 488));
  const text = card.label.length > MAX_CARD_TEXT ? `${card.label.slice(0, MAX_CARD_TEXT)}…` : card.label;
  return (
    <div
      className="tooltip"
      role="tooltip"
      style={{
        left,
        top: below ? card.y + 16 : undefined,
        bottom: below ? undefined : window.innerHeight - card.y + 12,
      }}
    >
      <div className="tooltip-cmd">{text}</div>
      <div className="tooltip-grid">
        <span>Layer</span>
        <span>{card.depth}</span>
        <span>Size</span>
        <span>{formatBytes(card.size)}</span>
        <span>Entries</span>
        <span>{formatCount(card.entries)}</span>
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
        <span className="mono">{shortDigest(card.chainId)}</span>
        {card.tags.length > 0 && (
          <>
            <span>Tags</span>
            <span>{card.tags.join(', ')}</span>
          </>
        )}
      </div>
    </div>
  );
}
