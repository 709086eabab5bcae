import { createCRC32 } from 'hash-wasm';
import type { ByteSource } from '../bytes/byteSource';
import { type SeekPoints, seekPointsProblem } from '../compress/seekPoints';
import type { Compression } from '../compress/sniff';
import type { ArchiveFormat, Image, ImageArchive, LayerBlob, LayerTreeNode } from '../image/model';
import type { ExpansionLimit } from '../limits';
import { AsciiNames } from '../tar/asciiNames';
import { type EntryColumns, EntryTable } from '../tar/entryTable';

/**
 * A finished index as bytes, so re-opening the same archive skips reading it. It holds names and
 * metadata only (what `tar -tv` shows, plus where each entry's bytes are), never file contents.
 *
 * Layout: magic, format version, a byte-order mark, the CRC-32 of everything after the fixed
 * header, the length of a JSON header, the JSON header, then each table's columns as raw
 * little-endian arrays, each gzip layer's seek points (version 2) after its table. The version and the checksum are checked before anything is trusted: a
 * stored index from an older build or a damaged file is rebuilt, never used.
 */
export const INDEX_FORMAT_VERSION = 2;

const MAGIC = 'ILXINDEX';
const BYTE_ORDER_MARK = 0x01020304;
/** magic (8) + version (4) + byte-order mark (4) + crc32 (4) + JSON length (4). */
const FIXED_HEADER = 24;

export class SavedIndexError extends Error {
  override name = 'SavedIndexError';
}

/** What a saved index says about itself, readable without decoding the tables. */
export interface SavedIndexInfo {
  /** The archive's key (see archiveKey.ts), also the stored file's name. */
  key: string;
  archiveName: string;
  archiveSize: number;
  /** Milliseconds since 1970 when the index was saved. */
  savedAt: number;
  entries: number;
}

interface BlobHeader {
  key: string;
  member: string;
  storedName: string;
  dataOffset: number;
  digest: string | null;
  compression: Compression;
  storedSize: number;
  error: string | null;
  table: TableHeader | null;
  /** Present when the blob had the field; null when it had no points. */
  seekPoints?: SeekPointsHeader | null;
}

/** A layer's seek points: the counts here, the columns in SEEK_COLUMNS' order after its table. */
interface SeekPointsHeader {
  spacing: number;
  count: number;
  windowBytes: number;
}

const SEEK_COLUMNS = [
  ['outOffsets', Float64Array],
  ['bitOffsets', Float64Array],
  ['windowLengths', Uint32Array],
  ['checks', Uint32Array],
  ['kinds', Uint8Array],
] as const;

interface TableHeader {
  count: number;
  owners: [string, string][];
  linkTargets: [number, string][];
  xattrs: [number, Record<string, string>][];
  unknownTypeFlags: [number, string][];
  sparseStoredSizes: [number, number][];
  /** UTF-16 lengths of the names, joined in the names column. */
  nameBytes: number;
}

interface IndexHeader {
  info: SavedIndexInfo;
  format: ArchiveFormat;
  name: string;
  outerCompression: Compression;
  images: Image[];
  layerTree: LayerTreeNode[];
  warnings: string[];
  errors: string[];
  expansionLimit: ExpansionLimit | null;
  blobs: BlobHeader[];
}

/** The typed columns of a table, in the order they are written. */
const COLUMNS = [
  ['types', Uint8Array],
  ['modes', Uint32Array],
  ['ownerIds', Uint16Array],
  ['sizes', Float64Array],
  ['uids', Float64Array],
  ['gids', Float64Array],
  ['mtimes', Float64Array],
  ['dataOffsets', Float64Array],
  ['headerOffsets', Float64Array],
] as const;

type NumericColumn = (typeof COLUMNS)[number][0];

async function crc32(bytes: Uint8Array): Promise<number> {
  const hasher = await createCRC32();
  hasher.init();
  hasher.update(bytes);
  return Number.parseInt(hasher.digest('hex'), 16);
}

