import { describe, expect, it } from 'vitest';
import { MemorySource } from '../core/bytes/byteSource';
import { recordLaterSeekPoints } from '../core/image/laterSeekPoints';
import { indexLayer } from '../core/image/layerIndex';
import { decodeIndex, readIndexInfo } from '../core/persist/indexCodec';
import { evictionsFor, MAX_STORED_INDEXES, MemoryIndexStore, type StoredIndex } from '../storage/indexStore';
import { dockerArchive, ociArchive } from '../testing/archives';
import { type EngineHarnessOptions, engineHarness } from '../testing/engineHarness';
import type { BuildEntry } from '../testing/tarBuilder';
import { PROTOCOL_VERSION, type ToWorker } from './protocol';

const v = PROTOCOL_VERSION;

const ARCHIVE = dockerArchive([
  {
    tags: ['demo:1'],
    layers: [
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', content: 'root:x:0:0\n' },
        { name: 'usr/bin/tool', content: 'x'.repeat(4000), mode: 0o755 },
      ],
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/.wh.passwd', content: '' },
        { name: 'etc/app.conf', content: 'a=1\n' },
      ],
    ],
  },
]);

function harness(
  store = new MemoryIndexStore(),
  bytes = ARCHIVE,
  recordSeekPoints?: EngineHarnessOptions['recordSeekPoints'],
) {
  const { send, until, ask, nextId, reads, setFileSource, posted } = engineHarness(bytes, {
    indexStore: store,
    recordSeekPoints,
  });
  const open = async (session: number, remember = true, lastModified = 1000) => {
    send({
      v,
      type: 'open',
      session,
      source: { kind: 'file', file: new Blob([]), name: 'demo.tar', lastModified, remember },
    });
    const done = await until((m) => m.type === 'done' && 'session' in m && m.session === session);
    if (done.type !== 'done') throw new Error();
    return done;
  };
  const saved = async (request: Extract<ToWorker, { type: 'savedIndexes' }>['request']) => {
    const id = nextId();
    send({ v, type: 'savedIndexes', id, request });
    const reply = await until((m) => m.type === 'savedIndexes' && m.id === id);
    if (reply.type !== 'savedIndexes' || !reply.ok) throw new Error('savedIndexes failed');
    return reply.stored;
  };
  /** The save happens after 'done': wait until the store holds it. */
  const stored = async (count: number) => {
    for (let i = 0; i < 200 && store.files.size < count; i++) await new Promise((r) => setTimeout(r, 5));
    expect(store.files.size).toBe(count);
  };
  return { store, reads, open, ask, saved, stored, setSource: setFileSource, posted };
}

const rowsOf = (h: ReturnType<typeof harness>, session: number, layer: number) =>
  h.ask(session, 'rows', {
    view: {
      image: 0,
      layer,
      mode: 'merged',
      sort: 'name',
      filter: '',
      regex: false,
      changes: { added: true, modified: true, removed: true, unmodified: true },
      expandAll: true,
      toggled: [],
    },
    offset: 0,
    limit: 100,
  });

