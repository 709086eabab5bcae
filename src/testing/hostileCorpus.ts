import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FIELD, patchHeader, putField, ZSTD_MAX_BLOCK, zstdFrame } from './hostile';
import { type BuildEntry, buildTar, concat } from './tarBuilder';

/**
 * Test-only: the hostile and extreme archives of issue 16, written as files into a folder (the
 * CLI reads files). The large ones are streamed to disk a batch of entries at a time, so building
 * a 1,000,000-entry layer or 10,000 layers never holds the archive in memory; zstd test data with
 * long windows comes from the `zstd` command.
 */

const encoder = new TextEncoder();
const ENTRY_BATCH = 5000;
const COPY_CHUNK = 4 << 20;

/** Appends tar pieces to a file as they are made. */
class FileWriter {
  private readonly fd: number;
  size = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.size += bytes.length;
  }
  /** Entries, without the end blocks. */
  entries(entries: BuildEntry[]): void {
    if (entries.length) this.write(buildTar(entries, { endBlocks: false }));
  }
  /** A member whose bytes are the file at `from`, copied a chunk at a time. */
  member(name: string, from: string): void {
    const size = statSync(from).size;
    this.write(buildTar([{ name, size }], { endBlocks: false }));
    const fd = openSync(from, 'r');
    const buffer = Buffer.allocUnsafe(COPY_CHUNK);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, buffer, 0, Math.min(COPY_CHUNK, size - at), at);
      this.write(buffer.subarray(0, n));
      at += n;
    }
    closeSync(fd);
    if (size % 512) this.write(new Uint8Array(512 - (size % 512)));
  }
  close(endBlocks = true): void {
    if (endBlocks) this.write(new Uint8Array(1024));
    closeSync(this.fd);
  }
}

function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(COPY_CHUNK);
  for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  closeSync(fd);
  return `sha256:${hash.digest('hex')}`;
}

/** A layer tar written from batches of entries. */
function writeLayer(path: string, batches: Iterable<BuildEntry[]>): string {
  const out = new FileWriter(path);
  for (const batch of batches) out.entries(batch);
  out.close();
  return path;
}

function* batched<T>(count: number, make: (i: number) => T): Generator<T[]> {
  for (let start = 0; start < count; start += ENTRY_BATCH) {
    const batch: T[] = [];
    for (let i = start; i < Math.min(count, start + ENTRY_BATCH); i++) batch.push(make(i));
    yield batch;
  }
}

interface History {
  created_by: string;
  empty_layer?: boolean;
}

export interface DockerSpec {
  /** Layer files (uncompressed or compressed tars) in order. */
  layers: string[];
  tags?: string[];
  history?: History[];
  config?: Record<string, unknown>;
  /** Diff IDs; by default the layer files' own hashes (right for uncompressed layers). */
  diffIds?: string[];
  /** Extra members written before manifest.json (and names for Layers that are not files). */
  extra?: BuildEntry[];
  /** Overrides the manifest's Layers list. */
  layerNames?: string[];
}

/** A docker-archive (`<n>/layer.tar`, config, manifest.json) streamed from layer files. */
export function writeDockerArchive(path: string, spec: DockerSpec): string {
  const out = new FileWriter(path);
  const names: string[] = [];
  const diffIds = spec.diffIds ?? spec.layers.map(fileSha256);
  spec.layers.forEach((layer, i) => {
    const name = `${i}/layer.tar`;
    out.member(name, layer);
    names.push(name);
  });
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['sh'], ...(spec.config ?? {}) },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.history ?? spec.layers.map((_, i) => ({ created_by: `/bin/sh -c step ${i}` })),
  };
  out.entries([
    ...(spec.extra ?? []),
    { name: 'config.json', content: JSON.stringify(config) },
    {
      name: 'manifest.json',
      content: JSON.stringify([
        { Config: 'config.json', RepoTags: spec.tags ?? ['hostile:1'], Layers: spec.layerNames ?? names },
      ]),
    },
  ]);
  out.close();
  return path;
}

