import {
  type LayerIndexHooks,
  type LayerIndexResult,
  type LayerJob,
  type LayerPool,
  unpackLayerIndex,
} from '../core/image/layerIndex';
import type { FromPoolWorker, PoolPort } from './protocol';

export interface LayerWorkerPoolOptions {
  /** Workers at most; each indexes one layer at a time. */
  size: number;
  /** Starts one worker, already given the archive it reads. */
  spawn: () => PoolPort;
  /**
   * Fewer compressed layers than this are read by the owner itself: with one layer there is
   * nothing to overlap, and a worker's start (tens of milliseconds) would be pure cost.
   */
  minLayers?: number;
}

interface Job {
  id: number;
  job: LayerJob;
  hooks: LayerIndexHooks;
  resolve: (result: LayerIndexResult) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  port: PoolPort;
  job: Job | null;
}

/**
 * Compressed layers decoded in parallel: a queue of layers over up to `size` workers, started as
 * the jobs come. Each layer is streamed by one worker from start to end; results are resolved as
 * they finish and the owner merges them in layer order (openArchive). Platform-free: the browser
 * and Node each give it a `spawn`.
 */
export class LayerWorkerPool implements LayerPool {
  readonly size: number;
  readonly minLayers: number;
  private readonly lanes: Lane[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** What the pool did, for tests and the benchmark: workers started, layers indexed, jobs failed. */
  readonly stats = { started: 0, indexed: 0, failed: 0 };

  constructor(private readonly options: LayerWorkerPoolOptions) {
    this.size = Math.max(1, Math.floor(options.size));
    this.minLayers = options.minLayers ?? 2;
  }

  accepts(job: LayerJob): boolean {
    return !this.closed && (job.compression === 'gzip' || job.compression === 'zstd');
  }

  index(job: LayerJob, hooks: LayerIndexHooks): Promise<LayerIndexResult> {
    return new Promise<LayerIndexResult>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the layer pool was closed'));
        return;
      }
      const entry: Job = { id: this.nextId++, job, hooks, resolve, reject };
      const { signal } = hooks;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', () => this.cancel(entry, signal.reason), { once: true });
      this.queue.push(entry);
      this.pump();
    });
  }

  /** Workers running now. */
  get workers(): number {
    return this.lanes.length;
  }

  /** Stops every worker; jobs still waiting or running are rejected. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the layer pool was closed'));
    for (const lane of this.lanes.splice(0)) {
      lane.job?.reject(new Error('the layer pool was closed'));
      lane.port.terminate();
    }
  }

  private cancel(job: Job, reason: unknown): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const lane = this.lanes.find((l) => l.job === job);
    if (lane) {
      lane.port.post({ type: 'cancel', id: job.id });
      lane.job = null;
    }
    job.reject(reason);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let lane = this.lanes.find((l) => l.job === null);
      if (!lane && this.lanes.length < this.size) {
        try {
          lane = this.startLane();
        } catch (error) {
          // no worker can start here (its script is missing, workers are refused): every waiting
          // layer fails now and is read by the owner, and the pool takes no more
          if (this.lanes.length > 0) return;
          this.closed = true;
          for (const job of this.queue.splice(0)) {
            this.stats.failed++;
            job.reject(error);
          }
          return;
        }
      }
      if (!lane) return;
      const job = this.queue.shift() as Job;
      lane.job = job;
      lane.port.post({ type: 'job', id: job.id, job: job.job });
    }
  }

  private startLane(): Lane {
    const lane: Lane = { port: this.options.spawn(), job: null };
    this.stats.started++;
    this.lanes.push(lane);
    lane.port.listen(
      (message) => this.receive(lane, message),
      (error) => {
        // a worker that died takes its layer with it: that job fails (the owner reads it itself)
        const i = this.lanes.indexOf(lane);
        if (i >= 0) this.lanes.splice(i, 1);
        lane.port.terminate();
        const job = lane.job;
        lane.job = null;
        if (job) this.stats.failed++;
        job?.reject(error instanceof Error ? error : new Error(String(error)));
        this.pump();
      },
    );
    return lane;
  }

  private receive(lane: Lane, message: FromPoolWorker): void {
    const job = lane.job;
    // a cancelled job's last messages arrive after it was dropped
    if (!job || job.id !== message.id) return;
    if (message.type === 'bytes') {
      job.hooks.onBytes?.(message.bytes);
      return;
    }
    lane.job = null;
    if (message.type === 'done') {
      this.stats.indexed++;
      job.resolve(unpackLayerIndex(message.result));
    } else {
      this.stats.failed++;
      job.reject(new Error(message.message));
    }
    this.pump();
  }
}
