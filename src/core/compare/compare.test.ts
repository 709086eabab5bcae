import { describe, expect, it } from 'vitest';
import { dockerArchive, type TestImage } from '../../testing/archives';
import type { BuildEntry } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { openArchive } from '../image/open';
import {
  compareImageMetadata,
  openSide,
  openSides,
  type PathComparison,
  stackHolder,
  TreeComparison,
} from '.';
import type { CompareOptions } from './types';

const base: BuildEntry[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/conf', content: 'aaaa\n' },
  { name: 'etc/keep', content: 'same\n' },
  { name: 'usr/', type: 'dir' },
  { name: 'usr/bin/', type: 'dir' },
  { name: 'usr/bin/tool', content: 'tool v1', mode: 0o755 },
];

/** Two images sharing `base`, each with its own top layer; compared top against top. */
async function compare(
  topA: BuildEntry[],
  topB: BuildEntry[],
  options: CompareOptions = {},
  extra: Partial<TestImage> = {},
): Promise<{ results: PathComparison[]; comparison: TreeComparison }> {
  const bytes = dockerArchive([
    { tags: ['a:1'], layers: [base, topA] },
    { tags: ['b:1'], layers: [base, topB], ...extra },
  ]);
  const archive = await openArchive(new MemorySource(bytes, 'pair.tar'));
  const a = await openSide(archive, 0, 1);
  const b = await openSide(archive, 1, 1);
  const comparison = new TreeComparison(a, b, options);
  return { results: await comparison.all(), comparison };
}

const brief = (results: PathComparison[]) => results.map((r) => [r.path, r.change, r.what.join(',')]);

