/**
 * Another site that hosts archives, for `?url=` tests: on 127.0.0.1 only (another port, so another
 * origin than the app), with CORS headers, honouring Range requests or not, counting what it sends.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  method: string;
  path: string;
  range: string | null;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

export interface ArchiveServer {
  server: Server;
  origin: string;
  /** The address of a served file: `${origin}/${name}`. */
  urlOf(name: string): string;
  requests: ServedRequest[];
  /** Body bytes sent for GET requests so far. */
  bytesSent(): number;
  close(): Promise<void>;
}

export interface ArchiveServerOptions {
  /** name (path without the leading slash) → file on disk */
  files: Record<string, string>;
  /** Honour `Range: bytes=a-b` with 206 (true), or always send the whole file with 200 (false). */
  ranges: boolean;
  /** Send whole files in chunks of this size with `delayMs` between them, so that progress shows. */
  throttle?: { chunk: number; delayMs: number };
  /** Send the CORS headers (default true). */
  cors?: boolean;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'range',
  // Content-Range is not a CORS-safelisted response header: without this the page cannot see it
  'access-control-expose-headers': 'content-range, content-length, accept-ranges',
};

export function startArchiveServer(options: ArchiveServerOptions): Promise<ArchiveServer> {
  const requests: ServedRequest[] = [];
  const cache = new Map<string, Buffer>();
  const load = (name: string): Buffer | null => {
    const file = options.files[name];
    if (!file) return null;
    let bytes = cache.get(file);
    if (!bytes) {
      bytes = readFileSync(file);
      cache.set(file, bytes);
    }
    return bytes;
  };
  const cors = options.cors === false ? {} : CORS;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const range = req.headers.range ?? null;
    const record: ServedRequest = { method: req.method ?? 'GET', path, range, status: 0, bytes: 0 };
    requests.push(record);
    if (req.method === 'OPTIONS') {
      record.status = 204;
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD' }).end();
      return;
    }
    const bytes = load(decodeURIComponent(path.slice(1)));
    if (!bytes || (req.method !== 'GET' && req.method !== 'HEAD')) {
      record.status = 404;
      res.writeHead(404, cors).end();
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
    if (options.ranges && m) {
      const start = Number(m[1]);
      const end = Math.min(bytes.length - 1, m[2] ? Number(m[2]) : bytes.length - 1);
      if (start >= bytes.length || end < start) {
        record.status = 416;
        res.writeHead(416, { ...cors, 'content-range': `bytes */${bytes.length}` }).end();
        return;
      }
      const body = bytes.subarray(start, end + 1);
      record.status = 206;
      record.bytes = req.method === 'GET' ? body.length : 0;
      res.writeHead(206, {
        ...cors,
        'accept-ranges': 'bytes',
        'content-type': 'application/x-tar',
        'content-length': body.length,
        'content-range': `bytes ${start}-${end}/${bytes.length}`,
      });
      res.end(req.method === 'GET' ? body : undefined);
      return;
    }
    record.status = 200;
    res.writeHead(200, {
      ...cors,
      ...(options.ranges ? { 'accept-ranges': 'bytes' } : {}),
      'content-type': 'application/x-tar',
      'content-length': bytes.length,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const throttle = options.throttle;
    if (!throttle) {
      record.bytes = bytes.length;
      res.end(bytes);
      return;
    }
    let pos = 0;
    const pump = () => {
      if (res.destroyed) return;
      if (pos >= bytes.length) {
        res.end();
        return;
      }
      const part = bytes.subarray(pos, pos + throttle.chunk);
      pos += part.length;
      record.bytes += part.length;
      res.write(part);
      setTimeout(pump, throttle.delayMs);
    };
    pump();
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      resolveStart({
        server,
        origin,
        urlOf: (name) => `${origin}/${name}`,
        requests,
        bytesSent: () => requests.reduce((n, r) => n + (r.method === 'GET' ? r.bytes : 0), 0),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
