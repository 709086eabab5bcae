/**
 * Which layers of which images a search walks. The image shown goes first; each other image starts
 * above the lower layers it shares with an image searched before it (same chain ID: the same
 * filesystem up to there), so a shared layer is searched, and its hits listed, once.
 */
export interface PlanLayer {
  chainId: string;
}

export interface PlannedImage {
  image: number;
  /** The first layer searched in this image. */
  fromLayer: number;
  layerCount: number;
  /** The image searched before whose layers below `fromLayer` are these; null when none are shared. */
  sharesWith: number | null;
}

function sharedPrefix(a: readonly PlanLayer[], b: readonly PlanLayer[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n].chainId === b[n].chainId) n++;
  return n;
}

export function searchPlan(
  images: readonly { layers: readonly PlanLayer[] }[],
  first: number,
): PlannedImage[] {
  const order = images.map((_, i) => i);
  if (first >= 0 && first < images.length) order.unshift(...order.splice(first, 1));
  const plan: PlannedImage[] = [];
  for (const image of order) {
    const layers = images[image].layers;
    let fromLayer = 0;
    let sharesWith: number | null = null;
    for (const done of plan) {
      const n = sharedPrefix(layers, images[done.image].layers);
      if (n > fromLayer) {
        fromLayer = n;
        sharesWith = done.image;
      }
    }
    plan.push({ image, fromLayer, layerCount: layers.length, sharesWith });
  }
  return plan;
}

/** Layers walked in all: each shared layer counted once. */
export function layersSearched(plan: readonly PlannedImage[]): number {
  return plan.reduce((n, p) => n + (p.layerCount - p.fromLayer), 0);
}
