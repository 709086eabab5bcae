/**
 * Pan and zoom of one SVG element, with d3-zoom (wheel, drag, pinch) behind a small object that
 * knows nothing of React, as xyflow's XYPanZoom wraps it: a component creates one for its element,
 * feeds it what to do (zoom by, move to, pan by) and hears each new transform through `onChange`.
 */
import { type D3ZoomEvent, select, type ZoomTransform, zoom, zoomIdentity } from 'd3';

export interface PanZoomOptions {
  minZoom: number;
  maxZoom: number;
  /** Every transform, from a gesture or from a call below. */
  onChange: (transform: ZoomTransform) => void;
  /** Called when a person (not a call below) starts moving or zooming. */
  onUserGesture?: () => void;
}

export interface PanZoom {
  transform(): ZoomTransform;
  zoomBy(factor: number, durationMs?: number): void;
  setTransform(transform: ZoomTransform, durationMs?: number): void;
  panBy(dx: number, dy: number, durationMs?: number): void;
  destroy(): void;
}

export function createPanZoom(element: SVGSVGElement, options: PanZoomOptions): PanZoom {
  const selection = select(element);
  let current: ZoomTransform = zoomIdentity;
  /**
   * The scale a zoom button's animation is heading for. A second press while it runs starts from
   * there, not from the half-way scale it has reached (the new transition interrupts the old one):
   * seven quick presses then zoom seven steps, however slowly the frames come.
   */
  let targetScale: number | null = null;
  const clampScale = (k: number) => Math.min(options.maxZoom, Math.max(options.minZoom, k));
  const behavior = zoom<SVGSVGElement, unknown>()
    .scaleExtent([options.minZoom, options.maxZoom])
    .on('start', (event: D3ZoomEvent<SVGSVGElement, unknown>) => {
      // a sourceEvent means a wheel, pointer or touch: a person, not one of the calls below
      if (event.sourceEvent) {
        targetScale = null;
        options.onUserGesture?.();
      }
    })
    .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => {
      current = event.transform;
      options.onChange(event.transform);
    });
  selection.call(behavior).on('dblclick.zoom', null);
  return {
    transform: () => current,
    zoomBy(factor, durationMs = 200) {
      const scale = clampScale((targetScale ?? current.k) * factor);
      if (durationMs > 0) {
        targetScale = scale;
        selection
          .transition()
          .duration(durationMs)
          .call(behavior.scaleTo, scale)
          .on('end', () => {
            if (targetScale === scale) targetScale = null;
          });
      } else {
        targetScale = null;
        selection.call(behavior.scaleTo, scale);
      }
    },
    setTransform(transform, durationMs = 0) {
      targetScale = null;
      if (durationMs > 0) selection.transition().duration(durationMs).call(behavior.transform, transform);
      else selection.call(behavior.transform, transform);
    },
    panBy(dx, dy, durationMs = 150) {
      targetScale = null;
      if (durationMs > 0) selection.transition().duration(durationMs).call(behavior.translateBy, dx, dy);
      else selection.call(behavior.translateBy, dx, dy);
    },
    destroy() {
      selection.interrupt();
      selection.on('.zoom', null);
    },
  };
}
