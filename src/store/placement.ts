/**
 * Where the selection goes when something other than a click decides: a deep link once the
 * archive's images are known, or a path asked for from elsewhere (inefficient files, search).
 */
import { isStale, query } from './client';
import { ALL_CHANGES, expandAncestors, getState, setState } from './index';

/** The image to show first: the one with the most layers (the most to see), the first of equals. */
function defaultImage(images: { layers: unknown[] }[]): number {
  let best = 0;
  images.forEach((img, i) => {
    if (img.layers.length > images[best].layers.length) best = i;
  });
  return best;
}

/** Once images are known: the deep link's place if it fits this archive, else the first image's top layer. */
export function placeSelection(): void {
  const s = getState();
  const images = s.archive?.images ?? [];
  if (images.length === 0) return;
  const link = s.pendingLink ?? {};
  const image = link.image !== undefined && link.image < images.length ? link.image : defaultImage(images);
  const layers = images[image].layers.length;
  const layer = link.layer !== undefined && link.layer < layers ? link.layer : Math.max(0, layers - 1);
  setState({
    selection: { image, layer, path: link.path ?? null },
    view: { ...s.view, mode: link.mode ?? s.view.mode },
    pendingLink: null,
    revealSeq: s.revealSeq + (link.path ? 1 : 0),
  });
  if (link.path) expandAncestors(link.path);
}

/**
 * Shows `path` where it last existed: the last layer that added or changed it, in the merged view,
 * with its directories opened and the row scrolled into view.
 */
export async function jumpToPath(path: string): Promise<void> {
  const s = getState();
  const image = s.selection.image;
  const top = (s.archive?.images[image]?.layers.length ?? 1) - 1;
  let layer = s.selection.layer;
  try {
    const d = await query('details', { image, layer: top, mode: 'merged', path });
    const steps = d?.timeline ?? [];
    const written = steps.filter((t) => t.change !== 'removed');
    if (written.length) layer = written[written.length - 1].layer;
  } catch (error) {
    // without its history the path is still shown, at the layer already selected
    if (isStale(error)) return;
  }
  const cur = getState();
  setState({
    selection: { image, layer, path },
    // filters could hide it: the user asked to see this file
    view: { ...cur.view, mode: 'merged', filter: '', changes: { ...ALL_CHANGES } },
    revealSeq: cur.revealSeq + 1,
  });
  expandAncestors(path);
}