describe('comparing two merged filesystems', () => {
  it('finds nothing between identical trees written by different layers', async () => {
    const top = [{ name: 'srv/data', content: 'x'.repeat(1000) }];
    const { results, comparison } = await compare(top, [...top]);
    expect(results).toEqual([]);
    expect(comparison.totals).toEqual({ added: 0, removed: 0, changed: 0, bytesAdded: 0, bytesRemoved: 0 });
  });

  it('tells content of the same size apart by reading it, and says when the size changed too', async () => {
    const { results, comparison } = await compare(
      [
        { name: 'etc/conf', content: 'bbbb\n' },
        { name: 'etc/keep', content: 'same\n', mtime: 1 },
        { name: 'srv/log', content: 'short' },
      ],
      [
        { name: 'etc/conf', content: 'cccc\n' },
        { name: 'etc/keep', content: 'same\n', mtime: 2 },
        { name: 'srv/log', content: 'much longer' },
      ],
    );
    expect(brief(results)).toEqual([
      ['/etc/conf', 'changed', 'content'],
      ['/srv/log', 'changed', 'content,size'],
    ]);
    expect(comparison.totals).toEqual({ added: 0, removed: 0, changed: 2, bytesAdded: 16, bytesRemoved: 10 });
  });

  it('reports mode, owner, type and link target changes', async () => {
    const { results } = await compare(
      [
        { name: 'usr/bin/tool', content: 'tool v1', mode: 0o755 },
        { name: 'srv/owned', content: 'o', uid: 0, gid: 0 },
        { name: 'srv/link', type: 'symlink', linkTarget: 'one' },
        { name: 'srv/becomes-link', content: 'file' },
        { name: 'srv/lmode', type: 'symlink', linkTarget: 'one', mode: 0o777 },
      ],
      [
        { name: 'usr/bin/tool', content: 'tool v1', mode: 0o4755 },
        { name: 'srv/owned', content: 'o', uid: 1000, gid: 100 },
        { name: 'srv/link', type: 'symlink', linkTarget: 'two' },
        { name: 'srv/becomes-link', type: 'symlink', linkTarget: 'file' },
        { name: 'srv/lmode', type: 'symlink', linkTarget: 'one', mode: 0o755 },
      ],
    );
    expect(brief(results)).toEqual([
      ['/srv/becomes-link', 'changed', 'size,type'],
      ['/srv/link', 'changed', 'linkTarget'],
      ['/srv/owned', 'changed', 'uid,gid'],
      ['/usr/bin/tool', 'changed', 'mode'],
    ]);
    const tool = results.find((r) => r.path === '/usr/bin/tool')!;
    expect([tool.a?.mode, tool.b?.mode]).toEqual([0o755, 0o4755]);
  });

  it('lists added and removed directories with everything inside them', async () => {
    const { results, comparison } = await compare(
      [
        { name: 'old/', type: 'dir' },
        { name: 'old/a', content: '12' },
        { name: 'old/sub/', type: 'dir' },
        { name: 'old/sub/b', content: '345' },
      ],
      [
        { name: 'new/', type: 'dir', mode: 0o700 },
        { name: 'new/c', content: 'c' },
        { name: 'usr/bin/.wh.tool' },
      ],
    );
    expect(brief(results)).toEqual([
      ['/new', 'added', ''],
      ['/new/c', 'added', ''],
      ['/old', 'removed', ''],
      ['/old/a', 'removed', ''],
      ['/old/sub', 'removed', ''],
      ['/old/sub/b', 'removed', ''],
      ['/usr/bin/tool', 'removed', ''],
    ]);
    expect(results[0].b).toMatchObject({ type: 'dir', mode: 0o700 });
    expect(comparison.totals).toEqual({ added: 2, removed: 5, changed: 0, bytesAdded: 1, bytesRemoved: 12 });
    expect(comparison.topLevel().map((t) => [t.path, t.added, t.removed])).toEqual([
      ['/new', 2, 0],
      ['/old', 0, 4],
      ['/usr', 0, 1],
    ]);
  });

  it('sees an opaque directory as its lower children removed and its own ones added', async () => {
    const { results } = await compare(
      [{ name: 'usr/bin/other', content: 'o' }],
      [
        { name: 'usr/bin/', type: 'dir' },
        { name: 'usr/bin/.wh..wh..opq' },
        { name: 'usr/bin/fresh', content: 'f' },
      ],
    );
    expect(brief(results)).toEqual([
      ['/usr/bin/fresh', 'added', ''],
      ['/usr/bin/other', 'removed', ''],
      ['/usr/bin/tool', 'removed', ''],
    ]);
  });

  it('walks into a directory that became a file, and a file that became a directory', async () => {
    const { results } = await compare(
      [
        { name: 'srv/d/', type: 'dir' },
        { name: 'srv/d/inner', content: 'i' },
        { name: 'srv/f', content: '' },
      ],
      [
        { name: 'srv/d', content: '' },
        { name: 'srv/f/', type: 'dir' },
        { name: 'srv/f/inner', content: 'j' },
      ],
    );
    expect(brief(results)).toEqual([
      ['/srv/d', 'changed', 'type,mode'],
      ['/srv/d/inner', 'removed', ''],
      ['/srv/f', 'changed', 'type,mode'],
      ['/srv/f/inner', 'added', ''],
    ]);
  });

  it('ignores mtimes unless asked, and compares a hardlink as the file it shares', async () => {
    const a = [
      { name: 'srv/t', content: 'time', mtime: 100 },
      { name: 'srv/x', content: 'shared bytes' },
      { name: 'srv/y', type: 'hardlink' as const, linkTarget: 'srv/x' },
    ];
    const b = [
      { name: 'srv/t', content: 'time', mtime: 200 },
      { name: 'srv/x', content: 'shared bytes' },
      { name: 'srv/y', content: 'shared bytes' },
    ];
    expect((await compare(a, b)).results).toEqual([]);
    const timed = await compare(a, b, { includeTimes: true });
    expect(brief(timed.results)).toEqual([['/srv/t', 'changed', 'mtime']]);
  });

  it('leaves out excluded paths on both sides, by name or by path', async () => {
    const { results } = await compare(
      [{ name: 'srv/a.pyc', content: '1' }],
      [
        { name: 'srv/b.pyc', content: '2' },
        { name: 'var/cache/apt/x', content: 'x' },
        { name: 'var/keep', content: 'k' },
      ],
      { exclude: ['*.pyc', '/var/cache'] },
    );
    // /srv is on both sides (implied by the files below it), and only excluded files differ there.
    expect(brief(results)).toEqual([
      ['/var', 'added', ''],
      ['/var/keep', 'added', ''],
    ]);
  });

  it('orders results by path, a directory before what is inside it', async () => {
    const { results } = await compare(
      [],
      [
        { name: 'a/b', content: '1' },
        { name: 'a-c', content: '2' },
        { name: 'B', content: '3' },
      ],
    );
    expect(results.map((r) => r.path)).toEqual(['/B', '/a', '/a/b', '/a-c']);
  });

  it('lists unchanged paths when asked, and stops when cancelled', async () => {
    const { results } = await compare([], [], { includeUnchanged: true });
    expect(results.map((r) => [r.path, r.change])).toEqual([
      ['/etc', 'unchanged'],
      ['/etc/conf', 'unchanged'],
      ['/etc/keep', 'unchanged'],
      ['/usr', 'unchanged'],
      ['/usr/bin', 'unchanged'],
      ['/usr/bin/tool', 'unchanged'],
    ]);
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(compare([], [{ name: 'x', content: 'x' }], { signal: controller.signal })).rejects.toThrow(
      'stopped',
    );
  });
});

