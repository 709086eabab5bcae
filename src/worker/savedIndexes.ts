/**
 * Re-opening an archive at once: the worker keeps each finished index (core/persist) in the
 * browser's storage and, when the same file is opened again, restores it instead of reading the
 * archive. File contents are still read from the file.
 */
import type { ByteSource } from '../core/bytes/byteSource';
import { messageOf } from '../core/errors';
import type { ImageArchive } from '../core/image/model';
import { archiveKey } from '../core/persist/archiveKey';
import { decodeIndex, encodeIndex } from '../core/persist/indexCodec';
import type { IndexStore, StoredIndex } from '../storage/indexStore';

export interface RestoreResult {
  archive: ImageArchive | null;
  /** Why a stored index was not used (damaged, outdated…): it was forgotten and the archive is read. */
  problem: string | null;
}

export class SavedIndexes {
  constructor(private readonly store: IndexStore) {}

  keyOf(source: ByteSource, file: { name: string; lastModified?: number }): Promise<string> {
    return archiveKey(source, { name: file.name, size: source.size, lastModified: file.lastModified ?? 0 });
  }

  async restore(key: string, source: ByteSource): Promise<RestoreResult> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.store.get(key);
    } catch (error) {
      return {
        archive: null,
        problem: `the saved index could not be read (${messageOf(error)}); the archive was read instead`,
      };
    }
    if (!bytes) return { archive: null, problem: null };
    try {
      return { archive: await decodeIndex(bytes, source, key), problem: null };
    } catch (error) {
      await this.store.forget(key).catch(() => {});
      return {
        archive: null,
        problem: `the saved index was not used (${messageOf(error)}); the archive was read again`,
      };
    }
  }

  /** Keeps a finished index; one with errors is not kept, so the next open reads the archive again. */
  async save(key: string, archive: ImageArchive, name: string): Promise<boolean> {
    if (archive.errors.length > 0) return false;
    try {
      const bytes = await encodeIndex(archive, {
        key,
        archiveName: name,
        archiveSize: archive.source.size,
        savedAt: Date.now(),
      });
      await this.store.put(key, bytes);
      return true;
    } catch {
      // out of quota, storage turned off: the archive still opens, only more slowly next time
      return false;
    }
  }

  list(): Promise<StoredIndex[]> {
    return this.store.list();
  }

  forget(key: string | null): Promise<void> {
    return this.store.forget(key);
  }
}
