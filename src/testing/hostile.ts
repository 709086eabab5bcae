import { spawnSync } from 'node:child_process';
import { constants, createGzip } from 'node:zlib';
import type { ByteSource } from '../core/bytes/byteSource';
import { concat, setChecksum } from './tarBuilder';

/**
 * Test-only helpers for hostile and broken archives: sources that pretend to hold gigabytes
 * without allocating them, compression bombs built in a few kilobytes, header patching, and
 * probes that bound time and memory.
 */

/** A piece of a SparseSource: real bytes, or a run of zeros that is never allocated. */
export type Segment = Uint8Array | { zeros: number };

/**
 * A ByteSource made of real byte segments and virtual zero runs, so an archive can declare (and
 * really contain) a 64 MiB manifest or a 1 TiB file while the test allocates only what is read.
 */
export class SparseSource implements ByteSource {
  readonly size: number;
  private readonly starts: number[] = [];
  /** How many bytes callers asked for in total: a random-access walker should not read bodies. */
  bytesRead = 0;

  constructor(
    private readonly segments: Segment[],
    readonly name = 'sparse.tar',
  ) {
    let total = 0;
    for (const s of segments) {
      this.starts.push(total);
      total += s instanceof Uint8Array ? s.length : s.zeros;
    }
    this.size = total;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    const out = new Uint8Array(end - offset);
    this.bytesRead += out.length;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const segStart = this.starts[i];
      const segLen = seg instanceof Uint8Array ? seg.length : seg.zeros;
      const from = Math.max(offset, segStart);
      const to = Math.min(end, segStart + segLen);
      if (from >= to || !(seg instanceof Uint8Array)) continue;
      out.set(seg.subarray(from - segStart, to - segStart), from - offset);
    }
    return out;
  }
}

/**
 * Wraps a source so every read waits for the next turn of the event loop: timers (and so
 * per-case timeouts) can fire while a walk runs over data that is already in memory.
 */
export class YieldingSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  reads = 0;
  constructor(private readonly inner: ByteSource) {
    this.size = inner.size;
    this.name = inner.name;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.inner.read(offset, length);
  }
}

// ---------------------------------------------------------------------------------------------
// zstd frames written by hand (Node 20 has no zstd encoder)

/** One zstd block: raw bytes, or an RLE run of one byte (at most 128 KiB per block). */
export type ZstdBlock = { raw: Uint8Array } | { rle: number; size: number };

export const ZSTD_MAX_BLOCK = 128 * 1024;

function blockHeader(size: number, type: 0 | 1, last: boolean): Uint8Array {
  const h = size * 8 + type * 2 + (last ? 1 : 0);
  return Uint8Array.of(h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff);
}

/**
 * A zstd frame. `windowDescriptor` is the raw Window_Descriptor byte (exponent << 3 | mantissa):
 * the window is (1 << (10 + exponent)) * (1 + mantissa / 8) bytes.
 */
export function zstdFrame(blocks: ZstdBlock[], windowDescriptor = 13 << 3): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor)];
  if (blocks.length === 0) parts.push(blockHeader(0, 0, true));
  blocks.forEach((b, i) => {
    const last = i === blocks.length - 1;
    if ('raw' in b) parts.push(blockHeader(b.raw.length, 0, last), b.raw);
    else parts.push(blockHeader(b.size, 1, last), Uint8Array.of(b.rle));
  });
  return concat(parts);
}

/**
 * `data` as one zstd frame of raw blocks with a small (128 KiB) window. fzstd allocates and slides
 * the whole declared window for every block, so the 8 MiB window of archives.ts's zstdStored costs
 * ~20 ms per layer; fuzzing thousands of archives wants the small one.
 */
export function zstdRaw(data: Uint8Array, windowDescriptor = 7 << 3): Uint8Array {
  const blocks: ZstdBlock[] = [];
  for (let off = 0; off < data.length; off += ZSTD_MAX_BLOCK) {
    blocks.push({ raw: data.subarray(off, Math.min(data.length, off + ZSTD_MAX_BLOCK)) });
  }
  return zstdFrame(blocks, windowDescriptor);
}

/** Raw blocks for `prefix`, then `zeros` bytes of zeros as RLE blocks: ~32768:1 compression. */
export function zstdZeroBomb(prefix: Uint8Array, zeros: number, windowDescriptor = 13 << 3): Uint8Array {
  const blocks: ZstdBlock[] = [];
  for (let off = 0; off < prefix.length; off += ZSTD_MAX_BLOCK) {
    blocks.push({ raw: prefix.subarray(off, Math.min(prefix.length, off + ZSTD_MAX_BLOCK)) });
  }
  for (let left = zeros; left > 0; left -= ZSTD_MAX_BLOCK) {
    blocks.push({ rle: 0, size: Math.min(ZSTD_MAX_BLOCK, left) });
  }
  return zstdFrame(blocks, windowDescriptor);
}

/** One zstd frame over segments: raw blocks for bytes, RLE blocks for zero runs. */
export function zstdSegments(segments: Segment[], windowDescriptor = 13 << 3): Uint8Array {
  const blocks: ZstdBlock[] = [];
  for (const seg of segments) {
    if (seg instanceof Uint8Array) {
      for (let off = 0; off < seg.length; off += ZSTD_MAX_BLOCK) {
        blocks.push({ raw: seg.subarray(off, Math.min(seg.length, off + ZSTD_MAX_BLOCK)) });
      }
    } else {
      for (let left = seg.zeros; left > 0; left -= ZSTD_MAX_BLOCK) {
        blocks.push({ rle: 0, size: Math.min(ZSTD_MAX_BLOCK, left) });
      }
    }
  }
  return zstdFrame(blocks, windowDescriptor);
}