describe('one stack holding the other', () => {
  // Each kind of difference, made by a layer on top of another image's layers.
  const tops: BuildEntry[][] = [
    [
      { name: 'etc/conf', content: 'bbbb\n' },
      { name: 'usr/bin/tool', content: 'tool v1', mode: 0o4755, uid: 7 },
      { name: 'srv/link', type: 'symlink', linkTarget: 'two' },
      { name: 'srv/d', content: '' },
    ],
    [
      { name: 'usr/bin/', type: 'dir' },
      { name: 'usr/bin/.wh..wh..opq' },
      { name: 'usr/bin/fresh', content: 'f' },
    ],
    [
      { name: 'srv/.wh.d' },
      { name: 'etc/.wh.keep' },
      { name: 'new/', type: 'dir' },
      { name: 'new/c', content: 'c' },
    ],
    [{ name: 'srv/h', type: 'hardlink', linkTarget: 'etc/keep' }],
  ];
  const middle: BuildEntry[] = [
    { name: 'srv/link', type: 'symlink', linkTarget: 'one' },
    { name: 'srv/d/', type: 'dir' },
    { name: 'srv/d/inner', content: 'i' },
  ];
  const where = (archive: Awaited<ReturnType<typeof openArchive>>, imageIndex: number, layer: number) => ({
    archive,
    imageIndex,
    layer,
  });
  const results = async (sides: Awaited<ReturnType<typeof openSides>>) => new TreeComparison(...sides).all();

  it('builds one filesystem for an image against the same layers with one more on top, with the same answer', async () => {
    for (const [n, top] of tops.entries()) {
      const bytes = dockerArchive([
        { tags: ['short:1'], layers: [base, middle] },
        { tags: ['long:1'], layers: [base, middle, top] },
      ]);
      const archive = await openArchive(new MemorySource(bytes, 'stack.tar'));
      // the same bytes as a second archive: its layers match by diff ID, not by blob
      const copy = await openArchive(new MemorySource(bytes, 'copy.tar'));
      for (const [a, b, holder] of [
        [where(archive, 0, 1), where(archive, 1, 2), 'b'],
        [where(archive, 1, 2), where(archive, 0, 1), 'a'],
        [where(archive, 0, 1), where(copy, 1, 2), 'b'],
        [where(archive, 1, 1), where(archive, 1, 2), 'b'],
      ] as const) {
        expect(stackHolder(a, b), `top ${n}`).toBe(holder);
        const one = await openSides(a, b);
        expect(one[0].fs).toBe(one[1].fs);
        const apart = await results([
          await openSide(a.archive, a.imageIndex, a.layer),
          await openSide(b.archive, b.imageIndex, b.layer),
        ]);
        expect(apart.length, `top ${n}`).toBeGreaterThan(0);
        expect(await results(one), `top ${n}`).toEqual(apart);
      }
    }
  });

  it('builds both when neither stack holds the other, or diff IDs are not to be trusted', async () => {
    const bytes = dockerArchive([
      { tags: ['a:1'], layers: [base, middle] },
      { tags: ['b:1'], layers: [base, tops[0]] },
    ]);
    const archive = await openArchive(new MemorySource(bytes, 'pair.tar'));
    const copy = await openArchive(new MemorySource(bytes, 'copy.tar'));
    expect(stackHolder(where(archive, 0, 1), where(archive, 1, 1))).toBeNull();
    // the common part alone (the base) is held by either: the longer side holds it
    expect(stackHolder(where(archive, 0, 0), where(archive, 1, 1))).toBe('b');
    expect(stackHolder(where(archive, 0, 1), where(copy, 0, 1))).toBe('b');
    expect(stackHolder(where(archive, 0, 1), where(copy, 0, 1), false)).toBeNull();
    const [a, b] = await openSides(where(archive, 0, 1), where(archive, 1, 1));
    expect(a.fs).not.toBe(b.fs);
    expect([a.imageIndex, b.imageIndex]).toEqual([0, 1]);
  });
});

