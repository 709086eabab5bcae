import type { ByteSource } from './byteSource';

/**
 * A forward-only cursor. Tar walking needs nothing more, and both a random-access file (where
 * `skip` jumps without reading) and a decompression stream (where `skip` must consume) fit it.
 */
export interface SequentialReader {
  /** Bytes consumed (read or skipped) so far, relative to the start of this reader. */
  readonly position: number;
  /** Exactly `n` bytes, or fewer only at the end of the data. The view is valid until the next call. */
  read(n: number): Promise<Uint8Array>;
  /** Advances by `n` bytes; returns how many were actually skipped (fewer at the end). */
  skip(n: number): Promise<number>;
  /** Total length when known (random access), else undefined. */
  readonly length: number | undefined;
  /**
   * `n` bytes at once when they are already buffered, else null. Lets the tar walker read most
   * headers without a promise: at 100k entries the awaits alone cost more than the parsing.
   */
  readBuffered?(n: number): Uint8Array | null;
  /** Frees what the reader holds (a decoder's memory) when it is left before its end. */
  close?(): void;
}

export const DEFAULT_WINDOW = 2 * 1024 * 1024;

/** The read after a long jump: a header and a small body or two, not megabytes of a big body's neighbour. */
export const SPARSE_WINDOW = 64 * 1024;
/** A jump longer than this means headers are far apart here: the next window is SPARSE_WINDOW. */
export const SPARSE_GAP = 1024 * 1024;

/**
 * Reads a range of a ByteSource through a read-ahead window. One `Blob.slice().arrayBuffer()`
 * costs milliseconds before a byte arrives, so reading each 512-byte header on its own would be a
 * hundred times slower than fetching megabytes and serving headers out of them. Bodies larger
 * than the window are jumped over, never fetched.
 *
 * The window adapts: where headers are dense (the last fetch continued where the previous window
 * ended, or close to it) it is the source's full read-ahead; after a jump of more than SPARSE_GAP
 * it is SPARSE_WINDOW, because headers that far apart (an outer archive's layer.tar members, a
 * layer of big files) would otherwise cost megabytes of body per header. The first fetch is small
 * too: a reader often wants only a few headers (a member's JSON, the head of a layer).
 */
