/**
 * The comparison worker's logic, free of worker globals so tests can drive it: opens A's and
 * B's archives (one archive once when both sides are in it; A from the explorer's handed index,
 * B taking A's shared layers) and their images' file systems, ahead of a run when asked and kept
 * between runs, streams the comparison into a result list kept here, and answers pages of it,
 * text diffs and hex views of either side.
 */
import type { ByteSource } from '../core/bytes/byteSource';
import {
  type CompareSide,
  compareImageMetadata,
  digestOf,
  openSides,
  type SidePlace,
  TreeComparison,
} from '../core/compare/index';
import {
  decodeWindows1252,
  diffLines,
  escapeControls,
  openFileBytes,
  readHexPage,
  SNIFF_BYTES,
  sniffContent,
  splitLines,
  type TextDiff,
} from '../core/content';
import { messageOf } from '../core/errors';
import { ImageFileSystem } from '../core/fs/imageFileSystem';
import { ContentReader } from '../core/image/content';
import { type KnownLayers, knownLayersOf } from '../core/image/knownLayers';
import type { ImageArchive } from '../core/image/model';
import { decodeIndex, readIndexInfo } from '../core/persist/indexCodec';
import type { IndexStore } from '../storage/indexStore';
import {
  COMPARE_PROTOCOL_VERSION,
  type CompareEvent,
  type ComparePage,
  type ComparePlace,
  type CompareQuery,
  type CompareQueryMap,
  type CompareSettings,
  type CompareSideInfo,
  type FileDiffPage,
  type FromCompareWorker,
  type RowFilter,
  type SideContent,
  type ToCompareWorker,
} from './compareProtocol';
import { CompareResults } from './compareRows';
import type { SourceSpec } from './protocol';
import { SavedIndexes } from './savedIndexes';

export interface CompareEngineDeps {
  post(message: FromCompareWorker): void;
  makeSource(spec: SourceSpec, signal: AbortSignal): ByteSource | Promise<ByteSource>;
  openArchive(source: ByteSource, signal: AbortSignal, knownLayers?: KnownLayers): Promise<ImageArchive>;
  now(): number;
  /**
   * The saved indexes (OPFS in the browser): a remembered file's index is restored instead of
   * reading the archive again, and one read here is kept for next time.
   */
  indexStore?: IndexStore;
  /** An image's file system (ImageFileSystem.build when not given: tests count the builds). */
  buildFs?(archive: ImageArchive, imageIndex: number): Promise<ImageFileSystem>;
}

/** Versions bigger than this are not diffed as text (each is read whole to diff it). */
const MAX_DIFF_BYTES = 4 * 1024 * 1024;
/** Progress events at most this often. */
const PROGRESS_MS = 100;

interface LoadedSides {
  /** What each side names: its own archive, image and layer (headings, metadata). */
  placeA: SidePlace;
  placeB: SidePlace;
  /** What the walk reads: both may be one image's file system seen at two layers. */
  sides: [CompareSide, CompareSide];
}

class Run {
  readonly controller = new AbortController();
  sides: [CompareSide, CompareSide] | null = null;
  /** Readers of their own for the file views: a view must not move the comparison's cursors. */
  viewers: [ContentReader, ContentReader] | null = null;
  readonly results = new CompareResults();
  complete = false;
  readonly diffs = new Map<string, FileDiffPage & { all: TextDiff['lines'] }>();
  constructor(readonly id: number) {}
}

export class CompareEngine {
  private run: Run | null = null;
  private readonly saved: SavedIndexes | null;
  /** Archives and file systems read for the places last asked for (see load). */
  private readonly keptWork = new Map<string, Promise<ImageArchive | ImageFileSystem>>();
  private loads = 0;
  /**
   * Indexes read here, to be saved once the run's first differences are out (or the read-ahead is
   * done with no run waiting): encoding one (10 MB for 100k entries) and writing it to OPFS took
   * tens of milliseconds from the file system being built right after it.
   */
  private savesLeft: (() => void)[] = [];

