import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerArchive, ociArchive, type TestImage } from '../../testing/archives';
import { type BuildEntry, buildTar } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { WindowedReader } from '../bytes/reader';
import { ImageFileSystem } from '../fs/imageFileSystem';
import { cleanRelative } from '../fs/path';
import type { FileNodeInfo, ViewMode } from '../fs/types';
import { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import { openArchive } from '../image/open';
import { walkTar } from '../tar/walker';
import {
  type ExportProgress,
  type ExportSpec,
  exportTar,
  planExport,
  tarReadableStream,
  writeTar,
} from './index';

const hasGnuTar = (spawnSync('tar', ['--version']).stdout?.toString() ?? '').includes('GNU tar');
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'ile-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const dir = (name: string, extra: Partial<BuildEntry> = {}): BuildEntry => ({ name, type: 'dir', ...extra });
const file = (name: string, content: string | Uint8Array, extra: Partial<BuildEntry> = {}): BuildEntry => ({
  name,
  content,
  ...extra,
});

const LONG_NAME = `usr/share/doc/${'x'.repeat(136)}`; // 150 characters, one 136-byte segment: PAX only
const SPLIT_NAME = `${'d'.repeat(60)}/${'n'.repeat(89)}`; // 150 characters that fit ustar's prefix
const LONG_TARGET = `../${'t'.repeat(120)}/target`;
const big = Uint8Array.from({ length: 2_500_000 }, (_, i) => (i * 7919) % 251);

const layer0: BuildEntry[] = [
  dir('etc/', { mtime: 1600000000 }),
  file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n', { uname: 'root', gname: 'root' }),
  file('etc/shadow', 'root:*:19000::::::\n', { mode: 0 }),
  dir('usr/'),
  dir('usr/bin/', { mode: 0o755, uid: 0 }),
  file('usr/bin/busybox', 'BUSYBOX v1', { mode: 0o4755, uname: 'root', gname: 'root' }),
  { name: 'usr/bin/sh', type: 'hardlink', linkTarget: 'usr/bin/busybox', mode: 0o4755 },
  { name: 'usr/bin/vi', type: 'symlink', linkTarget: 'busybox', mode: 0o777 },
  { name: 'usr/bin/far', type: 'symlink', linkTarget: LONG_TARGET, mode: 0o777 },
  { name: 'usr/bin/ünï', type: 'symlink', linkTarget: 'zïel-目标', mode: 0o777 },
  dir('usr/share/'),
  dir('usr/share/doc/'),
  file(LONG_NAME, 'long name\n'),
  dir(`${'d'.repeat(60)}/`),
  file(SPLIT_NAME, 'split name\n', { uid: 1000, gid: 1000, uname: 'app', gname: 'app' }),
  dir('café/'),
  file('café/naïve-文件.txt', 'unicode\n', { mtime: 4102444800 }),
  file('home-big-uid', 'uid 300000', { uid: 300_000, gid: 3_000_000 }),
  file('fraction', 'f', { pax: { mtime: '1700000000.25', 'SCHILY.xattr.user.note': 'kept' } }),
  file('empty', ''),
  dir('tmp/', { mode: 0o1777 }),
  { name: 'tmp/pipe', type: 'fifo', mode: 0o600 },
  file('big.bin', big),
  // Each directory's entries together, as image builders write them: GNU tar then restores every
  // directory's time exactly, and the extracted source is a fair reference.
  dir('var/'),
  { name: 'var/sh-link', type: 'hardlink', linkTarget: 'usr/bin/busybox' },
];
const layer1: BuildEntry[] = [
  dir('etc/', { mtime: 1600000000 }),
  file('etc/.wh.shadow', ''),
  file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'),
  dir('usr/'),
  dir('usr/bin/', { mode: 0o755 }),
  // A new busybox: at this layer the hardlinks still hold the old bytes (the old inode).
  file('usr/bin/busybox', 'BUSYBOX v2!', { mode: 0o4755 }),
  dir('usr/share/'),
  dir('usr/share/doc/'),
  file('usr/share/doc/.wh..wh..opq', ''),
  file('usr/share/doc/new.txt', 'replaces the docs\n'),
];
const image: TestImage = { tags: ['export:1'], layers: [layer0, layer1] };
const layerTars = [buildTar(layer0), buildTar(layer1)];

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk.slice());
  return Buffer.concat(parts);
}

