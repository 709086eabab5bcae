/**
 * The values of a Berkeley DB hash or btree file, read from its pages without the library: how
 * rpm's `Packages` (RHEL/CentOS 7–8, SUSE before ndb) stores one header blob per package.
 *
 * The page layout is Berkeley DB's (dbinc/db_page.h): a metadata page 0 whose magic also tells
 * the byte order; then pages with a 26-byte header (lsn, pgno, prev, next, entries, hf_offset,
 * level, type) and an index of item offsets. Hash pages hold key/data pairs of H_KEYDATA (inline)
 * or H_OFFPAGE (a chain of overflow pages); btree leaves hold B_KEYDATA or B_OVERFLOW items. Every
 * page is visited once and every chain is bounded by the page count.
 */

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;

const P_HASH_UNSORTED = 2;
const P_LBTREE = 5;
const P_OVERFLOW = 7;
const P_HASH = 13;

const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const B_KEYDATA = 1;
const B_OVERFLOW = 3;
const B_DELETE = 0x80;

const PAGE_HEADER = 26;

export class BerkeleyDbError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export interface BerkeleyDbValue {
  value: Uint8Array;
  /** Byte offset of the item in the file, for warnings about what it holds. */
  offset: number;
}

export interface BerkeleyDbScan {
  kind: 'hash' | 'btree';
  values: BerkeleyDbValue[];
  /** Items that could not be read (a broken overflow chain); the scan goes on past them. */
  problems: { offset: number; message: string }[];
}

/** Every data item (the second of each key/data pair) of the database, in page order. */
export function readBerkeleyDbValues(bytes: Uint8Array): BerkeleyDbScan {
  if (bytes.length < 512) throw new BerkeleyDbError(0, `a Berkeley DB file of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little = true;
  let magic = view.getUint32(12, true);
  if (magic !== HASH_MAGIC && magic !== BTREE_MAGIC) {
    little = false;
    magic = view.getUint32(12, false);
  }
  if (magic !== HASH_MAGIC && magic !== BTREE_MAGIC)
    throw new BerkeleyDbError(
      12,
      `not a Berkeley DB hash or btree file (magic 0x${magic.toString(16)}, the bytes ${JSON.stringify(String.fromCharCode(...bytes.subarray(12, 16)).replace(/[^\x20-\x7e]/g, '.'))})`,
    );
  const kind = magic === HASH_MAGIC ? 'hash' : 'btree';
  const pageSize = view.getUint32(20, little);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new BerkeleyDbError(20, `page size ${pageSize} is not a power of two from 512 to 65536`);
  if (bytes[24] !== 0) throw new BerkeleyDbError(24, 'the database is encrypted');
  const pageCount = Math.floor(bytes.length / pageSize);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);

  const problems: BerkeleyDbScan['problems'] = [];
  const values: BerkeleyDbValue[] = [];
  const lastPage = u32(32);
  if (lastPage >= pageCount)
    problems.push({
      offset: pageCount * pageSize,
      message: `the file ends after ${pageCount} pages; its metadata says the last is page ${lastPage}`,
    });

  const overflow = (first: number, length: number, from: number): Uint8Array | null => {
    if (length > bytes.length) {
      problems.push({ offset: from, message: `an off-page item of ${length} bytes in a smaller file` });
      return null;
    }
    const out = new Uint8Array(length);
    let filled = 0;
    let page = first;
    for (let hops = 0; filled < length; hops++) {
      if (hops >= pageCount || page < 1 || page >= pageCount) {
        problems.push({ offset: from, message: `its overflow chain breaks at page ${page}` });
        return null;
      }
      const start = page * pageSize;
      if (bytes[start + 25] !== P_OVERFLOW) {
        problems.push({
          offset: start,
          message: `page ${page} of an overflow chain has type ${bytes[start + 25]}`,
        });
        return null;
      }
      const onPage = Math.min(u16(start + 22), pageSize - PAGE_HEADER, length - filled);
      if (onPage === 0) {
        problems.push({ offset: start, message: `overflow page ${page} is empty` });
        return null;
      }
      out.set(bytes.subarray(start + PAGE_HEADER, start + PAGE_HEADER + onPage), filled);
      filled += onPage;
      page = u32(start + 16);
    }
    return out;
  };

  for (let page = 1; page < pageCount; page++) {
    const start = page * pageSize;
    const type = bytes[start + 25];
    const isHash = type === P_HASH || type === P_HASH_UNSORTED;
    if (!isHash && type !== P_LBTREE) continue;
    // A page whose own number disagrees was never written (a hole) or is stale.
    if (u32(start + 8) !== page) continue;
    const entries = u16(start + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      problems.push({ offset: start + 20, message: `page ${page} claims ${entries} items` });
      continue;
    }
    for (let i = 1; i < entries; i += 2) {
      const itemAt = u16(start + PAGE_HEADER + i * 2);
      if (itemAt < PAGE_HEADER + entries * 2 || itemAt >= pageSize) {
        problems.push({
          offset: start + PAGE_HEADER + i * 2,
          message: `item ${i} of page ${page} points at byte ${itemAt}`,
        });
        continue;
      }
      const at = start + itemAt;
      if (isHash) {
        const itemType = bytes[at];
        if (itemType === H_KEYDATA) {
          const end = start + u16(start + PAGE_HEADER + (i - 1) * 2);
          if (end <= at || end > start + pageSize) {
            problems.push({ offset: at, message: `item ${i} of page ${page} has no length` });
            continue;
          }
          values.push({ value: bytes.slice(at + 1, end), offset: at });
        } else if (itemType === H_OFFPAGE) {
          const value = overflow(u32(at + 4), u32(at + 8), at);
          if (value) values.push({ value, offset: at });
        }
      } else {
        const itemType = bytes[at + 2] & ~B_DELETE;
        if (bytes[at + 2] & B_DELETE) continue;
        if (itemType === B_KEYDATA) {
          const length = u16(at);
          if (at + 3 + length > start + pageSize) {
            problems.push({ offset: at, message: `item ${i} of page ${page} runs off its page` });
            continue;
          }
          values.push({ value: bytes.slice(at + 3, at + 3 + length), offset: at });
        } else if (itemType === B_OVERFLOW) {
          const value = overflow(u32(at + 4), u32(at + 8), at);
          if (value) values.push({ value, offset: at });
        }
      }
    }
  }
  return { kind, values, problems };
}
