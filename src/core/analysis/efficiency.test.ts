import { describe, expect, it } from 'vitest';
import { testArchive } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { analyzeImage } from './index';

const dir = (name: string): BuildEntry => ({ name, type: 'dir' });
const file = (name: string, size: number): BuildEntry => ({ name, content: 'x'.repeat(size) });
const whiteout = (name: string): BuildEntry => ({ name, content: '' });

async function analyze(layers: BuildEntry[][]) {
  const { archive } = await testArchive(layers);
  return analyzeImage(archive, 0);
}

describe('analyzeImage (dive definitions)', () => {
  it('matches a hand computation that follows the definition step by step', async () => {
    const result = await analyze([
      // layer 0: 100 + 10 + 20 + 30 = 160 bytes of regular files
      [
        dir('bin/'),
        file('bin/sh', 100),
        dir('etc/'),
        file('etc/conf', 10),
        dir('usr/'),
        dir('usr/share/'),
        dir('usr/share/doc/'),
        file('usr/share/doc/a', 20),
        file('usr/share/doc/b', 30),
      ],
      // layer 1: 12 + 500 = 512
      [dir('etc/'), file('etc/conf', 12), dir('tmp/'), file('tmp/big', 500)],
      // layer 2: 0 (whiteouts, an opaque marker, an empty directory)
      [
        dir('tmp/'),
        whiteout('tmp/.wh.big'),
        whiteout('usr/share/.wh.doc'),
        whiteout('etc/.wh..wh..opq'),
        dir('empty/'),
      ],
      // layer 3: 100
      [dir('empty/'), file('bin/sh', 100)],
    ]);
    // Sizes: 160 + 512 + 0 + 100; user layers leave out layer 0.
    expect(result.sizeBytes).toBe(772);
    expect(result.userSizeBytes).toBe(612);

    // Leaves per layer, each as (path, size):
    //   layer 0: /bin/sh 100, /etc/conf 10, /usr/share/doc/a 20, /usr/share/doc/b 30
    //   layer 1: /etc/conf 12, /tmp/big 500
    //   layer 2: /empty 0; /etc 0 (the opaque marker is ignored, but dive still creates its
    //            parent as an empty leaf); whiteout /tmp/big: a file below, so 0; whiteout
    //            /usr/share/doc: a directory below, so its subtree there: 20 + 30 = 50
    //   layer 3: /bin/sh 100, /empty 0
    // Per path (count, cumulative, smallest):
    const paths: Record<string, [number, number, number]> = {
      '/bin/sh': [2, 200, 100],
      '/etc/conf': [2, 22, 10],
      '/usr/share/doc/a': [1, 20, 20],
      '/usr/share/doc/b': [1, 30, 30],
      '/tmp/big': [2, 500, 0],
      '/etc': [1, 0, 0],
      '/empty': [2, 0, 0],
      '/usr/share/doc': [1, 50, 50],
    };
    const all = Object.values(paths);
    const minimum = all.reduce((sum, [, , min]) => sum + min, 0); // 210
    const cumulative = all.reduce((sum, [, cum]) => sum + cum, 0); // 822
    const inefficient = Object.entries(paths).filter(([, [count]]) => count >= 2);
    const wasted = inefficient.reduce((sum, [, [, cum]]) => sum + cum, 0); // 722

    expect(minimum).toBe(210);
    expect(cumulative).toBe(822);
    expect(result.efficiency).toBeCloseTo(210 / 822, 15);
    expect(result.wastedBytes).toBe(wasted);
    expect(result.wastedBytes).toBe(722);
    expect(result.wastedUserPercent).toBeCloseTo(722 / 612, 15);
    expect(result.inefficientFiles).toEqual([
      { path: '/tmp/big', count: 2, sizeBytes: 500 },
      { path: '/bin/sh', count: 2, sizeBytes: 200 },
      { path: '/etc/conf', count: 2, sizeBytes: 22 },
      { path: '/empty', count: 2, sizeBytes: 0 },
    ]);
  });

  it('orders equal sizes the way dive lists them: the one found inefficient later first', async () => {
    const result = await analyze([[file('a', 5), file('b', 5)], [file('b', 5)], [file('a', 5)]]);
    expect(result.inefficientFiles.map((f) => f.path)).toEqual(['/a', '/b']);
  });

  it('is 1.0 efficient with nothing repeated, and when nothing has a size', async () => {
    expect(await analyze([[file('a', 5)], [file('b', 7)]])).toMatchObject({
      efficiency: 1,
      wastedBytes: 0,
      wastedUserPercent: 0,
      inefficientFiles: [],
    });
    expect(await analyze([[dir('d/')]])).toMatchObject({ efficiency: 1, sizeBytes: 0 });
  });

  it('sizes a directory whiteout by the subtree the layers below stacked, ignoring opaque markers', async () => {
    const result = await analyze([
      [dir('d/'), file('d/old', 40)],
      // dive does not know opaque directories: d/old stays in its stacked tree
      [dir('d/'), whiteout('d/.wh..wh..opq'), file('d/new', 2)],
      [whiteout('.wh.d')],
    ]);
    // /d is a leaf only in layer 2 (whiteout): 40 + 2 stacked below
    expect(result.inefficientFiles).toEqual([]);
    expect(result.efficiency).toBe(1);
    const again = await analyze([[dir('d/'), file('d/f', 40)], [whiteout('.wh.d')], [dir('d/')]]);
    // /d: whiteout leaf (40) in layer 1, empty directory leaf (0) in layer 2
    expect(again.inefficientFiles).toEqual([{ path: '/d', count: 2, sizeBytes: 40 }]);
    expect(again.efficiency).toBeCloseTo(40 / 80, 15);
  });

  it('weighs a whiteout as 0 when what it names was never there (dive would stop counting the layer)', async () => {
    const result = await analyze([[file('a', 3)], [whiteout('.wh.ghost'), file('a', 3)]]);
    expect(result.inefficientFiles).toEqual([{ path: '/a', count: 2, sizeBytes: 6 }]);
  });

  it('follows dive where an upper layer only implies a directory: it stops being a directory there', async () => {
    // Layer 1 writes d/g without a d/ entry; dive stacks its empty intermediary payload over d,
    // so the whiteout in layer 2 finds no directory and weighs 0.
    const result = await analyze([[dir('d/'), file('d/f', 5)], [file('d/g', 1)], [whiteout('.wh.d')]]);
    expect(result.efficiency).toBe(1);
    expect(result.wastedBytes).toBe(0);
  });

  it('counts a duplicate entry within one layer once (one tree node)', async () => {
    const result = await analyze([[file('a', 3), file('a', 4)], [file('b', 1)]]);
    expect(result.inefficientFiles).toEqual([]);
    expect(result.sizeBytes).toBe(8);
  });

  it('reports 0 when bytes are wasted but user layers hold none: a number, as the contract says', async () => {
    const result = await analyze([[file('a', 10)], [whiteout('.wh.a')]]);
    expect(result.wastedBytes).toBe(10);
    expect(result.userSizeBytes).toBe(0);
    // dive's division gives +Inf, which JSON writes as null; none of no user bytes is wasted
    expect(result.wastedUserPercent).toBe(0);
  });
});
