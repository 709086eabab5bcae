/**
 * A read-only reader of SQLite's file format (https://www.sqlite.org/fileformat2.html), just
 * enough to scan one table's rows: the header, table b-tree pages, overflow chains, the record
 * format and the write-ahead log's committed frames. rpmdb.sqlite needs one full scan of
 * `Packages(hnum, blob)`; a whole SQL engine in WebAssembly was measured and not needed for it
 * (README, "Packages").
 *
 * Everything is bounded: each page is visited at most once per scan, overflow chains at most
 * the file's page count, and a malformed page throws SqliteFormatError with its byte offset.
 */

const MAGIC = 'SQLite format 3\u0000';
const PAGE_INTERIOR_TABLE = 5;
const PAGE_LEAF_TABLE = 13;

export class SqliteFormatError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export type SqliteValue = null | number | string | Uint8Array;

const decoder = new TextDecoder('utf-8', { fatal: false });

export class SqliteFile {
  readonly pageSize: number;
  readonly usableSize: number;
  readonly pageCount: number;
  /** Pages the write-ahead log holds newer copies of (committed frames only). */
  private readonly walPages: Map<number, Uint8Array>;

  constructor(
    private readonly bytes: Uint8Array,
    wal: Uint8Array | null = null,
  ) {
    if (bytes.length < 100 || decoder.decode(bytes.subarray(0, 16)) !== MAGIC)
      throw new SqliteFormatError(0, 'not an SQLite 3 database (no "SQLite format 3" header)');
    const raw = (bytes[16] << 8) | bytes[17];
    this.pageSize = raw === 1 ? 65536 : raw;
    if (this.pageSize < 512 || this.pageSize > 65536 || (this.pageSize & (this.pageSize - 1)) !== 0)
      throw new SqliteFormatError(16, `page size ${raw} is not a power of two from 512 to 65536`);
    this.usableSize = this.pageSize - bytes[20];
    if (this.usableSize < 480) throw new SqliteFormatError(20, `${bytes[20]} reserved bytes per page`);
    if (bytes[56] !== 0 && ((bytes[56] << 24) | (bytes[57] << 16) | (bytes[58] << 8) | bytes[59]) >>> 0 !== 1)
      throw new SqliteFormatError(56, 'text is not UTF-8 (UTF-16 databases are not read)');
    this.walPages = wal ? readWal(wal, this.pageSize) : new Map();
    let count = Math.floor(bytes.length / this.pageSize);
    for (const page of this.walPages.keys()) count = Math.max(count, page);
    this.pageCount = count;
  }

  private page(number: number, from: number): Uint8Array {
    if (!Number.isInteger(number) || number < 1 || number > this.pageCount)
      throw new SqliteFormatError(from, `page ${number} is outside the file's ${this.pageCount} pages`);
    const logged = this.walPages.get(number);
    if (logged) return logged;
    const start = (number - 1) * this.pageSize;
    if (start + this.pageSize > this.bytes.length)
      throw new SqliteFormatError(from, `page ${number} is past the end of the file`);
    return this.bytes.subarray(start, start + this.pageSize);
  }

  private fileOffset(page: number, within: number): number {
    return (page - 1) * this.pageSize + within;
  }

  /**
   * Pages the header says the database has, when that count is valid (its change counter agrees,
   * SQLite 3.7.0+), else null: a file cut short has fewer.
   */
  get declaredPageCount(): number | null {
    const b = this.bytes;
    const valid = u32(b, 24) === u32(b, 92) && u32(b, 28) > 0;
    return valid && this.walPages.size === 0 ? u32(b, 28) : null;
  }

  /** The root page of a table, from the schema table (`sqlite_master`, page 1). */
  tableRoot(name: string): number | null {
    for (const { values } of this.rows(1)) {
      if (
        values[0] === 'table' &&
        typeof values[1] === 'string' &&
        values[1].toLowerCase() === name.toLowerCase()
      )
        return typeof values[3] === 'number' ? values[3] : null;
    }
    return null;
  }

  /** Every row of the table b-tree rooted at `root`, in rowid order. */
  *rows(root: number): Generator<{ rowid: number; values: SqliteValue[]; offset: number }> {
    const seen = new Set<number>();
    const stack = [root];
    while (stack.length > 0) {
      const number = stack.pop()!;
      if (seen.has(number))
        throw new SqliteFormatError(this.fileOffset(number, 0), `page ${number} is reached twice`);
      seen.add(number);
      const page = this.page(number, this.fileOffset(number, 0));
      const header = number === 1 ? 100 : 0;
      const type = page[header];
      const cells = (page[header + 3] << 8) | page[header + 4];
      const leaf = type === PAGE_LEAF_TABLE;
      if (!leaf && type !== PAGE_INTERIOR_TABLE)
        throw new SqliteFormatError(
          this.fileOffset(number, header),
          `page ${number} has type ${type}, not a table b-tree page`,
        );
      const pointers = header + (leaf ? 8 : 12);
      if (pointers + cells * 2 > this.usableSize)
        throw new SqliteFormatError(
          this.fileOffset(number, header + 3),
          `page ${number} claims ${cells} cells`,
        );
      const cellAt = (k: number) => {
        const at = (page[pointers + k * 2] << 8) | page[pointers + k * 2 + 1];
        if (at < pointers || at >= this.usableSize)
          throw new SqliteFormatError(
            this.fileOffset(number, pointers + k * 2),
            `cell ${k} of page ${number} points at byte ${at}`,
          );
        return at;
      };
      if (!leaf) {
        // Pushed right-most first, so children pop in rowid order.
        stack.push(u32(page, header + 8));
        for (let k = cells - 1; k >= 0; k--) stack.push(u32(page, cellAt(k)));
        continue;
      }
      for (let k = 0; k < cells; k++) {
        const cell = cellAt(k);
        let at = cell;
        const [payloadSize, n1] = varint(page, at, this.fileOffset(number, at));
        at += n1;
        const [rowid, n2] = varint(page, at, this.fileOffset(number, at));
        at += n2;
        const payload = this.payload(page, number, at, payloadSize);
        yield {
          rowid,
          values: decodeRecord(payload, this.fileOffset(number, at)),
          offset: this.fileOffset(number, cell),
        };
      }
    }
  }

