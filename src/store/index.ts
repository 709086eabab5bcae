/**
 * One zustand store of small slices: the reading session, the archive summary (no entry lists),
 * the selection, the file view's settings, and small query results (per-image stats, the selected
 * file's details). Actions that talk to the worker live next to it: opening.ts, verify.ts, loaders.ts,
 * placement.ts; hashSync.ts wires the store to the address bar.
 */
import { createStore, useStore } from 'zustand';
import type {
  ArchiveSummary,
  BlobSummary,
  ChangeFilter,
  DiffType,
  FileDetails,
  FileViewSpec,
  ImageStats,
  OpenProgress,
  SortKey,
  VerifyProgress,
  VerifyResult,
  ViewMode,
} from '../worker/protocol';
import type { DeepLink } from './hash';

export type Phase = 'idle' | 'loading' | 'reading' | 'done' | 'failed' | 'cancelled';

export interface SessionState {
  id: number;
  name: string;
  size: number;
  /** The http(s) address the archive is read from; null for a local file. */
  url: string | null;
  /** The built-in sample (a reload re-opens it). */
  sample: boolean;
  /** While a server without Range support is downloaded whole, before reading starts. */
  download: { received: number; total: number | null } | null;
  phase: Phase;
  progress: OpenProgress | null;
  /** performance.now() when the file was handed to the page. */
  startedAt: number;
  /** From handing the file over to "Indexed". */
  elapsedMs: number | null;
  entries: number | null;
  /** The worker's own time from receiving the file to the full index. */
  workerMs: number | null;
  errors: string[];
  warnings: string[];
  /** Why reading stopped, when it did not finish. */
  fatal: string | null;
  /** The index came from this device's saved copy instead of reading the archive. */
  fromSavedIndex: boolean;
  /** The key of this archive's saved index, when it has one (restored or just saved). */
  savedIndexKey: string | null;
}

export interface Selection {
  image: number;
  layer: number;
  path: string | null;
}

/** Which directories are open: all or none by default, `toggled` lists the exceptions. */
export interface Expansion {
  expandAll: boolean;
  toggled: string[];
}

export interface ViewState {
  mode: ViewMode;
  sort: SortKey;
  filter: string;
  regex: boolean;
  changes: ChangeFilter;
  /** Per mode: a layer's own changes are few and open by default; the merged filesystem starts closed. */
  expansion: Record<ViewMode, Expansion>;
}

/**
 * Another archive being opened while one is shown: the shown one stays until the new one's images
 * are known, so that a file that is not an archive (or is cut short before its manifest) leaves
 * the open archive as it was.
 */
export interface IncomingArchive {
  id: number;
  name: string;
  size: number;
  progress: OpenProgress | null;
}

/** Why the last archive asked for did not open (the one shown, if any, is still the old one). */
export interface OpenError {
  id: number;
  name: string;
  message: string;
  /** The archive still shown, if one is. */
  kept: string | null;
}

/** Verify: every blob and config hashed and compared with what the archive claims. */
export interface VerifyState {
  phase: 'running' | 'done' | 'failed';
  progress: VerifyProgress | null;
  result: VerifyResult | null;
  error: string | null;
}

export interface ExplorerState {
  session: SessionState;
  archive: ArchiveSummary | null;
  blobs: Record<string, BlobSummary>;
  /** Images whose layers are all indexed (their files can be queried). */
  ready: Record<number, true>;
  stats: Record<number, ImageStats>;
  selection: Selection;
  view: ViewState;
  details: { key: string; data: FileDetails | null; error: string | null } | null;
  /** Bumped to ask the Files tree to scroll the selected path into view. */
  revealSeq: number;
  /**
   * A pane a key asked to see (on a narrow screen only one pane shows): the workspace switches to
   * it, so Tab, Ctrl+K and `/` reach what they name wherever the layout has put it.
   */
  paneRequest: { pane: 'layers' | 'files' | 'summary'; seq: number } | null;
  /** What the last jump had to change to show its target (another view, layer or filters), said once. */
  notice: { text: string; seq: number } | null;
  /** A deep link waiting for its archive. */
  pendingLink: DeepLink | null;
  /** The current archive's Verify run, if one was asked for. */
  verify: VerifyState | null;
  incoming: IncomingArchive | null;
  openError: OpenError | null;
}

export const ALL_CHANGES: ChangeFilter = { added: true, modified: true, removed: true, unmodified: true };

export function initialSession(): SessionState {
  return {
    id: 0,
    name: '',
    size: 0,
    url: null,
    sample: false,
    download: null,
    phase: 'idle',
    progress: null,
    startedAt: 0,
    elapsedMs: null,
    entries: null,
    workerMs: null,
    errors: [],
    warnings: [],
    fatal: null,
    fromSavedIndex: false,
    savedIndexKey: null,
  };
}

export function initialState(): ExplorerState {
  return {
    session: initialSession(),
    archive: null,
    blobs: {},
    ready: {},
    stats: {},
    selection: { image: 0, layer: 0, path: null },
    view: {
      mode: 'changes',
      sort: 'name',
      filter: '',
      regex: false,
      changes: { ...ALL_CHANGES },
      expansion: { changes: { expandAll: true, toggled: [] }, merged: { expandAll: false, toggled: [] } },
    },
    details: null,
    revealSeq: 0,
    paneRequest: null,
    notice: null,
    pendingLink: null,
    verify: null,
    incoming: null,
    openError: null,
  };
}

