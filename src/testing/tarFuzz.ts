import fc from 'fast-check';
import { MemorySource } from '../core/bytes/byteSource';
import { type SequentialReader, StreamReader, WindowedReader } from '../core/bytes/reader';
import { BLOCK, padded } from '../core/tar/header';
import { ENTRY_TYPES, type TarEntry, TarError } from '../core/tar/types';
import { type WalkOptions, walkTar, walkTarEach } from '../core/tar/walker';
import { sha256, type TestImage } from './archives';
import { withDeadline, YieldingSource } from './hostile';
import { type BuildEntry, type BuildEntryType, buildTar, setChecksum } from './tarBuilder';

/**
 * Test-only: fast-check arbitraries for tar entries and byte mutations, and a harness that walks
 * the same bytes through every kind of reader the core has (random-access windows of any size,
 * and a chunked stream like a decompressor's output).
 */

// ---------------------------------------------------------------------------------------------
// entries

/** Makes fast-check print a byte array as its length, so counterexamples stay readable. */
export function short(bytes: Uint8Array): Uint8Array {
  if (!(fc.toStringMethod in bytes)) {
    Object.defineProperty(bytes, fc.toStringMethod, { value: () => `bytes(${bytes.length})` });
  }
  return bytes;
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.+~ ';
const EXOTIC = [
  'é',
  'ß',
  'ø',
  '漢',
  '字',
  'ф',
  '😀',
  '\u202e', // right-to-left override
  '\u200b', // zero-width space
  '\u00a0',
  '\t',
  '\n',
  '\x01',
  '\x7f',
  '\\',
  '"',
  "'",
  '<',
  '>',
  '%',
  '=',
  ':',
];

const asciiSegment = fc.string({ unit: fc.constantFrom(...ASCII), minLength: 1, maxLength: 40 });
const exoticSegment = fc.string({
  unit: fc.oneof(fc.constantFrom(...ASCII), fc.constantFrom(...EXOTIC)),
  minLength: 1,
  maxLength: 14,
});
const segment = fc.oneof(
  { weight: 6, arbitrary: asciiSegment },
  { weight: 3, arbitrary: exoticSegment },
  { weight: 1, arbitrary: fc.constantFrom('.', '..') },
);

/** Names with './' and '/' prefixes, trailing slashes, non-ASCII, and lengths around 100/155/255. */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', '', './', '/', './/', '././'),
        fc.array(segment, { minLength: 1, maxLength: 9 }),
        fc.constantFrom('', '', '/'),
      )
      .map(([prefix, segs, suffix]) => prefix + segs.join('/') + suffix),
  },
  {
    // lengths around the ustar limits, with a slash somewhere (or none) for the prefix split
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(99, 100, 101, 154, 155, 156, 157, 254, 255, 256, 257, 300, 1000),
        fc.integer({ min: -1, max: 260 }),
      )
      .map(([len, slash]) => {
        const chars = Array.from({ length: len }, (_, i) => String.fromCharCode(97 + (i % 26)));
        if (slash > 0 && slash < len - 1) chars[slash] = '/';
        return chars.join('');
      }),
  },
);

const id8 = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0o7777777 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0o10000000, max: 2 ** 48 }) }, // base-256
);
const mtimeArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 8 ** 11 - 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 8 ** 11, max: 2 ** 50 }) }, // base-256
);
const ownerName = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_-'),
  maxLength: 32,
});

export interface FuzzEntry {
  entry: BuildEntry;
  type: BuildEntryType;
  content: Uint8Array;
}

const TYPES: BuildEntryType[] = [
  'file',
  'file',
  'file',
  'dir',
  'symlink',
  'hardlink',
  'fifo',
  'char',
  'block',
];

export const entryArb: fc.Arbitrary<FuzzEntry> = fc
  .record({
    name: nameArb,
    type: fc.constantFrom(...TYPES),
    content: fc
      .oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ minLength: 1, maxLength: 1300 }),
        fc.integer({ min: 1, max: 3 }).map((n) => new Uint8Array(n * 512).fill(0x61)),
      )
      .map(short),
    linkTarget: nameArb,
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: id8,
    gid: id8,
    mtime: mtimeArb,
    uname: ownerName,
    gname: ownerName,
    xattr: fc.option(
      fc.tuple(
        fc.string({ unit: fc.constantFrom(...'abcxyz.'), minLength: 1, maxLength: 10 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
      ),
      { freq: 4 },
    ),
  })
  .map((r) => {
    const isLink = r.type === 'symlink' || r.type === 'hardlink';
    const content = r.type === 'file' ? r.content : short(new Uint8Array(0));
    const entry: BuildEntry = {
      name: r.name,
      type: r.type,
      content,
      mode: r.mode,
      uid: r.uid,
      gid: r.gid,
      mtime: r.mtime,
      uname: r.uname,
      gname: r.gname,
      ...(isLink ? { linkTarget: r.linkTarget } : {}),
      ...(r.xattr ? { pax: { [`SCHILY.xattr.user.${r.xattr[0]}`]: r.xattr[1] } } : {}),
    };
    return { entry, type: r.type, content };
  });