/** An OCI layout archive whose layers are the given (compressed) files, blobs streamed. */
export function writeOciArchive(
  path: string,
  layers: { file: string; mediaType: string; diffId: string }[],
  options: { tags?: string[] } = {},
): string {
  const out = new FileWriter(path);
  const descriptors = layers.map((layer) => ({
    mediaType: layer.mediaType,
    digest: fileSha256(layer.file),
    size: statSync(layer.file).size,
  }));
  const config = encoder.encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created_by: `step ${i}` })),
    }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: descriptors,
    }),
  );
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const index = {
    schemaVersion: 2,
    manifests: (options.tags ?? ['hostile:1']).map((tag) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    })),
  };
  out.entries([
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify(index) },
    { name: 'blobs/', type: 'dir' },
    { name: 'blobs/sha256/', type: 'dir' },
    { name: `blobs/sha256/${configDigest.slice(7)}`, content: config },
    { name: `blobs/sha256/${manifestDigest.slice(7)}`, content: manifest },
  ]);
  const written = new Set<string>();
  layers.forEach((layer, i) => {
    const digest = descriptors[i].digest.slice(7);
    if (written.has(digest)) return;
    written.add(digest);
    out.member(`blobs/sha256/${digest}`, layer.file);
  });
  out.close();
  return path;
}

/**
 * hostile.ts's zstdZeroBomb written to a file: `prefix` as one raw block, then `zeros` bytes of
 * zeros as 4-byte RLE blocks of 128 KiB, a few megabytes of them at a time (1.5 TB is 46 MB).
 */
function writeZstdZeroBomb(path: string, prefix: Uint8Array, zeros: number): void {
  const out = new FileWriter(path);
  out.write(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 13 << 3)); // magic, no size, 8 MiB window
  const rawHeader = prefix.length * 8; // raw block, not last
  out.write(Uint8Array.of(rawHeader & 0xff, (rawHeader >>> 8) & 0xff, (rawHeader >>> 16) & 0xff));
  out.write(prefix);
  const rle = (size: number, last: boolean) => {
    const h = size * 8 + 2 + (last ? 1 : 0);
    return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, 0];
  };
  const perBuffer = 1 << 20;
  const full = new Uint8Array(perBuffer * 4);
  for (let i = 0; i < perBuffer; i++) full.set(rle(ZSTD_MAX_BLOCK, false), i * 4);
  let left = zeros;
  while (left > perBuffer * ZSTD_MAX_BLOCK) {
    out.write(full);
    left -= perBuffer * ZSTD_MAX_BLOCK;
  }
  const tail: number[] = [];
  for (; left > ZSTD_MAX_BLOCK; left -= ZSTD_MAX_BLOCK) tail.push(...rle(ZSTD_MAX_BLOCK, false));
  tail.push(...rle(left, true));
  out.write(Uint8Array.from(tail));
  out.close(false);
}

/** `zstd` with the given arguments from stdin (an unknown size keeps the declared window). */
function zstdCommand(input: string, output: string, args: string[]): string {
  const r = spawnSync('sh', ['-c', `zstd -q -c ${args.join(' ')} < "$1" > "$2"`, 'sh', input, output]);
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return output;
}

export function zstdAvailable(): boolean {
  return spawnSync('zstd', ['--version']).status === 0;
}

/** `pzstd` (Debian's zstd package ships it) on a file, on 2 threads at level 1. */
function pzstdCommand(input: string, output: string): string {
  const r = spawnSync('pzstd', ['-q', '-f', '-p', '2', '-1', input, '-o', output]);
  if (r.status !== 0) throw new Error(`pzstd failed: ${r.stderr}`);
  return output;
}

export function pzstdAvailable(): boolean {
  return spawnSync('pzstd', ['--version']).status === 0;
}

const SKIPPABLE_MAGIC = 0x184d2a50;
const ZSTD_MAGIC = 0xfd2fb528;

/**
 * The frames of a zstd file, as pzstd lays them out: each zstd frame behind a skippable frame
 * whose 4-byte payload is the zstd frame's compressed size (that is how pzstd -d splits the work).
 * Throws when the file is not of that layout, so a case never silently tests one plain frame.
 */
