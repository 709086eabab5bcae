/**
 * Where finished indexes are kept between visits: the origin-private file system (OPFS), one file
 * per archive key. What is stored is what core/persist/indexCodec.ts writes: names and metadata,
 * never file contents.
 */
import { indexHeadLength, readIndexInfo, type SavedIndexInfo } from '../core/persist/indexCodec';

export interface StoredIndex extends SavedIndexInfo {
  /** Bytes the stored index takes. */
  bytes: number;
}

export interface IndexStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  list(): Promise<StoredIndex[]>;
  /** Forgets one archive's index, or every index when key is null. */
  forget(key: string | null): Promise<void>;
}

/** Beyond these, the oldest indexes are forgotten first: a device keeps the archives used lately. */
export const MAX_STORED_INDEXES = 32;
export const MAX_STORED_BYTES = 512 * 1024 * 1024;

const DIRECTORY = 'saved-indexes';
const SUFFIX = '.idx';

/** The indexes to forget so that `incoming` more bytes fit the bounds (oldest first). */
export function evictionsFor(stored: StoredIndex[], incoming: number): string[] {
  const byAge = [...stored].sort((a, b) => a.savedAt - b.savedAt);
  let count = byAge.length + 1;
  let bytes = byAge.reduce((n, s) => n + s.bytes, 0) + incoming;
  const evict: string[] = [];
  for (const s of byAge) {
    if (count <= MAX_STORED_INDEXES && bytes <= MAX_STORED_BYTES) break;
    evict.push(s.key);
    count--;
    bytes -= s.bytes;
  }
  return evict;
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')
  );
}

export class OpfsIndexStore implements IndexStore {
  private directory: Promise<FileSystemDirectoryHandle> | null = null;

  /** Null when this browser or context has no OPFS (then nothing is remembered). */
  static available(): boolean {
    return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
  }

  /** Finds the directory ahead of time (while the page waits for a file), so a re-open need not. */
  async prepare(): Promise<void> {
    await this.dir();
  }

  private dir(): Promise<FileSystemDirectoryHandle> {
    this.directory ??= navigator.storage
      .getDirectory()
      .then((root) => root.getDirectoryHandle(DIRECTORY, { create: true }));
    return this.directory;
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const handle = await (await this.dir()).getFileHandle(key + SUFFIX);
      return new Uint8Array(await (await handle.getFile()).arrayBuffer());
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const dir = await this.dir();
    for (const old of evictionsFor(
      (await this.list()).filter((s) => s.key !== key),
      bytes.length,
    ))
      await this.forget(old);
    const handle = await dir.getFileHandle(key + SUFFIX, { create: true });
    // A writable writes to a swap file and replaces the old one on close: a crash mid-write
    // leaves the previous file (or none), never half of one.
    const writable = await handle.createWritable();
    try {
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
    } catch (error) {
      await writable.abort().catch(() => {});
      throw error;
    }
  }

  async list(): Promise<StoredIndex[]> {
    const dir = await this.dir();
    const stored: StoredIndex[] = [];
    for await (const [name, handle] of dir.entries()) {
      if (handle.kind !== 'file' || !name.endsWith(SUFFIX)) continue;
      const file = await (handle as FileSystemFileHandle).getFile();
      const first = new Uint8Array(await file.slice(0, 24).arrayBuffer());
      const head = new Uint8Array(await file.slice(0, indexHeadLength(first)).arrayBuffer());
      const info = readIndexInfo(head);
      // an unreadable or outdated file is listed under its name so that Forget can remove it
      stored.push(
        info && info.key === name.slice(0, -SUFFIX.length)
          ? { ...info, bytes: file.size }
          : {
              key: name.slice(0, -SUFFIX.length),
              archiveName: '(unreadable)',
              archiveSize: 0,
              savedAt: 0,
              entries: 0,
              bytes: file.size,
            },
      );
    }
    return stored.sort((a, b) => b.savedAt - a.savedAt);
  }

  async forget(key: string | null): Promise<void> {
    const dir = await this.dir();
    const keys = key === null ? (await this.list()).map((s) => s.key) : [key];
    for (const k of keys) {
      try {
        await dir.removeEntry(k + SUFFIX);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }
}

/** The same store in memory, for tests and for contexts without OPFS. */
export class MemoryIndexStore implements IndexStore {
  readonly files = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | null> {
    return this.files.get(key)?.slice() ?? null;
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    for (const old of evictionsFor(
      (await this.list()).filter((s) => s.key !== key),
      bytes.length,
    ))
      this.files.delete(old);
    this.files.set(key, bytes.slice());
  }
  async list(): Promise<StoredIndex[]> {
    const stored: StoredIndex[] = [];
    for (const [key, bytes] of this.files) {
      const info = readIndexInfo(bytes);
      stored.push(
        info
          ? { ...info, bytes: bytes.length }
          : { key, archiveName: '(unreadable)', archiveSize: 0, savedAt: 0, entries: 0, bytes: bytes.length },
      );
    }
    return stored.sort((a, b) => b.savedAt - a.savedAt);
  }
  async forget(key: string | null): Promise<void> {
    if (key === null) this.files.clear();
    else this.files.delete(key);
  }
}
