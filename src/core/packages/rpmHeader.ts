/**
 * The RPM header blob that both rpm databases store per package (the BerkeleyDB `Packages`
 * values and the `blob` column of rpmdb.sqlite): a count of index entries and of data bytes,
 * 16-byte index entries (tag, type, offset, count, big-endian), then the data store. The format
 * is rpm's (lib/header.c, headerImport; the tags are lib/rpmtag.h).
 */
import type { InstalledPackage } from './types';

const TAG_NAME = 1000;
const TAG_VERSION = 1001;
const TAG_RELEASE = 1002;
const TAG_EPOCH = 1003;
const TAG_SIZE = 1009;
const TAG_ARCH = 1022;
const TAG_OLDFILENAMES = 1027;
const TAG_DIRINDEXES = 1116;
const TAG_BASENAMES = 1117;
const TAG_DIRNAMES = 1118;
const TAG_LONGSIZE = 5009;

const TYPE_INT32 = 4;
const TYPE_INT64 = 5;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own bounds (lib/header_internal.h): no real header comes near them. */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_BYTES = 256 * 1024 * 1024;
const MAX_FILES = 1_000_000;

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export class RpmHeaderError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a header blob; throws RpmHeaderError (with the offset inside the blob) when it is malformed. */
export function parseRpmHeader(blob: Uint8Array): InstalledPackage {
  if (blob.length < 8) throw new RpmHeaderError(0, `a header blob of ${blob.length} bytes`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const indexCount = view.getUint32(0);
  const dataLength = view.getUint32(4);
  if (indexCount < 1 || indexCount > MAX_INDEX_ENTRIES)
    throw new RpmHeaderError(0, `${indexCount} index entries`);
  if (dataLength > MAX_DATA_BYTES) throw new RpmHeaderError(4, `${dataLength} bytes of data`);
  const storeStart = 8 + indexCount * 16;
  const storeEnd = storeStart + dataLength;
  if (storeEnd > blob.length)
    throw new RpmHeaderError(4, `the header needs ${storeEnd} bytes, the blob has ${blob.length}`);
  const entries = new Map<number, IndexEntry>();
  for (let i = 0; i < indexCount; i++) {
    const at = 8 + i * 16;
    const tag = view.getUint32(at);
    const entry = {
      type: view.getUint32(at + 4),
      offset: view.getInt32(at + 8),
      count: view.getUint32(at + 12),
    };
    if (entry.offset < 0 || entry.offset > dataLength)
      throw new RpmHeaderError(
        at + 8,
        `tag ${tag} points at byte ${entry.offset} of a ${dataLength}-byte store`,
      );
    if (!entries.has(tag)) entries.set(tag, entry);
  }
  const stringsAt = (tag: number, limit: number): string[] | null => {
    const entry = entries.get(tag);
    if (!entry) return null;
    if (entry.type !== TYPE_STRING && entry.type !== TYPE_STRING_ARRAY && entry.type !== TYPE_I18NSTRING)
      throw new RpmHeaderError(8, `tag ${tag} has type ${entry.type}, not a string`);
    const count = entry.type === TYPE_STRING ? 1 : entry.count;
    if (count > limit) throw new RpmHeaderError(8, `tag ${tag} holds ${count} strings`);
    const out: string[] = [];
    let pos = storeStart + entry.offset;
    for (let k = 0; k < count; k++) {
      const end = blob.indexOf(0, pos);
      if (end < 0 || end >= storeEnd)
        throw new RpmHeaderError(pos, `string ${k} of tag ${tag} runs past the header's data`);
      out.push(decoder.decode(blob.subarray(pos, end)));
      pos = end + 1;
    }
    return out;
  };
  const string = (tag: number): string | null => stringsAt(tag, 1)?.[0] ?? null;
  const numbers = (tag: number, limit: number): number[] | null => {
    const entry = entries.get(tag);
    if (!entry) return null;
    const width = entry.type === TYPE_INT32 ? 4 : entry.type === TYPE_INT64 ? 8 : 0;
    if (!width) throw new RpmHeaderError(8, `tag ${tag} has type ${entry.type}, not a number`);
    if (entry.count > limit) throw new RpmHeaderError(8, `tag ${tag} holds ${entry.count} numbers`);
    const start = storeStart + entry.offset;
    if (start + entry.count * width > storeEnd)
      throw new RpmHeaderError(start, `tag ${tag} runs past the header's data`);
    const out: number[] = [];
    for (let k = 0; k < entry.count; k++)
      out.push(width === 4 ? view.getUint32(start + k * 4) : Number(view.getBigUint64(start + k * 8)));
    return out;
  };

  const name = string(TAG_NAME);
  const version = string(TAG_VERSION);
  if (!name || version === null) throw new RpmHeaderError(8, `a header without ${name ? 'VERSION' : 'NAME'}`);
  const release = string(TAG_RELEASE);
  const epoch = numbers(TAG_EPOCH, 1)?.[0];
  const size = numbers(TAG_LONGSIZE, 1)?.[0] ?? numbers(TAG_SIZE, 1)?.[0] ?? null;

  let files: string[] = [];
  const basenames = stringsAt(TAG_BASENAMES, MAX_FILES);
  if (basenames) {
    const dirnames = stringsAt(TAG_DIRNAMES, MAX_FILES) ?? [];
    const indexes = numbers(TAG_DIRINDEXES, MAX_FILES) ?? [];
    files = basenames.map((base, k) => {
      const dir = dirnames[indexes[k]];
      if (dir === undefined)
        throw new RpmHeaderError(8, `file ${k} names directory ${indexes[k]} of ${dirnames.length}`);
      return dir + base;
    });
  } else {
    files = stringsAt(TAG_OLDFILENAMES, MAX_FILES) ?? [];
  }
  return {
    name,
    version: `${epoch ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`,
    arch: string(TAG_ARCH) ?? '',
    sizeBytes: size,
    files,
  };
}
