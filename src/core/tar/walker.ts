import { readFully, type SequentialReader } from '../bytes/reader';
import {
  BLOCK,
  checksumMatches,
  cString,
  decodeUtf8,
  headerFormat,
  isHeaderOnly,
  isKnownFlag,
  isZeroBlock,
  padded,
  parseNumeric,
  RepeatedField,
  typeFromFlag,
} from './header';
import { type TarEntry, TarError } from './types';

/** Same bound as Go's archive/tar: a PAX or GNU long-name record larger than this is hostile, not a name. */
export const MAX_SPECIAL_HEADER = 1 << 20;

interface PaxRecords {
  [key: string]: string;
}

function parsePax(body: Uint8Array, offset: number, lastName: string | null): PaxRecords {
  const records: PaxRecords = {};
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // padding after the last record
    let sp = pos;
    let len = 0;
    while (sp < body.length && body[sp] >= 0x30 && body[sp] <= 0x39 && sp - pos < 12) {
      len = len * 10 + (body[sp] - 0x30);
      sp++;
    }
    if (sp >= body.length || body[sp] !== 0x20 || len <= sp - pos + 1 || pos + len > body.length) {
      throw new TarError(`malformed PAX record (length ${len})`, offset + pos, lastName);
    }
    const record = body.subarray(sp + 1, pos + len);
    if (record[record.length - 1] !== 0x0a) {
      throw new TarError('malformed PAX record (no newline)', offset + pos, lastName);
    }
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new TarError('malformed PAX record (no key)', offset + pos, lastName);
    const key = decodeUtf8(record.subarray(0, eq));
    records[key] = decodeUtf8(record.subarray(eq + 1, record.length - 1));
    pos += len;
  }
  return records;
}

function cutAtNul(value: string): string {
  const nul = value.indexOf('\0');
  return nul < 0 ? value : value.slice(0, nul);
}

/**
 * A PAX number. Sizes and ids must be whole numbers that fit exactly in a double; GNU tar refuses
 * anything else, and so do we (NaN marks it invalid). Times may carry a fraction.
 */
function paxNumber(value: string | undefined, allowFraction = false): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > 64 || !(allowFraction ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/).test(value)) return Number.NaN;
  const n = Number(value);
  return Number.isFinite(n) && (allowFraction || Number.isSafeInteger(n)) ? n : Number.NaN;
}

/** How a walk hands its entries over. */
export interface WalkOptions {
  /**
   * An entry whose name is its header's plain ASCII name field (no prefix, long-name or PAX
   * record) comes with `name` left '' and the bytes in `nameBytes[0, nameLength)`: for a visitor
   * that keeps names as bytes (EntryTable), which would otherwise encode back the string made here.
   * Making and encoding those strings was 57 of 567 ms of `inspect --json` on docker-s100.
   */
  nameBytes?: boolean;
}

/** What the walker learned about the archive as a whole, once the walk has ended. */
export interface WalkState {
  /** The archive ended with an end-of-archive zero block (an archive cut at a member boundary does not). */
  sawEndBlock: boolean;
}

/**
 * Called with each entry. It may read some or all of the body from the same reader before it
 * returns (or before its promise settles), or none: the walker then moves to the next header
 * itself (a random-access reader jumps, never reads).
 */
export type EntryVisitor = (entry: TarEntry) => void | Promise<void>;

/**
 * Walks a tar archive as an async iterator: see walkTarEach, which it wraps. After each yield the
 * walker moves on from wherever the consumer left the reader.
 */
