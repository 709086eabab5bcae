/**
 * The page's side of the worker protocol: opens archives (one session at a time) and sends typed
 * queries. Each archive gets a fresh worker (kept warm ahead of time); opening another ends the
 * old worker at once, even in the middle of a multi-gigabyte layer, and frees its memory.
 */
import {
  type FromWorker,
  isFromWorker,
  PROTOCOL_VERSION,
  type QueryArgs,
  type QueryKind,
  type QueryResult,
  type SavedIndexRequest,
  type SessionEvent,
  type SourceSpec,
  type StoredIndex,
  type ToWorker,
} from './protocol';

export type WorkerFactory = () => Worker;

export function defaultWorkerFactory(): Worker {
  // `?pool=<n>` on the page sets the engine's pool of layer decoders and `?seek=0` turns seek points
  // off (for the benchmark's comparison); the worker reads both from its name
  const query = typeof location === 'undefined' ? null : new URLSearchParams(location.search);
  const pool = query?.get('pool') ?? null;
  let name = pool !== null && /^\d+$/.test(pool) ? `archive-reader pool=${pool}` : 'archive-reader';
  if (query?.get('seek') === '0') name += ' seek=0';
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
}

export class StaleSessionError extends Error {
  constructor() {
    super('the archive was replaced by another');
    this.name = 'StaleSessionError';
  }
}

interface Pending {
  session: number;
  resolve(value: QueryResult<QueryKind>): void;
  reject(error: Error): void;
}

/** An archive opened beside the current one, which it replaces only once its images are known. */
interface Candidate {
  worker: Worker;
  session: number;
  listener: (event: SessionEvent) => void;
}

export class ExplorerClient {
  private worker: Worker | null = null;
  private spare: Worker | null = null;
  private candidate: Candidate | null = null;
  private session = 0;
  /** The last session number handed out (a candidate's included). */
  private lastSession = 0;
  private reading = false;
  private nextQuery = 1;
  private readonly pending = new Map<number, Pending>();
  private listener: ((event: SessionEvent) => void) | null = null;

  constructor(private readonly factory: WorkerFactory = defaultWorkerFactory) {}

  /** Keeps a worker loaded ahead of time, so that an open never waits for one to start. */
  warm(): void {
    if (!this.spare) this.spare = this.factory();
  }

  /**
   * Opens an archive in a fresh worker. `keepCurrent`: the archive open now stays current (and
   * queryable) until the new one's images are known; if the new one fails before that, it is
   * dropped and its `failed` event says why, while the old one goes on as it was.
   */
  open(
    source: SourceSpec,
    listener: (event: SessionEvent) => void,
    options: { keepCurrent?: boolean } = {},
  ): number {
    this.dropCandidate();
    if (options.keepCurrent && this.worker) {
      const session = ++this.lastSession;
      this.candidate = { worker: this.take(), session, listener };
      setTimeout(() => this.warm(), 250);
      this.candidate.worker.postMessage({
        v: PROTOCOL_VERSION,
        type: 'open',
        session,
        source,
      } satisfies ToWorker);
      return session;
    }
    // A fresh worker per archive: the old one may be deep in a layer or still answering queries
    // about its archive, and ending it frees its memory at once.
    this.retire();
    this.worker = this.take();
    setTimeout(() => this.warm(), 250);
    this.session = ++this.lastSession;
    this.reading = true;
    this.listener = listener;
    for (const [id, p] of this.pending) {
      p.reject(new StaleSessionError());
      this.pending.delete(id);
    }
    this.send({ v: PROTOCOL_VERSION, type: 'open', session: this.session, source });
    return this.session;
  }

  /** Stops opening the archive that was to replace the current one; the current one stays. */
  cancelCandidate(): void {
    const c = this.candidate;
    if (!c) return;
    this.dropCandidate();
    c.listener({ type: 'cancelled', archive: null, entries: 0 });
  }

  /** Stops reading; what was read stays queryable. */
  cancel(): void {
    if (this.worker && this.reading)
      this.send({ v: PROTOCOL_VERSION, type: 'cancel', session: this.session });
  }

  /**
   * Asks the worker to put its background work and heavy queries off while a comparison starts
   * beside it, or lets go (worker/backgroundHold.ts; the ask lapses by itself).
   */
  holdBackground(held: boolean): void {
    this.send({ v: PROTOCOL_VERSION, type: 'hold', held });
  }

  query<K extends QueryKind>(kind: K, args: QueryArgs<K>): Promise<QueryResult<K>> {
    if (!this.worker || this.session === 0) return Promise.reject(new Error('no archive is open'));
    const id = this.nextQuery++;
    const session = this.session;
    return new Promise<QueryResult<K>>((resolve, reject) => {
      this.pending.set(id, {
        session,
        resolve: resolve as (value: QueryResult<QueryKind>) => void,
        reject,
      });
      this.send({ v: PROTOCOL_VERSION, type: 'query', id, session, query: { kind, args } as ToWorkerQuery });
    });
  }

