import { BlobSource, type ByteSource } from './byteSource';

/** A window per request: each HTTP round trip costs milliseconds, so fetch generously. */
const HTTP_READ_AHEAD = 4 * 1024 * 1024;
/** Windows kept: readers alternate between a member's start (a sniff, a header) and its body. */
const HTTP_CACHED_WINDOWS = 2;
/**
 * A forward jump a stream covers by reading and dropping the bytes in between rather than by a
 * request of its own. A request costs Chromium about 25 ms before its first byte, and 1 MiB
 * arrives from a local server in 1.5 ms, from a 10 MB/s one in 0.1 s, about a round trip.
 */
const STREAM_SKIP = 1024 * 1024;
/** Two walkers at once (the index and a big file's contents, say) each keep their stream. */
const MAX_STREAMS = 2;
/** A stream nobody has read for this long is given up, so the server stops sending. */
const STREAM_IDLE_MS = 1000;

export class HttpError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpOpenOptions {
  fetch?: typeof fetch;
  /** Called while a server without Range support is downloaded whole. */
  onDownload?(received: number, total: number | null): void;
  signal?: AbortSignal;
  /** Bytes per read (HTTP_READ_AHEAD); tests walk many windows of a small archive with less. */
  readAhead?: number;
  /** How long an unread stream stays open (STREAM_IDLE_MS). */
  streamIdleMs?: number;
}

/**
 * An archive behind a URL, read with HTTP Range requests so that only headers and the files a
 * person opens are fetched. A server that ignores Range gets one full download instead (kept as a
 * Blob, which browsers may spill to disk), with progress.
 *
 * Reads that follow one another (a walk over dense headers, a layer decoded from start to end) are
 * served from one open-ended request (`Range: bytes=<offset>-`) read as it arrives: in headless
 * Chromium 1.5 GB took 6.8 s in 8 MiB requests and 2.2 s as one streamed response, because each
 * request has a large fixed cost there. Reads elsewhere (a file's contents, a far jump) stay
 * bounded requests, so they never wait behind a stream or fetch more than they need.
 */
export class HttpRangeSource implements ByteSource {
  readonly readAhead: number;
  /**
   * Each fetch fills an array of its own and a kept window is never written again, so reads may
   * overlap: a reader walking headers asks for the next window while it parses this one, and the
   * round trip (about 10 ms for 4 MiB from a local server) is hidden behind the parse.
   */
  readonly ownBuffers = true;
  /** The last windows fetched, newest first: readers often ask again for what they just had. */
  private windows: { start: number; bytes: Uint8Array }[] = [];
  /** Where the last bounded fetches ended, newest first: a read that starts there begins a walk. */
  private ends: number[] = [];
  /** Open streams, most recently used first. */
  private streams: RangeStream[] = [];
  /** Set when the server answered an open-ended range with anything but the range asked. */
  private streamsRefused = false;
  private readonly idleMs: number;

  private constructor(
    readonly url: string,
    readonly size: number,
    readonly name: string,
    readonly fetchFn: typeof fetch,
    readonly signal: AbortSignal | undefined,
    options: HttpOpenOptions,
  ) {
    this.readAhead = options.readAhead ?? HTTP_READ_AHEAD;
    this.idleMs = options.streamIdleMs ?? STREAM_IDLE_MS;
  }

