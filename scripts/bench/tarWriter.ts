/**
 * A small ustar writer for the benchmark generator. Unlike src/testing/tarBuilder.ts (which builds
 * whole archives in memory for tests), this one only makes headers and padding, so the caller can
 * stream bodies of any size straight to disk. It is deliberately independent of src/ so that the
 * benchmark's archives also check our reader against GNU tar, not against itself.
 */

export const BLOCK = 512;

export type WriteType = 'file' | 'dir' | 'symlink' | 'hardlink';

const FLAGS: Record<WriteType, number> = { file: 0x30, hardlink: 0x31, symlink: 0x32, dir: 0x35 };

function putAscii(block: Uint8Array, offset: number, length: number, value: string): void {
  if (value.length > length) throw new Error(`tar field too long: ${value}`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e) throw new Error(`non-ASCII name in benchmark archive: ${value}`);
    block[offset + i] = c;
  }
}

function putOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  if (value >= 8 ** (length - 1)) {
    // GNU base-256 for sizes of 8 GiB and more (not used by the generator, but cheap to support).
    block[offset] = 0x80;
    let v = value;
    for (let i = offset + length - 1; i > offset; i--) {
      block[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return;
  }
  putAscii(block, offset, length - 1, value.toString(8).padStart(length - 1, '0'));
}

/** Splits a name longer than 100 bytes into the ustar prefix (≤155) and name (≤100). */
function splitName(name: string): [string, string] {
  if (name.length <= 100) return ['', name];
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] === '/' && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
      return [name.slice(0, i), name.slice(i + 1)];
    }
  }
  throw new Error(`name does not fit a ustar header: ${name}`);
}

export interface HeaderFields {
  name: string;
  type: WriteType;
  size?: number;
  mode?: number;
  mtime?: number;
  linkTarget?: string;
}

/** One 512-byte ustar header, written into `out` at `offset` (which must be zero-filled). */
export function writeHeader(out: Uint8Array, offset: number, h: HeaderFields): void {
  const block = out.subarray(offset, offset + BLOCK);
  const [prefix, name] = splitName(h.name);
  putAscii(block, 0, 100, name);
  putOctal(block, 100, 8, h.mode ?? (h.type === 'dir' ? 0o755 : 0o644));
  putOctal(block, 108, 8, 0);
  putOctal(block, 116, 8, 0);
  putOctal(block, 124, 12, h.type === 'file' ? (h.size ?? 0) : 0);
  putOctal(block, 136, 12, h.mtime ?? 1_735_689_600);
  block[156] = FLAGS[h.type];
  putAscii(block, 157, 100, h.linkTarget ?? '');
  putAscii(block, 257, 6, 'ustar\0');
  putAscii(block, 263, 2, '00');
  putAscii(block, 265, 32, 'root');
  putAscii(block, 297, 32, 'root');
  if (prefix) putAscii(block, 345, 155, prefix);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i];
  putAscii(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
}

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Bytes an entry occupies in a tar: its header plus its padded body. */
export function entryBytes(type: WriteType, size: number): number {
  return BLOCK + (type === 'file' ? padded(size) : 0);
}

/** The two zero blocks that end an archive. */
export const END_BLOCKS = 2 * BLOCK;

/**
 * Collects small writes into large chunks, so a stream of 100k headers and small bodies reaches
 * the hash, the compressor and the disk as ~1 MiB pieces. Large bodies bypass the copy.
 */
export class Batcher {
  private buf: Uint8Array;
  private used = 0;

  constructor(private readonly size = 1 << 20) {
    this.buf = new Uint8Array(size);
  }

  /** Reserves `n` zeroed bytes and returns the view to fill, flushing first if they do not fit. */
  reserve(n: number, flushed: Uint8Array[]): Uint8Array {
    if (this.used + n > this.size) this.flush(flushed);
    if (n > this.size) {
      const big = new Uint8Array(n);
      flushed.push(big);
      return big;
    }
    const view = this.buf.subarray(this.used, this.used + n);
    this.used += n;
    return view;
  }

  /** Appends bytes; large ones are passed through as they are (after flushing what is pending). */
  append(bytes: Uint8Array, flushed: Uint8Array[]): void {
    if (bytes.length >= this.size / 4) {
      this.flush(flushed);
      flushed.push(bytes);
      return;
    }
    this.reserve(bytes.length, flushed).set(bytes);
  }

  flush(flushed: Uint8Array[]): void {
    if (this.used === 0) return;
    flushed.push(this.buf.subarray(0, this.used));
    this.buf = new Uint8Array(this.size);
    this.used = 0;
  }
}
