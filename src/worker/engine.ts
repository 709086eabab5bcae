/**
 * The worker's logic, free of worker globals so tests can drive it: one session per opened
 * archive (a new open supersedes the old one), queries answered from the session's model.
 */
import type { ByteSource } from '../core/bytes/byteSource';
import { messageOf } from '../core/errors';
import type { ImageArchive, OpenProgress } from '../core/image/model';
import type { VerifyReport } from '../core/image/verify';
import { encodeIndex } from '../core/persist/indexCodec';
import type { IndexStore } from '../storage/indexStore';
import { BackgroundHold } from './backgroundHold';
import { FileViews } from './fileView';
import type { FileSystemView, ImageAnalysis } from './fsApi';
import { transferables } from './inside';
import {
  type ArchiveSummary,
  type BlobSummary,
  type FromWorker,
  type ImageStats,
  MAX_INEFFICIENT,
  PROTOCOL_VERSION,
  type Query,
  type QueryKind,
  type SavedIndexRequest,
  type SessionEvent,
  type SourceSpec,
  type ToWorker,
  type VerifyProgress,
  type VerifyResult,
} from './protocol';
import { QueryRouter } from './queryRouter';
import { SavedIndexes } from './savedIndexes';

/** The key written into an index handed to the comparison (it is never stored under it). */
export const HANDED_INDEX_KEY = 'handed-over';

export interface OpenHooks {
  onProgress?(progress: OpenProgress): void;
  onImages?(archive: ImageArchive): void;
  onLayerIndexed?(blobKey: string, archive: ImageArchive): void;
  signal?: AbortSignal;
}

export interface SourceHooks {
  signal: AbortSignal;
  /** A URL whose server ignores Range is downloaded whole first: bytes so far and the total if known. */
  onDownload(received: number, total: number | null): void;
}

export interface EngineDeps {
  /** `transfer`: buffers of the message handed over instead of copied (file bytes, export chunks). */
  post(message: FromWorker, transfer?: Transferable[]): void;
  /** May be asynchronous: a URL is probed (and maybe downloaded) before it can be read. */
  makeSource(spec: SourceSpec, hooks: SourceHooks): ByteSource | Promise<ByteSource>;
  openArchive(source: ByteSource, hooks: OpenHooks): Promise<ImageArchive>;
  /** `pause`: awaited between the build's layers, so a hold can put off the rest of it. */
  buildFs(archive: ImageArchive, image: number, pause: () => Promise<void>): Promise<FileSystemView>;
  analyze(archive: ImageArchive, image: number): ImageAnalysis;
  verify(
    archive: ImageArchive,
    onProgress: (progress: VerifyProgress) => void,
    signal: AbortSignal,
  ): Promise<VerifyReport>;
  now(): number;
  /** Where finished indexes are remembered between visits; absent where there is no storage. */
  indexStore?: IndexStore;
  /**
   * Records the seek points that the index pass left for later (core/image/laterSeekPoints.ts),
   * in the background once the archive is shown; returns how many layers got them.
   */
  recordSeekPoints?(archive: ImageArchive, signal: AbortSignal): Promise<number>;
  /** For tests: the hold the page's `hold` messages set (one lapsing after MAX_HOLD_MS otherwise). */
  hold?: BackgroundHold;
}

/** File systems kept built at once; each can be large, and images of one archive share little memory. */
const MAX_FS = 3;
/**
 * The longest the page's ask to hold the background lasts, from its last ask: a comparison's
 * first differences come well within it (see README), and the explorer then catches up.
 */
const MAX_HOLD_MS = 8000;
/**
 * The queries a hold does not put off: the comparison's own ask for the index, what the person
 * asked for outright (verifying, a secret shown), and the cancels. Every other query is of the
 * explorer's views, which the comparison's pane hides; each also waits, once its image's file
 * system is built, before it walks it.
 */
const UNHELD_QUERIES: ReadonlySet<QueryKind> = new Set<QueryKind>([
  'indexBytes',
  'verify',
  'secretReveal',
  'searchCancel',
  'exportCancel',
  'secretsCancel',
]);
/** Images whose stats are computed in the background once the archive is indexed. */
const BACKGROUND_STATS = 8;