export const store = createStore<ExplorerState>()(() => initialState());

export function useExplorer<T>(selector: (state: ExplorerState) => T): T {
  return useStore(store, selector);
}

export const getState = store.getState;
export const setState = store.setState;

// ---------------------------------------------------------------------------------------------
// Derived values.

export function fileViewSpec(s: ExplorerState): FileViewSpec {
  return {
    image: s.selection.image,
    layer: s.selection.layer,
    mode: s.view.mode,
    sort: s.view.sort,
    filter: s.view.filter,
    regex: s.view.regex,
    changes: s.view.changes,
    expandAll: s.view.expansion[s.view.mode].expandAll,
    toggled: s.view.expansion[s.view.mode].toggled,
  };
}

export function detailsKey(s: ExplorerState): string | null {
  if (s.selection.path === null) return null;
  return `${s.session.id}|${s.selection.image}|${s.selection.layer}|${s.view.mode}|${s.selection.path}`;
}

/** The layer count of the selected image (0 without an archive). */
export function layerCount(s: ExplorerState, image = s.selection.image): number {
  return s.archive?.images[image]?.layers.length ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Local actions (no worker involved).

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

export function selectImage(image: number): void {
  const s = getState();
  const images = s.archive?.images ?? [];
  if (image < 0 || image >= images.length || image === s.selection.image) return;
  // keep the same depth when the new image has it (shared prefixes), else its top layer
  const layers = images[image].layers.length;
  const sameChain = images[s.selection.image]?.layers[s.selection.layer]?.chainId;
  const layer =
    sameChain && images[image].layers[s.selection.layer]?.chainId === sameChain
      ? s.selection.layer
      : layers - 1;
  setState({ selection: { image, layer: Math.max(0, layer), path: s.selection.path } });
}

export function selectLayer(layer: number, image?: number): void {
  const s = getState();
  const img = image ?? s.selection.image;
  const n = layerCount(s, img);
  if (n === 0) return;
  setState({ selection: { image: img, layer: clamp(layer, 0, n - 1), path: s.selection.path } });
}

export function requestPane(pane: 'layers' | 'files' | 'summary'): void {
  const seq = (getState().paneRequest?.seq ?? 0) + 1;
  setState({ paneRequest: { pane, seq } });
}

export function selectPath(path: string | null, reveal = false): void {
  const s = getState();
  setState({ selection: { ...s.selection, path }, revealSeq: reveal ? s.revealSeq + 1 : s.revealSeq });
}

export function setMode(mode: ViewMode): void {
  setState((s) => ({ view: { ...s.view, mode } }));
}

export function setSort(sort: SortKey): void {
  setState((s) => ({ view: { ...s.view, sort } }));
}

function withExpansion(view: ViewState, next: Expansion, both = false): ViewState {
  const expansion = both ? { changes: next, merged: next } : { ...view.expansion, [view.mode]: next };
  return { ...view, expansion };
}

export function setFilter(filter: string): void {
  setState((s) => {
    // typing a filter opens the tree so that matches show; clearing it keeps what is open
    const opening = filter !== '' && s.view.filter === '';
    const view = { ...s.view, filter };
    return { view: opening ? withExpansion(view, { expandAll: true, toggled: [] }, true) : view };
  });
}

export function setRegex(regex: boolean): void {
  setState((s) => ({ view: { ...s.view, regex } }));
}

export function toggleChange(change: DiffType): void {
  setState((s) => {
    const view = { ...s.view, changes: { ...s.view.changes, [change]: !s.view.changes[change] } };
    const narrowing = !view.changes[change];
    return { view: narrowing ? withExpansion(view, { expandAll: true, toggled: [] }, true) : view };
  });
}

export function expandAll(): void {
  setState((s) => ({ view: withExpansion(s.view, { expandAll: true, toggled: [] }) }));
}

export function collapseAll(): void {
  setState((s) => ({ view: withExpansion(s.view, { expandAll: false, toggled: [] }) }));
}

export function currentExpansion(view: ViewState): Expansion {
  return view.expansion[view.mode];
}

export function isExpanded(view: ViewState, path: string): boolean {
  const e = currentExpansion(view);
  return e.expandAll !== e.toggled.includes(path);
}

export function setExpanded(path: string, open: boolean): void {
  setState((s) => {
    if (isExpanded(s.view, path) === open) return {};
    const e = currentExpansion(s.view);
    const has = e.toggled.includes(path);
    const toggled = has ? e.toggled.filter((p) => p !== path) : [...e.toggled, path];
    return { view: withExpansion(s.view, { expandAll: e.expandAll, toggled }) };
  });
}

/** Opens every ancestor directory of `path` so that its row exists. */
export function expandAncestors(path: string): void {
  setState((s) => {
    const e = currentExpansion(s.view);
    const toggled = new Set(e.toggled);
    let changed = false;
    let i = path.indexOf('/', 1);
    while (i > 0) {
      const dir = path.slice(0, i);
      const open = e.expandAll !== toggled.has(dir);
      if (!open) {
        if (toggled.has(dir)) toggled.delete(dir);
        else toggled.add(dir);
        changed = true;
      }
      i = path.indexOf('/', i + 1);
    }
    return changed ? { view: withExpansion(s.view, { expandAll: e.expandAll, toggled: [...toggled] }) } : {};
  });
}
