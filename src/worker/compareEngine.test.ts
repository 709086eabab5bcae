import { describe, expect, it } from 'vitest';
import { BlobSource } from '../core/bytes/byteSource';
import { ImageFileSystem } from '../core/fs/imageFileSystem';
import { openArchive } from '../core/image/open';
import { encodeIndex } from '../core/persist/indexCodec';
import type { EntryTable } from '../core/tar/entryTable';
import { MemoryIndexStore } from '../storage/indexStore';
import { dockerArchive } from '../testing/archives';
import type { BuildEntry } from '../testing/tarBuilder';
import { CompareEngine } from './compareEngine';
import {
  COMPARE_PROTOCOL_VERSION,
  type CompareDone,
  type CompareMeta,
  type CompareQuery,
  type FileDiffPage,
  type FromCompareWorker,
} from './compareProtocol';
import { HANDED_INDEX_KEY } from './engine';

const base: BuildEntry[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/conf', content: 'one\ntwo\nthree\n' },
  { name: 'bin/', type: 'dir' },
  { name: 'bin/tool', content: new Uint8Array([0, 1, 2, 3, 255]) },
];
const bytes = dockerArchive([
  { tags: ['a:1'], layers: [base] },
  {
    tags: ['b:1'],
    layers: [
      base,
      [
        { name: 'etc/conf', content: 'one\n2\nthree\n' },
        { name: 'bin/tool', content: new Uint8Array([0, 1, 2, 4, 255]) },
        { name: 'srv/new/x', content: 'x' },
      ],
    ],
  },
]);

function engine() {
  const messages: FromCompareWorker[] = [];
  let waiting: ((m: FromCompareWorker) => void) | null = null;
  const e = new CompareEngine({
    post: (m) => {
      messages.push(m);
      waiting?.(m);
    },
    makeSource: (spec) => {
      if (spec.kind !== 'file') throw new Error('files only');
      return new BlobSource(spec.file, spec.name);
    },
    openArchive: (source, signal, knownLayers) => openArchive(source, { signal, knownLayers }),
    now: () => performance.now(),
  });
  const until = (pred: (m: FromCompareWorker) => boolean) =>
    new Promise<FromCompareWorker>((resolve) => {
      const found = messages.find(pred);
      if (found) return resolve(found);
      waiting = (m) => {
        if (pred(m)) resolve(m);
      };
    });
  let nextId = 1;
  const ask = async <T>(query: CompareQuery): Promise<T> => {
    const id = nextId++;
    e.handle({ v: COMPARE_PROTOCOL_VERSION, type: 'query', id, run: 1, query });
    const m = await until((x) => x.type === 'result' && x.id === id);
    if (m.type !== 'result' || !m.ok) throw new Error(m.type === 'result' && !m.ok ? m.error : 'no result');
    return m.result as T;
  };
  return { e, messages, until, ask };
}

