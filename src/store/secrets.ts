/**
 * What the Secrets view shares with the rest of the page: how many findings the last scan made in
 * each layer (the Layers list shows them), and the layer the view is narrowed to, which a click on
 * a layer's count sets. Both belong to one archive session and image; another's do not count.
 */
import { createStore, useStore } from 'zustand';
import { getState as getExplorer, requestPane } from './index';

export interface SecretsUiState {
  /** Findings per layer index (file findings only: config findings belong to no layer). */
  layerCounts: { session: number; image: number; counts: number[] } | null;
  layerFilter: { session: number; image: number; layer: number } | null;
  /** Bumped when something outside the view narrows it: the view scrolls into sight. */
  revealSeq: number;
}

const secretsStore = createStore<SecretsUiState>()(() => ({
  layerCounts: null,
  layerFilter: null,
  revealSeq: 0,
}));

export function useSecretsUi<T>(selector: (state: SecretsUiState) => T): T {
  return useStore(secretsStore, selector);
}

/** The counts of the image shown, or null while none was scanned. */
export function secretLayerCounts(state: SecretsUiState, session: number, image: number): number[] | null {
  const c = state.layerCounts;
  return c && c.session === session && c.image === image ? c.counts : null;
}

export function secretLayerFilter(state: SecretsUiState, session: number, image: number): number | null {
  const f = state.layerFilter;
  return f && f.session === session && f.image === image ? f.layer : null;
}

/** The scan's findings so far, counted per layer; called as they come in. */
export function setSecretLayerCounts(
  session: number,
  image: number,
  layers: readonly (number | null)[],
  layerCount: number,
): void {
  const counts = new Array<number>(layerCount).fill(0);
  for (const layer of layers) if (layer !== null && layer >= 0 && layer < layerCount) counts[layer]++;
  secretsStore.setState({ layerCounts: { session, image, counts } });
}

export function clearSecretLayerCounts(): void {
  secretsStore.setState({ layerCounts: null });
}

/** Narrows the Secrets view to one layer's findings (null: all), and brings it into sight. */
export function filterSecretsByLayer(layer: number | null, reveal = false): void {
  const { session, selection } = getExplorer();
  secretsStore.setState((s) => ({
    layerFilter: layer === null ? null : { session: session.id, image: selection.image, layer },
    revealSeq: reveal ? s.revealSeq + 1 : s.revealSeq,
  }));
  if (reveal) requestPane('summary');
}

export function getSecretsUi(): SecretsUiState {
  return secretsStore.getState();
}
