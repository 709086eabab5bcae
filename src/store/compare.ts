/**
 * The Compare slice: which two places are compared (an image and layer of the archive shown, or
 * of a second archive the user opens), the options, the run's progress and results, and the
 * filters of the result tree. The comparison runs in a worker of its own (CompareClient); the
 * page asks it for pages of rows. Deep-linked through the hash keys `compare` and `cpath`.
 */
import { createStore, useStore } from 'zustand';
import { BlobSource } from '../core/bytes/byteSource';
import { messageOf } from '../core/errors';
import { archiveKey } from '../core/persist/archiveKey';
import { handleFor, handlesAvailable, rememberHandle } from '../storage/fileHandles';
import { ExplorerClient } from '../worker/client';
import { CompareClient, type CompareWorkerFactory } from '../worker/compareClient';
import type {
  CompareDone,
  CompareEvent,
  CompareFold,
  CompareMeta,
  ComparePlace,
  CompareProgress,
  CompareQueryKind,
  CompareQueryMap,
} from '../worker/compareProtocol';
import type { SourceSpec } from '../worker/protocol';
import { getClient, query } from './client';
import { handedIndexOf } from './handedIndex';
import { archiveUrl, type DeepLink, parseHash } from './hash';
import { store as explorerStore, getState as getExplorer } from './index';
import { nameOfUrl, shownSource } from './opening';
import { rememberIndexes } from './savedIndexes';

export interface OtherArchive {
  name: string;
  source: SourceSpec;
  /** What a link records of it: its address, or the file's name, size and archive key (null until hashed). */
  origin: { url: string } | { file: string; size: number; key: string | null };
  /** Image labels and layer counts, once its manifest is read. */
  images: { label: string; layers: number }[];
  phase: 'reading' | 'ready' | 'failed';
  error: string | null;
}

/** A link's second archive, a local file, waiting to be opened again (the pane asks for it). */
export interface Relink {
  name: string;
  size: number;
  key: string;
  /** This browser kept a handle to it: a click can reopen it (after the browser asks). */
  handle: boolean;
  /** Why the last file offered for it was not taken. */
  error?: string;
}

export type ComparePhase = 'idle' | 'opening' | 'running' | 'done' | 'failed' | 'cancelled';

export interface CompareKinds {
  added: boolean;
  removed: boolean;
  changed: boolean;
  unchanged: boolean;
}

export interface CompareState {
  open: boolean;
  a: { image: number; layer: number | null };
  b: { archive: 'current' | 'other'; image: number; layer: number | null };
  other: OtherArchive | null;
  relink: Relink | null;
  includeTimes: boolean;
  /** Exclude globs as typed: separated by commas, spaces or new lines. */
  exclude: string;
  phase: ComparePhase;
  message: string | null;
  meta: CompareMeta | null;
  progress: CompareProgress | null;
  done: CompareDone | null;
  /** Counts up as results arrive, so the tree asks for its rows again. */
  version: number;
  /** `unchanged` is "Show unchanged": a filter of the kept result, never a new run. */
  kinds: CompareKinds;
  filter: string;
  /** Which folders of the result tree are open (the worker folds the rows). */
  fold: CompareFold;
  selected: string | null;
  layout: 'unified' | 'split';
}

export function initialCompare(): CompareState {
  return {
    open: false,
    a: { image: 0, layer: null },
    b: { archive: 'current', image: 0, layer: null },
    other: null,
    relink: null,
    includeTimes: false,
    exclude: '',
    phase: 'idle',
    message: null,
    meta: null,
    progress: null,
    done: null,
    version: 0,
    kinds: { added: true, removed: true, changed: true, unchanged: false },
    filter: '',
    fold: { open: true, except: [] },
    selected: null,
    layout: 'unified',
  };
}

export const compareStore = createStore<CompareState>()(() => initialCompare());
export const getCompare = compareStore.getState;
const setCompare = compareStore.setState;

export function useCompare<T>(selector: (state: CompareState) => T): T {
  return useStore(compareStore, selector);
}

let factory: CompareWorkerFactory | undefined;
/** For tests: the worker the client makes. */
export function setCompareWorkerFactory(next: CompareWorkerFactory): void {
  factory = next;
}
let client: CompareClient | null = null;
function compareClient(): CompareClient {
  client ??= new CompareClient(factory);
  return client;
}