describe('the comparison worker', () => {
  it('streams a comparison of two images of one archive and answers rows, text diffs and hex', async () => {
    const { e, until, ask } = engine();
    const file = new Blob([new Uint8Array(bytes)]);
    e.handle({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'start',
      run: 1,
      a: { source: { kind: 'file', file, name: 'x.tar' }, image: 0, layer: null },
      b: { source: null, image: 1, layer: null },
      settings: { includeTimes: false, exclude: [], includeUnchanged: false },
    });
    const done = (await until((m) => m.type === 'done')) as { done: CompareDone };
    expect(done.done.totals).toMatchObject({ added: 3, removed: 0, changed: 2 });
    const page = await ask<{
      rows: { path: string; context?: boolean; depth: number; change?: string }[];
      complete: boolean;
    }>({
      kind: 'rows',
      args: {
        added: true,
        removed: true,
        changed: true,
        unchanged: true,
        filter: '',
        fold: { open: true, except: [] },
        offset: 0,
        limit: 100,
      },
    });
    expect(page.complete).toBe(true);
    // The unchanged paths were kept by the same walk: shown here, with /bin and /etc no longer mere context.
    expect(page.rows.map((r) => [r.path, r.depth, r.context ?? false, r.change ?? null])).toEqual([
      ['/bin', 0, false, 'unchanged'],
      ['/bin/tool', 1, false, 'changed'],
      ['/etc', 0, false, 'unchanged'],
      ['/etc/conf', 1, false, 'changed'],
      ['/srv', 0, false, 'added'],
      ['/srv/new', 1, false, 'added'],
      ['/srv/new/x', 2, false, 'added'],
    ]);
    const text = await ask<FileDiffPage>({
      kind: 'fileDiff',
      args: { path: '/etc/conf', page: 0, linesPerPage: 50 },
    });
    expect(text.unavailable).toBeNull();
    expect(text.lines.map((l) => `${l.kind}:${l.text}`)).toEqual([
      'hunk:@@ -1,3 +1,3 @@',
      'context:one',
      'removed:two',
      'added:2',
      'context:three',
    ]);
    expect(text.comparison?.what).toEqual(['content', 'size']);
    const binary = await ask<FileDiffPage>({
      kind: 'fileDiff',
      args: { path: '/bin/tool', page: 0, linesPerPage: 50 },
    });
    expect(binary.unavailable).toBe('a version is not text');
    expect(binary.a?.digest).not.toBe(binary.b?.digest);
    expect(binary.a?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const hex = await ask<{ rows: { hex: string }[] }>({
      kind: 'hex',
      args: { path: '/bin/tool', side: 'b', page: 0, rows: 4 },
    });
    expect(hex.rows[0].hex).toContain('00 01 02 04 ff');
  });

  it('keeps what was found when cancelled, and says so', async () => {
    const { e, until } = engine();
    const file = new Blob([new Uint8Array(bytes)]);
    e.handle({
      v: COMPARE_PROTOCOL_VERSION,
      type: 'start',
      run: 1,
      a: { source: { kind: 'file', file, name: 'x.tar' }, image: 0, layer: null },
      b: { source: null, image: 1, layer: null },
      settings: { includeTimes: false, exclude: [], includeUnchanged: false },
    });
    e.handle({ v: COMPARE_PROTOCOL_VERSION, type: 'cancel', run: 1 });
    const end = await until((m) => m.type === 'cancelled' || m.type === 'done');
    expect(end.type).toBe('cancelled');
  });
});

describe('saved indexes in the comparison worker', () => {
  it('keeps the index of a remembered file it read and restores it next time, with the same result', async () => {
    const store = new MemoryIndexStore();
    const file = new File([new Uint8Array(bytes)], 'x.tar', { lastModified: 1_700_000_000_000 });
    let reads = 0;
    const once = async () => {
      const messages: FromCompareWorker[] = [];
      const e = new CompareEngine({
        post: (m) => messages.push(m),
        makeSource: (spec) => new BlobSource((spec as { file: Blob }).file, 'x.tar'),
        openArchive: (source, signal) => {
          reads++;
          return openArchive(source, { signal });
        },
        now: () => performance.now(),
        indexStore: store,
      });
      e.handle({
        v: COMPARE_PROTOCOL_VERSION,
        type: 'start',
        run: 1,
        a: {
          source: { kind: 'file', file, name: 'x.tar', lastModified: file.lastModified, remember: true },
          image: 0,
          layer: null,
        },
        b: { source: null, image: 1, layer: null },
        settings: { includeTimes: false, exclude: [] },
      });
      for (let i = 0; i < 500 && !messages.some((m) => m.type === 'done' || m.type === 'failed'); i++)
        await new Promise((resolve) => setTimeout(resolve, 5));
      return messages;
    };
    const first = await once();
    expect(reads).toBe(1);
    await expect.poll(() => store.files.size).toBe(1);
    const second = await once();
    // Restored: the archive was not read again, and the comparison is the same.
    expect(reads).toBe(1);
    expect(second.some((m) => m.type === 'opening' && m.phase === 'A: its saved index restored…')).toBe(true);
    const totals = (ms: FromCompareWorker[]) =>
      (ms.find((m) => m.type === 'done') as { done: CompareDone } | undefined)?.done.totals;
    expect(totals(second)).toEqual(totals(first));
    expect(totals(first)).toMatchObject({ added: 3, removed: 0, changed: 2 });
  });
});

describe("the explorer's index handed to the comparison", () => {
  it('takes A from the handed index without reading it, and B reads only the layers A lacks', async () => {
    const archiveA = dockerArchive([{ tags: ['a:1'], layers: [base] }]);
    const archiveB = dockerArchive([
      {
        tags: ['b:1'],
        layers: [
          base,
          [
            { name: 'etc/conf', content: 'one\n2\nthree\n' },
            { name: 'srv/new/x', content: 'x' },
          ],
        ],
      },
    ]);
    const fileA = new File([new Uint8Array(archiveA)], 'a.tar');
    const fileB = new File([new Uint8Array(archiveB)], 'b.tar');
    // what the explorer's worker hands over: its finished index in the saved-index form
    const explorer = await openArchive(new BlobSource(fileA, 'a.tar'));
    const index = await encodeIndex(explorer, {
      key: HANDED_INDEX_KEY,
      archiveName: 'a.tar',
      archiveSize: fileA.size,
      savedAt: 0,
    });
    const run = async (handed: boolean) => {
      const opened: string[] = [];
      const layersRead: string[] = [];
      const built: string[] = [];
      const messages: FromCompareWorker[] = [];
      const e = new CompareEngine({
        post: (m) => messages.push(m),
        buildFs: (archive, imageIndex) => {
          built.push(`${archive.name} ${imageIndex}`);
          return ImageFileSystem.build(archive, imageIndex);
        },
        makeSource: (spec) => new BlobSource((spec as { file: Blob }).file, (spec as { name: string }).name),
        openArchive: async (source, signal, knownLayers) => {
          opened.push(source.name);
          const archive = await openArchive(source, { signal, knownLayers });
          const shared = new Set<EntryTable | null>([...(knownLayers?.values() ?? [])].map((l) => l.entries));
          for (const blob of archive.blobs.values())
            if (!shared.has(blob.entries)) layersRead.push(blob.member);
          return archive;
        },
        now: () => performance.now(),
      });
      e.handle({
        v: COMPARE_PROTOCOL_VERSION,
        type: 'start',
        run: 1,
        a: {
          source: { kind: 'file', file: fileA, name: 'a.tar' },
          image: 0,
          layer: null,
          ...(handed ? { index } : {}),
        },
        b: { source: { kind: 'file', file: fileB, name: 'b.tar' }, image: 0, layer: null },
        settings: { includeTimes: false, exclude: [] },
      });
      for (let i = 0; i < 500 && !messages.some((m) => m.type === 'done' || m.type === 'failed'); i++)
        await new Promise((resolve) => setTimeout(resolve, 5));
      const done = messages.find((m) => m.type === 'done') as { done: CompareDone } | undefined;
      const meta = messages.find((m) => m.type === 'meta') as { meta: CompareMeta } | undefined;
      return { opened, layersRead, built, messages, meta: meta?.meta, totals: done?.done.totals };
    };
    const handed = await run(true);
    const read = await run(false);
    // A was not read: only B was opened, and of B only its second layer was indexed
    expect(handed.opened).toEqual(['b.tar']);
    expect(
      handed.messages.some((m) => m.type === 'opening' && m.phase === "A: the explorer's index taken…"),
    ).toBe(true);
    expect(handed.layersRead).toHaveLength(1);
    expect(read.opened).toEqual(['a.tar', 'b.tar']);
    // the same comparison either way
    expect(handed.totals).toEqual(read.totals);
    // /srv, /srv/new and /srv/new/x added; /etc/conf changed
    expect(handed.totals).toMatchObject({ added: 3, removed: 0, changed: 1 });
    // B's stack holds A's: one file system (B's) serves both sides, each named as its own
    expect(handed.built).toEqual(['b.tar 0']);
    expect(read.built).toEqual(['b.tar 0']);
    expect(handed.meta?.a).toMatchObject({ archive: 'a.tar', layer: 0, layerCount: 1 });
    expect(handed.meta?.b).toMatchObject({ archive: 'b.tar', layer: 1, layerCount: 2 });
    expect(handed.meta?.layers).toEqual(read.meta?.layers);
  });
});

/** An engine on real archives that records the archives it opens, the file systems it builds and what it posts. */
function recordingEngine() {
  const opened: string[] = [];
  const built: string[] = [];
  const messages: FromCompareWorker[] = [];
  const e = new CompareEngine({
    post: (m) => messages.push(m),
    buildFs: (archive, imageIndex) => {
      built.push(`${archive.name} ${imageIndex}`);
      return ImageFileSystem.build(archive, imageIndex);
    },
    makeSource: (spec) => new BlobSource((spec as { file: Blob }).file, (spec as { name: string }).name),
    openArchive: (source, signal, knownLayers) => {
      opened.push(source.name);
      return openArchive(source, { signal, knownLayers });
    },
    now: () => performance.now(),
  });
  return { e, opened, built, messages };
}

describe('reading ahead (prepare) and keeping between runs', () => {
  it('reads each archive once for a prepare and the runs after it, and lets go of places no longer asked for', async () => {
    const fileA = new File([new Uint8Array(bytes)], 'x.tar');
    const otherBytes = dockerArchive([{ tags: ['c:1'], layers: [base] }]);
    const fileC = new File([new Uint8Array(otherBytes)], 'c.tar');
    const { e, opened, messages } = recordingEngine();
    const a = {
      source: { kind: 'file' as const, file: fileA, name: 'x.tar' },
      sourceId: 1,
      image: 0,
      layer: null,
    };
    const c = {
      source: { kind: 'file' as const, file: fileC, name: 'c.tar' },
      sourceId: 2,
      image: 0,
      layer: null,
    };
    const run = async (id: number, b: typeof a | { source: null; image: number; layer: null }) => {
      e.handle({
        v: COMPARE_PROTOCOL_VERSION,
        type: 'start',
        run: id,
        a,
        b,
        settings: { includeTimes: false, exclude: [] },
      });
      for (let i = 0; i < 500 && !messages.some((m) => m.type === 'done' && m.run === id); i++)
        await new Promise((resolve) => setTimeout(resolve, 5));
      return (messages.find((m) => m.type === 'done' && m.run === id) as { done: CompareDone } | undefined)
        ?.done;
    };
    e.handle({ v: COMPARE_PROTOCOL_VERSION, type: 'prepare', a, b: c });
    const first = await run(1, c);
    const again = await run(2, c);
    expect(opened).toEqual(['x.tar', 'c.tar']);
    expect(again?.totals).toEqual(first?.totals);
    // image 1 of A's own archive: nothing read again
    const inA = await run(3, { source: null, image: 1, layer: null });
    expect(opened).toEqual(['x.tar', 'c.tar']);
    expect(inA?.totals).toMatchObject({ added: 3, changed: 2 });
    // c.tar was let go by that run: asked for again, it is read again
    await run(4, c);
    expect(opened).toEqual(['x.tar', 'c.tar', 'c.tar']);
  });
  it('reads only A for a place against itself: no file system until a B is asked for', async () => {
    const fileA = new File([new Uint8Array(bytes)], 'x.tar');
    const { e, opened, built } = recordingEngine();
    const a = {
      source: { kind: 'file' as const, file: fileA, name: 'x.tar' },
      sourceId: 1,
      image: 0,
      layer: null,
    };
    e.handle({ v: COMPARE_PROTOCOL_VERSION, type: 'prepare', a, b: { ...a, source: null } });
    for (let i = 0; i < 200 && opened.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(opened).toEqual(['x.tar']);
    expect(built).toEqual([]);
    // then image 1 against it: A is not read again
    e.handle({ v: COMPARE_PROTOCOL_VERSION, type: 'prepare', a, b: { source: null, image: 1, layer: null } });
    for (let i = 0; i < 200 && built.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(opened).toEqual(['x.tar']);
    // image 1's stack holds image 0's: one file system serves both
    expect(built).toEqual(['x.tar 1']);
  });
});
