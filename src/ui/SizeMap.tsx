/**
 * A treemap of the merged filesystem at the selected layer: area by size, colour by the layer that
 * last wrote each file. Clicking a directory zooms into it (asking the worker for that part),
 * clicking a file selects it. The worker sends only each directory's biggest children, so a huge
 * image draws as fast as a small one. d3 computes the layout; React renders it.
 */
import { hierarchy, interpolateTurbo, treemap, treemapSquarify } from 'd3';
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useExplorer } from '../store';
import { query } from '../store/client';
import { revealPath } from '../store/placement';
import type { SizeNode } from '../worker/protocol';
import { formatBytes, visible } from './format';
import { SizeMapLegend } from './SizeMapLegend';
import { useQuery } from './useQuery';

/** Drawn at the panel's own width (so labels keep their size), this tall for a width. */
const ASPECT = 0.5;
const HEAD = 15;

/** A leaf standing for the children the worker left out. */
interface Tile {
  node: SizeNode | null;
  name: string;
  size: number;
  children?: Tile[];
}

function toTile(n: SizeNode): Tile {
  const children: Tile[] | undefined = n.children
    ? n.children
        .map(toTile)
        .concat(
          n.otherCount > 0 && n.otherSize > 0
            ? [{ node: null, name: `${n.otherCount} more`, size: n.otherSize }]
            : [],
        )
    : undefined;
  return {
    node: n,
    name: n.name,
    size: children?.length ? 0 : n.size,
    children: children?.length ? children : undefined,
  };
}

function layerColour(layer: number, layers: number): string {
  return interpolateTurbo(0.12 + 0.76 * (layers > 1 ? layer / (layers - 1) : 0.5));
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export function SizeMap() {
  const image = useExplorer((s) => s.selection.image);
  const layer = useExplorer((s) => s.selection.layer);
  const layers = useExplorer((s) => s.archive?.images[s.selection.image]?.layers.length ?? 0);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const [root, setRoot] = useState('/');
  const svgRef = useRef<SVGSVGElement | null>(null);
  const [width, setWidth] = useState(320);
  const height = Math.round(Math.max(120, Math.min(260, width * ASPECT)));
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(120, Math.round(el.clientWidth))));
    observer.observe(el);
    return () => observer.disconnect();
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: another image starts at its root
  useEffect(() => setRoot('/'), [image]);

  const sizes = useQuery(
    ready
      ? () => query('sizeMap', { image, layer, path: root, depth: 2, maxChildren: 40, maxNodes: 600 })
      : null,
    [image, layer, root, ready],
  );
  // the directory is not there at this layer: show the root instead
  const missingDir = sizes.error !== null && root !== '/';
  useEffect(() => {
    if (missingDir) setRoot('/');
  }, [missingDir]);
  const error = missingDir ? null : sizes.error;

  const current = sizes.data ?? null;
  const tiles = useMemo(() => {
    if (!current) return [];
    const h = hierarchy<Tile>(toTile(current), (t) => t.children)
      .sum((t) => t.size)
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
    const laid = treemap<Tile>()
      .tile(treemapSquarify)
      .size([width, height])
      .paddingTop(HEAD)
      .paddingInner(1)
      .round(true)(h);
    return laid.descendants().filter((d) => d.depth > 0);
  }, [current, width, height]);

  if (!ready) return null;
  const open = (n: SizeNode) => {
    if (n.type === 'dir' && n.childCount > 0) setRoot(n.path);
    else void revealPath(n.path);
  };
  const onKey = (e: KeyboardEvent, n: SizeNode) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(n);
    }
  };
  const crumbs =
    root === '/'
      ? ['/']
      : [
          '/',
          ...root
            .split('/')
            .filter(Boolean)
            .map((_, i, all) => `/${all.slice(0, i + 1).join('/')}`),
        ];

  return (
    <figure className="panel size-map" aria-label="Size map">
      <header className="panel-head">
        <h2>Size map</h2>
        <nav className="crumbs small mono" aria-label="Size map path">
          {crumbs.map((c) => (
            <button
              key={c}
              type="button"
              className="link-btn"
              onClick={() => setRoot(c)}
              aria-current={c === root ? 'location' : undefined}
            >
              {c === '/' ? '/' : visible(c.slice(c.lastIndexOf('/') + 1))}
            </button>
          ))}
        </nav>
        <span className="grow" />
        <button
          type="button"
          className="btn small"
          disabled={root === '/'}
          onClick={() => setRoot(parentOf(root))}
        >
          Up
        </button>
      </header>
      {error && <p className="c-error small viewer-note">{visible(error)}</p>}
      <svg
        className="size-map-svg"
        ref={svgRef}
        viewBox={`0 0 ${width} ${height}`}
        role="group"
        aria-label={`Sizes below ${visible(root)}`}
      >
        {tiles.map((d) => {
          const n = d.data.node;
          const w = d.x1 - d.x0;
          const h = d.y1 - d.y0;
          if (w < 1 || h < 1) return null;
          const isDir = !!d.children;
          const label = n
            ? `${visible(n.name)}, ${formatBytes(n.size)}, ${n.type === 'dir' ? 'directory' : `layer ${n.layer}`}`
            : `${d.data.name}, ${formatBytes(d.data.size)}`;
          const fill = !isDir && n ? layerColour(n.layer, layers) : undefined;
          const body = (
            <>
              <title>{label}</title>
              <rect width={w} height={h} fill={fill} />
              {w > 34 && h > 11 && (
                <text x={3} y={11} className="sm-label">
                  {visible(d.data.name).slice(0, Math.floor(w / 6.2))}
                </text>
              )}
            </>
          );
          const at = `translate(${d.x0},${d.y0})`;
          // below the first level: a preview of what a directory holds; clicks go to the directory
          if (!n || d.depth > 1)
            return (
              <g
                key={n ? n.path : `${d.parent?.data.node?.path}-other`}
                transform={at}
                className={`sm-tile sm-inner${isDir ? ' sm-dir' : ''}${n ? '' : ' sm-other'}`}
              >
                {body}
              </g>
            );
          return (
            <g
              key={n.path}
              transform={at}
              className={`sm-tile${isDir ? ' sm-dir' : ''}`}
              role="button"
              tabIndex={0}
              aria-label={label}
              onClick={(e) => {
                e.stopPropagation();
                open(n);
              }}
              onKeyDown={(e) => onKey(e, n)}
            >
              {body}
            </g>
          );
        })}
      </svg>
      <SizeMapLegend colour={layerColour} />
    </figure>
  );
}
