import { BlobSource, type ByteSource } from './byteSource';

/** A window per request: each HTTP round trip costs milliseconds, so fetch generously. */
const HTTP_READ_AHEAD = 4 * 1024 * 1024;

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

  private constructor(
    private readonly url: string,
    readonly size: number,
    readonly name: string,
    private readonly fetchFn: typeof fetch,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(url: string, options: HttpOpenOptions = {}): Promise<ByteSource> {
    const fetchFn = options.fetch ?? fetch;
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

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
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