class Session {
  archive: ImageArchive | null = null;
  /** Set once the source is open (a URL is probed first). */
  source: ByteSource | null = null;
  verifying: Promise<VerifyResult> | null = null;
  readonly indexed = new Set<string>();
  readonly ready = new Set<number>();
  settled = false;
  /** Read to its end (or restored whole): its index can be handed to the comparison. */
  complete = false;
  readonly controller = new AbortController();
  readonly fs = new Map<number, Promise<FileSystemView>>();
  readonly views = new Map<number, FileViews>();
  readonly stats = new Map<number, Promise<ImageStats>>();
  /** Answers the session's queries; made with its first query. */
  router: QueryRouter | null = null;
  constructor(readonly id: number) {}

  get size(): number {
    return this.source?.size ?? 0;
  }
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === 'AbortError');
}

export function totalEntries(archive: ImageArchive): number {
  let total = 0;
  for (const blob of archive.blobs.values()) total += blob.entries?.count ?? 0;
  return total;
}

export function summarizeBlob(key: string, archive: ImageArchive, indexed: ReadonlySet<string>): BlobSummary {
  const b = archive.blobs.get(key);
  if (!b) {
    return {
      key,
      member: '',
      digest: null,
      compression: 'none',
      storedSize: 0,
      state: 'failed',
      entries: null,
      sizeBytes: null,
      error: 'unknown layer',
    };
  }
  const done = indexed.has(key);
  return {
    key,
    member: b.member,
    digest: b.digest,
    compression: b.compression,
    storedSize: b.storedSize,
    state: b.error ? 'failed' : done ? 'indexed' : 'pending',
    entries: done || b.error ? (b.entries?.count ?? null) : null,
    sizeBytes: done || b.error ? (b.entries?.regularFileBytes() ?? null) : null,
    error: b.error,
  };
}

export function summarize(archive: ImageArchive, size: number, indexed: ReadonlySet<string>): ArchiveSummary {
  return {
    format: archive.format,
    name: archive.name,
    size,
    outerCompression: archive.outerCompression,
    images: archive.images,
    blobs: [...archive.blobs.keys()].map((key) => summarizeBlob(key, archive, indexed)),
    layerTree: archive.layerTree,
    warnings: [...archive.warnings],
    errors: [...archive.errors],
  };
}

export class Engine {
  private session: Session | null = null;
  private readonly saved: SavedIndexes | null;
  private readonly hold: BackgroundHold;

  constructor(private readonly deps: EngineDeps) {
    this.saved = deps.indexStore ? new SavedIndexes(deps.indexStore) : null;
    this.hold = deps.hold ?? new BackgroundHold(MAX_HOLD_MS);
  }

  handle(message: unknown): void {
    const m = message as Partial<ToWorker> | null;
    if (!m || typeof m !== 'object' || m.v !== PROTOCOL_VERSION) {
      this.deps.post({
        v: PROTOCOL_VERSION,
        type: 'protocolError',
        error: `expected protocol version ${PROTOCOL_VERSION}, got ${JSON.stringify(m?.v)}`,
      });
      return;
    }
    const msg = m as ToWorker;
    switch (msg.type) {
      case 'open':
        void this.open(msg.session, msg.source);
        break;
      case 'cancel':
        if (this.session?.id === msg.session) this.session.controller.abort();
        break;
      case 'query':
        void this.answer(msg.id, msg.session, msg.query);
        break;
      case 'savedIndexes':
        void this.answerSavedIndexes(msg.id, msg.request);
        break;
      case 'hold':
        this.hold.set(msg.held);
        break;
    }
  }

  private async answerSavedIndexes(id: number, request: SavedIndexRequest): Promise<void> {
    try {
      if (!this.saved) throw new Error('this browser gives the page no storage for saved indexes');
      if (request.action === 'forget') await this.saved.forget(request.key);
      const stored = await this.saved.list();
      this.deps.post({ v: PROTOCOL_VERSION, type: 'savedIndexes', id, ok: true, stored });
    } catch (error) {
      this.deps.post({ v: PROTOCOL_VERSION, type: 'savedIndexes', id, ok: false, error: messageOf(error) });
    }
  }

