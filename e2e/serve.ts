/**
 * A tiny static server for the e2e tests: serves dist/ under a sub-path (the built site must work
 * from any sub-path of any static host), nothing else, no network. It sends the CSP of
 * dist/index.html's meta tag as a header too (plus frame-ancestors, which a meta tag cannot carry):
 * workers take their policy from headers, not from the page.
 *   PORT=4321 BASE=/tools/explorer/ npx tsx e2e/serve.ts
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DIST = resolve(fileURLToPath(new URL('../dist', import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
  '.tar': 'application/x-tar',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

/** The policy of the built index.html's `<meta http-equiv="Content-Security-Policy">`. */
export function builtCsp(root = DIST): string {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
  if (!meta) throw new Error('dist/index.html has no Content-Security-Policy meta tag');
  return meta[1].replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"');
}

export interface StaticServer {
  server: Server;
  /** http://127.0.0.1:<port><base> */
  url: string;
  /** Every request, as method and path (with the query). */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

export function startStaticServer(options: {
  base: string;
  port?: number;
  root?: string;
}): Promise<StaticServer> {
  const root = options.root ?? DIST;
  const base = options.base;
  const requests: { method: string; path: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404).end('not under the base path');
      return;
    }
    const rel = decodeURIComponent(url.pathname.slice(base.length)) || 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
        'content-security-policy': `${builtCsp(root)}; frame-ancestors 'none'`,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolveStart({
        server,
        url: `http://127.0.0.1:${port}${base}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 4321);
  const base = process.env.BASE ?? '/tools/explorer/';
  void startStaticServer({ base, port }).then(({ url }) => console.log(`serving ${DIST} at ${url}`));
}