  static async open(url: string, options: HttpOpenOptions = {}): Promise<ByteSource> {
    // bound: browsers throw "Illegal invocation" when fetch is called as a method of another object
    const fetchFn = options.fetch ?? fetch.bind(globalThis);
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'archive');
    const probe = await fetchFn(url, { headers: { Range: 'bytes=0-0' }, signal: options.signal });
    if (probe.status === 206) {
      const total = /\/(\d+)\s*$/.exec(probe.headers.get('Content-Range') ?? '');
      await probe.body?.cancel();
      if (!total)
        throw new HttpError(url, 206, `${url}: the server answered a Range request without a total size`);
      return new HttpRangeSource(url, Number(total[1]), name, fetchFn, options.signal, options);
    }
    if (!probe.ok)
      throw new HttpError(
        url,
        probe.status,
        `${url}: the server answered ${probe.status} ${probe.statusText}`,
      );
    // No Range support: read the whole body once.
    const lengthHeader = probe.headers.get('Content-Length');
    const total = lengthHeader ? Number(lengthHeader) : null;
    const parts: Uint8Array[] = [];
    let received = 0;
    const reader = probe.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        received += value.length;
        options.onDownload?.(received, total);
      }
    }
    return new BlobSource(new Blob(parts as BlobPart[]), name);
  }

  /**
   * Serves a read from a window fetched before when one holds it; otherwise fetches at least a
   * read-ahead window (a 1 KiB sniff of a layer is followed by the layer's headers right after it,
   * and each request costs a round trip), from a stream when the read continues a walk. Returned
   * arrays are views into the kept windows.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    for (const w of this.windows) {
      if (offset >= w.start && end <= w.start + w.bytes.length)
        return w.bytes.subarray(offset - w.start, end - w.start);
    }
    const fetchEnd = Math.min(this.size, Math.max(end, offset + this.readAhead));
    const stream = this.streamFor(offset, fetchEnd);
    let bytes: Uint8Array;
    if (stream) {
      bytes = await stream.read(offset, fetchEnd);
    } else {
      bytes = await this.fetchRange(offset, fetchEnd);
      this.ends.unshift(fetchEnd);
      this.ends.length = Math.min(this.ends.length, HTTP_CACHED_WINDOWS);
    }
    if (bytes.length <= this.readAhead) {
      this.windows.unshift({ start: offset, bytes });
      this.windows.length = Math.min(this.windows.length, HTTP_CACHED_WINDOWS);
    }
    return bytes.subarray(0, end - offset);
  }

  /**
   * The stream this read belongs to: one already positioned at or just before it, or a new one
   * when the read continues where a bounded fetch ended (the second window of a walk). The first
   * read of a walk stays bounded, so a lone read after a jump never opens a stream.
   */
  private streamFor(offset: number, fetchEnd: number): RangeStream | null {
    const index = this.streams.findIndex((s) => s.accepts(offset));
    if (index >= 0) {
      const [stream] = this.streams.splice(index, 1);
      this.streams.unshift(stream);
      return stream;
    }
    // a read that reaches the end leaves nothing for a stream to serve after it
    if (this.streamsRefused || fetchEnd >= this.size || this.signal?.aborted) return null;
    const from = this.ends.findIndex((e) => offset >= e && offset - e <= STREAM_SKIP);
    if (from < 0) return null;
    // one walk, one stream: a later read just after the same end is a step back from this walk
    this.ends.splice(from, 1);
    const stream = new RangeStream(this, offset, this.idleMs);
    this.streams.unshift(stream);
    for (const old of this.streams.splice(MAX_STREAMS)) old.retire();
    return stream;
  }

  /** @internal A stream that has ended, failed or idled out leaves the list. */
  forget(stream: RangeStream): void {
    this.streams = this.streams.filter((s) => s !== stream);
  }

  /**
   * @internal The body of `bytes=<offset>-`, or null (and no more streams from this source) when
   * the server answers it with anything but that range: the read then falls back to a bounded one.
   */
  async openStream(offset: number): Promise<ReadableStreamDefaultReader<Uint8Array> | null> {
    const response = await this.fetchFn(this.url, {
      headers: { Range: `bytes=${offset}-` },
      signal: this.signal,
    });
    const body = response.body;
    if (response.status !== 206 || !body || !startsAt(response, offset)) {
      this.streamsRefused = true;
      await body?.cancel().catch(() => undefined);
      return null;
    }
    return body.getReader();
  }

  /** @internal */
  async fetchRange(offset: number, end: number): Promise<Uint8Array> {
    const response = await this.fetchFn(this.url, {
      headers: { Range: `bytes=${offset}-${end - 1}` },
      signal: this.signal,
    });
    if (response.status !== 206) {
      throw new HttpError(
        this.url,
        response.status,
        `${this.url}: expected 206 for bytes ${offset}-${end - 1}, got ${response.status}`,
      );
    }
    if (!startsAt(response, offset)) {
      await response.body?.cancel().catch(() => undefined);
      throw new HttpError(
        this.url,
        206,
        `${this.url}: asked for bytes ${offset}-${end - 1}, the server sent ${response.headers.get('Content-Range')}`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw this.broken(error, offset, end, null);
    }
    if (bytes.length !== end - offset) {
      throw new HttpError(
        this.url,
        206,
        `${this.url}: asked for ${end - offset} bytes at ${offset}, got ${bytes.length}`,
      );
    }
    return bytes;
  }

  /**
   * @internal What a body that broke off mid-read becomes: the abort itself when the source was
   * stopped, else an HttpError naming the range (`got` when known).
   */
  broken(error: unknown, offset: number, end: number, got: number | null): unknown {
    if (this.signal?.aborted) return error;
    const why = error instanceof Error ? error.message : String(error);
    const received = got === null ? '' : `, got ${got}`;
    return new HttpError(
      this.url,
      206,
      `${this.url}: asked for ${end - offset} bytes at ${offset}${received}: the response broke off (${why})`,
    );
  }
}