  private emit(s: Session, event: SessionEvent): void {
    if (this.session !== s) return; // superseded by a newer open
    this.deps.post({ v: PROTOCOL_VERSION, session: s.id, ...event });
  }

  private async open(id: number, spec: SourceSpec): Promise<void> {
    this.session?.controller.abort();
    const s = new Session(id);
    this.session = s;
    const started = this.deps.now();
    const signal = s.controller.signal;
    try {
      s.source = await this.openSource(s, spec);
      const file = spec.kind === 'file' && spec.remember ? spec : null;
      const remembered = file ? this.saved : null;
      const key = file && remembered ? await remembered.keyOf(s.source, file) : null;
      const restored = remembered && key ? await remembered.restore(key, s.source) : null;
      if (restored?.archive) {
        this.finishFromSavedIndex(s, restored.archive, started, key as string, file?.name ?? '');
        return;
      }
      const archive = await this.deps.openArchive(s.source, {
        signal,
        onProgress: (progress) => this.emit(s, { type: 'progress', progress }),
        onImages: (a) => {
          s.archive = a;
          this.emit(s, { type: 'archive', archive: summarize(a, s.size, s.indexed) });
        },
        onLayerIndexed: (key, a) => {
          s.archive = a;
          s.indexed.add(key);
          this.emit(s, { type: 'blob', blob: summarizeBlob(key, a, s.indexed), errors: [...a.errors] });
          this.checkReady(s);
        },
      });
      s.archive = archive;
      if (restored?.problem) archive.warnings.push(restored.problem);
      for (const key of archive.blobs.keys()) s.indexed.add(key);
      s.settled = true;
      s.complete = true;
      this.checkReady(s);
      this.emit(s, {
        type: 'done',
        archive: summarize(archive, s.size, s.indexed),
        entries: totalEntries(archive),
        elapsedMs: this.deps.now() - started,
        ...(file && remembered && key && archive.errors.length === 0 ? { savedIndexKey: key } : {}),
      });
      const save = file && remembered && key ? () => remembered.save(key, archive, file.name) : null;
      void this.afterRead(s, save, true);
    } catch (error) {
      s.settled = true;
      const partial = s.archive ? summarize(s.archive, s.size, s.indexed) : null;
      const entries = s.archive ? totalEntries(s.archive) : 0;
      if (isAbort(error, signal)) {
        this.emit(s, { type: 'cancelled', archive: partial, entries });
      } else {
        this.emit(s, { type: 'failed', message: messageOf(error), archive: partial, entries });
      }
      // whatever was read stays explorable
      if (s.archive) this.checkReady(s);
    }
  }

  /**
   * The saved index stands for the whole read, at once: the archive arrives with every layer
   * already indexed, so the page renders it once (a blob event per layer would re-render it each
   * time, and that was most of a re-open's time), then the images are ready and the read is done.
   */
  private finishFromSavedIndex(
    s: Session,
    archive: ImageArchive,
    started: number,
    key: string,
    name: string,
  ): void {
    s.archive = archive;
    for (const blob of archive.blobs.keys()) s.indexed.add(blob);
    s.settled = true;
    s.complete = true;
    const summary = summarize(archive, s.size, s.indexed);
    this.emit(s, { type: 'archive', archive: summary });
    this.checkReady(s);
    this.emit(s, {
      type: 'done',
      archive: summary,
      entries: totalEntries(archive),
      elapsedMs: this.deps.now() - started,
      fromSavedIndex: true,
      savedIndexKey: key,
    });
    const saved = this.saved;
    void this.afterRead(s, saved ? () => saved.save(key, archive, name) : null, false);
  }

  /**
   * What follows a read, in the background: the index handed to the page, each image's stats, the
   * index saved when it was read afresh (after the stats, so that writing it never delays the
   * first answers), then the seek points left for later, and the index saved again with them, so
   * that a re-open has them too (a restored one gets them the same way).
   */
  private async afterRead(s: Session, save: (() => Promise<unknown>) | null, fresh: boolean): Promise<void> {
    await this.handOver(s);
    await this.backgroundStats(s);
    await this.hold.wait();
    if (fresh) await save?.();
    await this.hold.wait();
    if ((await this.laterSeekPoints(s)) > 0) await save?.();
  }