export function pzstdFrames(path: string): { frames: number; skippable: number } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let frames = 0;
  let skippable = 0;
  for (let at = 0; at < bytes.length; ) {
    const magic = view.getUint32(at, true);
    if (magic !== SKIPPABLE_MAGIC || view.getUint32(at + 4, true) !== 4)
      throw new Error(`${path}: no pzstd skippable frame at byte ${at}`);
    const frameSize = view.getUint32(at + 8, true);
    skippable++;
    at += 12;
    if (view.getUint32(at, true) !== ZSTD_MAGIC) throw new Error(`${path}: no zstd frame at byte ${at}`);
    frames++;
    at += frameSize;
  }
  if (frames < 2) throw new Error(`${path}: pzstd wrote ${frames} frame; the case needs several`);
  return { frames, skippable };
}

/**
 * A layer of several pzstd frames: a name at the start, 6 MiB of text across the frames' seams,
 * and the file `cat` reads after the last seam. pzstd cuts its input every 2 MiB at level 1.
 */
function pzstdLayerEntries(): BuildEntry[] {
  const line = 'the quick brown fox jumps over the lazy dog 0123456789\n';
  const big = line.repeat(Math.ceil((6 << 20) / line.length));
  return [
    { name: 'etc/', type: 'dir' },
    file('etc/hostname', 'pzstd\n'),
    file('big.txt', big),
    file('last.txt', 'after the frames\n'),
  ];
}

const ZSTD_TYPE = 'application/vnd.oci.image.layer.v1.tar+zstd';
const GZIP_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** One case: an archive and what the commands may be asked about it. */
export interface HostileCase {
  name: string;
  /** The kind, for the report. */
  kind: string;
  /** A path in the image that `cat` should read (exit 0). */
  catPath?: string;
  /** The layer `ls`/`cat`/`export` use (default: the last). */
  layer?: number;
  build(dir: string): string;
}

const file = (
  name: string,
  content: string | Uint8Array = 'x',
  extra: Partial<BuildEntry> = {},
): BuildEntry => ({
  name,
  content,
  ...extra,
});

/** Small layers in memory, as files. */
function smallLayers(dir: string, prefix: string, layers: BuildEntry[][]): string[] {
  return layers.map((entries, i) => {
    const path = join(dir, `${prefix}-layer${i}.tar`);
    writeFileSync(path, buildTar(entries));
    return path;
  });
}