export async function* walkTar(
  reader: SequentialReader,
  state: WalkState = { sawEndBlock: false },
): AsyncGenerator<TarEntry> {
  // The walk runs in walkTarEach; each entry is handed over here and the walk waits until the
  // consumer asks for the next one (so the consumer can read the body in between).
  const channel: {
    handoff: { entry: TarEntry; resume: () => void } | null;
    wake: (() => void) | null;
    finished: boolean;
    failure: { error: unknown } | null;
  } = { handoff: null, wake: null, finished: false, failure: null };
  const wakeConsumer = () => {
    const wake = channel.wake;
    channel.wake = null;
    wake?.();
  };
  void walkTarEach(
    reader,
    (entry) =>
      new Promise<void>((resume) => {
        channel.handoff = { entry, resume };
        wakeConsumer();
      }),
    state,
  ).then(
    () => {
      channel.finished = true;
      wakeConsumer();
    },
    (error: unknown) => {
      channel.failure = { error };
      channel.finished = true;
      wakeConsumer();
    },
  );
  for (;;) {
    if (channel.handoff === null && !channel.finished) {
      await new Promise<void>((resolve) => {
        channel.wake = resolve;
      });
    }
    const handoff = channel.handoff;
    if (handoff !== null) {
      channel.handoff = null;
      yield handoff.entry;
      handoff.resume();
      continue;
    }
    if (channel.failure) throw channel.failure.error;
    return;
  }
}

/**
 * Walks a tar archive header by header, folding PAX (`x`, `g`) and GNU (`L`, `K`) prefix headers
 * into the entry that follows, and calls `visit` with each entry. Stops at the first zero block
 * or at the end of the data, whichever comes first, the way GNU tar does. A malformed header
 * throws a TarError naming the offset and the last good entry; entries visited before it stay
 * valid. A visitor that returns nothing costs no promise: headers already in the reader's buffer
 * are walked without one (at 100k entries, per-entry promises cost more than the parsing).
 */
