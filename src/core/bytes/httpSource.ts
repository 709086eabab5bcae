import { BlobSource, type ByteSource } from './byteSource';

/** A window per request: each HTTP round trip costs milliseconds, so fetch generously. */
const HTTP_READ_AHEAD = 4 * 1024 * 1024;
/** Windows kept: readers alternate between a member's start (a sniff, a header) and its body. */
const HTTP_CACHED_WINDOWS = 2;

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
}

/**
 * An archive behind a URL, read with HTTP Range requests so that only headers and the files a
 * person opens are fetched. A server that ignores Range gets one full download instead (kept as a
 * Blob, which browsers may spill to disk), with progress.
 */
export class HttpRangeSource implements ByteSource {
  readonly readAhead = HTTP_READ_AHEAD;
  /**
   * Each fetch fills an array of its own and a kept window is never written again, so reads may
   * overlap: a reader walking headers asks for the next window while it parses this one, and the
   * round trip (about 10 ms for 4 MiB from a local server) is hidden behind the parse.
   */
  readonly ownBuffers = true;
  /** The last windows fetched, newest first: readers often ask again for what they just had. */
  private windows: { start: number; bytes: Uint8Array }[] = [];

  private constructor(
    private readonly url: string,
    readonly size: number,
    readonly name: string,
    private readonly fetchFn: typeof fetch,
    private readonly signal: AbortSignal | undefined,
  ) {}

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
      return new HttpRangeSource(url, Number(total[1]), name, fetchFn, options.signal);
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
   * and each request costs a round trip). Returned arrays are views into the kept windows.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    for (const w of this.windows) {
      if (offset >= w.start && end <= w.start + w.bytes.length)
        return w.bytes.subarray(offset - w.start, end - w.start);
    }
    const fetchEnd = Math.min(this.size, Math.max(end, offset + this.readAhead));
    const bytes = await this.fetchRange(offset, fetchEnd);
    if (bytes.length <= this.readAhead) {
      this.windows.unshift({ start: offset, bytes });
      this.windows.length = Math.min(this.windows.length, HTTP_CACHED_WINDOWS);
    }
    return bytes.subarray(0, end - offset);
  }

  private async fetchRange(offset: number, end: number): Promise<Uint8Array> {
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
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length !== end - offset) {
      throw new HttpError(
        this.url,
        206,
        `${this.url}: asked for ${end - offset} bytes at ${offset}, got ${bytes.length}`,
      );
    }
    return bytes;
  }
}