  constructor(private readonly deps: CompareEngineDeps) {
    this.saved = deps.indexStore ? new SavedIndexes(deps.indexStore) : null;
  }

  /**
   * Reads an archive, or takes the index the page handed over (its explorer's, already read), or
   * restores its saved index when it is a remembered file that has one. `known`: layers another
   * archive of this run has indexed, taken instead of reading them (core/image/knownLayers.ts).
   * Not cancelled with a run: what it reads is kept for the next one.
   */
  private async read(
    spec: SourceSpec,
    which: string,
    onPhase: (phase: string) => void,
    handed?: Uint8Array,
    known?: KnownLayers,
  ): Promise<ImageArchive> {
    const signal = new AbortController().signal;
    const source = await this.deps.makeSource(spec, signal);
    if (handed) {
      try {
        const archive = await decodeIndex(handed, source, readIndexInfo(handed)?.key ?? '');
        onPhase(`${which}: the explorer's index taken…`);
        return archive;
      } catch (error) {
        // not expected (the page's own worker wrote it); reading the archive still gives the answer
        onPhase(`${which}: reading it (${messageOf(error)})…`);
      }
    }
    const saved = spec.kind === 'file' && spec.remember ? this.saved : null;
    const key = saved && spec.kind === 'file' ? await saved.keyOf(source, spec).catch(() => null) : null;
    if (saved && key) {
      const restored = await saved.restore(key, source);
      if (restored.archive) {
        onPhase(`${which}: its saved index restored…`);
        return restored.archive;
      }
    }
    const archive = await this.deps.openArchive(source, signal, known);
    if (saved && key && spec.kind === 'file') {
      const name = spec.name;
      this.savesLeft.push(() => void saved.save(key, archive, name));
    }
    return archive;
  }