  /** The seek points left for later, recorded while nothing else is asked of this session. */
  private async laterSeekPoints(s: Session): Promise<number> {
    const archive = s.archive;
    if (!archive || !this.deps.recordSeekPoints || this.session !== s) return 0;
    try {
      return await this.deps.recordSeekPoints(archive, s.controller.signal);
    } catch {
      // a worker that would not start, a newer open: files are then read from the layer's start
      return 0;
    }
  }

  private async openSource(s: Session, spec: SourceSpec): Promise<ByteSource> {
    let last = 0;
    try {
      return await this.deps.makeSource(spec, {
        signal: s.controller.signal,
        onDownload: (received, total) => {
          // a few events a second are plenty; the last one always goes out
          const now = this.deps.now();
          if (now - last < 50 && received !== total) return;
          last = now;
          this.emit(s, { type: 'download', received, total });
        },
      });
    } catch (error) {
      if (spec.kind !== 'url' || isAbort(error, s.controller.signal)) throw error;
      // fetch says only "Failed to fetch" for a refused connection, a missing CORS header and DNS alike
      const message = messageOf(error);
      const hint =
        error instanceof TypeError
          ? ': the server could not be reached, or it does not allow cross-origin reads (CORS)'
          : '';
      throw new Error(message.includes(spec.url) ? message : `${spec.url}: ${message}${hint}`);
    }
  }

  /** An image is ready when each of its layers is indexed (or, once reading stopped, as far as it got). */
  private checkReady(s: Session): void {
    const archive = s.archive;
    if (!archive) return;
    archive.images.forEach((image, index) => {
      if (s.ready.has(index)) return;
      const complete = image.layers.every((layer) => s.indexed.has(layer.blob));
      if (complete || s.settled) {
        s.ready.add(index);
        this.emit(s, { type: 'imageReady', image: index });
      }
    });
  }

  private async backgroundStats(s: Session): Promise<void> {
    const count = Math.min(s.archive?.images.length ?? 0, BACKGROUND_STATS);
    for (let i = 0; i < count; i++) {
      await this.hold.wait();
      if (this.session !== s) return;
      const stats = await this.stats(s, i);
      this.emit(s, { type: 'imageStats', stats });
    }
  }

  private fsFor(s: Session, image: number): Promise<FileSystemView> {
    let p = s.fs.get(image);
    if (p) {
      s.fs.delete(image);
      s.fs.set(image, p);
      return p;
    }
    const archive = s.archive;
    if (!archive) return Promise.reject(new Error('no archive is open'));
    // A build begun at done (the Files view's first rows) gives way between layers when the page
    // opens a comparison: on 2 cores it had halved the speed of the comparison's own build.
    p = this.deps.buildFs(archive, image, () => this.hold.pause());
    s.fs.set(image, p);
    while (s.fs.size > MAX_FS) {
      const oldest = s.fs.keys().next().value;
      if (oldest === undefined) break;
      s.fs.delete(oldest);
      s.views.delete(oldest);
    }
    return p;
  }

  private viewsFor(s: Session, image: number): FileViews {
    let v = s.views.get(image);
    if (!v) {
      v = new FileViews();
      s.views.set(image, v);
    }
    return v;
  }

  private stats(s: Session, image: number): Promise<ImageStats> {
    let p = s.stats.get(image);
    if (!p) {
      p = (async (): Promise<ImageStats> => {
        const archive = s.archive;
        const layers = archive?.images[image]?.layers.length ?? 0;
        try {
          await this.hold.wait();
          const fs = await this.fsFor(s, image);
          await this.hold.wait();
          const counts = Array.from({ length: layers }, (_, i) => fs.counts(i));
          let analysis: ImageAnalysis | null = null;
          let inefficientTotal = 0;
          let error: string | null = null;
          try {
            if (archive) {
              const full = this.deps.analyze(archive, image);
              inefficientTotal = full.inefficientFiles.length;
              analysis = { ...full, inefficientFiles: full.inefficientFiles.slice(0, MAX_INEFFICIENT) };
            }
          } catch (e) {
            error = `analysis: ${messageOf(e)}`;
          }
          return { image, counts, analysis, inefficientTotal, error };
        } catch (e) {
          return { image, counts: [], analysis: null, inefficientTotal: 0, error: messageOf(e) };
        }
      })();
      s.stats.set(image, p);
    }
    return p;
  }