/** What an entry must read back as. */
export function expectedView(f: FuzzEntry): EntryView {
  const e = f.entry;
  const isLink = f.type === 'symlink' || f.type === 'hardlink';
  return {
    name: e.name,
    type: f.type,
    size: f.content.length,
    linkTarget: isLink ? (e.linkTarget ?? '') : '',
    mode: e.mode ?? 0,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    mtime: e.mtime ?? 0,
    uname: e.uname ?? '',
    gname: e.gname ?? '',
    xattrs: e.pax
      ? Object.fromEntries(Object.entries(e.pax).map(([k, v]) => [k.slice('SCHILY.xattr.'.length), v]))
      : null,
  };
}

export interface EntryView {
  name: string;
  type: string;
  size: number;
  linkTarget: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  uname: string;
  gname: string;
  xattrs: Record<string, string> | null;
}

export function viewOf(e: TarEntry): EntryView {
  return {
    name: e.name,
    type: e.type,
    size: e.size,
    linkTarget: e.linkTarget,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    uname: e.uname,
    gname: e.gname,
    xattrs: e.xattrs,
  };
}

// ---------------------------------------------------------------------------------------------
// readers

export type ReaderKind = { kind: 'window'; size: number } | { kind: 'stream'; chunks: number[] };

export const readerKindArb: fc.Arbitrary<ReaderKind> = fc.oneof(
  fc.record({
    kind: fc.constant('window' as const),
    size: fc.oneof(fc.constantFrom(512, 1024, 2 << 20), fc.integer({ min: 512, max: 20000 })),
  }),
  fc.record({
    kind: fc.constant('stream' as const),
    chunks: fc.array(fc.oneof(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 9000 })), {
      minLength: 1,
      maxLength: 6,
    }),
  }),
);

export function describeReader(rk: ReaderKind): string {
  return rk.kind === 'window' ? `window ${rk.size}` : `stream chunks ${rk.chunks.join(',')}`;
}

