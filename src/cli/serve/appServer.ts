import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';

/**
 * One local HTTP server for the built app and one archive: what `image-layer-explorer <archive>`
 * opens in the browser. Its rules, because any web page the user visits can make the browser send
 * requests to 127.0.0.1:
 * - it listens on 127.0.0.1 only;
 * - the archive and the page's session live under a random token (`/<token>/…`), so no other site
 *   can guess where the archive is;
 * - requests whose Host is not this server's own (`127.0.0.1:<port>`, `localhost:<port>`) are
 *   refused with 421, which defeats DNS rebinding (a rebound name still sends its own Host);
 * - only GET and HEAD; no directory listings; no path outside the app's folder and that one file;
 *   everything else is 404.
 * - The page's Content-Security-Policy (the app's own meta tag) is sent as a header as well.
 * The page loads `/<token>/session.js`, which keeps an EventSource open to `/<token>/events`: when
 * the last one closes (the last tab of it closed) the server reports it, and the CLI quits.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page's end of the session: an EventSource whose closing tells the server the tab is gone. */
const SESSION_SCRIPT = `// image-layer-explorer: keeps the command running while this page is open.
const events = new EventSource(new URL('events', import.meta.url));
addEventListener('pagehide', () => events.close());
`;

export interface AppServerOptions {
  /** The built app (dist/): index.html and its files. */
  appDir: string;
  archivePath: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** How long the server waits after the last page closed before saying so (a reload reconnects). */
  graceMs?: number;
}

export interface AppServer {
  /** The page to open: the app with `?url=` naming the archive (relative to the page). */
  pageUrl: string;
  origin: string;
  archiveUrl: string;
  /** Called once when the last page closed and none came back within the grace period. */
  onIdle(listener: () => void): void;
  close(): Promise<void>;
}

/** The policy of the built index.html's `<meta http-equiv="Content-Security-Policy">`, or null. */
function metaCsp(html: string): string | null {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  return meta ? meta[1].replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"') : null;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` of a file of `size` bytes; null to send it whole, 'bad' for 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null; // several ranges, or another unit: the whole file, as RFC 9110 allows
  const [, from, to] = match;
  if (from === '' && to === '') return 'bad';
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const appDir = resolve(options.appDir);
  const indexPath = join(appDir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`the built app is missing: no ${indexPath}`);
  const token = randomBytes(18).toString('base64url');
  const archivePath = resolve(options.archivePath);
  const archiveName = basename(archivePath).replace(/[^\w.+-]/g, '_') || 'archive.tar';
  const archiveRoute = `/${token}/${archiveName}`;
  const html = readFileSync(indexPath, 'utf8');
  const csp = metaCsp(html);
  // The session script comes from this server's own origin, so script-src 'self' allows it.
  const page = html.replace('</head>', `<script type="module" src="./${token}/session.js"></script></head>`);
  const graceMs = options.graceMs ?? 4000;

  const idleListeners: (() => void)[] = [];
  let openPages = 0;
  let everOpened = false;
  let idleTimer: NodeJS.Timeout | null = null;
  const sessions = new Set<ServerResponse>();

  const common = (type: string): Record<string, string> => ({
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    ...(csp ? { 'content-security-policy': `${csp}; frame-ancestors 'none'` } : {}),
  });
  const notFound = (res: ServerResponse) => {
    res
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      .end('not found\n');
  };

  let allowedHosts = new Set<string>();

  const serveArchive = (req: IncomingMessage, res: ServerResponse) => {
    let size: number;
    try {
      size = statSync(archivePath).size;
    } catch {
      notFound(res);
      return;
    }
    const range = parseRange(req.headers.range, size);
    const headers = { ...common('application/x-tar'), 'accept-ranges': 'bytes' };
    if (range === 'bad') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(Math.max(0, end - start + 1)),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    // 1 MiB reads: with the default 64 KiB a 4 MiB window is 64 reads and as many socket writes.
    createReadStream(archivePath, { start, end, highWaterMark: 1 << 20 }).pipe(res);
  };

  const serveSession = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...common('text/event-stream'), connection: 'keep-alive' });
    res.write(': open\n\n');
    openPages++;
    everOpened = true;
    sessions.add(res);
    if (idleTimer) {
      clearTimeout(idleTimer);
      idleTimer = null;
    }
    // A comment now and then keeps proxies and the browser from timing the stream out.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      sessions.delete(res);
      openPages--;
      if (openPages === 0 && everOpened) {
        idleTimer = setTimeout(() => {
          idleTimer = null;
          if (openPages === 0) for (const listener of idleListeners.splice(0)) listener();
        }, graceMs);
      }
    });
  };

  const serveAppFile = (pathname: string, req: IncomingMessage, res: ServerResponse) => {
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, { ...common(TYPES['.html']), 'content-length': String(Buffer.byteLength(page)) });
      res.end(req.method === 'HEAD' ? undefined : page);
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(1));
    } catch {
      notFound(res);
      return;
    }
    const file = resolve(appDir, relative);
    // Inside the app's folder, a file, no NUL or backslash tricks: else 404, with no listing.
    if (!file.startsWith(appDir + sep) || relative.includes('\0') || relative.includes('\\')) {
      notFound(res);
      return;
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      notFound(res);
      return;
    }
    res.writeHead(200, {
      ...common(TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'),
      'content-length': String(size),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res
        .writeHead(421, { 'content-type': 'text/plain; charset=utf-8' })
        .end('misdirected request: unknown Host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      notFound(res);
      return;
    }
    if (pathname === archiveRoute) serveArchive(req, res);
    else if (pathname === `/${token}/events`) serveSession(req, res);
    else if (pathname === `/${token}/session.js`) {
      res.writeHead(200, common(TYPES['.js'])).end(req.method === 'HEAD' ? undefined : SESSION_SCRIPT);
    } else if (pathname.startsWith(`/${token}/`)) notFound(res);
    else serveAppFile(pathname, req, res);
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;
  const archiveUrl = `${origin}${archiveRoute}`;
  return {
    origin,
    archiveUrl,
    // Relative, so the page works at localhost:<port> too (an absolute 127.0.0.1 address would then
    // be another origin, which this server sends no CORS headers for).
    pageUrl: `${origin}/?url=${encodeURIComponent(`.${archiveRoute}`)}`,
    onIdle: (listener) => idleListeners.push(listener),
    close: () =>
      new Promise<void>((resolvePromise) => {
        if (idleTimer) clearTimeout(idleTimer);
        for (const session of sessions) session.end();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}
