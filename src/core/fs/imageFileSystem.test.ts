import { describe, expect, it } from 'vitest';
import {
  archiveOfImages,
  blobOf,
  imageOf,
  type LayerSpec,
  layerOf,
  testArchive,
} from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { ImageFileSystem } from './imageFileSystem';
import type { FileNodeInfo, ViewMode } from './types';

async function build(layers: LayerSpec[], withHash = true) {
  const test = await testArchive(layers);
  const fs = await ImageFileSystem.build(test.archive, 0, withHash ? test.contentHash : undefined);
  return { fs, hashCalls: () => test.contentHash.calls };
}

/** `path change` lines of a whole view, in walk order: compact to compare. */
function listing(fs: ImageFileSystem, layer: number, mode: ViewMode): string[] {
  const out: string[] = [];
  fs.walk(layer, mode, (node) => out.push(`${node.path} ${node.change}`));
  return out;
}

function paths(fs: ImageFileSystem, layer: number, mode: ViewMode): string[] {
  const out: string[] = [];
  fs.walk(layer, mode, (node) => out.push(node.path));
  return out;
}

const dir = (name: string, extra: Partial<BuildEntry> = {}): BuildEntry => ({ name, type: 'dir', ...extra });
const file = (name: string, content: string, extra: Partial<BuildEntry> = {}): BuildEntry => ({
  name,
  content,
  ...extra,
});