  /** A kept archive or file system, or `make`'s; a failure is forgotten, so the next run tries again. */
  private kept<T extends ImageArchive | ImageFileSystem>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.keptWork.get(key) as Promise<T> | undefined;
    if (!p) {
      const made = make();
      p = made;
      this.keptWork.set(key, made);
      made.catch(() => {
        if (this.keptWork.get(key) === made) this.keptWork.delete(key);
      });
    }
    return p;
  }

  /**
   * A place against itself (the form as it opens on a one-image archive): only its archive is read
   * (the handed index decoded), kept beside what is kept already; its file system waits for a B,
   * since building it beside the explorer's own work just after reading slowed both (README).
   */
  private async readAhead(a: ComparePlace): Promise<void> {
    if (!a.source || a.sourceId === undefined) return;
    const source = a.source;
    await this.kept(archiveKey(a.sourceId), () => this.read(source, 'A', () => {}, a.index));
  }

  /**
   * Both archives and the sides' file systems, read once and kept for the places last asked for
   * (by `prepare` or a run): anything else kept is let go. Where one side's stack holds the
   * other's (an image against its base, a rebuild with layers added on top, two layers of one
   * image: core/compare/side.ts stackHolder), one file system serves both sides and one is built,
   * not two. A place without a `sourceId` is read for this call alone.
   */
  private load(a: ComparePlace, b: ComparePlace, onPhase: (phase: string) => void): Promise<LoadedSides> {
    const sourceA = a.source;
    if (!sourceA) return Promise.reject(new Error('A names no archive'));
    const once = ++this.loads;
    const keyA = archiveKey(a.sourceId ?? `once ${once} A`);
    const keyB = b.source ? archiveKey(b.sourceId ?? `once ${once} B`) : keyA;
    const fsKeyA = `${keyA} image ${a.image}`;
    const fsKeyB = `${keyB} image ${b.image}`;
    const wanted = new Set([keyA, keyB, fsKeyA, fsKeyB]);
    for (const key of [...this.keptWork.keys()]) if (!wanted.has(key)) this.keptWork.delete(key);
    return (async () => {
      onPhase('Reading A…');
      const archiveA = await this.kept(keyA, () => this.read(sourceA, 'A', onPhase, a.index));
      let archiveB = archiveA;
      if (b.source) {
        const sourceB = b.source;
        onPhase('Reading B…');
        // B's layers that A has too (same diff ID) are not read again: usually most of them
        archiveB = await this.kept(keyB, () =>
          this.read(sourceB, 'B', onPhase, b.index, knownLayersOf(archiveA)),
        );
      }
      const placeA: SidePlace = { archive: archiveA, imageIndex: a.image, layer: layerOf(archiveA, a, 'A') };
      const placeB: SidePlace = { archive: archiveB, imageIndex: b.image, layer: layerOf(archiveB, b, 'B') };
      const sides = await openSides(placeA, placeB, {
        fsOf: (archive, imageIndex) =>
          this.kept(archive === archiveA && imageIndex === a.image ? fsKeyA : fsKeyB, () =>
            this.deps.buildFs
              ? this.deps.buildFs(archive, imageIndex)
              : ImageFileSystem.build(archive, imageIndex),
          ),
      });
      return { placeA, placeB, sides };
    })();
  }

  handle(message: unknown): void {
    const m = message as Partial<ToCompareWorker> | null;
    if (!m || typeof m !== 'object' || m.v !== COMPARE_PROTOCOL_VERSION) return;
    const msg = m as ToCompareWorker;
    if (msg.type === 'start') void this.start(msg.run, msg.a, msg.b, msg.settings);
    else if (msg.type === 'prepare')
      (samePlace(msg.a, msg.b) ? this.readAhead(msg.a) : this.load(msg.a, msg.b, () => {}))
        .catch(() => {})
        .finally(() => {
          if (!this.run || this.run.complete) this.saveLeft();
        });
    else if (msg.type === 'cancel') {
      if (this.run?.id === msg.run) this.run.controller.abort(new DOMException('cancelled', 'AbortError'));
    } else if (msg.type === 'query') void this.answer(msg.id, msg.run, msg.query);
  }

  private saveLeft(): void {
    const saves = this.savesLeft;
    this.savesLeft = [];
    for (const save of saves) save();
  }

  private emit(run: Run, event: CompareEvent): void {
    if (this.run !== run) return;
    this.deps.post({ v: COMPARE_PROTOCOL_VERSION, run: run.id, ...event });
  }

  private async start(
    id: number,
    a: ComparePlace,
    b: ComparePlace,
    settings: CompareSettings,
  ): Promise<void> {
    this.run?.controller.abort(new DOMException('superseded', 'AbortError'));
    const run = new Run(id);
    this.run = run;
    const { signal } = run.controller;
    const started = this.deps.now();
    try {
      const { placeA, placeB, sides } = await untilAborted(
        this.load(a, b, (phase) => this.emit(run, { type: 'opening', phase })),
        signal,
      );
      const [sideA, sideB] = sides;
      run.sides = sides;
      run.viewers = [new ContentReader(sideA.archive), new ContentReader(sideB.archive)];
      const meta = compareImageMetadata(placeA, placeB);
      this.emit(run, { type: 'meta', meta: { a: info(placeA), b: info(placeB), ...meta } });
      // Unchanged paths are always kept (as bare paths): showing them is a filter, not a second walk.
      const comparison = new TreeComparison(sideA, sideB, {
        includeTimes: settings.includeTimes,
        exclude: settings.exclude,
        includeUnchanged: true,
        signal,
      });
      let lastProgress = 0;
      let firstMs: number | null = null;
      for await (const batch of comparison.batches()) {
        for (const result of batch) run.results.add(result);
        if (firstMs === null && batch.some((r) => r.change !== 'unchanged'))
          firstMs = this.deps.now() - started;
        const now = this.deps.now();
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          this.emit(run, {
            type: 'progress',
            progress: {
              pathsCompared: comparison.pathsCompared,
              found: run.results.differences,
              unchanged: run.results.unchanged,
              totals: { ...comparison.totals },
            },
          });
          // The page asks for rows on each progress event: let it have them now. A window that
          // needs no contents read settles without leaving the microtask queue, so without this
          // the rows waited behind the walk's next windows (about 100 ms at the first differences).
          await nextTask();
        }
      }
      run.complete = true;
      this.saveLeft();
      this.emit(run, {
        type: 'done',
        done: {
          pathsCompared: comparison.pathsCompared,
          found: run.results.differences,
          unchanged: run.results.unchanged,
          totals: { ...comparison.totals },
          byDirectory: comparison.topLevel(),
          warnings: comparison.warnings,
          elapsedMs: this.deps.now() - started,
          firstMs,
        },
      });
    } catch (error) {
      run.complete = true;
      this.saveLeft();
      if (signal.aborted) this.emit(run, { type: 'cancelled' });
      else this.emit(run, { type: 'failed', message: messageOf(error) });
    }
  }

  private async answer(id: number, runId: number, query: CompareQuery): Promise<void> {
    try {
      const run = this.run;
      if (!run || run.id !== runId) throw new Error('stale comparison');
      let result: CompareQueryMap[keyof CompareQueryMap]['result'];
      if (query.kind === 'rows') result = this.rows(run, query.args);
      else if (query.kind === 'locate')
        result = { index: run.results.locate(query.args, query.args.fold, query.args.path) };
      else if (query.kind === 'fileDiff') result = await this.fileDiff(run, query.args);
      else result = await this.hex(run, query.args);
      this.deps.post({ v: COMPARE_PROTOCOL_VERSION, type: 'result', id, ok: true, result });
    } catch (error) {
      this.deps.post({ v: COMPARE_PROTOCOL_VERSION, type: 'result', id, ok: false, error: messageOf(error) });
    }
  }

  private rows(run: Run, a: RowFilter & { offset: number; limit: number }): ComparePage {
    const offset = Math.max(0, Math.floor(a.offset));
    const limit = Math.max(0, Math.min(Math.floor(a.limit), 2000));
    const { total, rows } = run.results.page(a, a.fold, offset, limit);
    return { total, offset, rows, complete: run.complete };
  }

  private sidesOf(run: Run): [CompareSide, CompareSide] {
    if (!run.sides) throw new Error('the archives are still being read');
    return run.sides;
  }

  private async fileDiff(run: Run, a: CompareQueryMap['fileDiff']['args']): Promise<FileDiffPage> {
    let known = run.diffs.get(a.path);
    if (!known) {
      known = await this.computeDiff(this.sidesOf(run), run.viewers!, a.path);
      known.comparison = run.results.difference(a.path);
      run.diffs.set(a.path, known);
      if (run.diffs.size > 16) run.diffs.delete(run.diffs.keys().next().value as string);
    }
    const perPage = Math.max(1, Math.min(Math.floor(a.linesPerPage), 2000));
    const pageCount = Math.max(1, Math.ceil(known.all.length / perPage));
    const page = Math.max(0, Math.min(Math.floor(a.page), pageCount - 1));
    const { all, ...rest } = known;
    return {
      ...rest,
      page,
      pageCount,
      totalLines: all.length,
      lines: all.slice(page * perPage, (page + 1) * perPage),
    };
  }

  private async computeDiff(
    sides: [CompareSide, CompareSide],
    viewers: [ContentReader, ContentReader],
    path: string,
  ): Promise<FileDiffPage & { all: TextDiff['lines'] }> {
    const texts: (string[] | null)[] = [];
    const contents: (SideContent | null)[] = [];
    let unavailable: string | null = null;
    for (const [index, sideOfRun] of sides.entries()) {
      const side = { ...sideOfRun, reader: viewers[index] };
      const ref = side.fs.contentSource(side.layer, 'merged', path);
      if (!ref) {
        contents.push(null);
        texts.push([]);
        continue;
      }
      const bytes = openFileBytes(side.reader, side.archive, side.imageIndex, ref, null);
      const layer = side.archive.images[side.imageIndex].layers[ref.layer];
      const table = side.archive.blobs.get(layer.blob)?.entries;
      const digest = await digestOf({
        side,
        location: {
          blobKey: layer.blob,
          entryIndex: ref.entryIndex,
          diffId: layer.diffId,
          entryName: table?.name(ref.entryIndex) ?? path,
          sparse: false,
        },
        size: bytes.size,
      });
      if (bytes.size > MAX_DIFF_BYTES) {
        contents.push({ size: bytes.size, digest, text: false });
        texts.push(null);
        unavailable ??= 'a version is over 4 MiB, too big to diff as text';
        continue;
      }
      const all = await bytes.read(0, bytes.size);
      const kind = sniffContent(all.subarray(0, SNIFF_BYTES), path, bytes.size);
      const text = kind.view === 'text';
      contents.push({ size: bytes.size, digest, text });
      if (!text) {
        texts.push(null);
        unavailable ??= 'a version is not text';
        continue;
      }
      const decoded =
        kind.encoding === 'utf-8' ? new TextDecoder('utf-8').decode(all) : decodeWindows1252(all);
      texts.push(splitLines(decoded).map(escapeControls));
    }
    const [ca, cb] = contents;
    if (!ca && !cb) unavailable = 'neither side has contents at this path';
    let diff: TextDiff | null = null;
    if (!unavailable && texts[0] && texts[1]) {
      diff = diffLines(texts[0], texts[1]);
      if (diff.tooDifferent) {
        unavailable = 'the versions differ in too many lines to diff';
        diff = null;
      }
    }
    return {
      path,
      comparison: null,
      a: ca,
      b: cb,
      unavailable,
      added: diff?.added ?? 0,
      removed: diff?.removed ?? 0,
      page: 0,
      pageCount: 1,
      totalLines: 0,
      lines: [],
      all: diff?.lines ?? [],
    };
  }

  private async hex(run: Run, a: CompareQueryMap['hex']['args']): Promise<CompareQueryMap['hex']['result']> {
    const which = a.side === 'a' ? 0 : 1;
    const side = this.sidesOf(run)[which];
    const ref = side.fs.contentSource(side.layer, 'merged', a.path);
    if (!ref) return null;
    const bytes = openFileBytes(run.viewers![which], side.archive, side.imageIndex, ref);
    return readHexPage(
      bytes,
      Math.max(0, Math.floor(a.page)),
      Math.max(1, Math.min(Math.floor(a.rows), 1024)),
    );
  }
}