export class WindowedReader implements SequentialReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private pos = 0;
  /** Where the previous window ended, or -1 before the first fetch. */
  private fetchedEnd = -1;
  /**
   * The windows after the current one, already being read (ByteSource.readsAhead of them, one by
   * default), in order and back to back: where headers are dense the next reads almost always want
   * them, and with a Blob each read waits milliseconds that the parsing of this window can fill.
   * Only for sources whose reads have buffers of their own (ByteSource.ownBuffers).
   */
  private ahead: { start: number; end: number; bytes: Promise<Uint8Array> }[] = [];
  readonly length: number;
  /** The memory every window is read into, with `reuse` and a source that reads into memory given. */
  private memory: Uint8Array | null = null;

  constructor(
    private readonly source: ByteSource,
    private readonly start = 0,
    end = source.size,
    private readonly windowSize = source.readAhead ?? DEFAULT_WINDOW,
    /**
     * Read each window into the same memory where the source can (ByteSource.readInto): only for
     * readers whose callers keep no view past their next call, as the contract says (the tar
     * walks of the index). Opening docker-s100.tar in Node took 194–197 ms this way against
     * 242–270 ms with a fresh buffer per read (9 runs each, alternating in one process).
     */
    private readonly reuse = false,
  ) {
    this.length = Math.max(0, end - start);
  }

  get position(): number {
    return this.pos;
  }

  readBuffered(n: number): Uint8Array | null {
    const off = this.pos - this.windowStart;
    if (off < 0 || off + n > this.window.length) return null;
    this.pos += n;
    return this.window.subarray(off, off + n);
  }

  async read(n: number): Promise<Uint8Array> {
    const want = Math.min(n, this.length - this.pos);
    if (want <= 0) return new Uint8Array(0);
    const rel = this.pos - this.windowStart;
    if (rel < 0 || rel + want > this.window.length) await this.refill(want);
    const off = this.pos - this.windowStart;
    // fewer than asked only at the end of the data
    const got = this.window.subarray(off, Math.min(off + want, this.window.length));
    this.pos += got.length;
    return got;
  }

  /** A window that holds the `want` bytes at the position (or all that is left of them). */
  private async refill(want: number): Promise<void> {
    const gap = this.pos - this.fetchedEnd;
    const dense = this.fetchedEnd >= 0 && gap >= 0 && gap <= SPARSE_GAP;
    const size = dense ? this.windowSize : Math.min(this.windowSize, SPARSE_WINDOW);
    let window: Uint8Array | null = null;
    let start = this.pos;
    // the windows read ahead up to the position go; the one holding it is taken; a jump past all drops them
    while (this.ahead.length > 0 && this.ahead[0].end <= this.pos) this.ahead.shift();
    const ahead = this.ahead[0];
    if (ahead && ahead.start <= this.pos && this.pos < ahead.end) {
      this.ahead.shift();
      const bytes = await ahead.bytes;
      const end = ahead.start + bytes.length;
      if (this.pos + want <= end || end >= this.length) {
        window = bytes;
        start = ahead.start;
      }
    }
    if (window === null) {
      this.ahead = [];
      window = await this.fetch(Math.min(Math.max(want, size), this.length - this.pos));
    }
    this.window = window;
    this.windowStart = start;
    this.fetchedEnd = start + window.length;
    const inFlight = this.source.readsAhead ?? 1;
    if (dense && this.source.ownBuffers) {
      let from = this.ahead.length > 0 ? this.ahead[this.ahead.length - 1].end : this.fetchedEnd;
      while (this.ahead.length < inFlight && from < this.length) {
        const end = Math.min(this.length, from + this.windowSize);
        const bytes = this.source.read(this.start + from, end - from);
        bytes.catch(() => undefined); // a jump past it drops it; a failure shows when it is used
        this.ahead.push({ start: from, end, bytes });
        from = end;
      }
    }
  }

  /** `n` bytes at the position: into the reader's own memory where it may (see `reuse`), else a read of their own. */
  private async fetch(n: number): Promise<Uint8Array> {
    const at = this.start + this.pos;
    if (!this.reuse || !this.source.readInto || this.source.ownBuffers) return this.source.read(at, n);
    if (this.memory === null || this.memory.length < n)
      this.memory = new Uint8Array(Math.max(n, this.windowSize));
    return this.memory.subarray(0, this.source.readInto(at, this.memory.subarray(0, n)));
  }

  async skip(n: number): Promise<number> {
    const step = Math.max(0, Math.min(n, this.length - this.pos));
    this.pos += step;
    return step;
  }
}

/**
 * A cursor over a stream of chunks (a decompressor's output, a network body). Skipping has to
 * consume, but it drops whole chunks without copying them.
 */
export class StreamReader implements SequentialReader {
  private chunks: Uint8Array[] = [];
  /** With volatile chunks: which of `chunks` are copies this reader owns. */
  private owned: boolean[] = [];
  private head = 0; // offset into chunks[0]
  private buffered = 0;
  private pos = 0;
  private done = false;
  readonly length = undefined;

  /**
   * `volatile`: each chunk `next` returns is valid only until `next` is called again (a view into
   * a decoder's output buffer). The reader then copies whatever it still holds of earlier chunks
   * before asking for another, so its own views stay valid as the SequentialReader contract says;
   * a walk that only reads headers and skips bodies copies a few bytes at chunk boundaries.
   */
  constructor(
    private readonly next: () => Promise<Uint8Array | null>,
    private readonly volatile = false,
  ) {}

