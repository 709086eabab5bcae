/**
 * Test-only oracle for comparisons: an image unpacked to disk by GNU tar, layer by layer,
 * applying whiteouts the way overlay filesystems do (a layer's `.wh.<name>` removes that path
 * of the layers below, `.wh..wh..opq` empties its directory of them, both before the layer's own
 * entries are extracted), and a walk of two such trees that says what differs, from lstat and
 * the bytes on disk alone.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Compression } from '../core/compress/sniff';

export interface LayerMember {
  /** The member of the archive holding the layer tar. */
  member: string;
  compression: Compression;
}

const OUTER: Record<Compression, string> = { none: '', gzip: '-z', zstd: '--zstd' };
const INNER: Record<Compression, string> = { none: '', gzip: '| gzip -dc', zstd: '| zstd -dc' };

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function sh(command: string): string {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `umask 022; ${command}`], {
    maxBuffer: 1 << 30,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  if (r.status !== 0) throw new Error(`${command}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Unpacks layers 0..upTo of an image into `target` (created empty). */
export function unpackImage(
  archive: string,
  outer: Compression,
  layers: readonly LayerMember[],
  target: string,
  scratch: string,
  /** Called after each layer is applied, with its index (to snapshot the tree at every layer). */
  afterLayer?: (index: number) => void,
): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  mkdirSync(scratch, { recursive: true });
  const layerTar = join(scratch, 'layer.tar');
  for (const [index, layer] of layers.entries()) {
    sh(
      `tar ${OUTER[outer]} -xOf ${quote(archive)} ${quote(layer.member)} ${INNER[layer.compression]} > ${quote(layerTar)}`,
    );
    const names = sh(`tar -tf ${quote(layerTar)} --quoting-style=literal`)
      .split('\n')
      .filter(Boolean);
    // The same entries with their types (the first letter of `tar -tv`'s mode column).
    const kinds = sh(`tar -tvf ${quote(layerTar)} --quoting-style=literal`)
      .split('\n')
      .filter(Boolean)
      .map((line) => line[0]);
    if (kinds.length !== names.length) throw new Error(`tar -t and tar -tv disagree on ${layer.member}`);
    for (const [i, raw] of names.entries()) {
      const name = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
      if (name === '' || name === '.') continue;
      const slash = name.lastIndexOf('/');
      const dir = slash < 0 ? '' : name.slice(0, slash);
      const base = name.slice(slash + 1);
      if (base === '.wh..wh..opq') {
        const where = join(target, dir);
        if (isDir(where))
          for (const child of readdirSync(where))
            rmSync(join(where, child), { recursive: true, force: true });
      } else if (base.startsWith('.wh.')) {
        rmSync(join(target, dir, base.slice(4)), { recursive: true, force: true });
      } else {
        // What a layer writes replaces what is below, whatever its type; tar would refuse to
        // put a file where a directory is (or empty the directory when told to unlink).
        const where = join(target, name);
        const exists = lstatOrNull(where);
        if (exists && (kinds[i] === 'd') !== exists.isDirectory())
          rmSync(where, { recursive: true, force: true });
      }
    }
    sh(`tar -xf ${quote(layerTar)} -C ${quote(target)} --exclude='.wh.*' --same-owner --numeric-owner -p`);
    afterLayer?.(index);
  }
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function isDir(path: string): boolean {
  return lstatOrNull(path)?.isDirectory() ?? false;
}

/** A copy of a tree as it is (owners, modes, links kept), for comparing it with a later state. */
export function snapshotTree(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  sh(`cp -a ${quote(from)} ${quote(to)}`);
}

export interface DiskState {
  type: 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkTarget: string;
}

/** Every path below `root`, absolute from it ('/etc/passwd'), with what lstat says. */
export function walkDisk(root: string): Map<string, DiskState> {
  const out = new Map<string, DiskState>();
  const stack = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    for (const name of readdirSync(join(root, rel))) {
      const path = `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      const type = st.isFile()
        ? 'file'
        : st.isDirectory()
          ? 'dir'
          : st.isSymbolicLink()
            ? 'symlink'
            : st.isFIFO()
              ? 'fifo'
              : st.isCharacterDevice()
                ? 'char'
                : st.isBlockDevice()
                  ? 'block'
                  : 'socket';
      out.set(path, {
        type,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        size: type === 'file' ? st.size : 0,
        linkTarget: type === 'symlink' ? readlinkSync(join(root, path)) : '',
      });
      if (type === 'dir') stack.push(path);
    }
  }
  return out;
}

/** Path order by segments, parents before their children (the order comparisons stream in). */
export function comparePaths(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] !== sb[i]) return sa[i] < sb[i] ? -1 : 1;
  }
  return sa.length - sb.length;
}

/** `[path, change, what]` for every path that differs between two unpacked trees, in path order. */
export function diskDiff(rootA: string, rootB: string): [string, string, string][] {
  const a = walkDisk(rootA);
  const b = walkDisk(rootB);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(comparePaths);
  const out: [string, string, string][] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (!x) {
      out.push([path, 'added', '']);
      continue;
    }
    if (!y) {
      out.push([path, 'removed', '']);
      continue;
    }
    const what: string[] = [];
    const bothFiles = x.type === 'file' && y.type === 'file';
    if (bothFiles && !readFileSync(join(rootA, path)).equals(readFileSync(join(rootB, path))))
      what.push('content');
    if (x.size !== y.size) what.push('size');
    if (x.type !== y.type) what.push('type');
    if (x.mode !== y.mode && !(x.type === 'symlink' && y.type === 'symlink')) what.push('mode');
    if (x.uid !== y.uid) what.push('uid');
    if (x.gid !== y.gid) what.push('gid');
    if (x.type === 'symlink' && y.type === 'symlink' && x.linkTarget !== y.linkTarget)
      what.push('linkTarget');
    if (what.length > 0) out.push([path, 'changed', what.join(',')]);
  }
  return out;
}
