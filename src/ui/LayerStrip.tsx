/**
 * The layer tree of an archive with one image: nothing branches, so instead of repeating the
 * Layers list it draws the layers left to right, each as wide as a fixed part plus its share of
 * the bytes: where the image's weight is, at a glance, with the tags where the image ends. Zoom
 * is semantic: positions scale, text does not; a wider layer shows its index, then its command and
 * size, and zoomed out, narrow neighbours fold into one run.
 */
import { zoomIdentity } from 'd3';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { selectLayer, useExplorer } from '../store';
import { secretLayerCounts, useSecretsUi } from '../store/secrets';
import { formatBytes, layerLabel, plural } from './format';
import { foldStrip, layoutStrip, type StripLayer, stripDetail } from './layerStripLayout';
import {
  type HoverCard,
  measure,
  nodeName,
  TreeFrame,
  TreeHoverCard,
  tagTexts,
  usePanZoom,
} from './layerViewParts';

const PAD = 10;
const BAR_Y = 10;
const BAR_H = 34;
const TAG_FONT = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export function LayerStrip() {
  const image = useExplorer((s) => s.archive?.images[0]);
  const layerTree = useExplorer((s) => s.archive?.layerTree);
  const blobs = useExplorer((s) => s.blobs);
  const counts = useExplorer((s) => s.stats[0]?.counts);
  const selected = useExplorer((s) => s.selection.layer);
  const sessionId = useExplorer((s) => s.session.id);
  // the Secrets scan's findings per layer (as the Layers list shows them), once it has run
  const secretCounts = useSecretsUi((s) => secretLayerCounts(s, sessionId, 0));
  const svgRef = useRef<SVGSVGElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const userMoved = useRef(false);
  const { panZoom, transform } = usePanZoom(svgRef, 0.1, 12, () => {
    userMoved.current = true;
  });
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number | null>(null);
  const nodeRefs = useRef(new Map<number, SVGGElement>());

  const layers = image?.layers ?? [];
  const sizes = layers.map((l) => blobs[l.blob]?.sizeBytes ?? null);
  const sizesKey = sizes.join(',');
  const tipNode = layerTree?.find((n) => n.chainId === layers[layers.length - 1]?.chainId);
  const tags = useMemo(() => (tipNode && image ? tagTexts(tipNode, [image]) : []), [tipNode, image]);
  const tagsWidth = tags.reduce((w, t) => w + measure(t, TAG_FONT) + 20, 0);
  const room = Math.max(120, width - 2 * PAD - tagsWidth);
  // biome-ignore lint/correctness/useExhaustiveDependencies: sizesKey stands for sizes
  const strip = useMemo(() => layoutStrip(sizes, room), [sizesKey, room]);
  const k = transform.k;
  const items = useMemo(() => foldStrip(strip.layers, k, selected), [strip, k, selected]);

  useEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (wrap.clientWidth > 0) setWidth(wrap.clientWidth);
    });
    ro.observe(wrap);
    return () => ro.disconnect();
  }, []);

  const fitK = strip.total > 0 ? Math.min(1, room / strip.total) : 1;
  const fitStrip = useCallback(
    (animate: boolean) =>
      panZoom.current?.setTransform(zoomIdentity.translate(0, 0).scale(fitK), animate ? 250 : 0),
    [fitK, panZoom],
  );
  const fittedFor = useRef('');
  useEffect(() => {
    const key = `${sessionId}:${width}:${layers.length}`;
    if (!width || fittedFor.current === key || userMoved.current) return;
    fittedFor.current = key;
    fitStrip(false);
  }, [sessionId, width, layers.length, fitStrip]);

  // Keep the selected layer in view (a click in the Layers list, a keyboard move).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the selection moves
  useEffect(() => {
    const l = strip.layers[selected];
    if (!l || !width || !panZoom.current) return;
    const left = transform.x + PAD + l.x * k;
    const right = left + l.width * k;
    if (left >= 0 && right <= width) return;
    panZoom.current.panBy((left < 0 ? -left + PAD : width - right - PAD) / k, 0);
  }, [selected]);

  if (!image) return null;
  const x0 = transform.x + PAD;
  const at = (l: StripLayer) => x0 + l.x * k;
  const last = strip.layers[strip.layers.length - 1];
  const endX = last ? at(last) + last.width * k + 8 : PAD;

  const choose = (index: number) => selectLayer(index, 0);
  const onKey = (e: KeyboardEvent<SVGGElement>, index: number) => {
    let to: number | null = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') to = index + 1;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') to = index - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = layers.length - 1;
    else if (e.key === 'Enter' || e.key === ' ') to = index;
    else if (e.key === '+' || e.key === '=') panZoom.current?.zoomBy(1.3);
    else if (e.key === '-') panZoom.current?.zoomBy(1 / 1.3);
    if (to === null) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(layers.length - 1, to));
    choose(next);
    requestAnimationFrame(() => nodeRefs.current.get(next)?.focus({ preventScroll: true }));
  };

  const svgBox = svgRef.current?.getBoundingClientRect();
  const hovered = hover !== null ? strip.layers[hover] : undefined;
  const card: HoverCard | null =
    hovered && svgBox
      ? {
          depth: hovered.index,
          label: layerLabel(layers[hovered.index]?.createdBy, layers[hovered.index]?.comment),
          size: sizes[hovered.index],
          entries: blobs[layers[hovered.index]?.blob]?.entries ?? null,
          counts: counts?.[hovered.index] ?? null,
          chainId: layers[hovered.index]?.chainId ?? '',
          tags: hovered.index === layers.length - 1 ? tags : [],
          x: svgBox.left + at(hovered) + Math.min(40, (hovered.width * k) / 2),
          y: svgBox.top + BAR_Y + BAR_H,
        }
      : null;
  const level = k < fitK * 0.99 ? 'overview' : k > fitK * 1.6 ? 'detail' : 'normal';

  return (
    <TreeFrame
      count={`${plural(layers.length, 'layer', 'layers')}, as wide as their bytes`}
      onZoom={(f) => {
        userMoved.current = true;
        panZoom.current?.zoomBy(f);
      }}
      onFit={() => fitStrip(true)}
      level={level}
      strip
    >
      <div className="tree-canvas strip-canvas" ref={wrapRef}>
        <svg ref={svgRef} className="tree-svg" role="presentation">
          <line className="strip-lane" x1={x0} x2={endX} y1={BAR_Y + BAR_H / 2} y2={BAR_Y + BAR_H / 2} />
          {items.map((item) => {
            if (item.kind === 'run') {
              const first = item.layers[0];
              const end = item.layers[item.layers.length - 1];
              const x = at(first);
              const w = Math.max(6, end.x + end.width - first.x) * k;
              const bytes = item.layers.reduce((sum, l) => sum + (sizes[l.index] ?? 0), 0);
              const text = `${item.layers.length}`;
              return (
                <g
                  key={`run${first.index}`}
                  className="strip-run"
                  role="button"
                  tabIndex={-1}
                  aria-label={`${text} layers, ${first.index} to ${end.index}, ${formatBytes(bytes)}, folded`}
                  onClick={() => {
                    userMoved.current = true;
                    const kk = FOLD_TARGET / Math.max(1, Math.min(...item.layers.map((l) => l.width)));
                    panZoom.current?.setTransform(
                      zoomIdentity
                        .translate(width / 2 - PAD - (first.x + (end.x - first.x) / 2) * kk, 0)
                        .scale(kk),
                      250,
                    );
                  }}
                >
                  <rect
                    className="strip-bar"
                    x={x}
                    y={BAR_Y + 6}
                    width={Math.max(2, w - 2)}
                    height={BAR_H - 12}
                    rx={4}
                  />
                  {w >= 16 && (
                    <text
                      className="strip-run-label"
                      x={x + w / 2}
                      y={BAR_Y + BAR_H / 2}
                      textAnchor="middle"
                      dominantBaseline="central"
                    >
                      {text}
                    </text>
                  )}
                </g>
              );
            }
            const l = item.layer;
            const layer = layers[l.index];
            const x = at(l);
            const w = l.width * k;
            const detail = stripDetail(w);
            const label = layerLabel(layer?.createdBy, layer?.comment);
            const isTip = l.index === layers.length - 1;
            const c = counts?.[l.index] ?? null;
            const isSelected = l.index === selected;
            const secrets = secretCounts?.[l.index] ?? 0;
            return (
              <g
                key={l.index}
                ref={(el) => {
                  if (el) nodeRefs.current.set(l.index, el);
                  else nodeRefs.current.delete(l.index);
                }}
                className={`strip-node${isSelected ? ' selected' : ''}`}
                role="button"
                aria-label={nodeName(
                  l.index,
                  label,
                  isTip ? tags : [],
                  sizes[l.index],
                  c,
                  detail !== 'label',
                  secrets,
                )}
                aria-pressed={isSelected}
                tabIndex={isSelected ? 0 : -1}
                onClick={() => choose(l.index)}
                onKeyDown={(e) => onKey(e, l.index)}
                onMouseEnter={() => setHover(l.index)}
                onMouseLeave={() => setHover((h) => (h === l.index ? null : h))}
                onFocus={() => setHover(l.index)}
                onBlur={() => setHover((h) => (h === l.index ? null : h))}
              >
                <rect
                  className="strip-bar"
                  x={x}
                  y={BAR_Y}
                  width={Math.max(2, w - 2)}
                  height={BAR_H}
                  rx={5}
                />
                {/* DOM order = the accessible name's order: command (or index), tags, size */}
                {detail === 'index' && (
                  <text
                    className="strip-index"
                    x={x + (w - 2) / 2}
                    y={BAR_Y + BAR_H / 2}
                    textAnchor="middle"
                    dominantBaseline="central"
                  >
                    {`Layer ${l.index}`.slice(w >= 56 ? 0 : 6)}
                  </text>
                )}
                {detail === 'label' && (
                  <foreignObject x={x + 6} y={BAR_Y} width={Math.max(10, w - 14)} height={BAR_H}>
                    <div className="strip-label">{label}</div>
                  </foreignObject>
                )}
                {/* axe joins the visible texts without spaces: this keeps them words apart */}{' '}
                {isTip &&
                  tags.map((t, i) => (
                    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a pill is not focusable; the tags are in the node's name, so its visible text stays one run of that name
                    <g key={t} className={tipNode?.tags.length ? 'tag' : 'tag untagged'} aria-hidden="true">
                      <rect
                        x={endX + tags.slice(0, i).reduce((sum, u) => sum + measure(u, TAG_FONT) + 20, 0)}
                        y={BAR_Y + BAR_H / 2 - 9}
                        width={measure(t, TAG_FONT) + 14}
                        height={18}
                        rx={9}
                      />
                      <text
                        x={
                          endX +
                          tags.slice(0, i).reduce((sum, u) => sum + measure(u, TAG_FONT) + 20, 0) +
                          (measure(t, TAG_FONT) + 14) / 2
                        }
                        y={BAR_Y + BAR_H / 2}
                        textAnchor="middle"
                        dominantBaseline="central"
                      >
                        {t}
                      </text>
                    </g>
                  ))}
                {detail === 'label' && (
                  <text className="strip-size" x={x} y={BAR_Y + BAR_H + 12} dominantBaseline="central">
                    {formatBytes(sizes[l.index])}
                  </text>
                )}
                {/* axe joins the visible texts without spaces: this keeps the count a word of its own */}
                {secrets > 0 && ' '}
                {secrets > 0 && (
                  // last in the DOM, as in the name (right after the size); drawn on the bar's top-right
                  // corner, inside it where the bar is wide enough
                  <g
                    className="strip-secrets"
                    transform={`translate(${x + Math.max(2, w - 2) - (w > 30 ? 10 : 1)} ${BAR_Y + 1})`}
                  >
                    <circle r={secrets > 9 ? 9 : 7.5} />
                    <text y={0.5} textAnchor="middle" dominantBaseline="central">
                      {secrets > 99 ? '99+' : secrets}
                    </text>
                  </g>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      {card && <TreeHoverCard card={card} />}
    </TreeFrame>
  );
}

/** A folded run, clicked, zooms until its narrowest layer is this wide: each shows its index. */
const FOLD_TARGET = 30;