  private keepHeld(): void {
    for (let i = 0; i < this.chunks.length; i++) {
      if (this.owned[i]) continue;
      const rest = i === 0 ? this.chunks[0].subarray(this.head) : this.chunks[i];
      this.chunks[i] = rest.slice();
      this.owned[i] = true;
      if (i === 0) this.head = 0;
    }
  }

  private shift(): void {
    this.chunks.shift();
    if (this.volatile) this.owned.shift();
    this.head = 0;
  }

  get position(): number {
    return this.pos;
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      if (this.volatile) this.keepHeld();
      const chunk = await this.next();
      if (chunk === null) {
        this.done = true;
        break;
      }
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      if (this.volatile) this.owned.push(false);
      this.buffered += chunk.length;
    }
  }

  readBuffered(n: number): Uint8Array | null {
    const first = this.chunks[0];
    if (first === undefined || first.length - this.head < n) return null;
    const out = first.subarray(this.head, this.head + n);
    this.head += n;
    if (this.head === first.length) this.shift();
    this.buffered -= n;
    this.pos += n;
    return out;
  }

  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const want = Math.min(n, this.buffered);
    if (want === 0) return new Uint8Array(0);
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first.length - this.head >= want) {
      out = first.subarray(this.head, this.head + want);
      this.head += want;
      if (this.head === first.length) this.shift();
    } else {
      out = new Uint8Array(want);
      let filled = 0;
      while (filled < want) {
        const c = this.chunks[0];
        const take = Math.min(c.length - this.head, want - filled);
        out.set(c.subarray(this.head, this.head + take), filled);
        filled += take;
        this.head += take;
        if (this.head === c.length) this.shift();
      }
    }
    this.buffered -= want;
    this.pos += want;
    return out;
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        await this.fill(1);
        if (this.buffered === 0) break;
      }
      const c = this.chunks[0];
      const take = Math.min(c.length - this.head, left);
      this.head += take;
      left -= take;
      this.buffered -= take;
      if (this.head === c.length) this.shift();
    }
    const skipped = n - left;
    this.pos += skipped;
    return skipped;
  }
}

/** Reads exactly `n` bytes of a reader into a new array (for bodies we keep, like JSON). */
export async function readFully(reader: SequentialReader, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    const part = await reader.read(Math.min(n - filled, DEFAULT_WINDOW));
    if (part.length === 0) break;
    out.set(part, filled);
    filled += part.length;
  }
  return filled === n ? out : out.subarray(0, filled);
}

/**
 * Yields a source range as chunks with the next read already in flight: a decompressor works on
 * one chunk while the source fetches the next (in a browser the Blob is read in another process,
 * so reading and decoding overlap). Costs one chunk of memory more than reading on demand; a
 * consumer that stops early leaves at most that one read unused.
 */
export async function* prefetchedChunksOf(
  source: ByteSource,
  start: number,
  end: number,
  chunkSize = source.readAhead ?? DEFAULT_WINDOW,
): AsyncGenerator<Uint8Array> {
  const fetch = (off: number): Promise<Uint8Array> | null => {
    if (off >= end) return null;
    const p = source.read(off, Math.min(chunkSize, end - off));
    // Read ahead of the consumer: if it stops first, this read's failure is nobody's business.
    p.catch(() => undefined);
    return p;
  };
  let off = start;
  let pending = fetch(off);
  while (pending) {
    const part = await pending;
    if (part.length === 0) return;
    off += part.length;
    pending = fetch(off);
    yield part;
  }
}

/** Yields a source range as chunks, for feeding a decompressor. */
export async function* chunksOf(
  source: ByteSource,
  start: number,
  end: number,
  chunkSize = DEFAULT_WINDOW,
): AsyncGenerator<Uint8Array> {
  for (let off = start; off < end; off += chunkSize) {
    const part = await source.read(off, Math.min(chunkSize, end - off));
    if (part.length === 0) return;
    yield part;
  }
}