describe('ImageFileSystem: one layer', () => {
  it('lists a layer with ./ names, trailing slashes and implied parents, sorted by name', async () => {
    const { fs } = await build([
      [
        dir('./'),
        dir('./etc/'),
        file('./etc/passwd', 'root:x:0:0'),
        file('usr/bin/sh', '#!'),
        file('/abs', 'x'),
      ],
    ]);
    expect(fs.layerCount).toBe(1);
    expect(listing(fs, 0, 'changes')).toEqual([
      '/abs added',
      '/etc added',
      '/etc/passwd added',
      '/usr added',
      '/usr/bin added',
      '/usr/bin/sh added',
    ]);
    expect(listing(fs, 0, 'merged')).toEqual(listing(fs, 0, 'changes'));
    const usr = fs.node(0, 'merged', '/usr')!;
    expect(usr).toMatchObject({ type: 'dir', mode: 0o755, uid: 0, childCount: 1, subtreeSize: 2, layer: 0 });
    const root = fs.node(0, 'merged', '/')!;
    expect(root).toMatchObject({ path: '/', type: 'dir', childCount: 3, subtreeSize: 13 });
    expect(fs.counts(0)).toMatchObject({ added: 6, modified: 0, removed: 0 });
  });

  it('pages children and reports totals', async () => {
    const names = ['e', 'b', 'a', 'd', 'c'];
    const { fs } = await build([[dir('d/'), ...names.map((n) => file(`d/${n}`, n.repeat(3)))]]);
    for (const mode of ['changes', 'merged'] as const) {
      const page = fs.children(0, mode, '/d', 1, 2);
      expect(page.total).toBe(5);
      expect(page.items.map((i) => i.path)).toEqual(['/d/b', '/d/c']);
      expect(fs.children(0, mode, 'd/').items.map((i) => i.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(fs.children(0, mode, '/d/a')).toEqual({ total: 0, items: [] });
      expect(fs.children(0, mode, '/nope')).toEqual({ total: 0, items: [] });
    }
  });

  it('keeps the later of duplicate entries', async () => {
    const { fs } = await build([
      [
        file('a', 'one'),
        file('b', 'x'),
        file('a', 'three!', { mode: 0o600 }),
        dir('c/'),
        dir('c/', { mode: 0o700 }),
      ],
    ]);
    expect(fs.node(0, 'merged', '/a')).toMatchObject({ size: 6, mode: 0o600, change: 'added' });
    expect(fs.node(0, 'merged', '/c')).toMatchObject({ mode: 0o700 });
    expect(paths(fs, 0, 'changes')).toEqual(['/a', '/b', '/c']);
    expect(fs.counts(0).added).toBe(3);
  });

  it('lets a later entry replace an earlier path of another kind in the same layer', async () => {
    const { fs } = await build([
      // x/inner then x as a file: extracting the file replaces the directory.
      // y as a file then y/inner: the later path below turns y into a directory again.
      [file('x/inner', 'i'), file('x', 'file'), file('y', 'file'), file('y/inner', 'i')],
    ]);
    expect(listing(fs, 0, 'merged')).toEqual(['/x added', '/y added', '/y/inner added']);
    expect(fs.node(0, 'merged', '/x')?.type).toBe('file');
    expect(fs.node(0, 'merged', '/y')?.type).toBe('dir');
  });

  it('never shows whiteout markers or aufs metadata as files', async () => {
    const { fs } = await build([
      [
        dir('a/'),
        file('a/.wh.gone', ''),
        file('a/.wh..wh..opq', ''),
        file('.wh..wh.plnk/123.456', 'x'),
        file('k', '1'),
      ],
    ]);
    const all = [...paths(fs, 0, 'changes'), ...paths(fs, 0, 'merged')];
    expect(all.filter((p) => p.includes('.wh.'))).toEqual([]);
    expect(paths(fs, 0, 'merged')).toEqual(['/a', '/k']);
  });
});

describe('ImageFileSystem: stacking rules', () => {
  it('whiteout of a directory removes its whole subtree from the layers below', async () => {
    const { fs } = await build([
      [
        dir('opt/'),
        dir('opt/app/'),
        file('opt/app/big.bin', 'x'.repeat(100)),
        dir('opt/app/sub/'),
        file('opt/app/sub/f', 'abc'),
        file('opt/keep', 'k'),
      ],
      [dir('opt/'), file('opt/.wh.app', '')],
    ]);
    expect(listing(fs, 1, 'changes')).toEqual([
      '/opt unmodified',
      '/opt/app removed',
      '/opt/app/big.bin removed',
      '/opt/app/sub removed',
      '/opt/app/sub/f removed',
    ]);
    expect(fs.node(1, 'changes', '/opt/app')).toMatchObject({
      change: 'removed',
      subtreeSize: 103,
      layer: 1,
      childCount: 2,
    });
    // As in dive, a directory that is not itself removed does not count removed files below it.
    expect(fs.node(1, 'changes', '/opt')?.subtreeSize).toBe(0);
    expect(listing(fs, 1, 'merged')).toEqual(['/opt unmodified', '/opt/keep unmodified']);
    expect(fs.node(1, 'merged', '/opt/app/sub/f')).toBeNull();
    expect(fs.node(0, 'merged', '/opt/app/sub/f')).not.toBeNull();
    expect(fs.counts(1)).toMatchObject({ added: 0, modified: 0, removed: 1 });
    // It went with /opt/app: in its history so, and not counted on its own (changeRule.ts).
    expect(fs.timeline('/opt/app/sub/f')).toEqual([
      { layer: 0, change: 'added' },
      { layer: 1, change: 'removed', note: 'underRemoved' },
    ]);
    expect(fs.node(1, 'changes', '/opt/app/sub/f')?.note).toBe('underRemoved');
    expect(fs.node(1, 'changes', '/opt/app')?.note).toBeUndefined();
    expect(fs.node(1, 'merged', '/')?.subtreeSize).toBe(1);
    expect(fs.node(0, 'merged', '/')?.subtreeSize).toBe(104);
  });

  it('whiteout of a file, and of a path that never existed', async () => {
    const { fs } = await build([
      [file('a', '1'), file('b', '2')],
      [file('.wh.a', ''), file('.wh.nothing', '')],
    ]);
    expect(listing(fs, 1, 'changes')).toEqual(['/a removed']);
    expect(paths(fs, 1, 'merged')).toEqual(['/b']);
    expect(fs.counts(1).removed).toBe(1);
  });

  for (const order of ['marker first', 'marker last'] as const) {
    it(`opaque directory keeps the layer's own new children (${order})`, async () => {
      const marker = file('app/replaceme/.wh..wh..opq', '');
      const own = [
        dir('app/replaceme/'),
        dir('app/replaceme/nested/'),
        file('app/replaceme/nested/new3.txt', 'n3'),
        file('app/replaceme/new.txt', 'new'),
      ];
      const { fs } = await build([
        [
          dir('app/'),
          dir('app/replaceme/'),
          file('app/replaceme/old.txt', 'old'),
          dir('app/replaceme/nested/'),
          file('app/replaceme/nested/old2', 'o2'),
          file('app/other', 'x'),
        ],
        order === 'marker first' ? [dir('app/'), marker, ...own] : [dir('app/'), ...own, marker],
      ]);
      expect(listing(fs, 1, 'merged')).toEqual([
        '/app unmodified',
        '/app/other unmodified',
        '/app/replaceme unmodified',
        // re-created below the opaque directory: new, not merged with the hidden one
        '/app/replaceme/nested added',
        '/app/replaceme/nested/new3.txt added',
        '/app/replaceme/new.txt added',
      ]);
      expect(listing(fs, 1, 'changes')).toEqual([
        '/app unmodified',
        '/app/replaceme unmodified',
        '/app/replaceme/nested added',
        '/app/replaceme/nested/new3.txt added',
        '/app/replaceme/nested/old2 removed',
        '/app/replaceme/new.txt added',
        '/app/replaceme/old.txt removed',
      ]);
      expect(fs.counts(1)).toMatchObject({
        added: 3,
        modified: 0,
        removed: 0,
        opaqueDirs: 1,
        hiddenByOpaque: 2,
      });
      expect(fs.node(1, 'merged', '/app/replaceme')?.childCount).toBe(2);
    });
  }

  it('opaque marker on a directory new in the layer, and at the top level', async () => {
    const { fs } = await build([
      [file('a', '1'), dir('d/'), file('d/x', '2')],
      [dir('fresh/'), file('fresh/.wh..wh..opq', ''), file('fresh/f', 'f')],
      [file('.wh..wh..opq', ''), file('only', 'o')],
    ]);
    expect(paths(fs, 1, 'merged')).toEqual(['/a', '/d', '/d/x', '/fresh', '/fresh/f']);
    expect(listing(fs, 2, 'merged')).toEqual(['/only added']);
    // The root has no row to count a replacement on: what its marker hid counts as removed.
    expect(fs.counts(2)).toMatchObject({
      added: 1,
      removed: 3,
      replaced: 0,
      opaqueDirs: 1,
      hiddenByOpaque: 3,
    });
  });

  it('a whiteout plus a new directory of the same name in one layer acts as opaque', async () => {
    const { fs } = await build([
      [dir('d/'), file('d/old', 'o')],
      [file('.wh.d', ''), dir('d/'), file('d/new', 'n')],
    ]);
    expect(listing(fs, 1, 'merged')).toEqual(['/d unmodified', '/d/new added']);
    expect(fs.counts(1)).toMatchObject({ added: 1, removed: 0, replaced: 1, opaqueDirs: 1 });
    expect(fs.node(1, 'changes', '/d')?.note).toBe('replaced');
    expect(fs.node(1, 'changes', '/d/old')).toMatchObject({ change: 'removed', note: 'underReplaced' });
    expect(fs.timeline('/d')).toEqual([
      { layer: 0, change: 'added' },
      { layer: 1, change: 'replaced' },
    ]);
  });

  it('directory over directory merges; a newer directory entry with new metadata is modified', async () => {
    const { fs } = await build([
      [dir('d/'), file('d/a', 'a')],
      [dir('d/', { mode: 0o700 }), file('d/b', 'b')],
    ]);
    expect(listing(fs, 1, 'merged')).toEqual(['/d modified', '/d/a unmodified', '/d/b added']);
    expect(listing(fs, 1, 'changes')).toEqual(['/d modified', '/d/b added']);
    expect(fs.node(1, 'merged', '/d')).toMatchObject({
      childCount: 2,
      subtreeSize: 2,
      layer: 1,
      mode: 0o700,
    });
  });

  it('file replaced by a symlink is modified and shows the link', async () => {
    const { fs } = await build([
      [file('foo.txt', 'foo')],
      [file('bar.txt', 'bar'), { name: 'foo.txt', type: 'symlink', linkTarget: 'bar.txt' }],
    ]);
    expect(listing(fs, 1, 'changes')).toEqual(['/bar.txt added', '/foo.txt modified']);
    expect(fs.node(1, 'merged', '/foo.txt')).toMatchObject({
      type: 'symlink',
      linkTarget: 'bar.txt',
      size: 0,
      layer: 1,
    });
    expect(fs.node(0, 'merged', '/foo.txt')).toMatchObject({
      type: 'file',
      size: 3,
      layer: 0,
      change: 'added',
    });
    expect(fs.counts(1)).toMatchObject({ added: 1, modified: 1, removed: 0 });
    expect(fs.timeline('/foo.txt')).toEqual([
      { layer: 0, change: 'added' },
      { layer: 1, change: 'modified' },
    ]);
  });

  it('a file over a directory replaces it and everything below', async () => {
    const { fs } = await build([
      [dir('d/'), file('d/x', 'xx'), dir('d/sub/'), file('d/sub/y', 'y')],
      [file('d', 'now a file')],
    ]);
    expect(listing(fs, 1, 'merged')).toEqual(['/d modified']);
    expect(listing(fs, 1, 'changes')).toEqual(['/d modified']);
    expect(fs.timeline('/d/sub/y')).toEqual([
      { layer: 0, change: 'added' },
      { layer: 1, change: 'removed', note: 'underRemoved' },
    ]);
    expect(fs.node(1, 'merged', '/')?.subtreeSize).toBe(10);
  });

  it('a path below a lower file turns the file into a directory', async () => {
    const { fs } = await build([[file('p', 'plain')], [file('p/child', 'c')]]);
    expect(listing(fs, 1, 'changes')).toEqual(['/p modified', '/p/child added']);
    expect(fs.node(1, 'merged', '/p')).toMatchObject({ type: 'dir', childCount: 1, subtreeSize: 1 });
  });

  it('a hardlink may point into a lower layer', async () => {
    const { fs } = await build([
      [dir('a/'), file('a/file', 'shared content')],
      [dir('b/'), { name: 'b/link', type: 'hardlink', linkTarget: 'a/file' }],
      [file('a/.wh.file', '')],
    ]);
    expect(fs.node(1, 'changes', '/b/link')).toMatchObject({
      type: 'hardlink',
      linkTarget: '/a/file',
      change: 'added',
      layer: 1,
    });
    expect(fs.contentSource(1, 'merged', '/b/link')).toEqual({ layer: 0, entryIndex: 1 });
    // The link keeps the content after the name it was made from is removed.
    expect(fs.contentSource(2, 'merged', '/b/link')).toEqual({ layer: 0, entryIndex: 1 });
    expect(fs.node(2, 'merged', '/a/file')).toBeNull();
    expect(fs.contentSource(2, 'merged', '/a/file')).toBeNull();
    expect(fs.contentSource(0, 'merged', '/a/file')).toEqual({ layer: 0, entryIndex: 1 });
    expect(fs.contentSource(0, 'merged', '/a')).toBeNull();
  });

  it('a hardlink to a file earlier in the same layer resolves to it, through link chains', async () => {
    const { fs } = await build([
      [
        file('bin/busybox', 'BB'),
        { name: 'bin/[', type: 'hardlink', linkTarget: 'bin/busybox' },
        { name: 'bin/test', type: 'hardlink', linkTarget: './bin/[' },
      ],
    ]);
    expect(fs.contentSource(0, 'changes', '/bin/test')).toEqual({ layer: 0, entryIndex: 0 });
    expect(fs.node(0, 'merged', '/bin/test')?.linkTarget).toBe('/bin/[');
  });

  it('identical re-add is unmodified; contents are hashed only for same-size rewrites', async () => {
    const { fs, hashCalls } = await build([
      [file('same', 'content'), file('grown', 'abc'), file('changed', 'aaaa'), file('empty', '')],
      [file('same', 'content'), file('grown', 'abcd'), file('changed', 'bbbb'), file('empty', '')],
    ]);
    expect(listing(fs, 1, 'changes')).toEqual([
      '/changed modified',
      '/empty unmodified',
      '/grown modified',
      '/same unmodified',
    ]);
    expect(fs.counts(1)).toMatchObject({ added: 0, modified: 2, removed: 0, rewritten: 2 });
    // same (2 entries) and changed (2 entries); not grown (sizes differ) nor empty (nothing to read)
    expect(hashCalls()).toBe(4);
    expect(fs.timeline('/same')).toEqual([
      { layer: 0, change: 'added' },
      { layer: 1, change: 'rewritten' },
    ]);
    expect(fs.node(1, 'changes', '/same')?.note).toBe('rewritten');
    expect(fs.node(1, 'merged', '/same')).toMatchObject({ change: 'unmodified', layer: 1 });
  });

  it('without a content hash, same-size rewrites count as modified (nothing proves them equal)', async () => {
    const { fs } = await build([[file('same', 'content')], [file('same', 'content')]], false);
    expect(fs.node(1, 'changes', '/same')?.change).toBe('modified');
  });

  it('the same layer blob twice: every rewrite is unmodified without reading any content', async () => {
    const shared = [dir('opt/'), file('opt/d1.txt', 'one'), file('opt/d2.txt', 'two')];
    const { fs, hashCalls } = await build([shared, [file('opt/d1.txt', 'ONE')], { sameAs: 0 }]);
    expect(listing(fs, 2, 'changes')).toEqual([
      '/opt unmodified',
      '/opt/d1.txt modified',
      '/opt/d2.txt unmodified',
    ]);
    // layer 1 -> 0 comparison of d1.txt needed hashes; layer 2 needed none for d2.txt
    expect(hashCalls()).toBe(2);
  });

  it('a metadata-only change (chmod u+s) is modified without hashing', async () => {
    const { fs, hashCalls } = await build([
      [file('tool', '#!/bin/sh\nexit 0\n', { mode: 0o755 })],
      [file('tool', '#!/bin/sh\nexit 0\n', { mode: 0o4755 })],
      [file('tool', '#!/bin/sh\nexit 0\n', { mode: 0o4755, uid: 1000 })],
    ]);
    expect(fs.node(1, 'changes', '/tool')).toMatchObject({ change: 'modified', mode: 0o4755 });
    expect(fs.node(2, 'changes', '/tool')).toMatchObject({ change: 'modified', uid: 1000 });
    expect(hashCalls()).toBe(0);
  });

  it('symlink retargeted is modified, same target is unmodified', async () => {
    const link = (target: string): BuildEntry => ({ name: 'l', type: 'symlink', linkTarget: target });
    const { fs } = await build([[link('a')], [link('a')], [link('b')]]);
    expect(fs.node(1, 'changes', '/l')?.change).toBe('unmodified');
    expect(fs.node(2, 'changes', '/l')?.change).toBe('modified');
    expect(fs.timeline('/l')).toEqual([
      { layer: 0, change: 'added' },
      { layer: 1, change: 'rewritten' },
      { layer: 2, change: 'modified' },
    ]);
  });

  it('merged view at each layer shows what that layer did and what came from below', async () => {
    const { fs } = await build([
      [file('a', '1'), file('b', '2')],
      [file('b', '22'), file('c', '3')],
      [file('.wh.a', '')],
    ]);
    expect(listing(fs, 0, 'merged')).toEqual(['/a added', '/b added']);
    expect(listing(fs, 1, 'merged')).toEqual(['/a unmodified', '/b modified', '/c added']);
    expect(listing(fs, 2, 'merged')).toEqual(['/b unmodified', '/c unmodified']);
    expect(fs.node(2, 'merged', '/b')).toMatchObject({ layer: 1, size: 2 });
    expect(fs.node(2, 'merged', '/')).toMatchObject({ childCount: 2, subtreeSize: 3 });
    expect(fs.node(1, 'merged', '/')).toMatchObject({ childCount: 3, subtreeSize: 4 });
  });

  it('treats an unreadable layer as empty and says so', async () => {
    const layer0 = await layerOf([file('a', '1')]);
    const blobs = new Map([
      ['l0', blobOf(layer0.table, 'l0')],
      ['l1', blobOf(null, 'l1')],
    ]);
    const fs = await ImageFileSystem.build(archiveOfImages(blobs, [imageOf(['l0', 'l1'])]), 0);
    expect(paths(fs, 1, 'merged')).toEqual(['/a']);
    expect(paths(fs, 1, 'changes')).toEqual([]);
    expect(fs.unreadableLayers).toEqual([1]);
    expect(fs.warnings).toEqual([]);
  });

  it('rejects layers and images that do not exist', async () => {
    const { fs } = await build([[file('a', '1')]]);
    expect(() => fs.children(1, 'merged', '/')).toThrow(RangeError);
    const test = await testArchive([[file('a', '1')]]);
    await expect(ImageFileSystem.build(test.archive, 3)).rejects.toThrow(RangeError);
  });

  it('fills every FileNodeInfo field', async () => {
    const { fs } = await build([[file('etc/shadow', 'secret', { mode: 0o640, uid: 0, gid: 42 })]]);
    const info: FileNodeInfo | null = fs.node(0, 'changes', 'etc/shadow');
    expect(info).toEqual({
      path: '/etc/shadow',
      name: 'shadow',
      type: 'file',
      size: 6,
      subtreeSize: 6,
      mode: 0o640,
      uid: 0,
      gid: 42,
      linkTarget: '',
      change: 'added',
      childCount: 0,
      layer: 0,
    });
  });
});

describe('ImageFileSystem: robustness', () => {
  it('holds paths far deeper than the call stack', async () => {
    const deep = Array.from({ length: 20000 }, () => 'd').join('/');
    const layer = await layerOf([file(`${deep}/leaf`, 'x')]);
    const archive = archiveOfImages(new Map([['l0', blobOf(layer.table, 'l0')]]), [imageOf(['l0'])]);
    const fs = await ImageFileSystem.build(archive, 0);
    expect(fs.node(0, 'merged', `/${deep}/leaf`)).toMatchObject({ size: 1, change: 'added' });
    expect(fs.node(0, 'merged', '/')?.subtreeSize).toBe(1);
    let count = 0;
    fs.walk(0, 'changes', () => count++);
    expect(count).toBe(20001);
  });

  it('counts a rewrite as modified, with a warning, when its content cannot be read', async () => {
    const test = await testArchive([[file('a', 'same')], [file('a', 'same')]]);
    const fs = await ImageFileSystem.build(test.archive, 0, async () => {
      throw new Error('layer ended early');
    });
    expect(fs.node(1, 'changes', '/a')?.change).toBe('modified');
    expect(fs.warnings).toEqual([
      'could not read "a" in layer 0 to compare it: layer ended early',
      'could not read "a" in layer 1 to compare it: layer ended early',
    ]);
  });
});