  /**
   * Lists the saved indexes, or forgets one (or all) and lists what is left. Any of the client's
   * workers can answer, with or without an archive open: the store is the browser's, not a session's.
   */
  savedIndexes(request: SavedIndexRequest): Promise<StoredIndex[]> {
    if (!this.worker && !this.spare) this.warm();
    const worker = this.worker ?? (this.spare as Worker);
    const id = this.nextQuery++;
    return new Promise<StoredIndex[]>((resolve, reject) => {
      // a worker ended by a new open never answers: give up rather than wait forever
      const timer = setTimeout(() => {
        worker.removeEventListener('message', onMessage);
        reject(new Error('the reader did not answer about saved indexes'));
      }, 10_000);
      const onMessage = (event: MessageEvent<unknown>) => {
        const msg = event.data;
        if (!isFromWorker(msg) || msg.type !== 'savedIndexes' || msg.id !== id) return;
        clearTimeout(timer);
        worker.removeEventListener('message', onMessage);
        if (msg.ok) resolve(msg.stored);
        else reject(new Error(msg.error));
      };
      worker.addEventListener('message', onMessage);
      worker.postMessage({ v: PROTOCOL_VERSION, type: 'savedIndexes', id, request } satisfies ToWorker);
    });
  }

  dispose(): void {
    this.dropCandidate();
    this.worker?.terminate();
    this.spare?.terminate();
    this.worker = null;
    this.spare = null;
  }

  private take(): Worker {
    const w = this.spare ?? this.factory();
    this.spare = null;
    w.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (w === this.worker) this.receive(event.data);
      else if (w === this.candidate?.worker) this.receiveCandidate(event.data);
    });
    w.addEventListener('error', (event: ErrorEvent) => {
      if (w === this.candidate?.worker) {
        const { listener } = this.candidate;
        this.dropCandidate();
        listener({
          type: 'failed',
          message: `The reader stopped: ${event.message || 'worker error'}`,
          archive: null,
          entries: 0,
        });
        return;
      }
      if (w !== this.worker) return;
      this.reading = false;
      this.listener?.({
        type: 'failed',
        message: `The reader stopped: ${event.message || 'worker error'}`,
        archive: null,
        entries: 0,
      });
    });
    return w;
  }

  private dropCandidate(): void {
    this.candidate?.worker.terminate();
    this.candidate = null;
  }

  /** The candidate becomes the current archive: the old worker ends, its queries are stale. */
  private promote(c: Candidate): void {
    this.retire();
    this.candidate = null;
    this.worker = c.worker;
    this.session = c.session;
    this.listener = c.listener;
    this.reading = true;
    for (const [id, p] of this.pending) {
      p.reject(new StaleSessionError());
      this.pending.delete(id);
    }
  }

  private receiveCandidate(data: unknown): void {
    const c = this.candidate;
    if (!c || !isFromWorker(data) || data.v !== PROTOCOL_VERSION) return;
    if (
      data.type === 'result' ||
      data.type === 'protocolError' ||
      data.type === 'savedIndexes' ||
      data.session !== c.session
    )
      return;
    const { v: _v, session: _s, ...rest } = data;
    const event = rest as SessionEvent;
    const known = (event.type === 'archive' || event.type === 'done') && event.archive.images.length > 0;
    if (known) {
      this.promote(c);
      if (event.type === 'done') this.reading = false;
      c.listener(event);
      return;
    }
    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') {
      this.dropCandidate();
      if (event.type === 'done')
        c.listener({
          type: 'failed',
          message: 'no image found in the archive',
          archive: null,
          entries: event.entries,
        });
      else c.listener(event);
      return;
    }
    c.listener(event);
  }

  private retire(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private send(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private receive(data: unknown): void {
    if (!isFromWorker(data)) return;
    const msg: FromWorker = data;
    if (msg.v !== PROTOCOL_VERSION) {
      this.listener?.({
        type: 'failed',
        message: `worker speaks protocol ${msg.v}`,
        archive: null,
        entries: 0,
      });
      return;
    }
    if (msg.type === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (p.session !== this.session) p.reject(new StaleSessionError());
      else if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error));
      return;
    }
    if (msg.type === 'protocolError') {
      this.listener?.({ type: 'failed', message: msg.error, archive: null, entries: 0 });
      return;
    }
    if (msg.type === 'savedIndexes') return; // answered where it was asked (savedIndexes below)
    if (msg.session !== this.session) return;
    const { v: _v, session: _s, ...event } = msg;
    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') this.reading = false;
    this.listener?.(event as SessionEvent);
  }
}

type ToWorkerQuery = Extract<ToWorker, { type: 'query' }>['query'];
