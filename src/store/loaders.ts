/** Small query results kept in the store: per-image stats and the selected file's details. */
import { messageOf } from '../core/errors';
import { isStale, query } from './client';
import { detailsKey, getState, setState, store } from './index';

export async function loadStats(image: number): Promise<void> {
  const s = getState();
  if (s.stats[image]) return;
  try {
    const stats = await query('imageStats', { image });
    setState((cur) => ({ stats: { ...cur.stats, [image]: stats } }));
  } catch (error) {
    // the summary shows its figures without the stats; nothing to tell the user beyond the console
    if (!isStale(error)) console.warn(error);
  }
}

/** Numbers the requests, so that only the latest one's answer lands when the selection moves fast. */
let detailsSeq = 0;

export async function loadDetails(): Promise<void> {
  const s = getState();
  const key = detailsKey(s);
  const path = s.selection.path;
  if (key === null || path === null || !s.ready[s.selection.image]) {
    if (s.details !== null && key === null) setState({ details: null });
    return;
  }
  if (s.details?.key === key) return;
  const seq = ++detailsSeq;
  try {
    const data = await query('details', {
      image: s.selection.image,
      layer: s.selection.layer,
      mode: s.view.mode,
      path,
    });
    if (seq === detailsSeq) setState({ details: { key, data, error: null } });
  } catch (error) {
    if (isStale(error)) return;
    if (seq === detailsSeq) setState({ details: { key, data: null, error: messageOf(error) } });
  }
}

/** Loads details and stats whenever what they depend on changes. */
export function installLoaders(): void {
  store.subscribe((s, prev) => {
    if (
      s.selection !== prev.selection ||
      s.view.mode !== prev.view.mode ||
      s.ready !== prev.ready ||
      s.session.id !== prev.session.id
    ) {
      void loadDetails();
    }
    if (
      (s.selection.image !== prev.selection.image || s.ready !== prev.ready) &&
      s.ready[s.selection.image]
    ) {
      void loadStats(s.selection.image);
    }
  });
}
