/**
 * The layer strip: a single image's layers left to right, each as wide as a fixed part plus its
 * share of the image's bytes, so the big layers stand out and the small ones stay clickable. The
 * widths are linear in the zoom factor (`width × k`), so d3-zoom's transform applies unchanged;
 * what changes with the factor is what each layer shows (semantic zoom), decided here too.
 */

/** Unzoomed width every layer gets, whatever its size. */
export const STRIP_MIN = 28;
/** Below this many pixels a layer folds with its narrow neighbours into one run. */
export const FOLD_BELOW = 12;

export interface StripLayer {
  index: number;
  /** Left edge and width before zoom. */
  x: number;
  width: number;
}

/** Unzoomed positions, filling `room` pixels when the layers fit in it at STRIP_MIN each. */
export function layoutStrip(sizes: (number | null)[], room: number): { layers: StripLayer[]; total: number } {
  const n = sizes.length;
  const sum = sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
  const spare = Math.max(room - n * STRIP_MIN, n * 12);
  let x = 0;
  const layers = sizes.map((size, index) => {
    const share = sum > 0 ? (size ?? 0) / sum : 1 / Math.max(1, n);
    const width = STRIP_MIN + share * spare;
    const l = { index, x, width };
    x += width;
    return l;
  });
  return { layers, total: x };
}

export type StripDetail = 'none' | 'index' | 'label';

/** What a layer `px` pixels wide shows: nothing, its index, or its command and size. */
export function stripDetail(px: number): StripDetail {
  return px >= 64 ? 'label' : px >= 22 ? 'index' : 'none';
}

export type StripItem = { kind: 'layer'; layer: StripLayer } | { kind: 'run'; layers: StripLayer[] };

/** At zoom `k`: layers narrower than FOLD_BELOW px next to each other fold into runs (except `keep`). */
export function foldStrip(layers: StripLayer[], k: number, keep: number): StripItem[] {
  const items: StripItem[] = [];
  let run: StripLayer[] = [];
  const flush = () => {
    if (run.length === 1) items.push({ kind: 'layer', layer: run[0] });
    else if (run.length > 1) items.push({ kind: 'run', layers: run });
    run = [];
  };
  for (const l of layers) {
    if (l.width * k < FOLD_BELOW && l.index !== keep) run.push(l);
    else {
      flush();
      items.push({ kind: 'layer', layer: l });
    }
  }
  flush();
  return items;
}
