/**
 * The page's side of the comparison worker: one worker while the archive shown stays (it reads
 * ahead what a run needs, `prepare`, and keeps it between runs; `stop` ends it and frees its
 * archives), typed queries for pages of results.
 */
import {
  COMPARE_PROTOCOL_VERSION,
  type CompareEvent,
  type ComparePlace,
  type CompareQueryKind,
  type CompareQueryMap,
  type CompareSettings,
  type FromCompareWorker,
  type ToCompareWorker,
} from './compareProtocol';
import type { SourceSpec } from './protocol';

export type CompareWorkerFactory = () => Worker;

export function defaultCompareWorkerFactory(): Worker {
  return new Worker(new URL('./compareWorker.ts', import.meta.url), {
    type: 'module',
    name: 'archive-compare',
  });
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class CompareClient {
  private worker: Worker | null = null;
  private run = 0;
  private nextQuery = 1;
  private readonly pending = new Map<number, Pending>();
  private listener: ((event: CompareEvent) => void) | null = null;
  /** The store keeps one SourceSpec object per archive it names, so the object names the archive. */
  private readonly sourceIds = new WeakMap<SourceSpec, number>();
  private nextSourceId = 1;

  constructor(private readonly factory: CompareWorkerFactory = defaultCompareWorkerFactory) {}

  /** Starts a comparison (the worker ends any other); `listener` gets its events. Returns the run's id. */
  start(
    a: ComparePlace,
    b: ComparePlace,
    settings: CompareSettings,
    listener: (event: CompareEvent) => void,
  ): number {
    const worker = this.workerOf();
    const run = ++this.run;
    this.listener = listener;
    // a handed index is copied, not transferred: the page keeps it for the next run (copying
    // 10 MB takes milliseconds; asking the explorer's worker again takes it away from the Files view)
    worker.postMessage({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'start',
      run,
      a: this.named(a),
      b: this.named(b),
      settings,
    } satisfies ToCompareWorker);
    return run;
  }

  /**
   * Makes the worker now, with nothing to do yet: loading and compiling its script then happens
   * while the person picks B, not after (it was most of the 170-250 ms from picking B to the
   * worker's first message).
   */
  warm(): void {
    this.workerOf();
  }

  /** Asks the worker to read ahead what a run of these places needs (made now if there is none). */
  prepare(a: ComparePlace, b: ComparePlace): void {
    this.workerOf().postMessage({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'prepare',
      a: this.named(a),
      b: this.named(b),
    } satisfies ToCompareWorker);
  }

  /** The place with its source's name for the worker: one archive keeps one name (see ComparePlace.sourceId). */
  private named(place: ComparePlace): ComparePlace {
    if (!place.source) return place;
    let id = this.sourceIds.get(place.source);
    if (id === undefined) {
      id = this.nextSourceId++;
      this.sourceIds.set(place.source, id);
    }
    return { ...place, sourceId: id };
  }

  private workerOf(): Worker {
    if (this.worker) return this.worker;
    const worker = this.factory();
    this.worker = worker;
    worker.addEventListener('message', (event: MessageEvent<FromCompareWorker>) => {
      const m = event.data;
      if (!m || m.v !== COMPARE_PROTOCOL_VERSION) return;
      if (m.type === 'result') {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(m.error));
        return;
      }
      if (m.run === this.run && this.worker === worker) this.listener?.(m);
    });
    worker.addEventListener('error', (event) => {
      if (this.worker === worker)
        this.listener?.({ type: 'failed', message: event.message || 'the comparison worker failed' });
    });
    return worker;
  }

  /** Asks the worker to stop walking; what was found stays queryable. */
  cancel(): void {
    this.worker?.postMessage({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'cancel',
      run: this.run,
    } satisfies ToCompareWorker);
  }

  /** Ends the worker and everything it holds (another archive is shown, or a run must stop at once). */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
    this.listener = null;
    for (const [id, p] of this.pending) {
      p.reject(new Error('the comparison was closed'));
      this.pending.delete(id);
    }
  }

  query<K extends CompareQueryKind>(
    kind: K,
    args: CompareQueryMap[K]['args'],
  ): Promise<CompareQueryMap[K]['result']> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('no comparison is open'));
    const id = this.nextQuery++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({
        v: COMPARE_PROTOCOL_VERSION,
        type: 'query',
        id,
        run: this.run,
        query: { kind, args } as ToCompareWorker & { type: 'query' } extends { query: infer Q } ? Q : never,
      } satisfies ToCompareWorker);
    });
  }
}
