/**
 * Actions that talk to the worker: opening archives, routing the worker's events into the store,
 * fetching the selected file's details and per-image stats, and keeping the URL hash in step.
 */
import { ExplorerClient, StaleSessionError } from '../worker/client';
import type {
  ArchiveSummary,
  QueryArgs,
  QueryKind,
  QueryResult,
  SessionEvent,
  SourceSpec,
} from '../worker/protocol';
import { archiveUrl, type DeepLink, formatHash, isEmptyLink, parseHash } from './hash';
import {
  ALL_CHANGES,
  detailsKey,
  type ExplorerState,
  expandAncestors,
  getState,
  initialSession,
  setState,
  store,
} from './index';

let client: ExplorerClient | null = null;

export function getClient(): ExplorerClient {
  if (!client) client = new ExplorerClient();
  return client;
}

/** For tests: use another client (e.g. one over a fake worker). */
export function setClient(next: ExplorerClient): void {
  client?.dispose();
  client = next;
}

export function query<K extends QueryKind>(kind: K, args: QueryArgs<K>): Promise<QueryResult<K>> {
  return getClient().query(kind, args);
}

export function isStale(error: unknown): boolean {
  return error instanceof StaleSessionError;
}

// ---------------------------------------------------------------------------------------------
// Opening.

export function openFile(file: Blob, name = (file as File).name || 'archive.tar'): void {
  begin({ kind: 'file', file, name }, name, file.size, null);
}

/** The last path segment of an address, decoded, as a name to show ("archive" when there is none). */
export function nameOfUrl(url: string): string {
  const last = new URL(url).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last) || 'archive';
  } catch {
    return last || 'archive';
  }
}

/**
 * Opens an archive from an http(s) address (the server must allow cross-origin reads): the worker
 * reads it with Range requests, or downloads it whole when the server ignores Range.
 */
export function openUrl(address: string): void {
  const url = archiveUrl(address, document.baseURI);
  if (!url) {
    setState((s) => ({
      session: {
        ...initialSession(),
        id: s.session.id,
        phase: 'failed',
        fatal: `Not an http or https address: ${address}`,
      },
    }));
    return;
  }
  begin({ kind: 'url', url }, nameOfUrl(url), 0, url);
}

function begin(source: SourceSpec, name: string, size: number, url: string | null): void {
  const startedAt = performance.now();
  const link = getState().pendingLink ?? {};
  resetEventQueue();
  const id = getClient().open(source, (event) => enqueue(id, event));
  setState({
    session: { ...initialSession(), id, name, size, url, phase: 'reading', startedAt },
    archive: null,
    blobs: {},
    ready: {},
    stats: {},
    details: null,
    verify: null,
    pendingLink: isEmptyLink(link) ? null : link,
    selection: { image: 0, layer: 0, path: null },
  });
}

/** The sample is generated at build time next to index.html, so it is fetched relative to the page. */
export async function openSample(): Promise<void> {
  const startedAt = performance.now();
  setState((s) => ({
    session: { ...s.session, phase: 'loading', name: 'sample.tar', startedAt, fatal: null },
  }));
  try {
    const response = await fetch(new URL('sample/sample.tar', document.baseURI));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = await response.blob();
    openFile(blob, 'sample.tar');
  } catch (error) {
    setState((s) => ({
      session: {
        ...s.session,
        phase: 'failed',
        fatal: `Could not load the built-in sample (sample/sample.tar): ${error instanceof Error ? error.message : String(error)}`,
      },
    }));
  }
}

