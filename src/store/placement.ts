/**
 * Where the selection goes when something other than a click decides: a deep link once the
 * archive's images are known, or a path asked for from elsewhere (inefficient files, search).
 */

import type { DiffType } from '../worker/protocol';
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

/** Whether the path filter (as the worker compiles it, fileView.ts) lets `path` through. */
function passesPathFilter(path: string, filter: string, regex: boolean): boolean {
  if (!filter) return true;
  if (!regex) return path.toLowerCase().includes(filter.toLowerCase());
  try {
    return new RegExp(filter).test(path);
  } catch {
    return true; // an invalid expression is ignored by the worker too
  }
}

export interface RevealOptions {
  /** The layer to show it at; the selected one when absent. */
  layer?: number;
  /** Show it at the last layer that wrote it (inefficient files: where the copy that stays is). */
  atLastWrite?: boolean;
}

/**
 * Every jump ends here: shows `path` in the Files tree, scrolled into view, its folders opened
 * and the row highlighted. When the current view cannot show it (not in this layer's Changes,
 * not in the merged filesystem at this layer, hidden by a filter), the view, the layer or the
 * filters change to one that does, and `notice` says what changed.
 */
export async function revealPath(path: string, options: RevealOptions = {}): Promise<void> {
  const s = getState();
  const image = s.selection.image;
  const top = (s.archive?.images[image]?.layers.length ?? 1) - 1;
  const fromLayer = s.selection.layer;
  const fromMode = s.view.mode;
  let layer = Math.min(top, Math.max(0, options.layer ?? fromLayer));
  let mode = fromMode;
  let reason = '';
  let change: DiffType | null = null;
  try {
    if (options.atLastWrite) {
      const d = await query('details', { image, layer: top, mode: 'merged', path });
      const written = (d?.timeline ?? []).filter((t) => t.change !== 'removed');
      if (written.length) layer = written[written.length - 1].layer;
      mode = 'merged';
      reason = 'the last layer that wrote it';
    }
    const d = await query('details', { image, layer, mode, path });
    if (d) {
      if (mode === 'changes' && !d.inChanges && d.inMerged) {
        mode = 'merged';
        reason = `layer ${layer} did not change it`;
      } else if (mode === 'merged' && !d.inMerged && d.inChanges) {
        mode = 'changes';
        reason = `layer ${layer} removed it`;
      } else if (!d.inChanges && !d.inMerged) {
        // Not at this layer at all: the last layer at or below that wrote it, else the first above.
        const writes = d.timeline.filter((t) => t.change !== 'removed');
        const before = writes.filter((t) => t.layer <= layer);
        const at = before.length ? before[before.length - 1] : writes[0];
        if (at) {
          reason = `it is not in layer ${layer}`;
          layer = at.layer;
          mode = 'merged';
        }
      }
    }
    const shown = await query('details', { image, layer, mode, path });
    change = shown?.node?.change ?? null;
  } catch (error) {
    // without its history the path is still shown, at the layer already selected
    if (isStale(error)) return;
  }
  const said: string[] = [];
  const modeName = mode === 'merged' ? 'Merged' : 'Changes';
  if (mode !== fromMode && layer !== fromLayer) said.push(`Switched to ${modeName} at layer ${layer}`);
  else if (mode !== fromMode) said.push(`Switched to ${modeName}`);
  else if (layer !== fromLayer) said.push(`Switched to layer ${layer}`);
  if (said.length && reason) said[0] += `: ${reason}`;
  const cur = getState();
  let view = { ...cur.view, mode };
  const hiddenByChanges = change !== null && !view.changes[change];
  if (hiddenByChanges || !passesPathFilter(path, view.filter, view.regex)) {
    view = { ...view, filter: '', changes: { ...ALL_CHANGES } };
    said.push('filters cleared to show it');
  }
  const seq = cur.revealSeq + 1;
  setState({
    selection: { image, layer, path },
    view,
    revealSeq: seq,
    notice: said.length ? { text: `${said.join('; ')}.`, seq } : null,
  });
  expandAncestors(path);
}

/**
 * Shows `path` where it last existed: the last layer that added or changed it, in the merged view,
 * with its directories opened and the row scrolled into view.
 */
export async function jumpToPath(path: string): Promise<void> {
  await revealPath(path, { atLastWrite: true });
}
