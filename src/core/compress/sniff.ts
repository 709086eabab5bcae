export type Compression = 'none' | 'gzip' | 'zstd';

export type SniffResult = Compression | 'bzip2' | 'xz';

/** Compression is recognised from the first bytes, never from a file name or media type. */
export function sniffCompression(head: Uint8Array): SniffResult {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return 'zstd';
  // A zstd skippable frame (0x184D2A50..5F, little endian) may open a zstd:chunked blob.
  if (
    head.length >= 4 &&
    (head[0] & 0xf0) === 0x50 &&
    head[1] === 0x2a &&
    head[2] === 0x4d &&
    head[3] === 0x18
  ) {
    return 'zstd';
  }
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58)
    return 'xz';
  return 'none';
}

/** "ustar" at offset 257, or a v7 header whose checksum holds: enough to call something a tar. */
export function looksLikeTar(head: Uint8Array): boolean {
  if (head.length < 512) return false;
  if (
    head[257] === 0x75 &&
    head[258] === 0x73 &&
    head[259] === 0x74 &&
    head[260] === 0x61 &&
    head[261] === 0x72
  ) {
    return true;
  }
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i];
  let stored = 0;
  let digits = 0;
  for (let i = 148; i < 156; i++) {
    const c = head[i];
    if (c >= 0x30 && c <= 0x37) {
      stored = stored * 8 + (c - 0x30);
      digits++;
    } else if (digits > 0) break;
  }
  return digits > 0 && stored === sum && head[0] !== 0;
}