export async function encodeIndex(
  archive: ImageArchive,
  info: Omit<SavedIndexInfo, 'entries'>,
): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const blobs: BlobHeader[] = [];
  let entries = 0;
  for (const [key, blob] of archive.blobs) {
    let table: TableHeader | null = null;
    if (blob.entries) {
      const c = blob.entries.columnsWithoutNames();
      entries += c.count;
      // ASCII names are written as their bytes; others through UTF-8, with UTF-16 lengths
      let column = blob.entries.asciiNameColumn();
      if (!column) {
        const all = blob.entries.allNames();
        const lengths = new Uint32Array(c.count);
        for (let i = 0; i < c.count; i++) lengths[i] = all[i].length;
        column = { bytes: encoder.encode(all.join('')), lengths };
      }
      const { lengths, bytes: names } = column;
      for (const [column] of COLUMNS) parts.push(bytesOf(c[column]));
      parts.push(bytesOf(lengths), names);
      table = {
        count: c.count,
        owners: c.owners,
        linkTargets: c.linkTargets,
        xattrs: c.xattrs,
        unknownTypeFlags: c.unknownTypeFlags,
        sparseStoredSizes: c.sparseStoredSizes,
        nameBytes: names.length,
      };
    }
    let seekPoints: SeekPointsHeader | null | undefined;
    if (blob.seekPoints) {
      const points = blob.seekPoints;
      for (const [column] of SEEK_COLUMNS) parts.push(bytesOf(points[column]));
      parts.push(points.windows);
      seekPoints = {
        spacing: points.spacing,
        count: points.outOffsets.length,
        windowBytes: points.windows.length,
      };
    } else if (blob.seekPoints === null) seekPoints = null;
    blobs.push({
      key,
      member: blob.member,
      storedName: blob.storedName,
      dataOffset: blob.dataOffset,
      digest: blob.digest,
      compression: blob.compression,
      storedSize: blob.storedSize,
      error: blob.error,
      table,
      ...(seekPoints !== undefined ? { seekPoints } : {}),
    });
  }
  const header: IndexHeader = {
    info: { ...info, entries },
    format: archive.format,
    name: archive.name,
    outerCompression: archive.outerCompression,
    images: archive.images,
    layerTree: archive.layerTree,
    warnings: archive.warnings,
    errors: archive.errors,
    expansionLimit: archive.expansionLimit ?? null,
    blobs,
  };
  const json = encoder.encode(JSON.stringify(header));
  const bodyLength = json.length + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(FIXED_HEADER + bodyLength);
  out.set(encoder.encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, INDEX_FORMAT_VERSION, true);
  view.setUint32(12, BYTE_ORDER_MARK, true);
  view.setUint32(20, json.length, true);
  let at = FIXED_HEADER;
  out.set(json, at);
  at += json.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  view.setUint32(16, await crc32(out.subarray(20)), true);
  return out;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Checks the fixed header; the JSON header's length, or why the bytes are not a usable index. */
