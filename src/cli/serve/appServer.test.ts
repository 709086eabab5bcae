import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, parseRange, startAppServer } from './appServer';

const dir = mkdtempSync(join(tmpdir(), 'ilx-server-test-'));
const appDir = join(dir, 'dist');
const archive = join(dir, 'my archive.tar');
const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
const CSP = "default-src 'none'; script-src 'self'";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, headers, method },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let server: AppServer;
beforeAll(async () => {
  mkdirSync(join(appDir, 'assets'), { recursive: true });
  writeFileSync(
    join(appDir, 'index.html'),
    `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${CSP.replace(/'/g, '&#39;')}"></head><body></body></html>`,
  );
  writeFileSync(join(appDir, 'assets', 'app.js'), 'export {};\n');
  writeFileSync(join(dir, 'secret.txt'), 'outside the app\n');
  writeFileSync(archive, bytes);
  server = await startAppServer({ appDir, archivePath: archive, graceMs: 50 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('parseRange', () => {
  it('reads the forms browsers send and refuses what cannot be served', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('bad');
    expect(parseRange('bytes=-', 100)).toBe('bad');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
  });
});

describe('the local server', () => {
  it('listens on 127.0.0.1 and names the archive under a random token', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.archiveUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{24}\/my_archive\.tar$/);
    expect(new URL(new URL(server.pageUrl).searchParams.get('url')!, server.pageUrl).href).toBe(
      server.archiveUrl,
    );
  });

  it('serves byte ranges of the archive, and all of it', async () => {
    const part = await get(server.archiveUrl, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 1000-1999/5000');
    expect(part.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    const whole = await get(server.archiveUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.body.equals(bytes)).toBe(true);
    expect((await get(server.archiveUrl, { range: 'bytes=6000-' })).status).toBe(416);
    const head = await get(server.archiveUrl, {}, 'HEAD');
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '5000', 0]);
  });

  it('serves the app with its policy as a header and the session script in the page', async () => {
    const page = await get(`${server.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(`${CSP}; frame-ancestors 'none'`);
    const token = new URL(server.archiveUrl).pathname.split('/')[1];
    expect(page.body.toString()).toContain(
      `<script type="module" src="./${token}/session.js"></script></head>`,
    );
    expect((await get(`${server.origin}/assets/app.js`)).status).toBe(200);
    expect((await get(`${server.origin}/${token}/session.js`)).body.toString()).toContain('new EventSource');
  });

  it('answers 404 for everything else, 421 to a foreign Host, 405 to other methods', async () => {
    const token = new URL(server.archiveUrl).pathname.split('/')[1];
    for (const path of [
      '/assets/',
      '/assets',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/my_archive.tar',
      `/${token}/other.tar`,
      `/${token}/`,
      '/%00',
    ])
      expect((await get(`${server.origin}${path}`)).status, path).toBe(404);
    const port = new URL(server.origin).port;
    expect((await get(server.archiveUrl, { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(`${server.origin}/`, { host: 'localhost:1' })).status).toBe(421);
    expect((await get(`${server.origin}/`, { host: `localhost:${port}` })).status).toBe(200);
    expect((await get(`${server.origin}/`, {}, 'POST')).status).toBe(405);
  });

  it('says when the last page closed and none came back', async () => {
    let idle = false;
    server.onIdle(() => {
      idle = true;
    });
    const token = new URL(server.archiveUrl).pathname.split('/')[1];
    const open = () =>
      new Promise<() => void>((resolve) => {
        const req = request(`${server.origin}/${token}/events`, (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.once('data', () => resolve(() => req.destroy()));
        });
        req.on('error', () => {});
        req.end();
      });
    const first = await open();
    const second = await open();
    first();
    await new Promise((r) => setTimeout(r, 150));
    expect(idle).toBe(false); // one page is still open
    second();
    await new Promise((r) => setTimeout(r, 150));
    expect(idle).toBe(true);
  });
});
