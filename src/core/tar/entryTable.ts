import { AsciiNames } from './asciiNames';
import { ENTRY_TYPES, type EntryType, type TarEntry } from './types';

/** An EntryTable's contents as plain columns (see `EntryTable.toColumns`). */
export interface EntryColumns {
  count: number;
  names: string[];
  types: Uint8Array;
  sizes: Float64Array;
  modes: Uint32Array;
  uids: Float64Array;
  gids: Float64Array;
  mtimes: Float64Array;
  dataOffsets: Float64Array;
  headerOffsets: Float64Array;
  ownerIds: Uint16Array;
  owners: [string, string][];
  linkTargets: [number, string][];
  xattrs: [number, Record<string, string>][];
  unknownTypeFlags: [number, string][];
  sparseStoredSizes: [number, number][];
}

/**
 * The entries of one layer in columns: typed arrays for the numbers and the names' bytes, so a
 * layer of 100k entries costs a few MB instead of 100k objects.
 */
export class EntryTable {
  count = 0;
  private capacity: number;
  /** The names, as ASCII bytes in one arena (see AsciiNames): 16 bytes a name, not 40 of heap. */
  private names = new AsciiNames();
  types: Uint8Array;
  sizes: Float64Array;
  modes: Uint32Array;
  uids: Float64Array;
  gids: Float64Array;
  mtimes: Float64Array;
  dataOffsets: Float64Array;
  headerOffsets: Float64Array;
  /** Sparse: only links have targets. */
  linkTargets = new Map<number, string>();
  /** Owner names, interned: a layer has a handful of distinct uname/gname pairs. */
  private ownerIds: Uint16Array;
  private owners: [string, string][] = [['', '']];
  private ownerIndex = new Map<string, number>([['\0', 0]]);
  xattrs = new Map<number, Record<string, string>>();
  /** Entries read as regular files although their type flag is unknown: the flag, by index. */
  unknownTypeFlags = new Map<number, string>();
  /** Stored size where it differs from the logical size (sparse files only). */
  private sparseStoredSizes = new Map<number, number>();

