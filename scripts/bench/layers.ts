/**
 * The shapes of the benchmark's layers: deterministic lists of entries (names, types, sizes) and a
 * content pool their bodies are cut from. Nothing here holds a layer's bytes: a layer is produced
 * as a stream of ~1 MiB chunks, with large bodies passed as views into the shared pool.
 */
import { Batcher, BLOCK, END_BLOCKS, entryBytes, padded, type WriteType, writeHeader } from './tarWriter';

const MiB = 1024 * 1024;

import { xorshift } from '../../src/testing/xorshift';

export { xorshift };

const POOL_SIZE = 32 * MiB;
const SEGMENT = 64 * 1024;

let poolCache: Uint8Array | null = null;

/**
 * 32 MiB of content: 30 % of its 64 KiB segments random bytes (like compressed assets and
 * stripped binaries), 70 % text drawn from a 512-word vocabulary (like sources and metadata).
 * gzip -1 gets about 2× on it and zstd -3 a little more, near what real image layers show; the
 * pool is larger than either compressor's window, so cutting many files from it does not make
 * the layers trivially compressible.
 */
export function contentPool(): Uint8Array {
  if (poolCache) return poolCache;
  const next = xorshift(0xbe4c);
  const pool = new Uint8Array(POOL_SIZE);
  const words: Uint8Array[] = [];
  for (let w = 0; w < 512; w++) {
    const len = 2 + (next() % 9);
    const word = new Uint8Array(len + 1);
    for (let i = 0; i < len; i++) word[i] = 0x61 + (next() % 26);
    word[len] = next() % 8 === 0 ? 0x0a : 0x20;
    words.push(word);
  }
  for (let seg = 0; seg < POOL_SIZE; seg += SEGMENT) {
    const end = seg + SEGMENT;
    if (next() % 10 < 3) {
      for (let i = seg; i < end; i += 4) {
        const v = next();
        pool[i] = v;
        pool[i + 1] = v >>> 8;
        pool[i + 2] = v >>> 16;
        pool[i + 3] = v >>> 24;
      }
    } else {
      let i = seg;
      while (i < end) {
        const word = words[next() & 511];
        const n = Math.min(word.length, end - i);
        pool.set(word.subarray(0, n), i);
        i += n;
      }
    }
  }
  poolCache = pool;
  return pool;
}

export interface LayerSpec {
  createdBy: string;
  /** Directory the layer's files go under (its parents are written as directory entries). */
  root: string;
  files: number;
  /** Mean size of the small files (exponentially distributed, capped at 16× the mean). */
  meanSize: number;
  /** Sizes of a few large files, written first. */
  big: number[];
  ext: string;
  /** Files per package directory; 0 puts every file directly in `root` (one huge directory). */
  filesPerDir: number;
  /** One symlink per this many files (0: none). */
  symlinkEvery: number;
  /** Whiteouts for files of an earlier layer, and opaque markers, written at the end. */
  whiteouts?: { paths: string[]; opaqueDirs: string[] };
  seed: number;
}

export interface PlannedEntry {
  name: string;
  type: WriteType;
  size: number;
  linkTarget: string;
  /** Where the body starts in the content pool. */
  poolOffset: number;
}

export interface LayerPlan {
  spec: LayerSpec;
  entries: PlannedEntry[];
  /** Exact length of the layer tar, known before a byte is written. */
  tarBytes: number;
  fileBytes: number;
}

export function planLayer(spec: LayerSpec): LayerPlan {
  const rand = xorshift(spec.seed);
  const uniform = (): number => (rand() + 0.5) / 4294967296;
  const entries: PlannedEntry[] = [];
  const seenDirs = new Set<string>();
  const dir = (path: string): void => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = `${parts.slice(0, i).join('/')}/`;
      if (seenDirs.has(d)) continue;
      seenDirs.add(d);
      entries.push({ name: d, type: 'dir', size: 0, linkTarget: '', poolOffset: 0 });
    }
  };
  const pool = contentPool();
  const file = (name: string, size: number): void => {
    const poolOffset = size >= pool.length ? 0 : Math.floor(uniform() * (pool.length - size)) & ~63;
    entries.push({ name, type: 'file', size, linkTarget: '', poolOffset });
  };
  dir(spec.root);
  spec.big.forEach((size, i) => {
    file(`${spec.root}/blob-${i}.bin`, size);
  });
  const cap = spec.meanSize * 16;
  for (let i = 0; i < spec.files; i++) {
    let parent = spec.root;
    if (spec.filesPerDir > 0) {
      const pkg = Math.floor(i / spec.filesPerDir);
      const sub = Math.floor((i % spec.filesPerDir) / 10);
      parent = `${spec.root}/pkg-${pkg}/sub-${sub}`;
      dir(parent);
    }
    const size = uniform() < 0.01 ? 0 : Math.min(cap, Math.floor(-Math.log(uniform()) * spec.meanSize));
    const name = `file-${i}.${spec.ext}`;
    file(`${parent}/${name}`, size);
    if (spec.symlinkEvery > 0 && i % spec.symlinkEvery === spec.symlinkEvery - 1) {
      entries.push({
        name: `${parent}/link-${i}`,
        type: 'symlink',
        size: 0,
        linkTarget: name,
        poolOffset: 0,
      });
    }
  }
  for (const path of spec.whiteouts?.paths ?? []) {
    const slash = path.lastIndexOf('/');
    dir(path.slice(0, slash));
    entries.push({
      name: `${path.slice(0, slash)}/.wh.${path.slice(slash + 1)}`,
      type: 'file',
      size: 0,
      linkTarget: '',
      poolOffset: 0,
    });
  }
  for (const d of spec.whiteouts?.opaqueDirs ?? []) {
    dir(d);
    entries.push({ name: `${d}/.wh..wh..opq`, type: 'file', size: 0, linkTarget: '', poolOffset: 0 });
  }
  let tarBytes = END_BLOCKS;
  let fileBytes = 0;
  for (const e of entries) {
    tarBytes += entryBytes(e.type, e.size);
    if (e.type === 'file') fileBytes += e.size;
  }
  return { spec, entries, tarBytes, fileBytes };
}