// ---------------------------------------------------------------------------------------------
// gzip of large, mostly-zero data without ever holding it

/** gzip (level 9) of the concatenated segments; zero runs are fed from one reused 1 MiB buffer. */
export async function gzipSegments(segments: Segment[]): Promise<Uint8Array> {
  const gz = createGzip({ level: constants.Z_BEST_COMPRESSION });
  const out: Uint8Array[] = [];
  gz.on('data', (chunk: Buffer) => out.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  const zeros = Buffer.alloc(1 << 20);
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => gz.write(chunk, (err) => (err ? reject(err) : resolve())));
  for (const seg of segments) {
    if (seg instanceof Uint8Array) {
      await write(seg);
      continue;
    }
    for (let left = seg.zeros; left > 0; left -= zeros.length) {
      await write(zeros.subarray(0, Math.min(zeros.length, left)));
    }
  }
  gz.end();
  await done;
  return concat(out);
}

// ---------------------------------------------------------------------------------------------
// header surgery

/** Field offsets of a ustar header, for tests that corrupt one field. */
export const FIELD = {
  name: 0,
  mode: 100,
  uid: 108,
  gid: 116,
  size: 124,
  mtime: 136,
  checksum: 148,
  typeflag: 156,
  linkname: 157,
  magic: 257,
  uname: 265,
  gname: 297,
  devmajor: 329,
  devminor: 337,
  prefix: 345,
  sparseExtended: 482,
  sparseRealSize: 483,
} as const;

/** Copies `tar`, lets `edit` change the 512-byte block at `offset`, and fixes its checksum. */
export function patchHeader(tar: Uint8Array, offset: number, edit: (block: Uint8Array) => void): Uint8Array {
  const out = tar.slice();
  const block = out.subarray(offset, offset + 512);
  edit(block);
  setChecksum(block);
  return out;
}

/** Writes `bytes` at `offset` of a header field (no checksum fix: use inside patchHeader). */
export function putField(
  block: Uint8Array,
  offset: number,
  bytes: Uint8Array | string,
  width?: number,
): void {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  if (width !== undefined) block.fill(0, offset, offset + width);
  block.set(data, offset);
}

/** A GNU base-256 field of `width` bytes holding `value` (negative in two's complement). */
export function base256(value: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = value < 0n ? (1n << BigInt(8 * width)) + value : value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (value >= 0n) out[0] |= 0x80;
  return out;
}

/** A PAX extended header body (`len key=value\n` records), written verbatim: lengths may lie. */
export function paxRecords(records: [string, string][]): Uint8Array {
  const enc = new TextEncoder();
  let text = '';
  for (const [key, value] of records) {
    const rest = ` ${key}=${value}\n`;
    const base = enc.encode(rest).length;
    let len = base + String(base).length;
    if (String(len).length > String(base).length) len = base + String(len).length;
    text += `${len}${rest}`;
  }
  return enc.encode(text);
}

// ---------------------------------------------------------------------------------------------
// bounding time

export class DeadlineError extends Error {
  constructor(label: string, ms: number) {
    super(`${label} did not finish within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Races `work` against a timer and aborts `controller` when the timer wins. The timer can only
 * fire when `work` yields to the event loop; callers also check the elapsed time afterwards.
 */
export async function withDeadline<T>(
  label: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; elapsedMs: number }> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new DeadlineError(label, ms));
      reject(new DeadlineError(label, ms));
    }, ms);
  });
  try {
    const value = await Promise.race([work(controller.signal), deadline]);
    const elapsedMs = performance.now() - started;
    if (elapsedMs > ms) throw new DeadlineError(label, ms);
    return { value, elapsedMs };
  } finally {
    clearTimeout(timer);
  }
}

export const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// GNU tar on bytes in memory

export interface GnuBytesListing {
  /** Exit status 0 and nothing on stderr: GNU tar read it all without a word. */
  clean: boolean;
  status: number | null;
  names: string[];
  stderr: string;
}

let gnuTar: boolean | undefined;

/** Whether `tar` on the PATH is GNU tar (the reference lister). */
export function gnuTarAvailable(): boolean {
  if (gnuTar === undefined) {
    const r = spawnSync('tar', ['--version'], { encoding: 'utf8' });
    gnuTar = r.status === 0 && /GNU tar/.test(r.stdout);
  }
  return gnuTar;
}

/** `tar -tf - --quoting-style=literal` over bytes on stdin (see gnuTar.ts for files). */
export function gnuListBytes(bytes: Uint8Array): GnuBytesListing {
  const r = spawnSync('tar', ['-tf', '-', '--quoting-style=literal'], {
    input: bytes,
    maxBuffer: 1 << 28,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  const out = new TextDecoder().decode(r.stdout);
  const names = out ? out.split('\n').slice(0, -1) : [];
  const stderr = new TextDecoder().decode(r.stderr).trim();
  return { clean: r.status === 0 && stderr === '', status: r.status, names, stderr };
}
