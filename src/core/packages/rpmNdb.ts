/**
 * rpm's own "ndb" package database, `Packages.db` (openSUSE and SLE 15+ write it; rpm 4.15+ can).
 * The layout is rpm's lib/backend/ndb/rpmpkg.c, all numbers 32-bit little-endian:
 * - a 32-byte file header: magic `RpmP`, version 0, generation, the count of slot pages, the next
 *   package index;
 * - slot pages (4096 bytes each, the file header taking the first two 16-byte slots of page 0):
 *   one slot per package, magic `Slot`, package index, block offset, block count (16-byte
 *   blocks), a zero offset for a free slot;
 * - blobs at their block offsets: head `BlbS`, package index, timestamp, length; the header blob
 *   (as rpmdb.sqlite and Berkeley DB hold it); zero padding to the block; tail adler32 (over the
 *   head, blob and padding), length, `BlbE`.
 * Each slot and blob is checked on its own: a bad one is a problem at its offset, the rest is read.
 */
import type { DatabaseProblem } from './types';

const FILE_MAGIC = 0x506d7052; // 'RpmP'
const SLOT_MAGIC = 0x746f6c53; // 'Slot'
const BLOB_HEAD_MAGIC = 0x53626c42; // 'BlbS'
const BLOB_TAIL_MAGIC = 0x45626c42; // 'BlbE'
const FILE_HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const PAGE_SIZE = 4096;
const BLOB_HEAD_SIZE = 16;
const BLOB_TAIL_SIZE = 12;
/** A file that is mostly not slots is not worth a problem per slot: reading stops after this many. */
const MAX_SLOT_PROBLEMS = 16;

export class NdbFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface NdbBlob {
  packageIndex: number;
  /** Byte offset of the blob's head in the file. */
  offset: number;
  blob: Uint8Array;
}

/** Adler-32 (RFC 1950), as rpm checks each blob with it. */
export function adler32(bytes: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  // 5552 is the longest run whose sums cannot overflow 2^32 before the modulo (zlib's NMAX).
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Every package's header blob, in slot order, with a problem for each slot or blob that is bad. */
export function readNdbBlobs(bytes: Uint8Array): { blobs: NdbBlob[]; problems: DatabaseProblem[] } {
  if (bytes.length < FILE_HEADER_SIZE)
    throw new NdbFormatError(`${bytes.length} bytes: shorter than the 32-byte Packages.db header`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  if (u32(0) !== FILE_MAGIC) throw new NdbFormatError('not an rpm ndb Packages.db (no RpmP magic)', 0);
  const version = u32(4);
  if (version !== 0) throw new NdbFormatError(`ndb version ${version}; only version 0 is known`, 4);
  const slotPages = u32(12);
  const problems: DatabaseProblem[] = [];
  const fileBlocks = Math.floor(bytes.length / BLOCK_SIZE);
  // Blobs live after the slot pages; a slot pointing inside them is corrupt.
  const firstBlobBlock = slotPages * (PAGE_SIZE / BLOCK_SIZE);
  const slotsEnd = slotPages * PAGE_SIZE;
  if (slotsEnd > bytes.length)
    problems.push({
      offset: 12,
      message: `the header says ${slotPages} slot pages (${slotsEnd} bytes); the file has ${bytes.length}`,
    });
  const blobs: NdbBlob[] = [];
  for (let at = FILE_HEADER_SIZE; at + SLOT_SIZE <= Math.min(slotsEnd, bytes.length); at += SLOT_SIZE) {
    if (problems.length >= MAX_SLOT_PROBLEMS) {
      problems.push({ offset: at, message: 'too many bad slots: the slots from here on are not read' });
      break;
    }
    if (u32(at) !== SLOT_MAGIC) {
      problems.push({ offset: at, message: 'a slot without its Slot magic' });
      continue;
    }
    const packageIndex = u32(at + 4);
    const blockOffset = u32(at + 8);
    const blockCount = u32(at + 12);
    if (blockOffset === 0) continue; // a free slot
    if (packageIndex === 0 || blockCount === 0 || blockOffset < firstBlobBlock) {
      problems.push({
        offset: at,
        message: `slot for package ${packageIndex} points at block ${blockOffset} (${blockCount} blocks), inside the slot pages or empty`,
      });
      continue;
    }
    if (blockOffset + blockCount > fileBlocks) {
      problems.push({
        offset: at,
        message: `slot for package ${packageIndex} reaches block ${blockOffset + blockCount}; the file ends at block ${fileBlocks}`,
      });
      continue;
    }
    const blob = readBlob(bytes, view, packageIndex, blockOffset, blockCount);
    if (typeof blob === 'string')
      problems.push({ offset: blockOffset * BLOCK_SIZE, message: `package ${packageIndex}'s blob: ${blob}` });
    else blobs.push(blob);
  }
  return { blobs, problems };
}

function readBlob(
  bytes: Uint8Array,
  view: DataView,
  packageIndex: number,
  blockOffset: number,
  blockCount: number,
): NdbBlob | string {
  const start = blockOffset * BLOCK_SIZE;
  const end = start + blockCount * BLOCK_SIZE;
  if (blockCount * BLOCK_SIZE < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE) return `${blockCount} blocks hold no blob`;
  if (view.getUint32(start, true) !== BLOB_HEAD_MAGIC) return 'no BlbS magic at its start';
  const owner = view.getUint32(start + 4, true);
  if (owner !== packageIndex) return `its head names package ${owner}`;
  const length = view.getUint32(start + 12, true);
  const needed = Math.ceil((BLOB_HEAD_SIZE + length + BLOB_TAIL_SIZE) / BLOCK_SIZE);
  if (needed !== blockCount) return `${length} bytes need ${needed} blocks; its slot gives ${blockCount}`;
  const tail = end - BLOB_TAIL_SIZE;
  if (view.getUint32(tail + 8, true) !== BLOB_TAIL_MAGIC) return 'no BlbE magic at its end';
  if (view.getUint32(tail + 4, true) !== length) return 'its tail gives another length than its head';
  const sum = adler32(bytes.subarray(start, tail));
  if (view.getUint32(tail, true) !== sum) return 'its adler32 does not match its bytes';
  return {
    packageIndex,
    offset: start,
    blob: bytes.subarray(start + BLOB_HEAD_SIZE, start + BLOB_HEAD_SIZE + length),
  };
}
