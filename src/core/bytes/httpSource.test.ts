import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerArchive } from '../../testing/archives';
import { xorshift } from '../../testing/xorshift';
import { openArchive, totalEntries } from '../image/open';
import { HttpError, HttpRangeSource } from './httpSource';
import { prefetchedChunksOf, WindowedReader } from './reader';

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

const KiB = 1024;
const MiB = 1024 * KiB;

/** toEqual compares typed arrays element by element, seconds for a few MiB. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Bytes that differ from their neighbours, so a read served from the wrong offset shows. */
function noise(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const next = xorshift(0x9e3779b9);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

interface Served {
  range: string;
  /** Body bytes the socket accepted. */
  sent: number;
  /** The whole body went out. */
  finished: boolean;
  /** The client closed the connection before the body was all sent. */
  aborted: boolean;
}

interface StreamServerOptions {
  /** Open-ended ranges (`bytes=a-`) stop after this many body bytes. */
  cutAfter?: number;
  /** How a cut stream ends: the socket destroyed mid-body, or a chunked body ended cleanly. */
  cut?: 'destroy' | 'end';
  /** Open-ended ranges are answered 200 with the whole file, as by a server that cannot stream one. */
  refuseOpenEnded?: boolean;
}

/**
 * Serves `bytes` with Range support in 256 KiB writes that wait for the socket to drain, so a
 * response the client stops reading stays unfinished (and `aborted` shows its cancellation).
 */
function streamServer(bytes: Uint8Array, options: StreamServerOptions = {}) {
  const served: Served[] = [];
  const server = createServer((req, res) => {
    const range = req.headers.range ?? '';
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    // small writes waiting on drain otherwise meet delayed ACKs on loopback (40 ms stalls)
    res.socket?.setNoDelay(true);
    const record: Served = { range: range || 'full', sent: 0, finished: false, aborted: false };
    served.push(record);
    const openEnded = m !== null && m[2] === '';
    let start = 0;
    let end = bytes.length - 1;
    if (m && !(openEnded && options.refuseOpenEnded)) {
      start = Number(m[1]);
      end = m[2] === '' ? bytes.length - 1 : Math.min(Number(m[2]), bytes.length - 1);
      const chunked = openEnded && options.cutAfter !== undefined && options.cut === 'end';
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${end}/${bytes.length}`,
        ...(chunked ? {} : { 'Content-Length': end - start + 1 }),
      });
    } else {
      res.writeHead(200, { 'Content-Length': bytes.length });
    }
    const stop = openEnded && options.cutAfter !== undefined ? start + options.cutAfter : end + 1;
    let pos = start;
    res.on('close', () => {
      if (!record.finished) record.aborted = true;
    });
    const pump = () => {
      while (pos <= end) {
        if (pos >= stop) {
          if (options.cut === 'end') res.end();
          else res.destroy();
          return;
        }
        const part = bytes.subarray(pos, Math.min(end + 1, stop, pos + 256 * KiB));
        pos += part.length;
        record.sent += part.length;
        if (!res.write(part)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end(() => {
        record.finished = true;
      });
    };
    pump();
  });
  const listening = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/noise.bin`),
    ),
  );
  return {
    served,
    url: () => listening,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('HttpRangeSource streams a walk', () => {
  // larger than the socket buffers between two processes' worth of loopback, so an abandoned
  // stream is cut short rather than finished before anyone looks
  const bytes = noise(32 * MiB);
  const window = 64 * KiB;

  it('serves a sequential walk from one stream, byte for byte', async () => {
    const server = streamServer(bytes);
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: window });
      const windows = 64;
      for (let i = 0; i < windows; i++) {
        const got = await source.read(i * window, window);
        expect(same(got, bytes.subarray(i * window, (i + 1) * window))).toBe(true);
      }
      // the probe, the walk's first window (bounded), then one stream for the other 63
      expect(server.served.map((s) => s.range)).toEqual([
        'bytes=0-0',
        `bytes=0-${window - 1}`,
        `bytes=${window}-`,
      ]);
    } finally {
      server.close();
    }
  });

  it('serves reads asked before the one before them has arrived (a reader reading ahead)', async () => {
    const server = streamServer(bytes);
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: window });
      const parts: Uint8Array[] = [];
      // the next read is in flight while this one is consumed, as WindowedReader does with ownBuffers
      for await (const part of prefetchedChunksOf(source, 0, 8 * MiB, window)) parts.push(part.slice());
      expect(Buffer.concat(parts).equals(Buffer.from(bytes.subarray(0, 8 * MiB)))).toBe(true);
      expect(server.served.length).toBeLessThanOrEqual(3);
    } finally {
      server.close();
    }
  });

  it('a tar walk through WindowedReader over HTTP asks for a stream and few requests', async () => {
    // many small entries, dense headers: the walk reads window after window
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      name: `f/${i}`,
      content: 'z'.repeat(i % 700),
    }));
    const tar = dockerArchive([{ tags: ['dense:1'], layers: [entries] }]);
    const server = streamServer(tar);
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: 32 * KiB });
      const opened = await openArchive(source);
      expect(totalEntries(opened)).toBe(3000);
      const windows = Math.ceil(tar.length / (32 * KiB));
      expect(windows).toBeGreaterThan(40);
      expect(server.served.filter((s) => s.range.endsWith('-')).length).toBeGreaterThanOrEqual(1);
      expect(server.served.length).toBeLessThan(windows / 4);
      // the direct reader sees the same bytes as a walk over memory would
      const reader = new WindowedReader(source, 0, tar.length);
      expect(Buffer.from(await reader.read(tar.length)).equals(Buffer.from(tar))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('gives random reads their own bytes while a walk streams, concurrently', async () => {
    const server = streamServer(bytes);
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: window });
      const checks: Promise<void>[] = [];
      const random = xorshift(7);
      for (let i = 0; i < 48; i++) {
        const at = i * window;
        checks.push(
          source.read(at, window).then((b) => expect(same(b, bytes.subarray(at, at + window))).toBe(true)),
        );
        // far from the walk, odd offsets and lengths, not awaited before the walk's next read
        const off = 16 * MiB + (random() % (15 * MiB));
        const len = 1 + (random() % (3 * window));
        checks.push(
          source
            .read(off, len)
            .then((b) => expect(same(b, bytes.subarray(off, Math.min(bytes.length, off + len)))).toBe(true)),
        );
        if (i % 4 === 3) await Promise.all(checks);
      }
      await Promise.all(checks);
      // the walk's 48 windows: its first reads overlap (bounded, none has ended when the next is
      // asked), then one stream serves the rest
      const walk = server.served.filter((r) => Number(/\d+/.exec(r.range)?.[0] ?? -1) < 16 * MiB);
      expect(walk.length).toBeLessThanOrEqual(7);
      expect(walk.filter((r) => r.range.endsWith('-')).length).toBe(1);
    } finally {
      server.close();
    }
  });

  it('goes to a bounded request for a far jump and a backward one, and the walk keeps its stream', async () => {
    const server = streamServer(bytes);
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: window });
      for (let i = 0; i < 4; i++) await source.read(i * window, window);
      const far = 20 * MiB + 123;
      expect(same(await source.read(far, 1000), bytes.subarray(far, far + 1000))).toBe(true);
      const back = window + 5;
      expect(same(await source.read(back, 1000), bytes.subarray(back, back + 1000))).toBe(true);
      // a small forward gap stays on the stream: its bytes are read and dropped
      const after = 4 * window + 100 * KiB;
      expect(same(await source.read(after, window), bytes.subarray(after, after + window))).toBe(true);
      expect(server.served.map((s) => s.range)).toEqual([
        'bytes=0-0',
        `bytes=0-${window - 1}`,
        `bytes=${window}-`,
        `bytes=${far}-${far + window - 1}`,
        `bytes=${back}-${back + window - 1}`,
      ]);
    } finally {
      server.close();
    }
  });

  it('cancels a stream left unread, and one that newer walks replaced', async () => {
    const server = streamServer(bytes);
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: window, streamIdleMs: 50 });
      for (let i = 0; i < 3; i++) await source.read(i * window, window);
      const first = server.served[2];
      expect(first.range).toBe(`bytes=${window}-`);
      await until(() => first.aborted, 'the idle stream to be closed');
      expect(first.finished).toBe(false);
      expect(first.sent).toBeLessThan(bytes.length / 2);

      // three walks in turn: the oldest of their streams is given up when the third opens
      const walk = async (base: number) => {
        for (let i = 0; i < 3; i++) {
          const at = base + i * window;
          expect(same(await source.read(at, window), bytes.subarray(at, at + window))).toBe(true);
        }
      };
      const slow = await HttpRangeSource.open(await server.url(), {
        readAhead: window,
        streamIdleMs: 60_000,
      });
      const before = server.served.length;
      const walkOn = async (base: number) => {
        for (let i = 0; i < 3; i++) await slow.read(base + i * window, window);
      };
      await walkOn(0);
      await walkOn(8 * MiB);
      await walk(0); // the idle-cancelled source opens a stream again for a new walk
      const streamsOfSlow = () => server.served.slice(before).filter((s) => s.range.endsWith('-'));
      expect(streamsOfSlow().length).toBe(3); // slow's two, then `source`'s new one
      await walkOn(16 * MiB);
      const [a, b] = streamsOfSlow();
      await until(() => a.aborted, 'the replaced stream to be closed');
      expect(b.aborted).toBe(false);
    } finally {
      server.close();
    }
  });

  it('a stream cut off by the server is an HttpError naming the range', async () => {
    for (const cut of ['destroy', 'end'] as const) {
      const server = streamServer(bytes, { cutAfter: 3 * window + 1000, cut });
      try {
        const source = await HttpRangeSource.open(await server.url(), { readAhead: window });
        await source.read(0, window);
        for (let i = 1; i <= 3; i++) await source.read(i * window, window);
        const failed = source.read(4 * window, window);
        await expect(failed).rejects.toBeInstanceOf(HttpError);
        await expect(failed).rejects.toThrow(
          // a destroyed socket may take its last chunk with it
          new RegExp(`^${await server.url()}: asked for ${window} bytes at ${4 * window}, got (1000|0)\\b`),
        );
        // the next read does not trust the broken stream: a bounded request, and the right bytes
        const again = await source.read(4 * window, window);
        expect(same(again, bytes.subarray(4 * window, 5 * window))).toBe(true);
        expect(server.served.at(-1)?.range).toBe(`bytes=${4 * window}-${5 * window - 1}`);
      } finally {
        server.close();
      }
    }
  });

  it('falls back to bounded reads when the server answers an open-ended range with the whole file', async () => {
    const server = streamServer(bytes, { refuseOpenEnded: true });
    try {
      const source = await HttpRangeSource.open(await server.url(), { readAhead: window });
      for (let i = 0; i < 6; i++) {
        expect(
          same(await source.read(i * window, window), bytes.subarray(i * window, (i + 1) * window)),
        ).toBe(true);
      }
      const ranges = server.served.map((s) => s.range);
      // one try at a stream, refused and cancelled, then bounded requests only
      expect(ranges.filter((r) => r.endsWith('-'))).toEqual([`bytes=${window}-`]);
      expect(ranges.slice(3).every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true);
      await until(() => server.served[2].aborted, 'the refused response to be closed');
    } finally {
      server.close();
    }
  });
});