/** The layer tar as a stream of chunks (views into the pool or into ~1 MiB batch buffers). */
export function* layerChunks(plan: LayerPlan): Generator<Uint8Array> {
  const pool = contentPool();
  const batch = new Batcher();
  const out: Uint8Array[] = [];
  for (const e of plan.entries) {
    writeHeader(batch.reserve(BLOCK, out), 0, {
      name: e.name,
      type: e.type,
      size: e.size,
      linkTarget: e.linkTarget,
      mode: e.name.endsWith('.bin') ? 0o755 : undefined,
    });
    if (e.type === 'file' && e.size > 0) {
      let left = e.size;
      let off = e.poolOffset;
      while (left > 0) {
        const n = Math.min(left, pool.length - off);
        batch.append(pool.subarray(off, off + n), out);
        left -= n;
        off = 0;
      }
      const pad = padded(e.size) - e.size;
      if (pad) batch.reserve(pad, out);
    }
    if (out.length) {
      yield* out;
      out.length = 0;
    }
  }
  batch.reserve(END_BLOCKS, out);
  batch.flush(out);
  yield* out;
}

export type ArchiveKind = 'docker' | 'oci-gzip' | 'oci-zstd' | 'flat-dir';

/** Layers of a ~1.5 GB, ~100k-entry image at scale 1 (and proportionally less at other scales). */
export function imageLayers(kind: ArchiveKind, scale: number): LayerSpec[] {
  const n = (x: number): number => Math.round(x * scale);
  const mb = (x: number): number => Math.round(x * scale * MiB);
  if (kind === 'flat-dir') {
    return [
      {
        createdBy: 'ADD base.tar /',
        root: 'etc',
        files: 400,
        meanSize: 2000,
        big: [],
        ext: 'conf',
        filesPerDir: 40,
        symlinkEvery: 0,
        seed: 11,
      },
      {
        createdBy: 'RUN ./generate-fixtures --count 100000 /data/many',
        root: 'data/many',
        files: n(100_000),
        meanSize: 1000,
        big: [],
        ext: 'json',
        filesPerDir: 0,
        symlinkEvery: 0,
        seed: 12,
      },
    ];
  }
  const npmFiles = n(23_400);
  return [
    {
      createdBy: 'ADD rootfs.tar.xz / # debian:bookworm',
      root: 'usr/share',
      files: n(14_000),
      meanSize: 5000,
      big: [mb(8), mb(4), mb(4), mb(4)],
      ext: 'txt',
      filesPerDir: 40,
      symlinkEvery: 40,
      seed: 1,
    },
    {
      createdBy: '/bin/sh -c apt-get update && apt-get install -y build-essential libpq-dev',
      root: 'usr/lib/x86_64-linux-gnu',
      files: n(18_000),
      meanSize: 11_000,
      big: [mb(64), mb(32), mb(16), mb(16)],
      ext: 'so',
      filesPerDir: 40,
      symlinkEvery: 40,
      seed: 2,
    },
    {
      createdBy: '/bin/sh -c pip install --no-cache-dir -r requirements.txt',
      root: 'usr/local/lib/python3.12/site-packages',
      files: n(28_000),
      meanSize: 8000,
      big: [mb(48), mb(48)],
      ext: 'py',
      filesPerDir: 40,
      symlinkEvery: 0,
      seed: 3,
    },
    {
      createdBy: '/bin/sh -c npm ci --omit=dev',
      root: 'app/node_modules',
      files: npmFiles,
      meanSize: 3500,
      big: [],
      ext: 'js',
      filesPerDir: 40,
      symlinkEvery: 40,
      seed: 4,
    },
    {
      createdBy: 'COPY models/ /opt/models # buildkit',
      root: 'opt/models',
      files: n(200),
      meanSize: 100_000,
      big: [mb(200), mb(150), mb(100), mb(50), mb(50)],
      ext: 'onnx',
      filesPerDir: 40,
      symlinkEvery: 0,
      seed: 5,
    },
    {
      createdBy: 'COPY . /app # buildkit',
      root: 'app/src',
      files: n(4000),
      meanSize: 3000,
      big: [],
      ext: 'ts',
      filesPerDir: 40,
      symlinkEvery: 0,
      seed: 6,
      whiteouts: {
        paths: Array.from({ length: 50 }, (_, i) => {
          const f = i * 37;
          return `app/node_modules/pkg-${Math.floor(f / 40)}/sub-${Math.floor((f % 40) / 10)}/file-${f}.js`;
        }),
        opaqueDirs: ['app/node_modules/pkg-3'],
      },
    },
  ];
}
