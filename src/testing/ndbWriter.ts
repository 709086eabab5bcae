import { deflateSync } from 'node:zlib';

/**
 * Test-only: an rpm ndb `Packages.db` laid out as rpm's lib/backend/ndb/rpmpkg.c writes it (Debian's
 * rpm is built without ndb, so no tool here can): the file header, one slot page per 255 packages,
 * then each header blob in its head/padding/tail frame. The adler32 comes from zlib (the last four
 * bytes of a zlib stream), not from the reader's own function.
 */

const PAGE = 4096;
const BLOCK = 16;

function zlibAdler32(bytes: Uint8Array): number {
  const stream = deflateSync(bytes);
  return Buffer.from(stream.subarray(stream.length - 4)).readUInt32BE(0);
}

export interface NdbPackage {
  /** rpm's package index (the hnum rpmdb.sqlite keys the same header by). */
  index: number;
  blob: Uint8Array;
}

export function writeNdb(packages: NdbPackage[], now = 1_700_000_000): Uint8Array {
  const slotsPerPage = PAGE / 16;
  // Page 0 loses two slots to the file header.
  const slotPages = Math.max(1, Math.ceil((packages.length + 2) / slotsPerPage));
  const frames: Buffer[] = [];
  const slots: { index: number; blockOffset: number; blockCount: number }[] = [];
  let block = (slotPages * PAGE) / BLOCK;
  for (const { index, blob } of packages) {
    const blockCount = Math.ceil((16 + blob.length + 12) / BLOCK);
    const frame = Buffer.alloc(blockCount * BLOCK);
    frame.write('BlbS', 0, 'latin1');
    frame.writeUInt32LE(index, 4);
    frame.writeUInt32LE(now, 8);
    frame.writeUInt32LE(blob.length, 12);
    frame.set(blob, 16);
    const tail = frame.length - 12;
    frame.writeUInt32LE(zlibAdler32(frame.subarray(0, tail)), tail);
    frame.writeUInt32LE(blob.length, tail + 4);
    frame.write('BlbE', tail + 8, 'latin1');
    frames.push(frame);
    slots.push({ index, blockOffset: block, blockCount });
    block += blockCount;
  }
  const head = Buffer.alloc(slotPages * PAGE);
  head.write('RpmP', 0, 'latin1');
  head.writeUInt32LE(0, 4); // version
  head.writeUInt32LE(packages.length + 1, 8); // generation
  head.writeUInt32LE(slotPages, 12);
  head.writeUInt32LE(Math.max(0, ...packages.map((p) => p.index)) + 1, 16);
  for (let at = 32, i = 0; at < head.length; at += 16, i++) {
    head.write('Slot', at, 'latin1');
    const slot = slots[i];
    if (!slot) continue; // free: offset 0
    head.writeUInt32LE(slot.index, at + 4);
    head.writeUInt32LE(slot.blockOffset, at + 8);
    head.writeUInt32LE(slot.blockCount, at + 12);
  }
  return new Uint8Array(Buffer.concat([head, ...frames]));
}