/** A hostile string: an SGR colour, an OSC window title, a C1 CSI and a right-to-left override. */
export const TERMINAL_ATTACK = '\x1b[31mred\x1b]0;pwned\x07\u009b2J\u202Etxt.exe';

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'hardlink-chain-50k',
    kind: 'recursion',
    catPath: '/l49999',
    build(dir) {
      const layer = writeLayer(join(dir, 'hl.tar'), [
        [file('l0', 'chained\n')],
        ...batched(49_999, (i) => ({ name: `l${i + 1}`, type: 'hardlink' as const, linkTarget: `l${i}` })),
      ]);
      return writeDockerArchive(join(dir, 'hardlink-chain-50k.tar'), { layers: [layer] });
    },
  },
  {
    name: 'deep-dir-5000',
    kind: 'recursion',
    build(dir) {
      const parts: string[] = [];
      const layer = writeLayer(
        join(dir, 'deep.tar'),
        batched(5000, () => {
          parts.push('d');
          return { name: `${parts.join('/')}/`, type: 'dir' as const };
        }),
      );
      return writeDockerArchive(join(dir, 'deep-dir-5000.tar'), { layers: [layer] });
    },
  },
  {
    name: 'symlink-chain-10k',
    kind: 'recursion',
    catPath: '/s0',
    build(dir) {
      const layer = writeLayer(join(dir, 'sl.tar'), [
        ...batched(10_000, (i) => ({ name: `s${i}`, type: 'symlink' as const, linkTarget: `s${i + 1}` })),
        [file('s10000', 'end\n')],
      ]);
      return writeDockerArchive(join(dir, 'symlink-chain-10k.tar'), { layers: [layer] });
    },
  },
  {
    name: 'whiteouts-100k',
    kind: 'recursion',
    build(dir) {
      const base = writeLayer(
        join(dir, 'wo0.tar'),
        batched(100_000, (i) => file(`f${i}`, '')),
      );
      const removed = writeLayer(
        join(dir, 'wo1.tar'),
        batched(100_000, (i) => file(`.wh.f${i}`, '')),
      );
      return writeDockerArchive(join(dir, 'whiteouts-100k.tar'), { layers: [base, removed] });
    },
  },
  {
    name: 'layers-10k-history-300k',
    kind: 'scale',
    layer: 9999,
    catPath: '/f9999',
    build(dir) {
      const layers = smallLayers(
        dir,
        'many',
        Array.from({ length: 10_000 }, (_, i) => [file(`f${i}`, `${i}\n`)]),
      );
      const history: History[] = [];
      for (let i = 0; i < 300_000; i++) {
        const withLayer = i % 30 === 29;
        history.push({ created_by: `/bin/sh -c step ${i}`, ...(withLayer ? {} : { empty_layer: true }) });
      }
      const path = writeDockerArchive(join(dir, 'layers-10k-history-300k.tar'), { layers, history });
      for (const layer of layers) rmSync(layer);
      return path;
    },
  },
  {
    name: 'entries-1m',
    kind: 'scale',
    catPath: '/d999/f999999',
    build(dir) {
      const layer = writeLayer(join(dir, 'million.tar'), [
        Array.from({ length: 1000 }, (_, d) => ({ name: `d${d}/`, type: 'dir' as const })),
        ...batched(1_000_000, (i) => file(`d${i % 1000}/f${i}`, '')),
      ]);
      return writeDockerArchive(join(dir, 'entries-1m.tar'), { layers: [layer] });
    },
  },
  {
    name: 'zstd-long27-40',
    kind: 'zstd',
    catPath: '/f39',
    build(dir) {
      const layers = Array.from({ length: 40 }, (_, i) => {
        const tar = join(dir, `long${i}.tar`);
        writeFileSync(tar, buildTar([file(`f${i}`, `layer ${i}\n`.repeat(1000))]));
        const diffId = fileSha256(tar);
        const zst = zstdCommand(tar, join(dir, `long${i}.tar.zst`), ['--long=27']);
        rmSync(tar);
        return { file: zst, mediaType: ZSTD_TYPE, diffId };
      });
      return writeOciArchive(join(dir, 'zstd-long27-40.tar'), layers);
    },
  },
  {
    name: 'zstd-w8m-300',
    kind: 'zstd',
    catPath: '/f299',
    build(dir) {
      const layers = Array.from({ length: 300 }, (_, i) => {
        const tar = join(dir, `w${i}.tar`);
        writeFileSync(tar, buildTar([file(`f${i}`, `layer ${i}\n`.repeat(100))]));
        const diffId = fileSha256(tar);
        const zst = zstdCommand(tar, join(dir, `w${i}.tar.zst`), ['-1', '--zstd=wlog=23']);
        rmSync(tar);
        return { file: zst, mediaType: ZSTD_TYPE, diffId };
      });
      return writeOciArchive(join(dir, 'zstd-w8m-300.tar'), layers);
    },
  },
  {
    name: 'zstd-bomb-1.5tb',
    kind: 'bomb',
    catPath: '/before',
    build(dir) {
      const zeros = 1.5e12;
      const head = buildTar([file('before', 'kept\n'), { name: 'zeros', size: zeros }], { endBlocks: false });
      const layer = join(dir, 'bomb.zst');
      writeZstdZeroBomb(layer, head, zeros);
      return writeDockerArchive(join(dir, 'zstd-bomb-1.5tb.tar'), {
        layers: [layer],
        diffIds: [`sha256:${'0'.repeat(64)}`],
      });
    },
  },
  {
    name: 'gzip-bomb-20gb',
    kind: 'bomb',
    catPath: '/before',
    build(dir) {
      // 20 GB of zeros at zlib's best ratio (1030:1): the header's member, then one gzip member
      // of 1 GiB of zeros written 20 times (multi-member gzip is one stream, as gzip -dc reads it).
      const zeros = 20 * 2 ** 30;
      const head = buildTar([file('before', 'kept\n'), { name: 'zeros', size: zeros }], { endBlocks: false });
      const gibOfZeros = join(dir, 'gib.gz');
      const r = spawnSync('sh', ['-c', 'head -c 1073741824 /dev/zero | gzip -9 > "$1"', 'sh', gibOfZeros]);
      if (r.status !== 0) throw new Error(`gzip failed: ${r.stderr}`);
      const member = readFileSync(gibOfZeros);
      const layer = new FileWriter(join(dir, 'bomb.tar.gz'));
      layer.write(gzipSync(head));
      for (let i = 0; i < 20; i++) layer.write(member);
      layer.close(false);
      return writeDockerArchive(join(dir, 'gzip-bomb-20gb.tar'), {
        layers: [layer.path],
        diffIds: [`sha256:${'0'.repeat(64)}`],
      });
    },
  },
  {
    name: 'gzip-trailing-garbage',
    kind: 'consistency',
    catPath: '/etc/hostname',
    build(dir) {
      const tar = buildTar([{ name: 'etc/', type: 'dir' }, file('etc/hostname', 'gz\n')]);
      const layer = join(dir, 'trail.tar.gz');
      writeFileSync(layer, concat([gzipSync(tar), encoder.encode('GARBAGE AFTER THE STREAM\n')]));
      return writeOciArchive(join(dir, 'gzip-trailing-garbage.tar'), [
        {
          file: layer,
          mediaType: GZIP_TYPE,
          diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}`,
        },
      ]);
    },
  },
  {
    name: 'zstd-trailing-garbage',
    kind: 'consistency',
    catPath: '/etc/hostname',
    build(dir) {
      const tar = buildTar([{ name: 'etc/', type: 'dir' }, file('etc/hostname', 'zstd\n')]);
      const plain = join(dir, 'ztrail.tar');
      writeFileSync(plain, tar);
      const layer = zstdCommand(plain, join(dir, 'ztrail.tar.zst'), ['-3']);
      writeFileSync(layer, concat([readFileSync(layer), encoder.encode('GARBAGE AFTER THE STREAM\n')]));
      return writeOciArchive(join(dir, 'zstd-trailing-garbage.tar'), [
        {
          file: layer,
          mediaType: ZSTD_TYPE,
          diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}`,
        },
      ]);
    },
  },
  {
    name: 'multi-frame-zstd-archive',
    kind: 'consistency',
    catPath: '/etc/hostname',
    build(dir) {
      const layer = smallLayers(dir, 'mf', [
        [
          { name: 'etc/', type: 'dir' },
          file('etc/hostname', 'frames\n'),
          file('big', new Uint8Array(300_000)),
        ],
      ]);
      const inner = writeDockerArchive(join(dir, 'mf-inner.tar'), { layers: layer });
      // Three frames, as zstd -T0 and pzstd write a large input: each a third of the tar.
      const bytes = readFileSync(inner);
      const third = Math.ceil(bytes.length / 3);
      const frames = [0, 1, 2].map((k) => {
        const part = join(dir, `mf-part${k}`);
        writeFileSync(part, bytes.subarray(k * third, (k + 1) * third));
        return readFileSync(zstdCommand(part, `${part}.zst`, ['-3']));
      });
      const path = join(dir, 'multi-frame-zstd-archive.tar.zst');
      writeFileSync(path, concat(frames));
      return path;
    },
  },
  {
    // An OCI layer written by pzstd: zstd frames each behind a skippable frame (issue 16's "pzstd layout").
    name: 'pzstd-layer',
    kind: 'consistency',
    catPath: '/last.txt',
    build(dir) {
      const tar = join(dir, 'pz-layer.tar');
      writeFileSync(tar, buildTar(pzstdLayerEntries()));
      const diffId = fileSha256(tar);
      const zst = pzstdCommand(tar, join(dir, 'pz-layer.tar.zst'));
      pzstdFrames(zst);
      rmSync(tar);
      return writeOciArchive(join(dir, 'pzstd-layer.tar'), [{ file: zst, mediaType: ZSTD_TYPE, diffId }]);
    },
  },
  {
    // A whole docker save put through pzstd, as `pzstd image.tar` leaves it.
    name: 'pzstd-archive',
    kind: 'consistency',
    catPath: '/last.txt',
    build(dir) {
      const layers = smallLayers(dir, 'pza', [pzstdLayerEntries()]);
      const inner = writeDockerArchive(join(dir, 'pza-inner.tar'), { layers });
      const path = pzstdCommand(inner, join(dir, 'pzstd-archive.tar.zst'));
      pzstdFrames(path);
      for (const layer of layers) rmSync(layer);
      rmSync(inner);
      return path;
    },
  },
  {
    name: 'terminal-escapes',
    kind: 'terminal',
    build(dir) {
      const layers = smallLayers(dir, 'esc', [
        [
          file(`evil${TERMINAL_ATTACK}`, 'x'),
          { name: `link${TERMINAL_ATTACK}`, type: 'symlink', linkTarget: TERMINAL_ATTACK },
        ],
      ]);
      return writeDockerArchive(join(dir, 'terminal-escapes.tar'), {
        layers,
        tags: [`esc:${TERMINAL_ATTACK}`],
        config: { Env: [`X=${TERMINAL_ATTACK}`], Labels: { [TERMINAL_ATTACK]: TERMINAL_ATTACK } },
        history: [{ created_by: `/bin/sh -c echo ${TERMINAL_ATTACK}` }],
      });
    },
  },
  {
    name: 'json-with-nul',
    kind: 'terminal',
    build(dir) {
      const path = join(dir, 'json-with-nul.tar');
      writeFileSync(
        path,
        buildTar([
          file('manifest.json', `[{"Config":"c.json","RepoTags":["a\0\x1b[2J"],"Layers":[\0\0\0\x1b]0;t\x07`),
        ]),
      );
      return path;
    },
  },
  {
    name: 'climbing-names',
    kind: 'rewrites',
    build(dir) {
      const layers = smallLayers(dir, 'climb', [
        [
          file('../../etc/passwd', 'root::0:0\n'),
          { name: 'data/', type: 'dir' },
          file('/data/../../x', 'x\n'),
        ],
      ]);
      return writeDockerArchive(join(dir, 'climbing-names.tar'), { layers });
    },
  },
  {
    name: 'opaque-at-root',
    kind: 'rewrites',
    build(dir) {
      const layers = smallLayers(dir, 'opq', [
        [{ name: 'etc/', type: 'dir' }, file('etc/passwd', 'root\n')],
        [file('.wh..wh..opq', ''), file('new', 'n\n')],
      ]);
      return writeDockerArchive(join(dir, 'opaque-at-root.tar'), { layers });
    },
  },
  {
    name: 'hardlink-forward',
    kind: 'rewrites',
    build(dir) {
      const layers = smallLayers(dir, 'fwd', [
        [{ name: 'early', type: 'hardlink', linkTarget: 'late' }, file('late', 'late\n')],
      ]);
      return writeDockerArchive(join(dir, 'hardlink-forward.tar'), { layers });
    },
  },
  {
    name: 'layers-entry-dir',
    kind: 'rewrites',
    build(dir) {
      const layers = smallLayers(dir, 'ld', [[file('a', 'a\n')]]);
      return writeDockerArchive(join(dir, 'layers-entry-dir.tar'), {
        layers,
        extra: [{ name: 'adir/', type: 'dir' }],
        layerNames: ['0/layer.tar', 'adir'],
        diffIds: [fileSha256(layers[0]), `sha256:${'1'.repeat(64)}`],
        history: [{ created_by: 'one' }, { created_by: 'two' }],
      });
    },
  },
  {
    name: 'layers-entry-fifo',
    kind: 'rewrites',
    build(dir) {
      const layers = smallLayers(dir, 'lf', [[file('a', 'a\n')]]);
      return writeDockerArchive(join(dir, 'layers-entry-fifo.tar'), {
        layers,
        extra: [{ name: 'pipe', type: 'fifo' }],
        layerNames: ['0/layer.tar', 'pipe'],
        diffIds: [fileSha256(layers[0]), `sha256:${'1'.repeat(64)}`],
        history: [{ created_by: 'one' }, { created_by: 'two' }],
      });
    },
  },
  {
    name: 'truncated-entry',
    kind: 'messages',
    catPath: '/one.txt',
    build(dir) {
      const tar = buildTar([file('one.txt', 'one\n'), file('twelve.bin', new Uint8Array(2 << 20))], {
        endBlocks: false,
      });
      const layer = join(dir, 'trunc.tar');
      writeFileSync(layer, tar.subarray(0, 2048));
      return writeDockerArchive(join(dir, 'truncated-entry.tar'), { layers: [layer] });
    },
  },
  {
    name: 'zstd-skippable-4g',
    kind: 'messages',
    build(dir) {
      // A skippable frame claiming 4 GB - 1 of content, with a few bytes there.
      const frame = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4);
      const layer = join(dir, 'skip.zst');
      writeFileSync(layer, frame);
      return writeDockerArchive(join(dir, 'zstd-skippable-4g.tar'), {
        layers: [layer],
        diffIds: [`sha256:${'0'.repeat(64)}`],
      });
    },
  },
  {
    name: 'zstd-windowlog-41',
    kind: 'messages',
    build(dir) {
      // Window_Descriptor exponent 31: windowLog 10 + 31 = 41.
      const layer = join(dir, 'wl41.zst');
      writeFileSync(layer, zstdFrame([{ raw: buildTar([file('a', 'a')]) }], 31 << 3));
      return writeDockerArchive(join(dir, 'zstd-windowlog-41.tar'), {
        layers: [layer],
        diffIds: [`sha256:${'0'.repeat(64)}`],
      });
    },
  },
  {
    name: 'hardlink-odd-targets',
    kind: 'messages',
    build(dir) {
      const layers = smallLayers(dir, 'odd', [
        [
          { name: 'adir/', type: 'dir' },
          { name: 'to-dir', type: 'hardlink', linkTarget: 'adir' },
          file('target', 't\n'),
          { name: 'sym', type: 'symlink', linkTarget: 'target' },
          { name: 'to-symlink', type: 'hardlink', linkTarget: 'sym' },
          { name: 'cycle-a', type: 'hardlink', linkTarget: 'cycle-b' },
          { name: 'cycle-b', type: 'hardlink', linkTarget: 'cycle-a' },
        ],
      ]);
      return writeDockerArchive(join(dir, 'hardlink-odd-targets.tar'), { layers });
    },
  },
  {
    name: 'unknown-type-flag',
    kind: 'unknown type',
    catPath: '/odd',
    build(dir) {
      const tar = buildTar([file('odd', 'odd type\n'), file('plain', 'p\n')]);
      const layer = join(dir, 'unk.tar');
      writeFileSync(
        layer,
        patchHeader(tar, 0, (block) => putField(block, FIELD.typeflag, 'Z')),
      );
      return writeDockerArchive(join(dir, 'unknown-type-flag.tar'), { layers: [layer] });
    },
  },
  {
    name: 'empty-user-layers',
    kind: 'smaller',
    build(dir) {
      // The user layers add no bytes; one removes a base file, which dive counts as wasted.
      const layers = smallLayers(dir, 'empty', [
        [file('bin/sh', 'sh'), file('big', 'b'.repeat(5000))],
        [file('.wh.big', '')],
        [],
      ]);
      return writeDockerArchive(join(dir, 'empty-user-layers.tar'), { layers });
    },
  },
  {
    name: 'verify-mismatch',
    kind: 'smaller',
    catPath: '/a',
    build(dir) {
      const layers = smallLayers(dir, 'mis', [[file('a', 'a\n')]]);
      return writeDockerArchive(join(dir, 'verify-mismatch.tar'), {
        layers,
        diffIds: [`sha256:${'2'.repeat(64)}`],
      });
    },
  },
];