/** A reader over `bytes`; both kinds yield to the event loop now and then, so deadlines can fire. */
export function makeReader(bytes: Uint8Array, rk: ReaderKind): SequentialReader {
  if (rk.kind === 'window') {
    return new WindowedReader(new YieldingSource(new MemorySource(bytes)), 0, bytes.length, rk.size);
  }
  let pos = 0;
  let calls = 0;
  return new StreamReader(async () => {
    if (pos >= bytes.length) return null;
    const n = rk.chunks[calls % rk.chunks.length];
    calls++;
    if (calls % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const chunk = bytes.slice(pos, pos + n);
    pos += n;
    return chunk;
  });
}

export interface WalkOutcome {
  entries: TarEntry[];
  error: unknown;
  elapsedMs: number;
}

/**
 * Walks to the end or the first error, within a deadline (a DeadlineError is thrown, not kept).
 * With `nameBytes`, through walkTarEach's WalkOptions.nameBytes, each name made from the bytes the
 * walk handed over: the result must equal the plain walk's.
 */
export async function walkAll(
  bytes: Uint8Array,
  rk: ReaderKind,
  deadlineMs: number,
  options: WalkOptions = {},
): Promise<WalkOutcome> {
  const { value, elapsedMs } = await withDeadline(`walkTar (${describeReader(rk)})`, deadlineMs, async () => {
    const entries: TarEntry[] = [];
    try {
      if (options.nameBytes) {
        await walkTarEach(
          makeReader(bytes, rk),
          (e) => {
            entries.push(withNameFromBytes(e));
          },
          undefined,
          options,
        );
      } else for await (const e of walkTar(makeReader(bytes, rk))) entries.push({ ...e });
      return { entries, error: null as unknown };
    } catch (error) {
      return { entries, error };
    }
  });
  return { ...value, elapsedMs };
}

/** An entry of a nameBytes walk as a plain walk gives it: the name made from its bytes. */
export function withNameFromBytes(entry: TarEntry): TarEntry {
  const { nameBytes, nameLength, ...rest } = entry;
  if (!nameBytes) return { ...rest };
  if (rest.name !== '') throw new Error(`a bytes-named entry has the name ${JSON.stringify(rest.name)} too`);
  return { ...rest, name: String.fromCharCode(...nameBytes.subarray(0, nameLength)) };
}

/** A TarError message: reason, offset and the last good entry (or "first header"). */
export const TAR_ERROR_MESSAGE = /^.+ at byte \d+ \((after entry ".*"|first header)\)$/s;

/** Checks that hold for any walk of any bytes; returns the problems found (empty when sane). */
export function insanities(outcome: WalkOutcome, length: number): string[] {
  const problems: string[] = [];
  const { entries, error } = outcome;
  if (error !== null) {
    if (!(error instanceof TarError)) {
      problems.push(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    } else {
      if (!TAR_ERROR_MESSAGE.test(error.message)) problems.push(`unclear message ${error.message}`);
      if (!Number.isSafeInteger(error.offset) || error.offset < 0 || error.offset > length) {
        problems.push(`error offset ${error.offset} outside [0, ${length}]`);
      }
      const last = entries.at(-1);
      if (error.entryName !== (last ? last.name : null) && !error.message.includes('consumer')) {
        problems.push(`error names entry ${error.entryName} but the last yielded was ${last?.name}`);
      }
    }
  }
  let previousData = 0;
  for (const [i, e] of entries.entries()) {
    const where = `entry ${i} ${JSON.stringify(e.name)}`;
    if (typeof e.name !== 'string') problems.push(`${where}: name is not a string`);
    if (!ENTRY_TYPES.includes(e.type)) problems.push(`${where}: type ${e.type}`);
    for (const [key, value] of Object.entries({
      size: e.size,
      storedSize: e.storedSize,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
    })) {
      if (!Number.isFinite(value)) problems.push(`${where}: ${key} ${value} is not finite`);
    }
    if (e.size < 0 || e.storedSize < 0) problems.push(`${where}: negative size ${e.size}/${e.storedSize}`);
    if (e.headerOffset % BLOCK !== 0 || e.dataOffset % BLOCK !== 0) {
      problems.push(`${where}: offsets ${e.headerOffset}/${e.dataOffset} not block-aligned`);
    }
    if (e.headerOffset < previousData || e.dataOffset <= e.headerOffset || e.dataOffset > length) {
      problems.push(`${where}: offsets ${e.headerOffset}/${e.dataOffset} out of order (length ${length})`);
    }
    previousData = e.dataOffset + padded(e.storedSize);
    if (error === null && e.dataOffset + e.storedSize > length) {
      problems.push(
        `${where}: data ends at ${e.dataOffset + e.storedSize}, past ${length}, without an error`,
      );
    }
  }
  return problems;
}

/** Entries and the error, comparable across readers. */
export function fingerprint(outcome: WalkOutcome): string {
  const err = outcome.error;
  return JSON.stringify({
    entries: outcome.entries.map((e) => ({
      ...viewOf(e),
      storedSize: e.storedSize,
      dataOffset: e.dataOffset,
      headerOffset: e.headerOffset,
    })),
    error: err === null ? null : err instanceof Error ? err.message : String(err),
  });
}

// ---------------------------------------------------------------------------------------------
// mutations

export type Mutation =
  | { op: 'flip'; at: number; value: number; fixChecksum: boolean }
  | { op: 'field'; block: number; field: number; delta: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'zeroBlock'; block: number }
  | { op: 'copyBlock'; from: number; to: number };

/** Start offsets of the header fields a hostile writer would aim at. */
const FIELD_STARTS = [0, 99, 100, 108, 116, 124, 135, 136, 148, 155, 156, 157, 257, 263, 345, 482, 483, 494];
const INTERESTING_BYTES = [
  0x00, 0x20, 0x30, 0x37, 0x38, 0x39, 0x7f, 0x80, 0xff, 0x2f, 0x78, 0x67, 0x4c, 0x4b, 0x53,
];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('flip' as const),
      at: fc.nat(),
      value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING_BYTES)),
      fixChecksum: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('field' as const),
      block: fc.nat(),
      field: fc.constantFrom(...FIELD_STARTS),
      delta: fc.nat(11),
      value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING_BYTES)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc
        .oneof(fc.uint8Array({ minLength: 1, maxLength: 700 }), fc.constant(new Uint8Array(512)))
        .map(short),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('delete' as const),
      at: fc.nat(),
      count: fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constant(512)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zeroBlock' as const), block: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('copyBlock' as const), from: fc.nat(), to: fc.nat() }),
  },
);

export function describeMutation(m: Mutation): string {
  switch (m.op) {
    case 'flip':
      return `flip @${m.at}=${m.value}${m.fixChecksum ? ' +checksum' : ''}`;
    case 'field':
      return `field block ${m.block} @${m.field}+${m.delta}=${m.value}`;
    case 'truncate':
      return `truncate @${m.at}`;
    case 'insert':
      return `insert ${m.bytes.length} @${m.at}`;
    case 'delete':
      return `delete ${m.count} @${m.at}`;
    case 'zeroBlock':
      return `zero block ${m.block}`;
    case 'copyBlock':
      return `copy block ${m.from} -> ${m.to}`;
  }
}