export function compareQuery<K extends CompareQueryKind>(
  kind: K,
  args: CompareQueryMap[K]['args'],
): Promise<CompareQueryMap[K]['result']> {
  return compareClient().query(kind, args);
}

export function openCompare(): void {
  const s = getCompare();
  if (s.open) return;
  const image = getExplorer().selection.image;
  const count = getExplorer().archive?.images.length ?? 1;
  // Another image of the archive by default: the next one (or the previous), or the same one's layers.
  const other = count > 1 ? (image + 1) % count : image;
  if (shownSource()) compareClient().warm();
  setCompare({
    open: true,
    a: s.phase === 'idle' ? { image, layer: null } : s.a,
    b: s.phase === 'idle' ? { archive: 'current', image: other, layer: null } : s.b,
  });
}

export function closeCompare(): void {
  setCompare({ open: false });
}

export function setSideA(a: CompareState['a']): void {
  setCompare({ a });
}

export function setSideB(b: CompareState['b']): void {
  setCompare({ b });
}

export function setCompareOptions(options: Partial<Pick<CompareState, 'includeTimes' | 'exclude'>>): void {
  setCompare(options);
}

export function toggleCompareKind(kind: keyof CompareKinds): void {
  setCompare((s) => ({ kinds: { ...s.kinds, [kind]: !s.kinds[kind] } }));
}

/** Opens or closes one folder of the result tree. */
export function setCompareFolder(path: string, open: boolean): void {
  setCompare((s) => {
    const except = s.fold.except.filter((p) => p !== path);
    if (open !== s.fold.open) except.push(path);
    return { fold: { open: s.fold.open, except } };
  });
}

/** Opens (or closes) every folder of the result tree. */
export function setCompareFoldAll(open: boolean): void {
  setCompare({ fold: { open, except: [] } });
}

export function setCompareFilter(filter: string): void {
  setCompare({ filter });
}

export function selectComparePath(path: string | null): void {
  setCompare({ selected: path });
}

export function setDiffLayout(layout: CompareState['layout']): void {
  setCompare({ layout });
}

let otherReader: ExplorerClient | null = null;
/** Set while following a link: run the comparison once B's images are listed, at the link's place. */
let runWhenReady = false;

/** A handle the browser gave with a pick or a drop, so a link can reopen the file later. */
export type PickedHandle = FileSystemFileHandle | null;

/** The archive key of a local file (the saved index's key): what a link checks a file against. */
function keyOfFile(file: Blob, name: string): Promise<string> {
  return archiveKey(new BlobSource(file, name), {
    name,
    size: file.size,
    lastModified: (file as File).lastModified ?? 0,
  });
}

/**
 * Opens a second archive for B from a file: its own worker reads its manifest, to list its
 * images. When a link waits for a particular file, only that one (same archive key) is taken.
 */
export async function openOtherArchive(
  file: Blob,
  name = (file as File).name || 'archive.tar',
  handle: PickedHandle = null,
): Promise<void> {
  const relink = getCompare().relink;
  let key: string | null = null;
  if (relink) {
    const refuse = (why: string) =>
      setCompare({ relink: { ...relink, error: `${name} was not taken: ${why}.` } });
    try {
      key = await keyOfFile(file, name);
    } catch (error) {
      refuse(`it could not be read (${messageOf(error)})`);
      return;
    }
    if (key !== relink.key) {
      refuse(
        `it is not the archive this link was made with (${relink.name}, ${file.size === relink.size ? 'same size, other contents' : `${relink.size.toLocaleString('en-US')} bytes`})`,
      );
      return;
    }
    setCompare({ relink: null });
  }
  const source: SourceSpec = {
    kind: 'file',
    file,
    name,
    lastModified: (file as File).lastModified ?? 0,
    remember: rememberIndexes(),
  };
  const origin = { file: name, size: file.size, key };
  readOther(name, source, origin);
  if (key === null) {
    void keyOfFile(file, name)
      .then((k) => {
        const other = getCompare().other;
        if (other?.source === source) setCompare({ other: { ...other, origin: { ...origin, key: k } } });
        if (handle && handlesAvailable())
          void rememberHandle({ key: k, name, size: file.size, handle }).catch(() => {});
      })
      .catch(() => {});
  } else if (handle && handlesAvailable())
    void rememberHandle({ key, name, size: file.size, handle }).catch(() => {});
}

/** Lets go of the file a link named: any archive may be opened for B again. */
export function dropRelink(): void {
  runWhenReady = false;
  setCompare({ relink: null });
}