export function cancelOpen(): void {
  getClient().cancel();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Verify: the worker hashes every layer blob and config with SHA-256 and compares them with the
 * manifests and configs; progress goes to the status line, mismatches to an alert.
 */
export async function runVerify(): Promise<void> {
  const s = getState();
  if (!s.archive || s.verify?.phase === 'running') return;
  const id = s.session.id;
  setState({ verify: { phase: 'running', progress: null, result: null, error: null } });
  try {
    const result = await query('verify', {});
    const cur = getState();
    if (cur.session.id !== id) return;
    setState({ verify: { phase: 'done', progress: cur.verify?.progress ?? null, result, error: null } });
  } catch (error) {
    if (isStale(error) || getState().session.id !== id) return;
    setState({ verify: { phase: 'failed', progress: null, result: null, error: messageOf(error) } });
  }
}

function elapsed(s: ExplorerState): number {
  return performance.now() - s.session.startedAt;
}

function applyArchive(archive: ArchiveSummary): Partial<ExplorerState> {
  const blobs: ExplorerState['blobs'] = {};
  for (const b of archive.blobs) blobs[b.key] = b;
  // Images and the layer tree do not change once known: keep their identity so that nothing
  // that depends on them (the tree layout above all) is recomputed when the last layer lands.
  const prev = getState().archive;
  if (
    prev &&
    prev.images.length === archive.images.length &&
    prev.layerTree.length === archive.layerTree.length
  ) {
    return { archive: { ...archive, images: prev.images, layerTree: prev.layerTree }, blobs };
  }
  return { archive, blobs };
}

/**
 * Worker events are applied in small doses so the main thread stays free while the worker reads
 * (on two cores it competes with the worker): progress at most every PROGRESS_INTERVAL_MS (a
 * status line needs no more; at every frame, repainting it took a quarter of the main thread),
 * and at most one event that changes what is shown (images, a layer, an image ready, stats) per
 * task, since each can re-render whole panels.
 */
const PROGRESS_INTERVAL_MS = 200;
let queue: { id: number; event: SessionEvent }[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let flushAt = Number.POSITIVE_INFINITY;
let lastProgressAt = Number.NEGATIVE_INFINITY;

/** A new archive: its first progress shows at once, and nothing of the last one is still due. */
function resetEventQueue(): void {
  queue = [];
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  flushAt = Number.POSITIVE_INFINITY;
  lastProgressAt = Number.NEGATIVE_INFINITY;
}

function isProgress(event: SessionEvent): boolean {
  return event.type === 'progress' || event.type === 'download' || event.type === 'verifyProgress';
}

function scheduleFlush(delay: number): void {
  const at = performance.now() + delay;
  if (flushTimer !== null && flushAt <= at) return;
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushAt = at;
  flushTimer = setTimeout(flush, delay);
}

/** How long the next progress must wait for its interval (0: it is due). */
function progressDelay(): number {
  return Math.max(0, PROGRESS_INTERVAL_MS - (performance.now() - lastProgressAt));
}

function flush(): void {
  flushTimer = null;
  flushAt = Number.POSITIVE_INFINITY;
  const progressDue = progressDelay() === 0;
  // only the latest progress of a kind matters: where each kind last stands in the queue
  const latest = new Map<SessionEvent['type'], number>();
  queue.forEach((q, i) => {
    if (isProgress(q.event)) latest.set(q.event.type, i);
  });
  let shown = false;
  const kept: { id: number; event: SessionEvent }[] = [];
  queue.forEach((item, i) => {
    const e = item.event;
    if (isProgress(e)) {
      // it waits for its interval, even when something else is shown now
      if (latest.get(e.type) !== i) return;
      if (progressDue) onEvent(item.id, e);
      else kept.push(item);
      return;
    }
    if (shown) {
      kept.push(item);
      return;
    }
    if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled') {
      // progress held back from before the end would only make the final status stale
      for (let k = kept.length - 1; k >= 0; k--) if (isProgress(kept[k].event)) kept.splice(k, 1);
    }
    onEvent(item.id, e);
    shown = true;
  });
  if (progressDue && latest.size > 0) lastProgressAt = performance.now();
  queue = kept;
  if (queue.length === 0) return;
  scheduleFlush(queue.some((q) => !isProgress(q.event)) ? 0 : progressDelay());
}

function enqueue(id: number, event: SessionEvent): void {
  queue.push({ id, event });
  scheduleFlush(isProgress(event) ? progressDelay() : 0);
}

function onEvent(id: number, event: SessionEvent): void {
  const s = getState();
  if (s.session.id !== id) return;
  switch (event.type) {
    case 'progress':
      setState({ session: { ...s.session, progress: event.progress } });
      break;
    case 'download':
      setState({ session: { ...s.session, download: { received: event.received, total: event.total } } });
      break;
    case 'verifyProgress':
      if (s.verify?.phase === 'running') setState({ verify: { ...s.verify, progress: event.progress } });
      break;
    case 'archive': {
      setState({
        ...applyArchive(event.archive),
        session: {
          ...s.session,
          size: event.archive.size,
          errors: event.archive.errors,
          warnings: event.archive.warnings,
        },
      });
      placeSelection();
      break;
    }
    case 'blob':
      setState({
        blobs: { ...s.blobs, [event.blob.key]: event.blob },
        session: { ...s.session, errors: event.errors },
      });
      break;
    case 'imageReady':
      setState({ ready: { ...s.ready, [event.image]: true } });
      if (event.image === s.selection.image) void loadStats(event.image);
      break;
    case 'imageStats':
      setState({ stats: { ...s.stats, [event.stats.image]: event.stats } });
      break;
    case 'done':
      setState({
        ...applyArchive(event.archive),
        session: {
          ...s.session,
          size: event.archive.size,
          phase: 'done',
          entries: event.entries,
          elapsedMs: elapsed(s),
          workerMs: event.elapsedMs,
          errors: event.archive.errors,
          warnings: event.archive.warnings,
        },
      });
      if (!getState().archive?.images.length) placeSelection();
      break;
    case 'failed':
    case 'cancelled':
      setState({
        ...(event.archive ? applyArchive(event.archive) : {}),
        session: {
          ...s.session,
          phase: event.type,
          entries: event.entries,
          elapsedMs: elapsed(s),
          errors: event.archive?.errors ?? s.session.errors,
          fatal: event.type === 'failed' ? event.message : null,
        },
      });
      break;
  }
}

/** The image to show first: the one with the most layers (the most to see), the first of equals. */
function defaultImage(images: { layers: unknown[] }[]): number {
  let best = 0;
  images.forEach((img, i) => {
    if (img.layers.length > images[best].layers.length) best = i;
  });
  return best;
}

/** Once images are known: the deep link's place if it fits this archive, else the first image's top layer. */
function placeSelection(): void {
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

// ---------------------------------------------------------------------------------------------
// Small query results kept in the store.

async function loadStats(image: number): Promise<void> {
  const s = getState();
  if (s.stats[image]) return;
  try {
    const stats = await query('imageStats', { image });
    setState((cur) => ({ stats: { ...cur.stats, [image]: stats } }));
  } catch (error) {
    if (!isStale(error)) console.warn(error);
  }
}

let detailsSeq = 0;

async function loadDetails(): Promise<void> {
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
    if (seq === detailsSeq)
      setState({
        details: { key, data: null, error: error instanceof Error ? error.message : String(error) },
      });
  }
}

// ---------------------------------------------------------------------------------------------
// URL hash.

function currentLink(): DeepLink {
  return typeof location === 'undefined' ? {} : parseHash(location.hash);
}

function linkOf(s: ExplorerState): DeepLink {
  if (!s.archive) return s.pendingLink ?? {};
  const link: DeepLink = { image: s.selection.image, layer: s.selection.layer, mode: s.view.mode };
  if (s.session.url) link.url = s.session.url;
  if (s.selection.path) link.path = s.selection.path;
  return link;
}

function applyLink(link: DeepLink): void {
  const s = getState();
  if (link.url && link.url !== s.session.url) {
    // a link to another remote archive: open it, then go to the place
    setState({ pendingLink: link });
    openUrl(link.url);
    return;
  }
  if (!s.archive) {
    setState({ pendingLink: link });
    return;
  }
  setState({ pendingLink: link });
  placeSelection();
}

let installed = false;

/** Wires the store to the URL hash and the worker-backed queries. Call once from the entry. */
export function installSync(): void {
  if (installed) return;
  installed = true;
  const initial = currentLink();
  // ?url=<address> opens a remote archive. The address moves into the hash, where the place in it
  // is kept too, so that the address bar is the link to share (and opening a local file later
  // does not leave a stale ?url= behind for the next reload).
  const search = new URLSearchParams(location.search);
  const asked = search.get('url');
  const fromQuery = archiveUrl(asked, document.baseURI);
  if (fromQuery) {
    initial.url = fromQuery;
    search.delete('url');
    const rest = search.toString();
    history.replaceState(
      history.state,
      '',
      `${location.pathname}${rest ? `?${rest}` : ''}${formatHash(initial)}`,
    );
  }
  if (!isEmptyLink(initial)) setState({ pendingLink: initial });

  let lastHash = location.hash;
  store.subscribe((s, prev) => {
    if (
      s.archive &&
      (s.selection !== prev.selection || s.view.mode !== prev.view.mode || s.archive !== prev.archive)
    ) {
      const hash = formatHash(linkOf(s));
      if (hash !== lastHash && hash !== location.hash) {
        lastHash = hash;
        history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
      }
    }
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
  window.addEventListener('hashchange', () => {
    if (location.hash === lastHash) return;
    lastHash = location.hash;
    applyLink(parseHash(location.hash));
  });
  getClient().warm();
  if (initial.url) openUrl(initial.url);
  else if (asked) openUrl(asked); // not an http(s) address: openUrl says so
}

// ---------------------------------------------------------------------------------------------
// Jumping to a path from elsewhere (inefficient files, search results).

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
