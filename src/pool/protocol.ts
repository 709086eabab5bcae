import type { LayerJob, PackedLayerIndex } from '../core/image/layerIndex';

/** From the owner of the model to a pool worker (which was given its archive when it was spawned). */
export type ToPoolWorker = { type: 'job'; id: number; job: LayerJob } | { type: 'cancel'; id: number };

/** From a pool worker: progress in archive bytes, then the layer's packed index or why it failed. */
export type FromPoolWorker =
  | { type: 'bytes'; id: number; bytes: number }
  | { type: 'done'; id: number; result: PackedLayerIndex }
  | { type: 'failed'; id: number; message: string };

/**
 * A pool worker as its owner sees it, whatever runs it: a Web Worker in the browser, a
 * worker_threads Worker in Node.
 */
export interface PoolPort {
  post(message: ToPoolWorker): void;
  /** Messages, and the worker's own failure (it could not start, or it died). */
  listen(onMessage: (message: FromPoolWorker) => void, onFailure: (error: unknown) => void): void;
  terminate(): void;
}

/** The worker's side of the port. */
export interface PoolWorkerPort {
  post(message: FromPoolWorker, transfer: ArrayBuffer[]): void;
  listen(onMessage: (message: ToPoolWorker) => void): void;
}
