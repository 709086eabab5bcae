/**
 * The one interface every importer reads through, so the same code runs on a dropped File in the
 * worker, a file on disk in Node and a buffer in a test.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A short label for messages (file name or URL). */
  readonly name: string;
  /**
   * How many bytes a reader should fetch at once when it walks headers. A read's fixed cost decides
   * it: half a millisecond for a Blob slice (so megabytes at a time), microseconds for a file
   * descriptor (so little, and jump over bodies instead of reading them).
   */
  readonly readAhead?: number;
  /**
   * True when every read returns a buffer of its own, so reads may run at once: a Blob slice costs
   * milliseconds of waiting each, and a few of them side by side cost hardly more than one.
   */
  readonly ownBuffers?: boolean;
  /** With ownBuffers: how many windows a reader keeps being read ahead of the one it parses (default 1). */
  readonly readsAhead?: number;
  /**
   * Reads up to `length` bytes at `offset`; fewer only at the end of the source. The returned
   * array may be a view into a shared buffer: copy it to keep it past the next read.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Fills `target` from `offset` at once (fewer bytes only at the end of the source) and says how
   * many: for sources whose reads are system calls (a file on disk). A reader walking headers then
   * reads every window into the same memory, instead of a fresh buffer per read whose pages the
   * kernel faults in one by one.
   */
  readInto?(offset: number, target: Uint8Array): number;
}

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = 'memory',
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(offset, Math.min(this.size, offset + length));
  }
}

/** Blob and File exist both in browsers (and workers) and in Node 20, so this stays pure. */
export class BlobSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  /**
   * Each slice costs about half a millisecond before a byte arrives: in Chromium 8 MiB windows
   * indexed a 1.5 GB archive in 2.2 s where 2 MiB took 4.4 s (npm run bench).
   */
  readonly readAhead = 8 * 1024 * 1024;
  readonly ownBuffers = true;
  /**
   * Blob reads side by side overlap their waits: in the app, docker-s100.tar was Indexed in a median
   * of 1.39 s with 3 windows being read ahead, 1.42 s with 2 and 1.60 s with 1 (6 alternating runs
   * each); the one-directory archive in 687 against 718 ms. Three cost the renderer 24 MiB more.
   */
  readonly readsAhead = 3;
  constructor(
    readonly blob: Blob,
    name?: string,
  ) {
    this.size = blob.size;
    this.name = name ?? ((blob as { name?: string }).name || 'blob');
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    return new Uint8Array(await this.blob.slice(offset, end).arrayBuffer());
  }
}