  private payload(page: Uint8Array, number: number, at: number, size: number): Uint8Array {
    if (size > this.pageCount * this.pageSize)
      throw new SqliteFormatError(
        this.fileOffset(number, at),
        `a payload of ${size} bytes in a smaller file`,
      );
    const usable = this.usableSize;
    const maxLocal = usable - 35;
    let local = size;
    if (size > maxLocal) {
      const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
      const k = minLocal + ((size - minLocal) % (usable - 4));
      local = k <= maxLocal ? k : minLocal;
    }
    if (at + local > usable)
      throw new SqliteFormatError(this.fileOffset(number, at), 'a cell runs off its page');
    if (local === size) return page.subarray(at, at + size);
    const out = new Uint8Array(size);
    out.set(page.subarray(at, at + local));
    let filled = local;
    let next = u32(page, at + local);
    let hops = 0;
    while (filled < size) {
      if (++hops > this.pageCount)
        throw new SqliteFormatError(this.fileOffset(number, at), 'an overflow chain longer than the file');
      const overflow = this.page(next, this.fileOffset(number, at + local));
      const take = Math.min(usable - 4, size - filled);
      out.set(overflow.subarray(4, 4 + take), filled);
      filled += take;
      next = u32(overflow, 0);
    }
    return out;
  }
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** SQLite's big-endian varint: 7 bits a byte with the high bit set to continue, the 9th byte whole. */
function varint(bytes: Uint8Array, at: number, fileOffset: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= bytes.length) throw new SqliteFormatError(fileOffset, 'a varint runs off its page');
    const b = bytes[at + i];
    if (i === 8) return [value * 256 + b, 9];
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  return [value, 9];
}

function decodeRecord(payload: Uint8Array, fileOffset: number): SqliteValue[] {
  const [headerSize, n] = varint(payload, 0, fileOffset);
  if (headerSize > payload.length || headerSize < n)
    throw new SqliteFormatError(fileOffset, `a record header of ${headerSize} bytes in ${payload.length}`);
  const types: number[] = [];
  for (let at = n; at < headerSize; ) {
    const [type, m] = varint(payload, at, fileOffset + at);
    types.push(type);
    at += m;
  }
  const values: SqliteValue[] = [];
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let at = headerSize;
  for (const type of types) {
    const width = serialWidth(type);
    if (at + width > payload.length)
      throw new SqliteFormatError(fileOffset + at, `a value of ${width} bytes runs past its record`);
    if (type === 0) values.push(null);
    else if (type >= 1 && type <= 6) {
      values.push(signedInt(payload, at, width));
    } else if (type === 7) values.push(view.getFloat64(at));
    else if (type === 8 || type === 9) values.push(type - 8);
    else if (type >= 12 && type % 2 === 0) values.push(payload.subarray(at, at + width));
    else if (type >= 13) values.push(decoder.decode(payload.subarray(at, at + width)));
    else throw new SqliteFormatError(fileOffset, `serial type ${type} is reserved`);
    at += width;
  }
  return values;
}

function signedInt(bytes: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + bytes[at + i];
  const limit = 2 ** (8 * width);
  return bytes[at] & 0x80 ? v - limit : v;
}

function serialWidth(type: number): number {
  if (type <= 4) return [0, 1, 2, 3, 4][type];
  if (type === 5) return 6;
  if (type === 6 || type === 7) return 8;
  if (type < 12) return 0;
  return Math.floor((type - 12) / 2);
}

const WAL_MAGIC = [0x377f0682, 0x377f0683];

/**
 * The pages of the committed transactions in a write-ahead log: frames whose salts match the
 * log's header, up to the last frame that ends a commit (a crash leaves frames after it, which
 * SQLite ignores too). Checksums are not verified: a frame of an older log has other salts.
 */
function readWal(wal: Uint8Array, pageSize: number): Map<number, Uint8Array> {
  const pages = new Map<number, Uint8Array>();
  if (wal.length < 32 || !WAL_MAGIC.includes(u32(wal, 0)) || u32(wal, 8) !== pageSize) return pages;
  const salt1 = u32(wal, 16);
  const salt2 = u32(wal, 20);
  let pending = new Map<number, Uint8Array>();
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (u32(wal, at + 8) !== salt1 || u32(wal, at + 12) !== salt2) break;
    pending.set(u32(wal, at), wal.subarray(at + 24, at + 24 + pageSize));
    if (u32(wal, at + 4) !== 0) {
      for (const [page, data] of pending) pages.set(page, data);
      pending = new Map();
    }
  }
  return pages;
}