/**
 * True unless the response names a range that does not start at `offset` (a server that ignores
 * the start would hand back other bytes). Without an exposed Content-Range there is nothing to
 * check, and the length check still catches a short body.
 */
function startsAt(response: Response, offset: number): boolean {
  const range = response.headers.get('Content-Range');
  if (range === null) return true;
  const start = /^\s*bytes\s+(\d+)-/.exec(range);
  return start !== null && Number(start[1]) === offset;
}

/**
 * One open-ended response, read in order. Reads are queued (each waits for the one before it), so
 * the body is consumed by one read at a time and every read gets the bytes at its own offset;
 * `next` is where the last queued read ends, so a read is accepted only if it starts there or a
 * little after. Nothing is buffered beyond what a read asks for but the rest of one chunk.
 */
class RangeStream {
  /** Where the last queued read ends: the next read must start there or up to STREAM_SKIP after. */
  private next: number;
  /** The offset of `rest`'s first byte (where the body continues when `rest` is empty). */
  private at: number;
  /** The unread part of the last chunk. */
  private rest: Uint8Array = new Uint8Array(0);
  private readonly reader: Promise<ReadableStreamDefaultReader<Uint8Array> | null>;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  /** Failed, ended, cancelled or refused: queued reads fall back to bounded fetches. */
  private dead = false;
  /** Replaced by newer streams: cancelled once its queued reads are done. */
  private retired = false;
  private idle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly http: HttpRangeSource,
    private readonly start: number,
    private readonly idleMs: number,
  ) {
    this.next = start;
    this.at = start;
    this.reader = http.openStream(start);
    // a failed open shows in the first read, which awaits it
    this.reader.catch(() => undefined);
  }

  accepts(offset: number): boolean {
    return !this.dead && !this.retired && offset >= this.next && offset - this.next <= STREAM_SKIP;
  }

  read(offset: number, end: number): Promise<Uint8Array> {
    this.next = end;
    this.pending++;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    const task = this.queue.then(() =>
      this.dead ? this.http.fetchRange(offset, end) : this.take(offset, end),
    );
    this.queue = task.then(
      () => this.settled(),
      () => this.settled(),
    );
    return task;
  }

  retire(): void {
    this.retired = true;
    if (this.pending === 0) this.cancel();
  }

  private settled(): void {
    this.pending--;
    if (this.pending > 0) return;
    if (this.dead || this.retired) this.cancel();
    else this.idle = setTimeout(() => this.cancel(), this.idleMs);
  }

  /** Stops the response, so the server stops sending. */
  private cancel(): void {
    this.dead = true;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    this.rest = new Uint8Array(0);
    this.http.forget(this);
    this.reader.then((reader) => reader?.cancel()).catch(() => undefined);
  }

  private async take(offset: number, end: number): Promise<Uint8Array> {
    let reader: ReadableStreamDefaultReader<Uint8Array> | null;
    try {
      reader = await this.reader;
    } catch (error) {
      this.dead = true;
      throw error;
    }
    if (reader === null) {
      this.dead = true;
      return this.http.fetchRange(offset, end);
    }
    try {
      while (this.at < offset) {
        if (this.rest.length === 0) await this.more(reader, offset, end);
        const drop = Math.min(this.rest.length, offset - this.at);
        this.rest = this.rest.subarray(drop);
        this.at += drop;
      }
      const n = end - offset;
      if (this.rest.length >= n) return this.consume(n);
      const out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        if (this.rest.length === 0) await this.more(reader, offset, end);
        const part = this.consume(Math.min(this.rest.length, n - filled));
        out.set(part, filled);
        filled += part.length;
      }
      return out;
    } catch (error) {
      this.dead = true;
      throw error;
    }
  }

  private consume(n: number): Uint8Array {
    const part = this.rest.subarray(0, n);
    this.rest = this.rest.subarray(n);
    this.at += n;
    return part;
  }

  /** The body's next chunk into `rest`; an end or a failure before `end` is the read's error. */
  private async more(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    offset: number,
    end: number,
  ): Promise<void> {
    const got = Math.max(0, this.at - offset);
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw this.http.broken(error, offset, end, got);
    }
    if (chunk.done) {
      throw new HttpError(
        this.http.url,
        206,
        `${this.http.url}: asked for ${end - offset} bytes at ${offset}, got ${got} (the response for bytes ${this.start}- ended at ${this.at})`,
      );
    }
    this.rest = chunk.value;
  }
}
