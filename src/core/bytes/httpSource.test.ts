import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerArchive } from '../../testing/archives';
import { openArchive, totalEntries } from '../image/open';
import { HttpRangeSource } from './httpSource';

const archive = dockerArchive([
  {
    tags: ['web:1'],
    layers: [
      [
        { name: 'a', content: 'x'.repeat(5000) },
        { name: 'b', content: 'y' },
      ],
    ],
  },
]);

function serve(rangeSupport: boolean, log: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const range = req.headers.range;
    log.push(range ?? 'full');
    const m = range && rangeSupport ? /bytes=(\d+)-(\d+)/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), archive.length - 1);
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${end}/${archive.length}`,
        'Content-Length': end - start + 1,
      });
      res.end(archive.subarray(start, end + 1));
    } else {
      res.writeHead(200, { 'Content-Length': archive.length });
      res.end(archive);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('HttpRangeSource', () => {
  const logs = { range: [] as string[], plain: [] as string[] };
  let withRange: Server;
  let without: Server;
  const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/images/web.tar`;
  beforeAll(async () => {
    withRange = await serve(true, logs.range);
    without = await serve(false, logs.plain);
  });
  afterAll(() => {
    withRange.close();
    without.close();
  });

  it('reads an archive with Range requests', async () => {
    const source = await HttpRangeSource.open(url(withRange));
    expect(source.size).toBe(archive.length);
    expect(source.name).toBe('web.tar');
    const opened = await openArchive(source);
    expect(opened.images[0].tags).toEqual(['web:1']);
    expect(totalEntries(opened)).toBe(2);
    expect(logs.range.every((r) => r.startsWith('bytes='))).toBe(true);
  });

  it('falls back to one full download, with progress, when the server ignores Range', async () => {
    const progress: number[] = [];
    const source = await HttpRangeSource.open(url(without), { onDownload: (n) => progress.push(n) });
    expect(source.size).toBe(archive.length);
    expect(progress.at(-1)).toBe(archive.length);
    const opened = await openArchive(source);
    expect(opened.images[0].tags).toEqual(['web:1']);
    expect(logs.plain).toEqual(['bytes=0-0']);
  });

  it('says what the server answered when it fails', async () => {
    const failing = createServer((_req, res) => {
      res.writeHead(404, 'Not Found');
      res.end();
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', () => r()));
    const bad = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/x.tar`;
    await expect(HttpRangeSource.open(bad)).rejects.toThrow(`${bad}: the server answered 404 Not Found`);
    failing.close();
  });
});