async function openImage(bytes: Uint8Array) {
  const archive = await openArchive(new MemorySource(bytes, 'image.tar'));
  expect(archive.errors).toEqual([]);
  const fs = await ImageFileSystem.build(archive, 0);
  return { archive, fs, reader: new ContentReader(archive) };
}

async function exported(
  bytes: Uint8Array,
  spec: ExportSpec,
  chunkSize?: number,
): Promise<{ tar: Uint8Array; warnings: string[] }> {
  const { archive, fs, reader } = await openImage(bytes);
  const plan = planExport(archive, fs, 0, spec);
  return { tar: await collect(writeTar(plan, reader, { chunkSize })), warnings: plan.warnings };
}

/** `tar -tv` lines, sorted (the export orders entries for reading, not by name). */
function gnuListing(tar: Uint8Array, numeric: boolean): string[] {
  const path = join(work, `list-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(path, tar);
  const args = [
    '--full-time',
    '--quoting-style=literal',
    ...(numeric ? ['--numeric-owner'] : []),
    '-tvf',
    path,
  ];
  const r = spawnSync('tar', args, { env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' } });
  expect(r.stderr.toString()).toBe('');
  expect(r.status).toBe(0);
  // GNU tar widens the owner/size column as it goes: compare with single spaces.
  return r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.replace(/ +/g, ' '))
    .sort();
}

interface TreeEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  link: string;
  sha: string;
  nlink: number;
}

function extract(tar: Uint8Array): string {
  const target = mkdtempSync(join(work, 'x-'));
  const path = `${target}.tar`;
  writeFileSync(path, tar);
  const r = spawnSync('tar', ['-xpf', path, '-C', target, '--xattrs', '--warning=no-timestamp'], {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  expect(r.stderr.toString()).toBe('');
  expect(r.status).toBe(0);
  return target;
}

/** What extraction made: type, permission bits, owner, mtime, size, link target, content hash, link count. */
function tree(root: string, at = ''): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  for (const name of readdirSync(join(root, at)).sort()) {
    const rel = at ? `${at}/${name}` : name;
    const full = join(root, rel);
    const st = lstatSync(full);
    const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : 'file';
    out.set(rel, {
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: Math.floor(st.mtimeMs / 1000),
      size: type === 'file' ? st.size : 0,
      link: type === 'symlink' ? readlinkSync(full) : '',
      sha: type === 'file' ? createHash('sha256').update(readFileSync(full)).digest('hex') : '',
      nlink: type === 'file' ? st.nlink : 0,
    });
    if (type === 'dir') for (const [k, v] of tree(root, rel)) out.set(k, v);
  }
  return out;
}

/**
 * GNU tar extracts a symlink whose target is absolute or climbs with `..` as a placeholder file
 * and swaps the real link in at the very end, after it has set the directory's time, so that
 * directory's time is "now" whatever the archive says, from the source layer as from an export.
 * Directories are compared with the times their entries record instead, except those.
 */
function withoutDirectoryTimes(extracted: Map<string, TreeEntry>): Map<string, TreeEntry> {
  return new Map([...extracted].map(([k, v]) => [k, v.type === 'dir' ? { ...v, mtime: 0 } : v]));
}

async function expectRecordedDirectoryTimes(extracted: Map<string, TreeEntry>, sourceTar: Uint8Array) {
  const entries = await entriesOf(sourceTar);
  const withPlaceholders = new Set<string>();
  for (const [name, entry] of entries) {
    const target = String(entry.linkTarget);
    if (entry.type === 'symlink' && (target.startsWith('/') || target.split('/').includes('..')))
      withPlaceholders.add(name.slice(0, name.lastIndexOf('/')));
  }
  let checked = 0;
  for (const [name, entry] of entries) {
    if (entry.type !== 'dir' || withPlaceholders.has(name)) continue;
    expect([name, extracted.get(name)?.mtime]).toEqual([name, entry.mtime]);
    checked++;
  }
  expect(checked).toBeGreaterThan(0);
}

/** Every entry of a tar as our walker reads it, keyed by cleaned name, with content hashes. */
async function entriesOf(tar: Uint8Array) {
  const out = new Map<string, Record<string, unknown>>();
  for await (const e of walkTar(new WindowedReader(new MemorySource(tar)))) {
    const body = tar.subarray(e.dataOffset, e.dataOffset + e.storedSize);
    out.set(cleanRelative(e.name), {
      type: e.type,
      size: e.size,
      mode: e.mode & 0o7777,
      uid: e.uid,
      gid: e.gid,
      uname: e.uname,
      gname: e.gname,
      mtime: e.mtime,
      linkTarget: e.type === 'hardlink' ? cleanRelative(e.linkTarget) : e.linkTarget,
      xattrs: e.xattrs,
      sha: createHash('sha256').update(body).digest('hex'),
    });
  }
  return out;
}

function view(fs: ImageFileSystem, layer: number, mode: ViewMode) {
  // What a layer did to a path (change, note, subtreeChanged) is not in a tar: only what the path is.
  const out: Omit<
    FileNodeInfo,
    'change' | 'layer' | 'subtreeSize' | 'childCount' | 'note' | 'subtreeChanged'
  >[] = [];
  fs.walk(
    layer,
    mode,
    ({ change, layer: _l, subtreeSize, childCount, note: _n, subtreeChanged: _s, ...rest }) => out.push(rest),
  );
  return out;
}

async function contentsOf(
  archive: ImageArchive,
  fs: ImageFileSystem,
  layer: number,
): Promise<Map<string, string>> {
  const reader = new ContentReader(archive);
  const out = new Map<string, string>();
  const files: string[] = [];
  fs.walk(layer, 'merged', (node) => {
    if (node.type === 'file' || node.type === 'hardlink') files.push(node.path);
  });
  for (const path of files) {
    const ref = fs.contentSource(layer, 'merged', path)!;
    const bytes = await reader.read(archive.images[0].layers[ref.layer].blob, ref.entryIndex);
    out.set(path, createHash('sha256').update(bytes).digest('hex'));
  }
  return out;
}

const variants: [string, () => Uint8Array][] = [
  ['uncompressed docker-archive', () => dockerArchive([image])],
  ['gzip OCI layers', () => ociArchive([image], 'gzip')],
  ['zstd OCI layers', () => ociArchive([image], 'zstd')],
];

describe.each(variants)('export from %s', (_label, make) => {
  const bytes = make();

  it.each([0, 1])("writes layer %i's own changes entry for entry as the layer has them", async (layer) => {
    const { tar, warnings } = await exported(bytes, { layer, mode: 'changes' }, 64 * 1024);
    expect(warnings).toEqual([]);
    // Our walker reads back the same entries: names, types, sizes, modes, owners, times, links, xattrs, bytes.
    expect(await entriesOf(tar)).toEqual(await entriesOf(layerTars[layer]));
    if (hasGnuTar) {
      expect(gnuListing(tar, false)).toEqual(gnuListing(layerTars[layer], false));
      expect(gnuListing(tar, true)).toEqual(gnuListing(layerTars[layer], true));
    }
  });

  it('writes the merged filesystem that our own reader reads back identically', async () => {
    const source = await openImage(bytes);
    for (const layer of [0, 1]) {
      const { tar, warnings } = await exported(bytes, { layer, mode: 'merged' });
      expect(warnings).toEqual([]);
      const back = await openImage(tar);
      expect(back.archive.format).toBe('rootfs');
      const expected = view(source.fs, layer, 'merged');
      const actual = view(back.fs, 0, 'merged');
      if (layer === 0) expect(actual).toEqual(expected);
      else {
        // busybox was replaced above its hardlinks: they keep the old bytes, written as copies.
        const asCopies = expected.map((node) =>
          node.type === 'hardlink' ? { ...node, type: 'file' as const, size: 10, linkTarget: '' } : node,
        );
        expect(actual).toEqual(asCopies);
      }
      expect(await contentsOf(back.archive, back.fs, 0)).toEqual(
        await contentsOf(source.archive, source.fs, layer),
      );
    }
  });
});

describe.skipIf(!hasGnuTar)('GNU tar extracts an export exactly as it extracts the source', () => {
  const bytes = ociArchive([image], 'gzip');

  it.each([0, 1])('layer %i, changes', async (layer) => {
    const { tar } = await exported(bytes, { layer, mode: 'changes' });
    const fromExport = tree(extract(tar));
    const fromSource = tree(extract(layerTars[layer]));
    expect(withoutDirectoryTimes(fromExport)).toEqual(withoutDirectoryTimes(fromSource));
    await expectRecordedDirectoryTimes(fromExport, layerTars[layer]);
    if (layer === 0) {
      expect(fromExport.get('usr/bin/sh')).toMatchObject({ mode: 0o4755, nlink: 3 });
      expect(fromExport.get('etc/shadow')).toMatchObject({ mode: 0 });
      if (isRoot) expect(fromExport.get('home-big-uid')).toMatchObject({ uid: 300_000, gid: 3_000_000 });
      expect(fromExport.get('usr/bin/far')?.link).toBe(LONG_TARGET);
      expect(fromExport.has(LONG_NAME)).toBe(true);
      expect(fromExport.get('café/naïve-文件.txt')?.mtime).toBe(4102444800);
    } else {
      expect(fromExport.has('usr/share/doc/.wh..wh..opq')).toBe(true);
      expect(fromExport.has('etc/.wh.shadow')).toBe(true);
    }
  });

  it('the merged view at layer 0 extracts to what stacking the layers gives', async () => {
    const { tar } = await exported(bytes, { layer: 0, mode: 'merged' });
    const fromExport = tree(extract(tar));
    expect(withoutDirectoryTimes(fromExport)).toEqual(withoutDirectoryTimes(tree(extract(layerTars[0]))));
    await expectRecordedDirectoryTimes(fromExport, layerTars[0]);
  });
});

describe('export of a directory', () => {
  const bytes = dockerArchive([image]);

  it('names entries from the directory, keeps links inside it and copies links that leave it', async () => {
    const { tar: bin } = await exported(bytes, { layer: 0, mode: 'merged', path: '/usr/bin' });
    const binEntries = await entriesOf(bin);
    expect([...binEntries.keys()].sort()).toEqual([
      'bin',
      'bin/busybox',
      'bin/far',
      'bin/sh',
      'bin/vi',
      'bin/ünï',
    ]);
    expect(binEntries.get('bin/sh')).toMatchObject({ type: 'hardlink', linkTarget: 'bin/busybox' });

    const { tar: varTar } = await exported(bytes, { layer: 0, mode: 'merged', path: 'var/' });
    // Its target is outside /var: a copy of the bytes, not a link that would dangle.
    expect((await entriesOf(varTar)).get('var/sh-link')).toMatchObject({
      type: 'file',
      size: 10,
      mode: 0o644,
    });

    const { tar: full } = await exported(bytes, {
      layer: 0,
      mode: 'merged',
      path: '/usr/bin',
      fullPaths: true,
    });
    expect([...(await entriesOf(full)).keys()]).toContain('usr/bin/busybox');
  });

  it("exports a directory of a layer's changes with its whiteouts and opaque marker", async () => {
    const { tar } = await exported(bytes, { layer: 1, mode: 'changes', path: '/usr/share' });
    expect([...(await entriesOf(tar)).keys()].sort()).toEqual([
      'share',
      'share/doc',
      'share/doc/.wh..wh..opq',
      'share/doc/new.txt',
    ]);
  });

  it('refuses what is not a directory of the view, naming it', async () => {
    const { archive, fs } = await openImage(bytes);
    expect(() => planExport(archive, fs, 0, { layer: 0, mode: 'merged', path: '/etc/passwd' })).toThrow(
      '/etc/passwd is a file, not a directory; export takes a directory',
    );
    expect(() => planExport(archive, fs, 0, { layer: 1, mode: 'merged', path: '/etc/shadow' })).toThrow(
      '/etc/shadow is not in the merged view at layer 1',
    );
    expect(() => planExport(archive, fs, 0, { layer: 2, mode: 'merged' })).toThrow('no layer 2');
  });
});

describe('streaming', () => {
  const bytes = ociArchive([image], 'gzip');

  it('hands out small chunks and reports progress; a consumer may stop early', async () => {
    const { archive, fs, reader } = await openImage(bytes);
    const plan = planExport(archive, fs, 0, { layer: 0, mode: 'merged' });
    expect(plan.suggestedName).toBe('export_1-layer-0-merged.tar');
    const progress: ExportProgress[] = [];
    let largest = 0;
    let total = 0;
    for await (const chunk of writeTar(plan, reader, {
      chunkSize: 100_000,
      onProgress: (p) => progress.push(p),
    })) {
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
    }
    // No chunk holds more than one read of file data: the tar never sits in memory whole.
    expect(largest).toBeLessThanOrEqual(100_000);
    expect(total).toBeGreaterThan(big.length);
    expect(progress.at(-1)).toEqual({
      entriesWritten: plan.entryCount,
      entries: plan.entryCount,
      contentBytesWritten: plan.contentBytes,
      contentBytes: plan.contentBytes,
    });

    let taken = 0;
    for await (const _chunk of exportTar(archive, fs, 0, { layer: 0, mode: 'merged' }, reader)) {
      if (++taken === 2) break;
    }
    expect(taken).toBe(2);
  });

  it('stops when aborted, and works as a web ReadableStream', async () => {
    const { archive, fs, reader } = await openImage(bytes);
    const plan = planExport(archive, fs, 0, { layer: 0, mode: 'changes' });
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    await expect(collect(writeTar(plan, reader, { signal: controller.signal }))).rejects.toThrow(
      'user cancelled',
    );

    const parts: Uint8Array[] = [];
    const streamReader = tarReadableStream(plan, reader).getReader();
    for (let r = await streamReader.read(); !r.done; r = await streamReader.read()) parts.push(r.value);
    expect(await entriesOf(Buffer.concat(parts))).toEqual(await entriesOf(layerTars[0]));
    const cancelled = tarReadableStream(plan, reader);
    const partial = cancelled.getReader();
    await partial.read();
    await partial.cancel();
  });

  it('leaves out sparse files with a warning', async () => {
    const sparse = buildTar([
      {
        name: 'data',
        content: 'abc',
        size: 3,
        pax: { 'GNU.sparse.realsize': '1000', 'GNU.sparse.major': '1' },
      },
    ]);
    mkdirSync(join(work, 'sparse'), { recursive: true });
    const { archive, fs } = await openImage(sparse);
    const plan = planExport(archive, fs, 0, { layer: 0, mode: 'merged' });
    expect([...plan.entries()]).toEqual([]);
    expect(plan.entryCount).toBe(0);
    expect(plan.warnings).toEqual([
      '/data: a sparse file (the index keeps no map of its holes) was left out',
    ]);
  });
});