describe('comparing two images’ metadata', () => {
  it('diffs the config per variable, shares layers by diff ID and aligns the histories', async () => {
    const bytes = dockerArchive([
      {
        tags: ['a:1'],
        layers: [base, [{ name: 'a', content: 'a' }]],
        config: { Env: ['PATH=/usr/bin', 'MODE=a'], Cmd: ['run'], Labels: { keep: '1', old: 'x' } },
        history: [
          { createdBy: 'ADD base' },
          { createdBy: 'ENV MODE=a', emptyLayer: true },
          { createdBy: 'RUN a' },
        ],
      },
      {
        tags: ['b:1'],
        layers: [base, [{ name: 'b', content: 'b' }]],
        config: {
          Env: ['PATH=/usr/bin', 'EXTRA=1'],
          Cmd: ['run', '--fast'],
          User: 'app',
          Labels: { keep: '1' },
        },
        history: [{ createdBy: 'ADD base' }, { createdBy: 'RUN b' }],
      },
    ]);
    const archive = await openArchive(new MemorySource(bytes, 'pair.tar'));
    const meta = compareImageMetadata(await openSide(archive, 0, 1), await openSide(archive, 1, 1));
    expect(meta.config).toEqual([
      { field: 'Env.EXTRA', a: null, b: '1' },
      { field: 'Env.MODE', a: 'a', b: null },
      { field: 'Cmd', a: ['run'], b: ['run', '--fast'] },
      { field: 'User', a: '', b: 'app' },
      { field: 'Labels.old', a: 'x', b: null },
    ]);
    expect(meta.layers.shared.map((l) => [l.index, l.indexB])).toEqual([[0, 0]]);
    expect(meta.layers.onlyA.map((l) => l.index)).toEqual([1]);
    expect(meta.layers.onlyB.map((l) => l.index)).toEqual([1]);
    expect(meta.history.map((r) => [r.side, r.indexA, r.indexB, r.createdBy])).toEqual([
      ['same', 0, 0, 'ADD base'],
      ['a', 1, null, 'ENV MODE=a'],
      ['a', 2, null, 'RUN a'],
      ['b', null, 1, 'RUN b'],
    ]);
  });
});
