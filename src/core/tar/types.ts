export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export const ENTRY_TYPES: readonly EntryType[] = [
  'file',
  'hardlink',
  'symlink',
  'char',
  'block',
  'dir',
  'fifo',
  'other',
];

/** One member of a tar archive, after PAX and GNU long-name headers have been folded into it. */
export interface TarEntry {
  /** The name exactly as stored (what `tar -tf` prints), UTF-8 decoded. */
  name: string;
  type: EntryType;
  /** Logical size (for sparse files the real size, not the stored one). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch (fractional with PAX). */
  mtime: number;
  /** Target of a symlink or hardlink, '' otherwise. */
  linkTarget: string;
  devMajor: number;
  devMinor: number;
  /** Offset of the first header block of this entry (including PAX/GNU prefix headers). */
  headerOffset: number;
  /** Offset of the data, relative to the reader the walker was given. */
  dataOffset: number;
  /** Bytes of data stored in the archive (differs from `size` for sparse files). */
  storedSize: number;
  sparse: boolean;
  /** Extended attributes from PAX SCHILY.xattr records, when there are any. */
  xattrs: Record<string, string> | null;
  /**
   * A type flag tar does not define (e.g. 'Z'): the entry is read as a regular file, as GNU tar
   * extracts it ("Unknown file type 'Z', extracted as normal file"), and this says so.
   */
  unknownTypeFlag?: string;
  /**
   * Only from a walk with WalkOptions.nameBytes: the name's ASCII bytes are
   * `nameBytes[0, nameLength)` and `name` is ''. A view valid only during the visit.
   */
  nameBytes?: Uint8Array;
  nameLength?: number;
}

/** A problem in an archive, with enough context to find it: which entry, at which byte. */
export class TarError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly entryName: string | null,
  ) {
    super(
      `${reason} at byte ${offset}` +
        (entryName !== null ? ` (after entry ${JSON.stringify(entryName)})` : ' (first header)'),
    );
    this.name = 'TarError';
  }
}