  private routerOf(s: Session): QueryRouter {
    s.router ??= new QueryRouter({
      get archive() {
        return s.archive;
      },
      ready: s.ready,
      fsFor: async (image) => {
        const fs = await this.fsFor(s, image);
        await this.hold.wait();
        return fs;
      },
      viewsFor: (image) => this.viewsFor(s, image),
      stats: (image) => this.stats(s, image),
      verify: () => this.verify(s),
      indexBytes: () => this.indexBytes(s),
      now: () => this.deps.now(),
    });
    return s.router;
  }

  private async answer(id: number, sessionId: number, query: Query): Promise<void> {
    const s = this.session;
    try {
      if (!s || s.id !== sessionId) throw new Error('stale session');
      if (!UNHELD_QUERIES.has(query.kind)) await this.hold.wait();
      const result = await this.routerOf(s).run(query);
      this.deps.post({ v: PROTOCOL_VERSION, type: 'result', id, ok: true, result }, transferables(result));
    } catch (error) {
      this.deps.post({ v: PROTOCOL_VERSION, type: 'result', id, ok: false, error: messageOf(error) });
    }
  }

  private encodeForComparison(s: Session): Promise<Uint8Array> {
    if (!s.archive || !s.complete || !s.source)
      return Promise.reject(new Error('the archive is still being read: its index is not finished'));
    return encodeIndex(s.archive, {
      key: HANDED_INDEX_KEY,
      archiveName: s.archive.name,
      archiveSize: s.source.size,
      savedAt: Date.now(),
    });
  }

  /**
   * Sends the page the finished index (`indexReady`, transferred) as soon as reading ends, before
   * the stats: a comparison started at once then builds its file system beside the explorer's
   * own instead of waiting about a second behind it (file system and analysis). It costs every
   * open the encoding (tens of milliseconds, about 10 MB for 100k entries) ahead of the Files
   * tree; the packages waited for it already (see README, "Comparing").
   */
  private async handOver(s: Session): Promise<void> {
    try {
      const bytes = await this.encodeForComparison(s);
      if (this.session === s)
        this.deps.post({ v: PROTOCOL_VERSION, session: s.id, type: 'indexReady', bytes }, [
          bytes.buffer as ArrayBuffer,
        ]);
    } catch {
      // the comparison then reads the archive itself
    }
  }

  /** The same as `indexReady` sends, on request (a page that let go of it). */
  private indexBytes(s: Session): Promise<Uint8Array> {
    return this.encodeForComparison(s);
  }

  /** One run per session: asking again while it runs (or after) gets the same answer. */
  private verify(s: Session): Promise<VerifyResult> {
    const archive = s.archive;
    if (!archive || !s.settled)
      return Promise.reject(new Error('the archive is still being read: verify once it is indexed'));
    if (!s.verifying) {
      const started = this.deps.now();
      let last = 0;
      let hashed = 0;
      s.verifying = this.deps
        .verify(
          archive,
          (progress) => {
            hashed = progress.bytesHashed;
            const now = this.deps.now();
            if (now - last < 50 && progress.blobsDone !== progress.blobsTotal) return;
            last = now;
            this.emit(s, { type: 'verifyProgress', progress });
          },
          // not the reading's signal: Cancel stops reading, and what was read can still be verified
          new AbortController().signal,
        )
        .then((report) => {
          const checked = new Set(report.blobs.map((b) => b.member));
          const skipped = [...archive.blobs.values()]
            .filter((b) => !checked.has(b.member))
            .map((b) => b.member || b.storedName || archive.name);
          return {
            problems: report.problems,
            layersChecked: report.blobs.length,
            layersSkipped: skipped,
            configsChecked: report.configs.length,
            bytesHashed: hashed,
            elapsedMs: this.deps.now() - started,
          };
        });
      // a failed run may be retried
      s.verifying.catch(() => {
        s.verifying = null;
      });
    }
    return s.verifying;
  }
}
