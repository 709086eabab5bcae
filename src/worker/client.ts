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
  type SessionEvent,
  type SourceSpec,
  type ToWorker,
} from './protocol';

export type WorkerFactory = () => Worker;

export function defaultWorkerFactory(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'archive-reader' });
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

export class ExplorerClient {
  private worker: Worker | null = null;
  private spare: Worker | null = null;
  private session = 0;
  private reading = false;
  private nextQuery = 1;
  private readonly pending = new Map<number, Pending>();
  private listener: ((event: SessionEvent) => void) | null = null;

  constructor(private readonly factory: WorkerFactory = defaultWorkerFactory) {}

  /** Keeps a worker loaded ahead of time, so that an open never waits for one to start. */
  warm(): void {
    if (!this.spare) this.spare = this.factory();
  }

  open(source: SourceSpec, listener: (event: SessionEvent) => void): number {
    // A fresh worker per archive: the old one may be deep in a layer or still answering queries
    // about its archive, and ending it frees its memory at once.
    this.retire();
    this.worker = this.take();
    setTimeout(() => this.warm(), 250);
    this.session++;
    this.reading = true;
    this.listener = listener;
    for (const [id, p] of this.pending) {
      p.reject(new StaleSessionError());
      this.pending.delete(id);
    }
    this.send({ v: PROTOCOL_VERSION, type: 'open', session: this.session, source });
    return this.session;
  }

  /** Stops reading; what was read stays queryable. */
  cancel(): void {
    if (this.worker && this.reading)
      this.send({ v: PROTOCOL_VERSION, type: 'cancel', session: this.session });
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

  dispose(): void {
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
    });
    w.addEventListener('error', (event: ErrorEvent) => {
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
    if (msg.session !== this.session) return;
    const { v: _v, session: _s, ...event } = msg;
    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') this.reading = false;
    this.listener?.(event as SessionEvent);
  }
}

type ToWorkerQuery = Extract<ToWorker, { type: 'query' }>['query'];