describe('saved indexes', () => {
  it('re-opening the same file restores its index without reading the archive, with the same answers', async () => {
    const h = harness();
    const first = await h.open(1);
    expect(first.fromSavedIndex).toBeUndefined();
    await h.stored(1);
    const firstRows = await rowsOf(h, 1, 1);
    const firstStats = await h.ask(1, 'imageStats', { image: 0 });

    const second = await h.open(2);
    expect(second.fromSavedIndex).toBe(true);
    expect(h.reads.archives).toBe(1);
    expect(second.entries).toBe(first.entries);
    expect(second.archive).toEqual(first.archive);
    expect(await rowsOf(h, 2, 1)).toEqual(firstRows);
    expect(await h.ask(2, 'imageStats', { image: 0 })).toEqual(firstStats);
    // contents are read from the file, as always
    const text = await h.ask(2, 'textPage', {
      image: 0,
      layer: 1,
      path: '/etc/app.conf',
      firstLine: 0,
      count: 10,
    });
    expect(JSON.stringify(text)).toContain('a=1');
  });

  it('another modification time is another archive', async () => {
    const h = harness();
    await h.open(1, true, 1000);
    await h.stored(1);
    const other = await h.open(2, true, 2000);
    expect(other.fromSavedIndex).toBeUndefined();
    expect(h.reads.archives).toBe(2);
  });

  it('with remembering off nothing is used or kept', async () => {
    const h = harness();
    await h.open(1, false);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.store.files.size).toBe(0);
    await h.open(2);
    await h.stored(1);
    const third = await h.open(3, false);
    expect(third.fromSavedIndex).toBeUndefined();
    expect(h.reads.archives).toBe(3);
  });

  it('a damaged saved index is rebuilt, never trusted, and the archive says so', async () => {
    const h = harness();
    await h.open(1);
    await h.stored(1);
    const [key] = h.store.files.keys();
    const bytes = h.store.files.get(key) as Uint8Array;
    bytes[bytes.length - 3] ^= 0xff;
    const reopened = await h.open(2);
    expect(reopened.fromSavedIndex).toBeUndefined();
    expect(h.reads.archives).toBe(2);
    expect(reopened.archive.warnings.join('\n')).toMatch(/saved index was not used \(saved index is damaged/);
    // and the good one is saved again
    await h.stored(1);
    expect((await h.open(3)).fromSavedIndex).toBe(true);
  });

  it('an archive read with errors is not kept', async () => {
    const h = harness(new MemoryIndexStore(), ARCHIVE.subarray(0, ARCHIVE.length - 3000));
    const done = await h.open(1);
    expect(done.archive.errors.length + (done.type === 'done' ? 0 : 1)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.store.files.size).toBe(0);
  });

  it('lists what is kept and forgets one or all', async () => {
    const h = harness();
    await h.open(1, true, 1);
    await h.open(2, true, 2);
    await h.stored(2);
    const list = await h.saved({ action: 'list' });
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ archiveName: 'demo.tar', archiveSize: ARCHIVE.length, entries: 6 });
    expect(list[0].bytes).toBeGreaterThan(100);
    expect(await h.saved({ action: 'forget', key: list[0].key })).toEqual([list[1]]);
    expect(await h.saved({ action: 'forget', key: null })).toEqual([]);
  });
});

describe('the bounds on what is kept', () => {
  const entry = (key: string, savedAt: number, bytes: number): StoredIndex => ({
    key,
    archiveName: key,
    archiveSize: 1,
    savedAt,
    entries: 1,
    bytes,
  });
  it('forgets the oldest first, until count and bytes fit', () => {
    const many = Array.from({ length: MAX_STORED_INDEXES }, (_, i) => entry(`k${i}`, 100 - i, 10));
    expect(evictionsFor(many, 10)).toEqual([`k${MAX_STORED_INDEXES - 1}`]);
    expect(evictionsFor([entry('a', 1, 300e6), entry('b', 2, 200e6)], 100e6)).toEqual(['a']);
    expect(evictionsFor([entry('a', 1, 10)], 10)).toEqual([]);
  });
});

describe('seek points left for later', () => {
  const layer = (seed: number): BuildEntry[] => [
    { name: `d${seed}/`, type: 'dir' },
    ...Array.from({ length: 12000 }, (_, i) => ({
      name: `d${seed}/f${i}.txt`,
      content: `${seed} ${i}\n`.repeat(3),
    })),
  ];
  const gzipped = ociArchive([{ tags: ['later:1'], layers: [layer(0), layer(1)] }]);
  const pointsIn = async (bytes: Uint8Array) => {
    const archive = await decodeIndex(
      bytes,
      new MemorySource(gzipped),
      (readIndexInfo(bytes) as { key: string }).key,
    );
    return [...archive.blobs.values()].map((b) => b.seekPoints?.outOffsets.length ?? 0);
  };

  it('are recorded once the archive is shown, saved with its index, and restored with it', async () => {
    const store = new MemoryIndexStore();
    const passes: number[] = [];
    const h = harness(store, gzipped, async (archive, signal) => {
      const n = await recordLaterSeekPoints(
        archive,
        (job) => indexLayer(archive.source, job, { signal }),
        signal,
        0,
      );
      passes.push(n);
      return n;
    });
    await h.open(1);
    await h.stored(1);
    // saved first without the points, then again once they are in
    for (let i = 0; i < 400; i++) {
      const [bytes] = store.files.values();
      if ((await pointsIn(bytes)).every((n) => n > 1)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const [bytes] = store.files.values();
    expect(await pointsIn(bytes)).toEqual([expect.any(Number), expect.any(Number)]);
    expect((await pointsIn(bytes)).every((n) => n > 1)).toBe(true);
    expect(passes).toEqual([2]);

    const again = await h.open(2);
    expect(again.fromSavedIndex).toBe(true);
    for (let i = 0; i < 200 && passes.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // restored with its points, so nothing is left to record
    expect(passes).toEqual([2, 0]);
    expect(h.reads.archives).toBe(1);
  });
});