function fixBlockAt(bytes: Uint8Array, at: number): void {
  const start = Math.floor(at / BLOCK) * BLOCK;
  if (start + BLOCK <= bytes.length) setChecksum(bytes.subarray(start, start + BLOCK));
}

/** Applies one mutation to a copy (positions wrap around the current length). */
export function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const len = input.length;
  if (len === 0) return input;
  const blocks = Math.max(1, Math.floor(len / BLOCK));
  switch (m.op) {
    case 'flip': {
      const out = input.slice();
      const at = m.at % len;
      out[at] = m.value === out[at] ? out[at] ^ 0xff : m.value;
      if (m.fixChecksum) fixBlockAt(out, at);
      return out;
    }
    case 'field': {
      const out = input.slice();
      const at = (m.block % blocks) * BLOCK + Math.min(511, m.field + m.delta);
      if (at >= len) return out;
      out[at] = m.value;
      fixBlockAt(out, at);
      return out;
    }
    case 'truncate':
      return input.slice(0, m.at % len);
    case 'insert': {
      const at = m.at % (len + 1);
      const out = new Uint8Array(len + m.bytes.length);
      out.set(input.subarray(0, at));
      out.set(m.bytes, at);
      out.set(input.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'delete': {
      const at = m.at % len;
      const out = new Uint8Array(len - Math.min(m.count, len - at));
      out.set(input.subarray(0, at));
      out.set(input.subarray(at + m.count), at);
      return out;
    }
    case 'zeroBlock': {
      const out = input.slice();
      const start = (m.block % blocks) * BLOCK;
      out.fill(0, start, Math.min(len, start + BLOCK));
      return out;
    }
    case 'copyBlock': {
      const out = input.slice();
      const from = (m.from % blocks) * BLOCK;
      const to = (m.to % blocks) * BLOCK;
      out.set(input.subarray(from, Math.min(len, from + BLOCK)), to);
      return out;
    }
  }
}

/** The regions of a valid tar, from its walk: where a byte lies decides what a change may do. */
export interface Regions {
  /** [start, end) of prefix headers (PAX/GNU) and their bodies: not covered by any checksum. */
  prefix: [number, number][];
  /** [start, end) of a main header block. */
  headers: [number, number][];
  /** [start, end) of file data and its padding: changing it must not change the listing. */
  data: [number, number][];
  /** Where the last entry's padded data ends (the end-of-archive blocks start there). */
  end: number;
}

export function regionsOf(entries: TarEntry[]): Regions {
  const r: Regions = { prefix: [], headers: [], data: [], end: 0 };
  for (const e of entries) {
    const headerStart = e.dataOffset - BLOCK;
    if (e.headerOffset < headerStart) r.prefix.push([e.headerOffset, headerStart]);
    r.headers.push([headerStart, e.dataOffset]);
    const dataEnd = e.dataOffset + padded(e.storedSize);
    if (dataEnd > e.dataOffset) r.data.push([e.dataOffset, dataEnd]);
    r.end = dataEnd;
  }
  return r;
}

export function inRegions(at: number, regions: [number, number][]): boolean {
  return regions.some(([s, e]) => at >= s && at < e);
}

/**
 * An OCI layout tar like archives.ts's ociArchive, with each layer compressed by `compress` (for
 * zstd frames with a small window: fzstd costs ~20 ms per 8 MiB-window layer).
 */
export function ociArchiveWith(
  images: TestImage[],
  compress: (tar: Uint8Array) => Uint8Array,
  mediaSuffix: string,
): Uint8Array {
  const blobs = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  const put = (bytes: Uint8Array): { digest: string; size: number } => {
    const digest = sha256(bytes);
    blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  };
  const manifests = images.map((image) => {
    const tars = image.layers.map((layer) => buildTar(layer));
    const config = enc.encode(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
        history: tars.map((_, i) => ({ created_by: `step ${i}` })),
      }),
    );
    const manifest = enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
        layers: tars.map((t) => ({
          mediaType: `application/vnd.oci.image.layer.v1.tar${mediaSuffix}`,
          ...put(compress(t)),
        })),
      }),
    );
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...put(manifest),
      annotations: { 'org.opencontainers.image.ref.name': image.tags[0] ?? 'latest' },
    };
  });
  return buildTar([
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests }) },
    ...[...blobs].map(([digest, bytes]) => ({ name: `blobs/sha256/${digest.slice(7)}`, content: bytes })),
  ]);
}
