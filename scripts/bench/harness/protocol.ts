import type { FoundLayer } from '../experiment';

export interface HarnessOptions {
  window?: number;
  chunk?: number;
  zstd?: 'fzstd' | 'zstddec';
  /** Uncompressed layers through Blob.stream(), gzip through Blob.stream().pipeThrough(DecompressionStream). */
  stream?: boolean;
  /** Uncompressed layers through a double-buffered (prefetching) window. */
  prefetch?: boolean;
}

export type ToWorker =
  | { kind: 'open'; file: File }
  | { kind: 'find'; file: File }
  | { kind: 'count'; file: File; layers: FoundLayer[]; options: HarnessOptions }
  /** Raw read throughput: the whole file through slice().arrayBuffer() of `chunk` bytes, or stream(). */
  | { kind: 'read'; file: File; chunk: number; stream: boolean; sync: boolean; inflight: number }
  /**
   * The read floor: exactly these byte ranges (the ones our walker reads, recorded in Node with the
   * Blob source's read-ahead) through one read method; "entries" are the ranges read.
   */
  | { kind: 'ranges'; file: File; ranges: [number, number][]; method: FloorMethod };

/** How the read floor reads: awaited slices one after another, FileReaderSync, or 4 slices in flight. */
export type FloorMethod = 'async' | 'sync' | 'inflight';

export type FromWorker =
  | { kind: 'progress'; entries: number }
  | { kind: 'layers'; layers: FoundLayer[] }
  | { kind: 'done'; entries: number; ms: number }
  | { kind: 'error'; message: string };
