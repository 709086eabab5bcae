import { createCRC32, createSHA256 } from 'hash-wasm';
import type { ByteSource } from '../bytes/byteSource';

/**
 * Which saved index belongs to an archive: its name, size and modification time, and a digest of
 * sampled byte ranges, so that another file with the same name and size never matches.
 *
 * The head and the tail are always sampled because that is where every format keeps the JSON
 * that names each layer by its digest (docker save writes manifest.json last, OCI layouts
 * index.json first or last, tar headers name blobs by digest): a rebuilt image whose layer
 * changed by one byte has another manifest there, so another key. The evenly spaced samples in
 * between catch files that were edited in place.
 */
export const HEAD_TAIL_BYTES = 64 * 1024;
export const MIDDLE_SAMPLES = 8;
export const SAMPLE_BYTES = 4096;

export interface ArchiveIdentity {
  name: string;
  size: number;
  /** Milliseconds since 1970, as File.lastModified gives it; 0 when unknown. */
  lastModified: number;
}

/** The byte ranges sampled for the key, in order, without overlaps. */
export function sampledRanges(size: number): [number, number][] {
  if (size <= 2 * HEAD_TAIL_BYTES + MIDDLE_SAMPLES * SAMPLE_BYTES) return [[0, size]];
  const ranges: [number, number][] = [[0, HEAD_TAIL_BYTES]];
  const span = size - 2 * HEAD_TAIL_BYTES;
  for (let i = 1; i <= MIDDLE_SAMPLES; i++) {
    const start = HEAD_TAIL_BYTES + Math.floor((span * i) / (MIDDLE_SAMPLES + 1)) - SAMPLE_BYTES / 2;
    ranges.push([start, start + SAMPLE_BYTES]);
  }
  ranges.push([size - HEAD_TAIL_BYTES, size]);
  return ranges;
}

/** A hex key naming the archive's saved index (64 hex digits, usable as a file name). */
export async function archiveKey(source: ByteSource, identity: ArchiveIdentity): Promise<string> {
  const head = new TextEncoder().encode(
    JSON.stringify(['image-layer-explorer index key 1', identity.name, identity.size, identity.lastModified]),
  );
  const ranges = sampledRanges(source.size);
  let samples: Uint8Array[];
  if (source.ownBuffers) {
    // all at once: ten Blob reads one after another took 40 ms of a 100 ms re-open
    samples = await Promise.all(ranges.map(([start, end]) => source.read(start, end - start)));
  } else {
    // one read at a time, each copied: a source may hand back a view into a buffer that its next
    // read reuses
    samples = [];
    for (const [start, end] of ranges) samples.push((await source.read(start, end - start)).slice());
  }
  return sha256Hex([head, ...samples]);
}

interface PlatformDigest {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/**
 * SHA-256 of the parts one after another, by the platform's digest where there is one (a secure
 * context: 160 KB took it under a millisecond where hash-wasm took 5 to 16 in a fresh worker).
 */
async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: PlatformDigest } }).crypto?.subtle;
  if (subtle) {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const digest = new Uint8Array(await subtle.digest('SHA-256', all));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  const hasher = await createSHA256();
  hasher.init();
  for (const p of parts) hasher.update(p);
  return hasher.digest('hex');
}

/**
 * Compiles the hashes a re-open needs (the key's SHA-256, the saved index's CRC-32) ahead of time:
 * in a fresh worker the first of each cost 7 to 14 ms of a re-open that should take about 100.
 */
export async function warmKeyHashes(): Promise<void> {
  await Promise.all([createSHA256(), createCRC32()]);
}