/** Opens a second archive for B from an http(s) address (a link re-fetches it). */
export function openOtherUrl(address: string): void {
  const url = archiveUrl(address, typeof document === 'undefined' ? undefined : document.baseURI);
  if (!url) {
    failOther(address, { url: address }, 'it is not an http or https address');
    return;
  }
  readOther(nameOfUrl(url), { kind: 'url', url }, { url });
}

/** Reopens the file a link names through the handle this browser kept, after asking for permission. */
export async function reopenRemembered(): Promise<void> {
  const relink = getCompare().relink;
  if (!relink) return;
  const kept = await handleFor(relink.key);
  if (!kept) {
    setCompare({ relink: { ...relink, handle: false } });
    return;
  }
  const handle = kept.handle as FileSystemFileHandle & {
    queryPermission?(d: { mode: 'read' }): Promise<PermissionState>;
    requestPermission?(d: { mode: 'read' }): Promise<PermissionState>;
  };
  try {
    let permission = (await handle.queryPermission?.({ mode: 'read' })) ?? 'granted';
    if (permission !== 'granted')
      permission = (await handle.requestPermission?.({ mode: 'read' })) ?? 'denied';
    if (permission !== 'granted') {
      setCompare({
        relink: { ...relink, error: 'The browser did not allow reading it: pick it below instead.' },
      });
      return;
    }
    const file = await handle.getFile();
    await openOtherArchive(file, file.name || relink.name);
  } catch (error) {
    setCompare({
      relink: {
        ...relink,
        handle: false,
        error: `It could not be opened again (${messageOf(error)}): pick it below instead.`,
      },
    });
  }
}

function failOther(name: string, origin: OtherArchive['origin'], error: string): void {
  setCompare({
    other: {
      name,
      source: { kind: 'url', url: 'about:blank' },
      origin,
      images: [],
      phase: 'failed',
      error,
    },
  });
}

function readOther(name: string, source: SourceSpec, origin: OtherArchive['origin']): void {
  otherReader?.dispose();
  const reader = new ExplorerClient();
  otherReader = reader;
  // A link's own place for B stays; otherwise B starts at the new archive's first image.
  setCompare((s) => ({
    other: { name, source, origin, images: [], phase: 'reading', error: null },
    b: runWhenReady ? { ...s.b, archive: 'other' } : { archive: 'other', image: 0, layer: null },
  }));
  reader.open(source, (event) => {
    if (otherReader !== reader) return;
    const other = getCompare().other;
    if (!other) return;
    if ((event.type === 'archive' || event.type === 'done') && event.archive.images.length > 0) {
      const images = event.archive.images.map((image) => ({
        label: image.tags[0] ?? image.id.slice(0, 19),
        layers: image.layers.length,
      }));
      setCompare({ other: { ...other, images, phase: 'ready' } });
      // The list is all B needs here; the comparison's worker reads the archive itself.
      reader.dispose();
      otherReader = null;
      if (runWhenReady) {
        runWhenReady = false;
        runCompare();
      }
    } else if (event.type === 'failed' || (event.type === 'done' && event.archive.images.length === 0)) {
      runWhenReady = false;
      setCompare({
        other: {
          ...other,
          phase: 'failed',
          error: event.type === 'failed' ? event.message : 'it holds no image',
        },
      });
      reader.dispose();
      otherReader = null;
    }
  });
}

export function excludeGlobs(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((g) => g.trim())
    .filter(Boolean);
}

export function runCompare(): void {
  const s = getCompare();
  const source = shownSource();
  if (!source) {
    setCompare({ phase: 'failed', message: 'No archive is open to compare.' });
    return;
  }
  let bSource: SourceSpec | null = null;
  if (s.b.archive === 'other') {
    if (s.other?.phase !== 'ready') {
      setCompare({ phase: 'failed', message: 'Open the second archive first.' });
      return;
    }
    bSource = s.other.source;
  }
  const a: ComparePlace = { source, image: s.a.image, layer: s.a.layer };
  const b: ComparePlace = { source: bSource, image: s.b.image, layer: s.b.layer };
  setCompare({
    phase: 'opening',
    message: 'Reading…',
    meta: null,
    progress: null,
    done: null,
    version: s.version + 1,
  });
  const settings = { includeTimes: s.includeTimes, exclude: excludeGlobs(s.exclude) };
  const started = ++runsStarted;
  // A is the archive the explorer has read: its index is handed over rather than read again
  void explorerIndex().then((index) => {
    if (started !== runsStarted || shownSource() !== source) return; // another run (or archive) since
    compareClient().start(index ? { ...a, index } : a, b, settings, onEvent);
  });
}

