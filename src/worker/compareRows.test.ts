import { describe, expect, it } from 'vitest';
import { BlobSource } from '../core/bytes/byteSource';
import type { PathComparison } from '../core/compare/index';
import { openArchive } from '../core/image/open';
import { dockerArchive } from '../testing/archives';
import type { BuildEntry } from '../testing/tarBuilder';
import { CompareEngine } from './compareEngine';
import {
  COMPARE_PROTOCOL_VERSION,
  type CompareDone,
  type ComparePage,
  type FromCompareWorker,
  type RowFilter,
} from './compareProtocol';
import { CompareResults } from './compareRows';

const state = { type: 'file' as const, size: 1, mode: 0o644, uid: 0, gid: 0, linkTarget: '' };
const dir = { ...state, type: 'dir' as const };
const kept: PathComparison[] = [
  { path: '/a', change: 'unchanged', what: [], a: dir, b: dir },
  { path: '/a/b', change: 'unchanged', what: [], a: dir, b: dir },
  { path: '/a/b/c', change: 'added', what: [], a: null, b: state },
  { path: '/a/b/d', change: 'removed', what: [], a: state, b: null },
  { path: '/a/e', change: 'unchanged', what: [], a: state, b: state },
  // Walk order, not string order: '/a-z' after everything under '/a'.
  { path: '/a-z', change: 'added', what: [], a: null, b: state },
  { path: '/z', change: 'changed', what: ['content'], a: state, b: state },
];
const differences: RowFilter = {
  added: true,
  removed: true,
  changed: true,
  unchanged: false,
  filter: '',
  fold: { open: true, except: [] },
};
const open = { open: true, except: [] };
const text = (r: ComparePage['rows'][number]) =>
  `${r.depth}${r.context ? '·' : ''}${r.path}${r.children ? `[${r.children}${r.expanded ? '+' : '-'}]` : ''}`;

function results(): CompareResults {
  const r = new CompareResults();
  for (const k of kept) r.add(k);
  return r;
}

describe('CompareResults', () => {
  it('puts each kept path under the directories that hold it, filtered by kind and path', () => {
    const r = results();
    expect(r.differences).toBe(4);
    expect(r.unchanged).toBe(3);
    expect(r.page(differences, open, 0, 100).rows.map(text)).toEqual([
      '0·/a[1+]',
      '1·/a/b[2+]',
      '2/a/b/c',
      '2/a/b/d',
      '0/a-z',
      '0/z',
    ]);
    expect(r.page({ ...differences, added: false, filter: 'D' }, open, 0, 100).rows.map(text)).toEqual([
      '0·/a[1+]',
      '1·/a/b[1+]',
      '2/a/b/d',
    ]);
    // Unchanged shown from what was kept: the directories are rows of their own now.
    const all = r.page({ ...differences, unchanged: true }, open, 0, 100).rows;
    expect(all.map((x) => `${text(x)} ${x.change}`)).toEqual([
      '0/a[2+] unchanged',
      '1/a/b[2+] unchanged',
      '2/a/b/c added',
      '2/a/b/d removed',
      '1/a/e unchanged',
      '0/a-z added',
      '0/z changed',
    ]);
    expect(r.difference('/a/b/c')?.change).toBe('added');
    expect(r.difference('/a/e')).toBeNull();
  });

  it('closes and opens folders, pages and locates the rows shown', () => {
    const r = results();
    const closedB = { open: true, except: ['/a/b'] };
    expect(r.page(differences, closedB, 0, 100).rows.map(text)).toEqual([
      '0·/a[1+]',
      '1·/a/b[2-]',
      '0/a-z',
      '0/z',
    ]);
    expect(r.locate(differences, closedB, '/a-z')).toBe(2);
    expect(r.locate(differences, closedB, '/a/b/c')).toBe(-1);
    // Everything closed but /a: its folder /a/b shows, closed.
    const onlyA = { open: false, except: ['/a'] };
    expect(r.page(differences, onlyA, 0, 100).rows.map(text)).toEqual([
      '0·/a[1+]',
      '1·/a/b[2-]',
      '0/a-z',
      '0/z',
    ]);
    const page = r.page(differences, open, 2, 2);
    expect(page.total).toBe(6);
    expect(page.rows.map((x) => x.path)).toEqual(['/a/b/c', '/a/b/d']);
  });

  it('extends the tree as results stream in', () => {
    const r = new CompareResults();
    for (const k of kept.slice(0, 3)) r.add(k);
    expect(r.page(differences, open, 0, 100).total).toBe(3);
    for (const k of kept.slice(3)) r.add(k);
    expect(r.page(differences, open, 0, 100).rows.map(text)).toEqual([
      '0·/a[1+]',
      '1·/a/b[2+]',
      '2/a/b/c',
      '2/a/b/d',
      '0/a-z',
      '0/z',
    ]);
  });
});

