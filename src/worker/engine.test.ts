import { describe, expect, it } from 'vitest';
import { MemorySource } from '../core/bytes/byteSource';
import { openArchive } from '../core/image/open';
import { decodeIndex } from '../core/persist/indexCodec';
import { dockerArchive } from '../testing/archives';
import { engineHarness } from '../testing/engineHarness';
import { BackgroundHold } from './backgroundHold';
import { HANDED_INDEX_KEY } from './engine';
import { type FileViewSpec, PROTOCOL_VERSION, type ToWorker } from './protocol';

const v = PROTOCOL_VERSION;

const ARCHIVE = dockerArchive([
  {
    tags: ['demo:1'],
    layers: [
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', content: 'root:x:0:0\n' },
        { name: 'usr/', type: 'dir' },
        { name: 'usr/bin/', type: 'dir' },
        { name: 'usr/bin/tool', content: 'x'.repeat(4000), mode: 0o755 },
        { name: 'tmp/', type: 'dir' },
        { name: 'tmp/big', content: 'y'.repeat(9000) },
      ],
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', content: 'root:x:0:0\napp:x:1000:1000\n', uname: 'root', gname: 'shadow' },
        { name: 'etc/app.conf', content: 'a=1\n' },
      ],
      [
        { name: 'tmp/', type: 'dir' },
        { name: 'tmp/.wh.big', content: '' },
      ],
    ],
  },
  {
    tags: ['demo:base'],
    layers: [
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', content: 'root:x:0:0\n' },
        { name: 'usr/', type: 'dir' },
        { name: 'usr/bin/', type: 'dir' },
        { name: 'usr/bin/tool', content: 'x'.repeat(4000), mode: 0o755 },
        { name: 'tmp/', type: 'dir' },
        { name: 'tmp/big', content: 'y'.repeat(9000) },
      ],
    ],
  },
]);