/** The place's layer (its top when null); throws for an image or a layer the archive does not have. */
function layerOf(archive: ImageArchive, place: ComparePlace, which: string): number {
  const image = archive.images[place.image];
  if (!image) throw new Error(`${which}: ${archive.name} has no image ${place.image}`);
  const layer = place.layer ?? image.layers.length - 1;
  if (layer < 0 || layer >= image.layers.length)
    throw new Error(`${which}: the image has no layer ${layer} (0..${image.layers.length - 1})`);
  return layer;
}

/** Resolves after the tasks already queued (the page's queries among them). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** `work`, or the signal's reason as soon as it is aborted (the work itself goes on, and is kept). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function info(side: SidePlace): CompareSideInfo {
  const image = side.archive.images[side.imageIndex];
  return {
    archive: side.archive.name,
    image: side.imageIndex,
    label: image.tags[0] ?? image.id.slice(0, 19),
    layer: side.layer,
    layerCount: image.layers.length,
  };
}

/** What an archive is kept under in `keptWork`: the page's source id, or a one-off name. */
function archiveKey(id: number | string): string {
  return `archive ${id}`;
}

/** The same place of the same archive: nothing to compare, only reading to do ahead. */
function samePlace(a: ComparePlace, b: ComparePlace): boolean {
  return !b.source && a.image === b.image && a.layer === b.layer;
}