describe('Show unchanged', () => {
  it('is answered from the kept result, far faster than comparing again', async () => {
    // 3000 files, 30 of them changed in B's second layer: the fixture says which.
    const files: BuildEntry[] = [];
    for (let d = 0; d < 30; d++) {
      files.push({ name: `d${d}/`, type: 'dir' });
      for (let f = 0; f < 100; f++) files.push({ name: `d${d}/f${f}`, content: `file ${d}/${f}\n` });
    }
    const changed: BuildEntry[] = [];
    for (let d = 0; d < 30; d++) changed.push({ name: `d${d}/f7`, content: `changed ${d}\n` });
    const file = new Blob([
      new Uint8Array(
        dockerArchive([
          { tags: ['a:1'], layers: [files] },
          { tags: ['b:1'], layers: [files, changed] },
        ]),
      ),
    ]);
    const messages: FromCompareWorker[] = [];
    const e = new CompareEngine({
      post: (m) => messages.push(m),
      makeSource: (spec) => new BlobSource((spec as { file: Blob }).file, 'x.tar'),
      openArchive: (source, signal) => openArchive(source, { signal }),
      now: () => performance.now(),
    });
    const until = async (pred: (m: FromCompareWorker) => boolean) => {
      for (;;) {
        const found = messages.find(pred);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    const run = async (id: number) => {
      const started = performance.now();
      e.handle({
        v: COMPARE_PROTOCOL_VERSION,
        type: 'start',
        run: id,
        a: { source: { kind: 'file', file, name: 'x.tar' }, image: 0, layer: null },
        b: { source: null, image: 1, layer: null },
        settings: { includeTimes: false, exclude: [] },
      });
      const done = (await until((m) => m.type === 'done' && 'run' in m && m.run === id)) as {
        done: CompareDone;
      };
      return { done: done.done, ms: performance.now() - started };
    };
    let nextQuery = 1;
    const rows = async (runId: number, filter: RowFilter) => {
      const id = nextQuery++;
      const started = performance.now();
      e.handle({
        v: COMPARE_PROTOCOL_VERSION,
        type: 'query',
        id,
        run: runId,
        query: { kind: 'rows', args: { ...filter, offset: 0, limit: 50 } },
      });
      const m = await until((x) => x.type === 'result' && x.id === id);
      if (m.type !== 'result' || !m.ok) throw new Error('no rows');
      return { page: m.result as ComparePage, ms: performance.now() - started };
    };
    const first = await run(1);
    expect(first.done.totals).toMatchObject({ added: 0, removed: 0, changed: 30 });
    const hidden = await rows(1, differences);
    // 30 changed files, each under its directory (a context row).
    expect(hidden.page.total).toBe(60);
    const shown = await rows(1, { ...differences, unchanged: true });
    // Every path of the image: 30 directories and 3000 files, none left out, no second walk.
    expect(shown.page.total).toBe(3030);
    expect(shown.page.rows.slice(0, 3).map((r) => `${r.path} ${r.change}`)).toEqual([
      '/d0 unchanged',
      '/d0/f0 unchanged',
      '/d0/f1 unchanged',
    ]);
    expect(first.done.unchanged).toBe(3000);
    expect(messages.filter((m) => m.type === 'meta')).toHaveLength(1);
    const again = await run(2);
    console.log(
      `Show unchanged: ${shown.ms.toFixed(1)} ms from the kept result; comparing again took ${again.ms.toFixed(0)} ms`,
    );
    expect(shown.ms).toBeLessThan(again.ms);
  });
});

describe('CompareResults at 101k paths', () => {
  it('pages, folds and locates without walking again', () => {
    const r = new CompareResults();
    const file = { ...state, size: 0 };
    for (let d = 0; d < 1000; d++) {
      const dirPath = `/data/d${String(d).padStart(3, '0')}`;
      r.add({ path: dirPath, change: 'added', what: [], a: null, b: dir });
      for (let f = 0; f < 100; f++)
        r.add({
          path: `${dirPath}/f${String(f).padStart(2, '0')}`,
          change: 'added',
          what: [],
          a: null,
          b: file,
        });
    }
    let t = performance.now();
    const first = r.page(differences, open, 0, 128);
    const firstMs = performance.now() - t;
    expect(first.total).toBe(101_001);
    expect(first.rows[0]).toMatchObject({ path: '/data', context: true, children: 1000, expanded: true });
    t = performance.now();
    const last = r.page(differences, open, 101_000, 128);
    const cachedMs = performance.now() - t;
    expect(last.rows.map((x) => x.path)).toEqual(['/data/d999/f99']);
    t = performance.now();
    const closed = r.page(differences, { open: false, except: ['/data'] }, 0, 128);
    const foldMs = performance.now() - t;
    expect(closed.total).toBe(1001);
    expect(r.locate(differences, open, '/data/d500/f50')).toBe(1 + 500 * 101 + 1 + 50);
    t = performance.now();
    const filtered = r.page({ ...differences, filter: 'F99' }, open, 0, 128);
    const filterMs = performance.now() - t;
    expect(filtered.total).toBe(1 + 1000 * 2);
    console.log(
      `101k rows: first page ${firstMs.toFixed(1)} ms (the tree built), a later page ${cachedMs.toFixed(2)} ms, all folders closed ${foldMs.toFixed(1)} ms, a path filter (a new tree) ${filterMs.toFixed(1)} ms`,
    );
  });
});
