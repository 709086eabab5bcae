/**
 * The Packages view's own slice: which package is selected (per archive session and image) and a
 * counter that asks the view to bring it into sight, as a file's "Show in Packages" does.
 */
import { createStore, useStore } from 'zustand';
import { getState as getExplorer, requestPane } from './index';

export interface PackagesUiState {
  selected: { session: number; image: number; id: number } | null;
  /** Bumped when something outside the view selects a package: the view scrolls to it. */
  revealSeq: number;
}

const packagesStore = createStore<PackagesUiState>()(() => ({ selected: null, revealSeq: 0 }));

export function usePackagesUi<T>(selector: (state: PackagesUiState) => T): T {
  return useStore(packagesStore, selector);
}

/** The selected package of the image shown, or null (a selection of another archive or image does not count). */
export function selectedPackageId(state: PackagesUiState, session: number, image: number): number | null {
  const s = state.selected;
  return s && s.session === session && s.image === image ? s.id : null;
}

export function selectPackage(id: number | null, reveal = false): void {
  const { session, selection } = getExplorer();
  packagesStore.setState((s) => ({
    selected: id === null ? null : { session: session.id, image: selection.image, id },
    revealSeq: reveal ? s.revealSeq + 1 : s.revealSeq,
  }));
  if (reveal) requestPane('summary');
}