function checkFixedHeader(bytes: Uint8Array): number {
  if (bytes.length < FIXED_HEADER)
    throw new SavedIndexError(`a saved index of ${bytes.length} bytes is too short`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new SavedIndexError('not a saved index (wrong magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== INDEX_FORMAT_VERSION)
    throw new SavedIndexError(`saved index format ${version}, this build reads ${INDEX_FORMAT_VERSION}`);
  if (view.getUint32(12, true) !== BYTE_ORDER_MARK)
    throw new SavedIndexError('saved index has another byte order');
  const jsonLength = view.getUint32(20, true);
  if (FIXED_HEADER + jsonLength > bytes.length)
    throw new SavedIndexError(`saved index header claims ${jsonLength} bytes, only ${bytes.length} stored`);
  return jsonLength;
}

/**
 * The info of a saved index from its first bytes (the fixed header and the JSON header), for
 * listing what is stored; null when those bytes are not a saved index of this version.
 */
export function readIndexInfo(head: Uint8Array): SavedIndexInfo | null {
  try {
    const jsonLength = checkFixedHeader(head);
    const json = new TextDecoder().decode(head.subarray(FIXED_HEADER, FIXED_HEADER + jsonLength));
    const info = (JSON.parse(json) as IndexHeader).info;
    return typeof info?.key === 'string' ? info : null;
  } catch {
    return null;
  }
}

/** Bytes to read from the start of a saved index to list it (`readIndexInfo`), if the header fits. */
export function indexHeadLength(first: Uint8Array): number {
  if (first.length < FIXED_HEADER) return FIXED_HEADER;
  return FIXED_HEADER + new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(20, true);
}

/**
 * The archive a saved index describes, reading contents through `source`. Throws SavedIndexError
 * for anything that is not exactly what `encodeIndex` wrote for key `expectedKey`.
 */
export async function decodeIndex(
  bytes: Uint8Array,
  source: ByteSource,
  expectedKey: string,
): Promise<ImageArchive> {
  const jsonLength = checkFixedHeader(bytes);
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(16, true);
  if ((await crc32(bytes.subarray(20))) !== stored)
    throw new SavedIndexError('saved index is damaged (checksum mismatch)');
  let header: IndexHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(FIXED_HEADER, FIXED_HEADER + jsonLength)));
  } catch (error) {
    throw new SavedIndexError(`saved index header is not JSON: ${(error as Error).message}`);
  }
  if (header.info?.key !== expectedKey) throw new SavedIndexError('saved index belongs to another archive');
  if (header.info.archiveSize !== source.size)
    throw new SavedIndexError(
      `saved index is for ${header.info.archiveSize} bytes, the archive has ${source.size}`,
    );
  let at = FIXED_HEADER + jsonLength;
  const take = (length: number): Uint8Array => {
    if (at + length > bytes.length) throw new SavedIndexError('saved index ends inside a table');
    const slice = bytes.slice(at, at + length);
    at += length;
    return slice;
  };
  const decoder = new TextDecoder();
  const blobs = new Map<string, LayerBlob>();
  for (const b of header.blobs) {
    let entries: EntryTable | null = null;
    if (b.table) {
      const n = b.table.count;
      const numeric = {} as Record<NumericColumn, ArrayBufferView>;
      for (const [column, Type] of COLUMNS)
        numeric[column] = new Type(take(n * Type.BYTES_PER_ELEMENT).buffer as ArrayBuffer);
      const lengths = new Uint32Array(take(n * 4).buffer as ArrayBuffer);
      const nameBytes = take(b.table.nameBytes);
      let units = 0;
      for (let i = 0; i < n; i++) units += lengths[i];
      const rest: Omit<EntryColumns, 'names'> = {
        ...(numeric as Pick<EntryColumns, NumericColumn>),
        count: n,
        owners: b.table.owners,
        linkTargets: b.table.linkTargets,
        xattrs: b.table.xattrs,
        unknownTypeFlags: b.table.unknownTypeFlags,
        sparseStoredSizes: b.table.sparseStoredSizes,
      };
      // As many UTF-8 bytes as UTF-16 units means every name is ASCII (any other character takes
      // more bytes than units): the bytes are the names, with no string made for any of them.
      if (units === nameBytes.length) {
        try {
          entries = EntryTable.fromColumnsAndNames(rest, AsciiNames.fromAscii(nameBytes, lengths));
        } catch (error) {
          throw new SavedIndexError(`saved index names of ${b.key}: ${(error as Error).message}`);
        }
      } else {
        const joined = decoder.decode(nameBytes);
        const names = new Array<string>(n);
        let offset = 0;
        for (let i = 0; i < n; i++) {
          names[i] = joined.slice(offset, offset + lengths[i]);
          offset += lengths[i];
        }
        if (offset !== joined.length)
          throw new SavedIndexError(`saved index names of ${b.key} do not add up`);
        entries = EntryTable.fromColumns({ ...rest, names });
      }
    }
    let seekPoints: SeekPoints | null | undefined;
    if (b.seekPoints) {
      const n = b.seekPoints.count;
      const columns = {} as Record<(typeof SEEK_COLUMNS)[number][0], ArrayBufferView>;
      for (const [column, Type] of SEEK_COLUMNS)
        columns[column] = new Type(take(n * Type.BYTES_PER_ELEMENT).buffer as ArrayBuffer);
      seekPoints = {
        ...(columns as Pick<SeekPoints, (typeof SEEK_COLUMNS)[number][0]>),
        spacing: b.seekPoints.spacing,
        windows: take(b.seekPoints.windowBytes),
      };
      const problem = seekPointsProblem(seekPoints);
      if (problem) throw new SavedIndexError(`saved index seek points of ${b.key}: ${problem}`);
    } else if (b.seekPoints === null) seekPoints = null;
    blobs.set(b.key, {
      member: b.member,
      storedName: b.storedName,
      dataOffset: b.dataOffset,
      digest: b.digest,
      compression: b.compression,
      storedSize: b.storedSize,
      entries,
      error: b.error,
      ...(seekPoints !== undefined ? { seekPoints } : {}),
    });
  }
  if (at !== bytes.length) throw new SavedIndexError('saved index has bytes after its last table');
  return {
    source,
    format: header.format,
    name: header.name,
    outerCompression: header.outerCompression,
    images: header.images,
    blobs,
    layerTree: header.layerTree,
    warnings: header.warnings,
    errors: header.errors,
    ...(header.expansionLimit ? { expansionLimit: header.expansionLimit } : {}),
  };
}