export async function walkTarEach(
  reader: SequentialReader,
  visit: EntryVisitor,
  state: WalkState = { sawEndBlock: false },
  options: WalkOptions = {},
): Promise<void> {
  const wantsBytes = options.nameBytes === true;
  // Global records apply to every later entry; they are folded once per `g` header, never per entry.
  let globals: PaxRecords = {};
  let globalXattrs: Record<string, string> | null = null;
  let local: PaxRecords | null = null;
  const has = (key: string) => (local !== null && key in local) || key in globals;
  const get = (key: string): string | undefined =>
    local !== null && key in local ? local[key] : globals[key];
  // Most archives have no PAX records at all: then the dozen record lookups per entry are skipped.
  let anyGlobals = false;
  const unames = new RepeatedField(32);
  const gnames = new RepeatedField(32);
  let longName: string | null = null;
  let longLink: string | null = null;
  let prefixStart = -1;
  let lastName: string | null = null;
  // With nameBytes: the last entry's name when it was handed over as bytes (-1: it is lastName).
  // The header being parsed scans into the other array, so an error before it is an entry still
  // names the last one.
  let lastRaw = new Uint8Array(100);
  let scanRaw = new Uint8Array(100);
  let lastRawLength = -1;
  const lastNameNow = (): string | null =>
    lastRawLength < 0
      ? lastName
      : String.fromCharCode.apply(null, lastRaw.subarray(0, lastRawLength) as unknown as number[]);

  for (;;) {
    const headerOffset = reader.position;
    let block = reader.readBuffered?.(BLOCK) ?? (await reader.read(BLOCK));
    if (block.length === 0) {
      if (prefixStart >= 0) {
        // GNU tar, too, ends quietly when a lone PAX header is the last thing in the archive.
        return;
      }
      return; // end of data without zero blocks: accepted, like GNU tar
    }
    if (block.length < BLOCK) {
      throw new TarError(`truncated header (${block.length} of 512 bytes)`, headerOffset, lastNameNow());
    }
    if (isZeroBlock(block)) {
      state.sawEndBlock = true;
      return;
    }
    if (!checksumMatches(block)) {
      throw new TarError('header checksum mismatch', headerOffset, lastNameNow());
    }
    const flag = block[156];
    const format = headerFormat(block);
    // GNU tar ignores a hardlink's size field, garbage included.
    const headerSize = flag === 0x31 ? 0 : parseNumeric(block, 124, 12);
    if (Number.isNaN(headerSize) || headerSize < 0) {
      throw new TarError('invalid size field', headerOffset, lastNameNow());
    }
    if (prefixStart < 0) prefixStart = headerOffset;

    // Prefix headers: their body describes the next entry.
    if (flag === 0x78 || flag === 0x67 || flag === 0x4c || flag === 0x4b) {
      const kind =
        flag === 0x78
          ? 'PAX'
          : flag === 0x67
            ? 'PAX global'
            : flag === 0x4c
              ? 'GNU long name'
              : 'GNU long link';
      if (headerSize > MAX_SPECIAL_HEADER) {
        throw new TarError(
          `${kind} header of ${headerSize} bytes exceeds the 1 MiB limit`,
          headerOffset,
          lastNameNow(),
        );
      }
      const body = await readFully(reader, headerSize);
      if (body.length < headerSize) {
        throw new TarError(`truncated ${kind} header body`, headerOffset, lastNameNow());
      }
      if (flag === 0x78) {
        // GNU tar keeps only the last of several `x` headers in a row (pax-multi-hdrs.tar).
        local = parsePax(body, headerOffset + BLOCK, lastNameNow());
      } else if (flag === 0x67) {
        globals = { ...globals, ...parsePax(body, headerOffset + BLOCK, lastNameNow()) };
        anyGlobals = Object.keys(globals).length > 0;
        globalXattrs = null;
        for (const key in globals) {
          if (key.startsWith('SCHILY.xattr.')) {
            globalXattrs ??= {};
            globalXattrs[key.slice(13)] = globals[key];
          }
        }
        prefixStart = -1;
      } else {
        const value = cString(body, 0, body.length);
        if (flag === 0x4c) longName = value;
        else longLink = value;
      }
      const padding = padded(headerSize) - headerSize;
      if ((await reader.skip(padding)) < padding) {
        throw new TarError(`truncated ${kind} header (its padding is cut off)`, headerOffset, lastNameNow());
      }
      continue;
    }

    const pax = local !== null || anyGlobals;
    let rawLength = -1;
    if (wantsBytes && !pax && longName === null && (format !== 'ustar' || block[345] === 0)) {
      let n = 0;
      let ascii = true;
      for (; n < 100; n++) {
        const b = block[n];
        if (b === 0) break;
        if (b > 0x7f) {
          ascii = false;
          break;
        }
        scanRaw[n] = b;
      }
      if (ascii && n > 0) rawLength = n;
    }
    let name = rawLength >= 0 ? '' : cString(block, 0, 100);
    if (format === 'ustar' && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
    if (longName !== null) name = longName;
    let linkTarget = block[157] === 0 ? '' : cString(block, 157, 100);
    if (longLink !== null) linkTarget = longLink;
    if (pax) {
      // GNU tar applies a PAX path even when empty (a global `path=` blanks later names) and ends it at a NUL.
      if (has('path')) name = cutAtNul(get('path') ?? '');
      const sparseName = get('GNU.sparse.name');
      if (sparseName) name = sparseName;
      if (has('linkpath')) linkTarget = cutAtNul(get('linkpath') ?? '');
    }

    let storedSize = headerSize;
    const paxSize = pax ? paxNumber(get('size')) : undefined;
    if (paxSize !== undefined) {
      if (Number.isNaN(paxSize) || paxSize < 0)
        throw new TarError('invalid PAX size', headerOffset, lastNameNow());
      storedSize = paxSize;
    }
    if (isHeaderOnly(flag)) storedSize = 0;

    let size = storedSize;
    let sparse = false;
    let extraBlocks = 0;
    if (flag === 0x53) {
      // GNU old sparse: real size at 483, and extension blocks follow while byte 482 is set.
      sparse = true;
      const real = parseNumeric(block, 483, 12);
      if (Number.isNaN(real) || real < 0)
        throw new TarError('invalid sparse real size', headerOffset, lastNameNow());
      size = real;
      let extended = block[482] !== 0;
      // the header is still needed after the extension blocks, which may replace the reader's buffer
      if (extended) block = block.slice();
      while (extended) {
        const ext = await reader.read(BLOCK);
        if (ext.length < BLOCK)
          throw new TarError('truncated sparse extension header', headerOffset, lastNameNow());
        extraBlocks++;
        extended = ext[504] !== 0;
      }
    }
    const realSize = pax ? paxNumber(get('GNU.sparse.realsize') ?? get('GNU.sparse.size')) : undefined;
    if (realSize !== undefined) {
      if (Number.isNaN(realSize) || realSize < 0)
        throw new TarError('invalid PAX sparse size', headerOffset, lastNameNow());
      sparse = true;
      size = realSize;
    }

    const uid = (pax ? paxNumber(get('uid')) : undefined) ?? parseNumeric(block, 108, 8);
    const gid = (pax ? paxNumber(get('gid')) : undefined) ?? parseNumeric(block, 116, 8);
    const mtime = (pax ? paxNumber(get('mtime'), true) : undefined) ?? parseNumeric(block, 136, 12);
    let xattrs: Record<string, string> | null = globalXattrs ? { ...globalXattrs } : null;
    if (local !== null) {
      for (const key in local) {
        if (key.startsWith('SCHILY.xattr.')) {
          xattrs ??= {};
          xattrs[key.slice(13)] = local[key];
        }
      }
    }
    const v7 = format === 'v7';
    const entry: TarEntry = {
      name,
      // a bytes-named entry's type needs only whether its name ends in '/'
      type: typeFromFlag(flag, rawLength > 0 && block[rawLength - 1] === 0x2f ? '/' : name),
      ...(isKnownFlag(flag) ? {} : { unknownTypeFlag: String.fromCharCode(flag) }),
      size,
      mode: parseNumeric(block, 100, 8) || 0,
      uid: Number.isNaN(uid) ? 0 : uid,
      gid: Number.isNaN(gid) ? 0 : gid,
      uname: (pax ? get('uname') : undefined) ?? (v7 ? '' : unames.read(block, 265, 32)),
      gname: (pax ? get('gname') : undefined) ?? (v7 ? '' : gnames.read(block, 297, 32)),
      mtime: Number.isNaN(mtime) ? 0 : mtime,
      linkTarget,
      devMajor: v7 ? 0 : parseNumeric(block, 329, 8) || 0,
      devMinor: v7 ? 0 : parseNumeric(block, 337, 8) || 0,
      headerOffset: prefixStart,
      dataOffset: headerOffset + BLOCK * (1 + extraBlocks),
      storedSize,
      sparse,
      xattrs,
    };
    if (rawLength >= 0) {
      entry.nameBytes = block;
      entry.nameLength = rawLength;
    }
    local = null;
    longName = null;
    longLink = null;
    prefixStart = -1;
    lastName = name;
    lastRawLength = rawLength;
    if (rawLength >= 0) [lastRaw, scanRaw] = [scanRaw, lastRaw];

    const visited = visit(entry);
    if (visited !== undefined) await visited;

    const bodyEnd = entry.dataOffset + padded(storedSize);
    const remaining = bodyEnd - reader.position;
    if (remaining < 0) {
      throw new TarError('consumer read past the entry body', reader.position, lastNameNow());
    }
    if (remaining > 0) {
      const skipped = await reader.skip(remaining);
      if (skipped < remaining) {
        // A body cut short only at its padding is harmless; a missing body is a truncated archive.
        const dataEnd = entry.dataOffset + storedSize;
        const missing = dataEnd - reader.position;
        throw new TarError(
          missing > 0
            ? `unexpected end of archive: ${missing} bytes of ${JSON.stringify(lastNameNow())} missing`
            : `unexpected end of archive in the padding after ${JSON.stringify(lastNameNow())} (its data is complete)`,
          reader.position,
          lastNameNow(),
        );
      }
    }
  }
}