  // Small to start: an image of 10,000 one-file layers holds 10,000 tables (256 each was 160 MB).
  constructor(initialCapacity = 16) {
    this.capacity = initialCapacity;
    this.types = new Uint8Array(initialCapacity);
    this.sizes = new Float64Array(initialCapacity);
    this.modes = new Uint32Array(initialCapacity);
    this.uids = new Float64Array(initialCapacity);
    this.gids = new Float64Array(initialCapacity);
    this.mtimes = new Float64Array(initialCapacity);
    this.dataOffsets = new Float64Array(initialCapacity);
    this.headerOffsets = new Float64Array(initialCapacity);
    this.ownerIds = new Uint16Array(initialCapacity);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const g = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const next = new make(cap);
      next.set(a);
      return next;
    };
    this.types = g(this.types, Uint8Array);
    this.sizes = g(this.sizes, Float64Array);
    this.modes = g(this.modes, Uint32Array);
    this.uids = g(this.uids, Float64Array);
    this.gids = g(this.gids, Float64Array);
    this.mtimes = g(this.mtimes, Float64Array);
    this.dataOffsets = g(this.dataOffsets, Float64Array);
    this.headerOffsets = g(this.headerOffsets, Float64Array);
    const ownerIds = new Uint16Array(cap);
    ownerIds.set(this.ownerIds);
    this.ownerIds = ownerIds;
    this.capacity = cap;
  }

  add(e: TarEntry): number {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    if (e.nameBytes) this.names.pushBytes(e.nameBytes, 0, e.nameLength ?? 0);
    else this.names.push(e.name);
    this.types[i] = ENTRY_TYPES.indexOf(e.type);
    this.sizes[i] = e.size;
    this.modes[i] = e.mode;
    this.uids[i] = e.uid;
    this.gids[i] = e.gid;
    this.mtimes[i] = e.mtime;
    this.dataOffsets[i] = e.dataOffset;
    this.headerOffsets[i] = e.headerOffset;
    if (e.linkTarget && (e.type === 'symlink' || e.type === 'hardlink'))
      this.linkTargets.set(i, e.linkTarget);
    if (e.uname || e.gname) this.ownerIds[i] = this.ownerId(e.uname, e.gname);
    if (e.xattrs) this.xattrs.set(i, e.xattrs);
    if (e.unknownTypeFlag !== undefined) this.unknownTypeFlags.set(i, e.unknownTypeFlag);
    if (e.storedSize !== e.size) this.sparseStoredSizes.set(i, e.storedSize);
    return i;
  }

  /** Name of entry i, as the archive gave it. */
  name(i: number): string {
    return this.names.get(i);
  }

  /** The names as they are held, for readers that walk their bytes (see AsciiNames.arena). */
  get nameColumn(): AsciiNames {
    return this.names;
  }

  /** Every name, in order (tests, and saving the index). */
  allNames(): string[] {
    return this.names.all();
  }

  private lastOwner: [string, string, number] = ['', '', 0];

  private ownerId(uname: string, gname: string): number {
    // Entries of a layer come in runs of one owner: skip building the key for a repeat.
    const last = this.lastOwner;
    if (uname === last[0] && gname === last[1]) return last[2];
    const id = this.internOwner(uname, gname);
    this.lastOwner = [uname, gname, id];
    return id;
  }

  private internOwner(uname: string, gname: string): number {
    const key = `${uname}\0${gname}`;
    let id = this.ownerIndex.get(key);
    if (id === undefined) {
      id = this.owners.length;
      if (id > 0xffff) return 0; // more distinct owners than any real layer has: drop the names, keep the ids
      this.owners.push([uname, gname]);
      this.ownerIndex.set(key, id);
    }
    return id;
  }

  /** User and group names of entry i ('' when the archive did not record them). */
  ownerNames(i: number): [string, string] {
    return this.owners[this.ownerIds[i]];
  }

  type(i: number): EntryType {
    return ENTRY_TYPES[this.types[i]];
  }

  /** Bytes of data the archive holds for entry i (less than its size for a sparse file). */
  storedSize(i: number): number {
    return this.sparseStoredSizes.get(i) ?? this.sizes[i];
  }

  linkTarget(i: number): string {
    return this.linkTargets.get(i) ?? '';
  }

  /**
   * Every column trimmed to `count`, for saving the index (core/persist): the private ones too,
   * so a table rebuilt by `fromColumns` answers exactly as this one does.
   */
  toColumns(): EntryColumns {
    return { ...this.columnsWithoutNames(), names: this.allNames() };
  }

  /** The names as one run of ASCII bytes and each one's length, when every name is ASCII; else null. */
  asciiNameColumn(): { bytes: Uint8Array; lengths: Uint32Array } | null {
    return this.names.asciiColumn();
  }

  /** `toColumns` but the names (see asciiNameColumn): a saved index writes their bytes as they are. */
  columnsWithoutNames(): Omit<EntryColumns, 'names'> {
    const n = this.count;
    return {
      count: n,
      types: this.types.slice(0, n),
      sizes: this.sizes.slice(0, n),
      modes: this.modes.slice(0, n),
      uids: this.uids.slice(0, n),
      gids: this.gids.slice(0, n),
      mtimes: this.mtimes.slice(0, n),
      dataOffsets: this.dataOffsets.slice(0, n),
      headerOffsets: this.headerOffsets.slice(0, n),
      ownerIds: this.ownerIds.slice(0, n),
      owners: this.owners.map(([u, g]) => [u, g]),
      linkTargets: [...this.linkTargets],
      xattrs: [...this.xattrs],
      unknownTypeFlags: [...this.unknownTypeFlags],
      sparseStoredSizes: [...this.sparseStoredSizes],
    };
  }

  /** The table `toColumns` described; the arrays are taken, not copied. */
  static fromColumns(c: EntryColumns): EntryTable {
    if (c.count === 0) return new EntryTable();
    const names = new AsciiNames(c.count);
    for (const name of c.names) names.push(name);
    return EntryTable.fromColumnsAndNames(c, names);
  }

  /** The same, with the names already held as AsciiNames (a saved index's, say). */
  static fromColumnsAndNames(c: Omit<EntryColumns, 'names'>, names: AsciiNames): EntryTable {
    if (c.count === 0) return new EntryTable();
    if (names.length !== c.count) throw new RangeError(`${names.length} names for ${c.count} entries`);
    const table = new EntryTable(1);
    table.count = c.count;
    table.capacity = c.count;
    table.names = names;
    table.types = c.types;
    table.sizes = c.sizes;
    table.modes = c.modes;
    table.uids = c.uids;
    table.gids = c.gids;
    table.mtimes = c.mtimes;
    table.dataOffsets = c.dataOffsets;
    table.headerOffsets = c.headerOffsets;
    table.ownerIds = c.ownerIds;
    table.owners = c.owners.length > 0 ? c.owners : [['', '']];
    table.ownerIndex = new Map(table.owners.map(([u, g], i) => [`${u}\0${g}`, i]));
    table.linkTargets = new Map(c.linkTargets);
    table.xattrs = new Map(c.xattrs);
    table.unknownTypeFlags = new Map(c.unknownTypeFlags);
    table.sparseStoredSizes = new Map(c.sparseStoredSizes);
    return table;
  }

  /** Sum of regular-file sizes, the contract's layer `sizeBytes` (dive counts header sizes of files only). */
  regularFileBytes(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) if (this.types[i] === 0) total += this.sizes[i];
    return total;
  }
}
