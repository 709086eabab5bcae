import type { EntryType } from './types';

export const BLOCK = 512;

const utf8 = new TextDecoder('utf-8');

/** Bytes up to the first NUL, decoded as UTF-8 (invalid bytes become U+FFFD, as in GNU tar's listing decoded the same way). */
export function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  const limit = start + length;
  while (end < limit && bytes[end] !== 0) end++;
  if (end === start) return '';
  // Fast path for ASCII, which is nearly every name in an image.
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i] > 0x7f) {
      ascii = false;
      break;
    }
  }
  // fromCharCode.apply passes one argument per byte: fine for header fields, a stack overflow for a huge GNU long name.
  if (ascii && end - start <= 1024) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(start, end));
}

/**
 * cString for a field that repeats from header to header (owner names): the bytes are compared
 * with the last ones decoded, and the same string comes back when they match. Decoding uname and
 * gname took half of all name decoding on a 100k-entry layer with one owner.
 */
export class RepeatedField {
  private readonly last: Uint8Array;
  private lastLength = -1;
  private lastValue = '';
  constructor(length: number) {
    this.last = new Uint8Array(length);
  }
  read(bytes: Uint8Array, start: number, length: number): string {
    let n = 0;
    while (n < length && bytes[start + n] !== 0) n++;
    if (n === this.lastLength) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (bytes[start + i] !== this.last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastValue;
    }
    this.lastValue = cString(bytes, start, n);
    this.last.set(bytes.subarray(start, start + n));
    this.lastLength = n;
    return this.lastValue;
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/**
 * A numeric field: octal text (space or NUL terminated, leading spaces allowed) or GNU base-256
 * (high bit of the first byte set; 0xff marks a negative number). Returns NaN when malformed.
 */
export function parseNumeric(bytes: Uint8Array, start: number, length: number): number {
  const first = bytes[start];
  if (first & 0x80) {
    const negative = first === 0xff;
    let value = negative ? -1 : first & 0x7f;
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + bytes[i];
      if (!Number.isSafeInteger(value)) return Number.NaN;
    }
    if (negative) {
      // two's complement over `length` bytes
      let v = 0;
      for (let i = start; i < start + length; i++) v = v * 256 + (255 - bytes[i]);
      return -(v + 1);
    }
    return value;
  }
  let i = start;
  const end = start + length;
  while (i < end && (bytes[i] === 0x20 || bytes[i] === 0)) {
    if (bytes[i] === 0) {
      // all-NUL field: GNU tar reads it as 0 (nil-uid.tar)
      let allNul = true;
      for (let j = start; j < end; j++) if (bytes[j] !== 0 && bytes[j] !== 0x20) allNul = false;
      if (allNul) return 0;
    }
    i++;
  }
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return Number.NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : value;
}

export function isZeroBlock(bytes: Uint8Array, start = 0): boolean {
  for (let i = start; i < start + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Sum of a header's 512 bytes. Four bytes at a time when the block is aligned: headers are the hot path. */
let wordsBuffer: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function byteSum(header: Uint8Array): number {
  if ((header.byteOffset & 3) === 0 && header.length === BLOCK) {
    // One word view per buffer, not per header: headers come out of the same window by the hundred.
    if (header.buffer !== wordsBuffer) {
      wordsBuffer = header.buffer;
      words = new Uint32Array(header.buffer, 0, header.buffer.byteLength >>> 2);
    }
    const view = words;
    const first = header.byteOffset >>> 2;
    const last = first + BLOCK / 4;
    // Two 16-bit lanes per word; 128 words x 2 bytes x 255 stays below 65536, so lanes never carry.
    let lanes = 0;
    for (let i = first; i < last; i++) {
      const w = view[i];
      lanes += (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
    }
    return (lanes & 0xffff) + (lanes >>> 16);
  }
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += header[i];
  return sum;
}

/** Accepts both the unsigned sum (POSIX) and the signed sum some old tars wrote. */
export function checksumMatches(header: Uint8Array): boolean {
  const stored = parseNumeric(header, 148, 8);
  if (Number.isNaN(stored)) return false;
  // The checksum field itself counts as eight spaces.
  let unsigned = byteSum(header);
  for (let i = 148; i < 156; i++) unsigned -= header[i];
  unsigned += 8 * 0x20;
  if (stored === unsigned) return true;
  let signed = unsigned;
  for (let i = 0; i < BLOCK; i++) if (header[i] > 127 && (i < 148 || i >= 156)) signed -= 256;
  return stored === signed;
}

export type HeaderFormat = 'ustar' | 'gnu' | 'v7';

export function headerFormat(header: Uint8Array): HeaderFormat {
  // "ustar\0" + "00" is POSIX; "ustar " + " \0" is GNU, whose bytes 345+ hold atime/ctime/sparse data, not a prefix.
  if (
    header[257] === 0x75 &&
    header[258] === 0x73 &&
    header[259] === 0x74 &&
    header[260] === 0x61 &&
    header[261] === 0x72
  ) {
    if (header[262] === 0x20 && header[263] === 0x20) return 'gnu';
    if (header[262] === 0) return 'ustar';
    return 'gnu';
  }
  return 'v7';
}

/** Type flags of entries (tar's, and GNU's dumpdir and sparse files); others are unknown. */
const KNOWN_FLAGS = new Set([0, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x44, 0x53]);

export function isKnownFlag(flag: number): boolean {
  return KNOWN_FLAGS.has(flag);
}

export function typeFromFlag(flag: number, name: string): EntryType {
  switch (flag) {
    case 0x30: // '0'
    case 0x37: // '7' contiguous
      return 'file';
    case 0:
      return name.endsWith('/') ? 'dir' : 'file';
    case 0x31:
      return 'hardlink';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'char';
    case 0x34:
      return 'block';
    case 0x35:
    case 0x44: // 'D' GNU dumpdir: a directory with a listing as its body
      return 'dir';
    case 0x36:
      return 'fifo';
    case 0x53: // 'S' GNU sparse
      return 'file';
    default:
      // GNU tar extracts a type it does not know as a regular file (its data is there).
      return 'file';
  }
}

/**
 * Entry types whose size field is ignored. GNU tar skips `size` bytes after FIFOs, devices and
 * symlinks but not after hardlinks and directories (tar-split's hdr-only.tar shows it); we list
 * what GNU tar lists. Go writes size 0 for all of these, so real images never notice.
 */
export function isHeaderOnly(flag: number): boolean {
  return flag === 0x31 || flag === 0x35;
}

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}
