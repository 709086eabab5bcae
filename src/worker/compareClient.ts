/**
 * The page's side of the comparison worker: a fresh worker per comparison (ending the last one
 * stops it at once, wherever it is, and frees its archives), typed queries for pages of results.
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

  constructor(private readonly factory: CompareWorkerFactory = defaultCompareWorkerFactory) {}

  /** Starts a comparison (ending any other); `listener` gets its events. Returns the run's id. */
  start(
    a: ComparePlace,
    b: ComparePlace,
    settings: CompareSettings,
    listener: (event: CompareEvent) => void,
  ): number {
    this.stop();
    const worker = this.factory();
    this.worker = worker;
    const run = ++this.run;
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
      if (m.run === run && this.worker === worker) listener(m);
    });
    worker.addEventListener('error', (event) => {
      if (this.worker === worker)
        listener({ type: 'failed', message: event.message || 'the comparison worker failed' });
    });
    // a handed index is copied, not transferred: the page keeps it for the next run (copying
    // 10 MB takes milliseconds; asking the explorer's worker again takes it away from the Files view)
    worker.postMessage({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'start',
      run,
      a,
      b,
      settings,
    } satisfies ToCompareWorker);
    return run;
  }

  /** Asks the worker to stop walking; what was found stays queryable. */
  cancel(): void {
    this.worker?.postMessage({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'cancel',
      run: this.run,
    } satisfies ToCompareWorker);
  }

  /** Ends the worker and everything it holds. */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
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