/**
 * Has the comparison's worker read ahead what Run will need for the places chosen (both archives,
 * the sides' file systems), while the person still looks at the form: Run then walks at once.
 * Only once the explorer's index can be handed over (A is never read a second time for this). A
 * second archive is read ahead from the moment it is picked, beside its listing (B's first image
 * until another is chosen). With `onlyA`, or for a place against itself, the worker only decodes A's index.
 */
function prepareRun(onlyA = false): void {
  const s = getCompare();
  const source = shownSource();
  if (!s.open || !source) return;
  const a = { source, image: s.a.image, layer: s.a.layer };
  // A against its own place: the worker only decodes A's index.
  let b: ComparePlace = { ...a, source: null };
  if (!onlyA) {
    let bSource: SourceSpec | null = null;
    if (s.b.archive === 'other') {
      if (s.other?.phase !== 'ready' && s.other?.phase !== 'reading') return;
      bSource = s.other.source;
    }
    b = { source: bSource, image: s.b.image, layer: s.b.layer };
  }
  void explorerIndex().then((index) => {
    if (index && shownSource() === source) compareClient().prepare({ ...a, index }, b);
  });
}

/** The explorer's worker has finished its own work on the archive shown (its stats are in). */
function explorerSettled(): boolean {
  const e = getExplorer();
  return e.session.phase === 'done' && e.stats[e.selection.image] !== undefined;
}

compareStore.subscribe((s, prev) => {
  // Opened beside the explorer's own work: only A's index is decoded ahead, nothing built.
  if (s.open && !prev.open && s.phase === 'idle' && !explorerSettled()) prepareRun(true);
  // When the pane opens only once the explorer's worker is done with the archive just read (its
  // file system, stats): building A's file system beside it slowed the first differences
  // (measured: see README). Once B is chosen the form is nearly filled in.
  if (
    s.open &&
    s.phase !== 'opening' &&
    s.phase !== 'running' &&
    ((s.open !== prev.open && explorerSettled()) ||
      s.b.archive !== prev.b.archive ||
      s.b.image !== prev.b.image ||
      s.other?.source !== prev.other?.source ||
      s.other?.phase !== prev.other?.phase)
  )
    prepareRun();
});

/**
 * While the pane is open and its comparison has not ended, the explorer's worker puts its own
 * background work off (its stats, analysis, saving; the queries of the views the pane hides):
 * on two cores it otherwise halves the comparison's speed. Measured at once after Indexed, Run to
 * the first difference: see README. Asked again when a run starts, so the worker's lapse restarts.
 */
function explorerHeld(s: CompareState): boolean {
  return s.open && (s.phase === 'idle' || s.phase === 'opening' || s.phase === 'running');
}

compareStore.subscribe((s, prev) => {
  const held = explorerHeld(s);
  const started = s.phase === 'opening' && prev.phase !== 'opening';
  if (held !== explorerHeld(prev) || (held && started)) getClient().holdBackground(held);
});

/** Counts runCompare's calls, so a run whose index arrives after a newer one began is dropped. */
let runsStarted = 0;

/** The explorer's index asked for (when its worker's `indexReady` did not come), once per archive. */
let handed: { session: number; bytes: Promise<Uint8Array | null> } | null = null;

/**
 * The explorer's finished index of the archive shown (its worker sends it once reading ends; see
 * handedIndex.ts), or null (still reading, failed): then the comparison's worker reads A itself.
 */
function explorerIndex(): Promise<Uint8Array | null> {
  const { session } = getExplorer();
  if (session.phase !== 'done') return Promise.resolve(null);
  const sent = handedIndexOf(session.id);
  if (sent) return Promise.resolve(sent);
  if (handed?.session !== session.id) {
    handed = {
      session: session.id,
      bytes: query('indexBytes', {}).then(
        (r) => r.bytes,
        () => null,
      ),
    };
  }
  return handed.bytes;
}