/** A server for `url` sources: honours Range (206) or not (the whole body, 200); counts bytes sent. */
function fakeServer(bytes: Uint8Array, ranges: boolean) {
  const served = { bytes: 0, requests: 0 };
  const fetchFn = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    served.requests++;
    const range = new Headers(init?.headers).get('Range');
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    if (ranges && m) {
      const start = Number(m[1]);
      const end = Math.min(bytes.length - 1, Number(m[2]));
      served.bytes += end + 1 - start;
      return new Response(bytes.slice(start, end + 1), {
        status: 206,
        headers: { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` },
      });
    }
    served.bytes += bytes.length;
    // in small chunks, so that download progress is reported more than once
    let pos = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pos >= bytes.length) controller.close();
        else {
          controller.enqueue(bytes.slice(pos, pos + 4096));
          pos += 4096;
        }
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Length': String(bytes.length) } });
  }) as typeof fetch;
  return { fetch: fetchFn, served };
}

function harness(bytes: Uint8Array = ARCHIVE, fetchFn?: typeof fetch) {
  return engineHarness(bytes, { fetch: fetchFn });
}

const view = (over: Partial<FileViewSpec> = {}): FileViewSpec => ({
  image: 0,
  layer: 0,
  mode: 'changes',
  sort: 'name',
  filter: '',
  regex: false,
  changes: { added: true, modified: true, removed: true, unmodified: true },
  expandAll: true,
  toggled: [],
  ...over,
});

describe('worker engine', () => {
  it('hands over its finished index in the saved-index form, and refuses while reading', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    // asked at once: the layers are not indexed yet
    const early = h.ask(1, 'indexBytes', {});
    await expect(early).rejects.toThrow(/still being read/);
    await h.until((m) => m.type === 'done');
    // sent unasked right after done (before any image's stats), and on request
    const sent = await h.until((m) => m.type === 'indexReady');
    await h.until((m) => m.type === 'imageStats');
    expect(h.events(1).indexOf('indexReady')).toBe(h.events(1).indexOf('done') + 1);
    expect(h.events(1).indexOf('imageStats')).toBeGreaterThan(h.events(1).indexOf('indexReady'));
    const { bytes } = await h.ask(1, 'indexBytes', {});
    const source = new MemorySource(ARCHIVE, 'demo.tar');
    const read = await openArchive(source);
    for (const given of [bytes, sent.type === 'indexReady' ? sent.bytes : new Uint8Array()]) {
      const handed = await decodeIndex(given, source, HANDED_INDEX_KEY);
      expect(handed.images.map((i) => i.tags)).toEqual(read.images.map((i) => i.tags));
      expect([...handed.blobs.keys()]).toEqual([...read.blobs.keys()]);
      for (const [key, blob] of read.blobs)
        expect(handed.blobs.get(key)?.entries?.toColumns().names).toEqual(blob.entries?.toColumns().names);
    }
  });

  it("a hold puts the background and the views' queries off, not the index; letting go answers them", async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    h.send({ v, type: 'hold', held: true });
    await h.until((m) => m.type === 'indexReady');
    let rowsAnswered = false;
    const rows = h.ask(1, 'rows', { view: view({ layer: 1 }), offset: 0, limit: 50 }).then((r) => {
      rowsAnswered = true;
      return r;
    });
    // the comparison's own ask goes through, and several tasks pass: the rest still waits
    const { bytes } = await h.ask(1, 'indexBytes', {});
    expect(bytes.byteLength).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(rowsAnswered).toBe(false);
    expect(h.events(1)).not.toContain('imageStats');
    h.send({ v, type: 'hold', held: false });
    expect((await rows).rows.map((r) => r.path)).toEqual(['/etc', '/etc/app.conf', '/etc/passwd']);
    await h.until((m) => m.type === 'imageStats');
  });

  it('a file system being built when a hold comes gives way at its next layer, and goes on when let go', async () => {
    /** Counts the build's pauses; the page's hold arrives while the build is at its second. */
    class CountingHold extends BackgroundHold {
      pauses = 0;
      override pause(): Promise<void> {
        this.pauses++;
        if (this.pauses === 2) this.set(true);
        return super.pause();
      }
    }
    const hold = new CountingHold(60_000);
    const h = engineHarness(ARCHIVE, { hold });
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    await h.until((m) => m.type === 'indexReady');
    let answered = false;
    const rows = h.ask(1, 'rows', { view: view({ layer: 1 }), offset: 0, limit: 50 }).then((r) => {
      answered = true;
      return r;
    });
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    // stopped after the first layer's interning: nothing stacked, nothing answered
    expect(hold.pauses).toBe(2);
    expect(answered).toBe(false);
    h.send({ v, type: 'hold', held: false });
    expect((await rows).rows.map((r) => r.path)).toEqual(['/etc', '/etc/app.conf', '/etc/passwd']);
    // before each of the 3 layers' interning and stacking
    expect(hold.pauses).toBe(6);
  });

  it('a hold the page never lets go of lapses by itself', async () => {
    const h = engineHarness(ARCHIVE, { hold: new BackgroundHold(30) });
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    h.send({ v, type: 'hold', held: true });
    const stats = await h.until((m) => m.type === 'imageStats');
    expect(stats.type === 'imageStats' && stats.stats.counts.length).toBe(3);
  });

  it('reports images first, then layers, then the total of entries', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    const done = await h.until((m) => m.type === 'done');
    const types = h.events(1);
    expect(types.indexOf('archive')).toBeLessThan(types.indexOf('blob'));
    expect(types.filter((t) => t === 'blob')).toHaveLength(3);
    expect(types).toContain('imageReady');
    if (done.type !== 'done') throw new Error();
    expect(done.entries).toBe(7 + 3 + 2);
    expect(done.archive.images.map((i) => i.tags)).toEqual([['demo:1'], ['demo:base']]);
    expect(done.archive.blobs.every((b) => b.state === 'indexed')).toBe(true);
  });

  it('answers rows, locate and details queries', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    await h.until((m) => m.type === 'done');
    const changes = await h.ask(1, 'rows', { view: view({ layer: 1 }), offset: 0, limit: 50 });
    expect(changes.rows.map((r) => [r.path, r.change])).toEqual([
      ['/etc', 'unmodified'],
      ['/etc/app.conf', 'added'],
      ['/etc/passwd', 'modified'],
    ]);
    const removed = await h.ask(1, 'rows', { view: view({ layer: 2 }), offset: 0, limit: 50 });
    expect(removed.rows.find((r) => r.path === '/tmp/big')?.change).toBe('removed');

    const merged = await h.ask(1, 'rows', {
      view: view({ layer: 2, mode: 'merged', expandAll: false }),
      offset: 0,
      limit: 50,
    });
    expect(merged.rows.map((r) => r.name)).toEqual(['etc', 'tmp', 'usr']);
    const paged = await h.ask(1, 'rows', { view: view({ layer: 2, mode: 'merged' }), offset: 2, limit: 2 });
    expect(paged.rows).toHaveLength(2);
    expect(paged.total).toBe(7);

    const at = await h.ask(1, 'locate', { view: view({ layer: 2, mode: 'merged' }), path: '/usr/bin/tool' });
    expect(at.index).toBe(6);

    const details = await h.ask(1, 'details', { image: 0, layer: 2, mode: 'merged', path: '/etc/passwd' });
    expect(details?.node?.size).toBe(27);
    expect(details?.timeline.map((t) => [t.layer, t.change])).toEqual([
      [0, 'added'],
      [1, 'modified'],
    ]);
    // The owner's names come from the entry that last wrote the path (layer 1), not from layer 0's.
    expect(details?.owner).toEqual({ uname: 'root', gname: 'shadow' });
    const first = await h.ask(1, 'details', { image: 0, layer: 0, mode: 'merged', path: '/etc/passwd' });
    expect(first?.owner).toBeNull();

    const stats = await h.ask(1, 'imageStats', { image: 0 });
    expect(stats.counts[1]).toMatchObject({ added: 1, modified: 1, removed: 0 });
    expect(stats.analysis?.wastedBytes).toBeGreaterThan(0);
  });

  it('a bad regular expression comes back as filterError', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    await h.until((m) => m.type === 'done');
    const res = await h.ask(1, 'rows', { view: view({ filter: '[', regex: true }), offset: 0, limit: 10 });
    expect(res.filterError).toBeTruthy();
    expect(res.total).toBeGreaterThan(0);
  });

  it('a new open supersedes the old session; old queries are refused', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'a.tar' } });
    h.send({ v, type: 'open', session: 2, source: { kind: 'file', file: h.file, name: 'b.tar' } });
    await h.until((m) => m.type === 'done' && m.session === 2);
    expect(h.events(1)).not.toContain('done');
    await expect(h.ask(1, 'imageStats', { image: 0 })).rejects.toThrow(/stale/);
  });

  it('cancel keeps what was read', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 3, source: { kind: 'file', file: h.file, name: 'a.tar' } });
    h.send({ v, type: 'cancel', session: 3 });
    const end = await h.until((m) => 'session' in m && (m.type === 'cancelled' || m.type === 'done'));
    expect(['cancelled', 'done']).toContain(end.type);
  });

  it('an archive that is not one fails with a message', async () => {
    const h = harness(new TextEncoder().encode('hello, not a tar'.repeat(100)));
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'notes.txt' } });
    const failed = await h.until((m) => m.type === 'failed');
    if (failed.type !== 'failed') throw new Error();
    expect(failed.message).toMatch(/not a tar/);
  });

  it('opens a URL with Range requests: no download, the same index', async () => {
    const server = fakeServer(ARCHIVE, true);
    const h = harness(ARCHIVE, server.fetch);
    h.send({ v, type: 'open', session: 1, source: { kind: 'url', url: 'https://example.test/a/demo.tar' } });
    const done = await h.until((m) => m.type === 'done' || m.type === 'failed');
    if (done.type !== 'done') throw new Error(JSON.stringify(done));
    expect(done.entries).toBe(7 + 3 + 2);
    expect(done.archive.name).toBe('demo.tar');
    expect(done.archive.size).toBe(ARCHIVE.length);
    expect(h.events(1)).not.toContain('download');
    expect(server.served.requests).toBeGreaterThan(1);
  });

  it('a server without Range support: the whole archive is downloaded first, with progress', async () => {
    const server = fakeServer(ARCHIVE, false);
    const h = harness(ARCHIVE, server.fetch);
    h.send({ v, type: 'open', session: 1, source: { kind: 'url', url: 'https://example.test/demo.tar' } });
    const done = await h.until((m) => m.type === 'done' || m.type === 'failed');
    if (done.type !== 'done') throw new Error(JSON.stringify(done));
    expect(done.entries).toBe(7 + 3 + 2);
    const downloads = h.posted.filter((m) => m.type === 'download');
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)).toMatchObject({ received: ARCHIVE.length, total: ARCHIVE.length });
    const types = h.events(1);
    expect(types.indexOf('download')).toBeLessThan(types.indexOf('archive'));
    expect(server.served).toEqual({ requests: 1, bytes: ARCHIVE.length });
  });

  it('a URL that cannot be fetched fails with the address and the likely reason', async () => {
    const failing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const h = harness(ARCHIVE, failing);
    h.send({ v, type: 'open', session: 1, source: { kind: 'url', url: 'https://example.test/x.tar' } });
    const failed = await h.until((m) => m.type === 'failed');
    if (failed.type !== 'failed') throw new Error();
    expect(failed.message).toMatch(/^https:\/\/example\.test\/x\.tar: Failed to fetch.*CORS/);
  });

  it('verify: every digest matches; a changed byte in a layer is named', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    await h.until((m) => m.type === 'done');
    const clean = await h.ask(1, 'verify', {});
    expect(clean).toMatchObject({ problems: [], layersChecked: 3, layersSkipped: [], configsChecked: 2 });
    expect(h.events(1)).toContain('verifyProgress');

    // the content of /etc/app.conf in layer 1: same length, so the tar still reads
    const tampered = ARCHIVE.slice();
    const at = Buffer.from(tampered).indexOf('a=1\n');
    tampered[at + 2] = '2'.charCodeAt(0);
    const t = harness(tampered);
    t.send({ v, type: 'open', session: 1, source: { kind: 'file', file: t.file, name: 'demo.tar' } });
    await t.until((m) => m.type === 'done');
    const report = await t.ask(1, 'verify', {});
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/^layer "[0-9a-f]{64}\/layer\.tar": diff ID is sha256:/);
  });

  it('verify waits for the index', async () => {
    const h = harness();
    h.send({ v, type: 'open', session: 1, source: { kind: 'file', file: h.file, name: 'demo.tar' } });
    await expect(h.ask(1, 'verify', {})).rejects.toThrow(/still being read/);
  });

  it('refuses another protocol version', () => {
    const h = harness();
    h.send({ v: 99, type: 'cancel', session: 1 } as unknown as ToWorker);
    expect(h.posted[0]).toMatchObject({ type: 'protocolError' });
  });
});