function onEvent(event: CompareEvent): void {
  const s = getCompare();
  switch (event.type) {
    case 'opening':
      setCompare({ phase: 'opening', message: event.phase });
      break;
    case 'meta':
      setCompare({ phase: 'running', message: null, meta: event.meta });
      break;
    case 'progress':
      setCompare({ progress: event.progress, version: s.version + 1 });
      break;
    case 'done':
      setCompare({ phase: 'done', done: event.done, progress: event.done, version: s.version + 1 });
      break;
    case 'failed':
      setCompare({ phase: 'failed', message: event.message, version: s.version + 1 });
      break;
    case 'cancelled':
      setCompare({
        phase: 'cancelled',
        message: 'Stopped: what was found so far is listed.',
        version: s.version + 1,
      });
      break;
  }
}

export function cancelCompare(): void {
  compareClient().cancel();
}

// ---------------------------------------------------------------- the hash

function placeText(image: number, layer: number | null): string {
  return `${image}.${layer === null ? 't' : layer}`;
}

/** The hash keys of the comparison shown (none when the pane is closed or nothing ran). */
export function compareLinkOf(): Pick<DeepLink, 'compare' | 'comparePath' | 'compareB' | 'compareFold'> {
  const s = getCompare();
  if (!s.open || (s.phase === 'idle' && !s.relink)) return {};
  const other = s.b.archive === 'other';
  const link: Pick<DeepLink, 'compare' | 'comparePath' | 'compareB' | 'compareFold'> = {
    compare: `${placeText(s.a.image, s.a.layer)},${placeText(s.b.image, s.b.layer)}${other ? ',other' : ''}`,
  };
  if (s.selected) link.comparePath = s.selected;
  if (!s.fold.open || s.fold.except.length > 0) link.compareFold = s.fold;
  const origin = s.other?.phase === 'failed' ? null : s.other?.origin;
  if (other && origin && 'url' in origin) link.compareB = { url: origin.url };
  else if (other && origin && 'file' in origin && origin.key)
    link.compareB = { file: origin.file, size: origin.size, key: origin.key };
  else if (other && s.relink) link.compareB = { file: s.relink.name, size: s.relink.size, key: s.relink.key };
  return link;
}

function parsePlace(text: string): { image: number; layer: number | null } {
  const [image, layer] = text.split('.');
  return { image: Number(image), layer: layer === 't' ? null : Number(layer) };
}

/**
 * Once the archive a link names is read, a link with `compare` opens the pane and runs the
 * comparison. B in a second archive: an address is fetched again; a local file is reopened
 * through the handle this browser kept (a click, for the browser's permission), or asked for by
 * name and size and taken only if its archive key is the link's.
 */
function followLink(link: DeepLink): void {
  if (!link.compare) return;
  const [a, b, other] = link.compare.split(',');
  setCompare({
    open: true,
    a: parsePlace(a),
    b: { archive: other ? 'other' : 'current', ...parsePlace(b) },
    selected: link.comparePath ?? null,
    fold: link.compareFold ?? initialCompare().fold,
  });
  if (!other) {
    runCompare();
    return;
  }
  const from = link.compareB;
  if (from && 'url' in from) {
    runWhenReady = true;
    openOtherUrl(from.url);
    return;
  }
  if (!from) {
    setCompare({ phase: 'idle', message: 'Open the second archive again to compare with it.' });
    return;
  }
  runWhenReady = true;
  const relink: Relink = { name: from.file, size: from.size, key: from.key, handle: false };
  setCompare({ phase: 'idle', message: null, relink });
  void handleFor(from.key).then((kept) => {
    if (kept && getCompare().relink === relink) setCompare({ relink: { ...relink, handle: true } });
  });
}

// Read before anything rewrites the hash: the explorer's own sync drops keys it does not show yet.
const initialLink = typeof location === 'undefined' ? {} : parseHash(location.hash);
let followed = false;
explorerStore.subscribe((s, prev) => {
  // Another archive shown: a comparison of the last one means nothing now.
  if (s.session.id !== prev.session.id) {
    handed = null;
    // what the comparison's worker read ahead or kept was of the last archive
    client?.stop();
  }
  if (s.session.id !== prev.session.id && getCompare().phase !== 'idle') {
    setCompare({ ...initialCompare(), other: getCompare().other });
  }
  const c = getCompare();
  if (
    c.open &&
    c.phase === 'idle' &&
    s.stats !== prev.stats &&
    explorerSettled() &&
    s.stats[s.selection.image] !== prev.stats[s.selection.image]
  )
    prepareRun();
  if (followed || s.session.phase !== 'done' || prev.session.phase === 'done') return;
  followed = true;
  followLink(initialLink);
});
