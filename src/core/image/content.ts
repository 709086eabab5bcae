import { createXXHash64 } from 'hash-wasm';
import { chunksOf, type SequentialReader, StreamReader, WindowedReader } from '../bytes/reader';
import { decompressChunks, decompressedReader } from '../compress/decompress';
import { openAtSeekPoint } from '../compress/seek';
import { pointBefore, type SeekPoints } from '../compress/seekPoints';
import type { ImageArchive, LayerBlob } from './model';

/** Forward cursors kept per layer; a few, because each may hold a decompressor's buffers. */
const MAX_CURSORS = 4;
/** At most this much of a layer stored as it is is read at once for `readWhole`. */
const WHOLE_SPAN = 8 * 1024 * 1024;
/** Unwanted bytes between two files that `readWhole` reads through rather than read again. */
const WHOLE_GAP = 1024 * 1024;

function limited(parent: SequentialReader, length: number): SequentialReader {
  let left = length;
  return new StreamReader(async () => {
    if (left <= 0) return null;
    const part = await parent.read(Math.min(left, 1 << 20));
    if (part.length === 0) return null;
    left -= part.length;
    return part;
  });
}

/**
 * The bytes of a blob exactly as stored (still compressed, if it is). For a rootfs archive that
 * is the archive file itself; inside a compressed outer archive, the outer stream is decompressed
 * up to the blob.
 */
export async function* storedChunks(archive: ImageArchive, blob: LayerBlob): AsyncGenerator<Uint8Array> {
  const { source, outerCompression } = archive;
  if (archive.format === 'rootfs' || outerCompression === 'none') {
    const start = archive.format === 'rootfs' ? 0 : blob.dataOffset;
    const end = archive.format === 'rootfs' ? source.size : start + blob.storedSize;
    yield* chunksOf(source, start, end);
    return;
  }
  const outer = decompressedReader(source, 0, source.size, outerCompression, {
    expansion: archive.expansionLimit,
  });
  await outer.skip(blob.dataOffset);
  let left = blob.storedSize;
  while (left > 0) {
    const part = await outer.read(Math.min(left, 1 << 20));
    if (part.length === 0) throw new Error(`the archive ends inside layer ${JSON.stringify(blob.member)}`);
    left -= part.length;
    yield part;
  }
}

/**
 * Reads file contents on demand. Uncompressed layers are read by offset; compressed ones are
 * decompressed from the layer's last seek point before the file (compress/seekPoints.ts), or
 * from its start when it has none. A forward cursor per layer is kept, so
 * reading files in archive order (hashing, export, search) decompresses each layer once.
 */
export class ContentReader {
  private readonly cursors = new Map<string, SequentialReader>();
  /** The last operation queued per streamed layer: its cursor serves one read at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Layers whose cursor an operation is using now: never closed to make room for another. */
  private readonly busy = new Set<string>();

  constructor(private readonly archive: ImageArchive) {}

  /**
   * Runs `work` after the operations already queued on the same compressed layer. Two reads
   * sharing a cursor would take each other's bytes (a viewer's page and a download of the same
   * layer, say); layers read by offset have no shared cursor and run at once.
   */
  private async oneAtATime<T>(blobKey: string, work: () => Promise<T>): Promise<T> {
    const blob = this.blob(blobKey);
    if (this.archive.outerCompression === 'none' && blob.compression === 'none') return work();
    const previous = this.queues.get(blobKey) ?? Promise.resolve();
    const guarded = async (): Promise<T> => {
      this.busy.add(blobKey);
      try {
        return await work();
      } finally {
        this.busy.delete(blobKey);
        this.evictIdle();
      }
    };
    const result = previous.then(guarded, guarded);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(blobKey, settled);
    void settled.then(() => {
      if (this.queues.get(blobKey) === settled) this.queues.delete(blobKey);
    });
    return result;
  }

  private blob(blobKey: string): LayerBlob {
    const blob = this.archive.blobs.get(blobKey);
    if (!blob || blob.dataOffset < 0)
      throw new Error(`layer ${JSON.stringify(blobKey)} is not in the archive`);
    return blob;
  }

  /** Decompressed bytes of the layer tar from its start. */
  private layerStream(blob: LayerBlob): SequentialReader {
    const { source, outerCompression, expansionLimit: expansion } = this.archive;
    const isRootfs = this.archive.format === 'rootfs';
    if (outerCompression === 'none') {
      const start = blob.dataOffset;
      const end = isRootfs ? source.size : start + blob.storedSize;
      return blob.compression === 'none'
        ? new WindowedReader(source, start, end)
        : decompressedReader(source, start, end, blob.compression, { expansion });
    }
    const outer = decompressedReader(source, 0, source.size, outerCompression, { expansion });
    if (isRootfs) return outer;
    const layerBytes = (async () => {
      await outer.skip(blob.dataOffset);
      return limited(outer, blob.storedSize);
    })();
    if (blob.compression === 'none') {
      let inner: SequentialReader | null = null;
      return new StreamReader(async () => {
        inner ??= await layerBytes;
        const part = await inner.read(1 << 20);
        return part.length ? part : null;
      });
    }
    return decompressChunks(
      async function* () {
        const inner = await layerBytes;
        for (;;) {
          const part = await inner.read(1 << 20);
          if (part.length === 0) return;
          yield part;
        }
      },
      blob.compression,
      false,
      0,
      { expansion },
    );
  }

  /**
   * A forward reader of the layer's tar from its start, of its own (no shared cursor): for a pass
   * that reads every file's bytes in archive order, decompressing the layer once.
   */
  layerReader(blobKey: string): SequentialReader {
    return this.layerStream(this.blob(blobKey));
  }

  private async positioned(blobKey: string, offset: number): Promise<SequentialReader> {
    const blob = this.blob(blobKey);
    const randomAccess = this.archive.outerCompression === 'none' && blob.compression === 'none';
    let cursor = randomAccess ? undefined : this.cursors.get(blobKey);
    const resumed = await this.fromSeekPoint(blob, offset, cursor);
    if (resumed) {
      cursor?.close?.();
      cursor = resumed;
    }
    if (!cursor || cursor.position > offset) {
      cursor?.close?.();
      cursor = this.layerStream(blob);
    }
    if (!randomAccess) {
      // Most recently used last, so that eviction takes the one idle longest.
      this.cursors.delete(blobKey);
      this.cursors.set(blobKey, cursor);
      this.evictIdle();
    }
    await cursor.skip(offset - cursor.position);
    return cursor;
  }

  /**
   * A cursor from the compressed layer's last seek point before `offset`, when that saves decoding
   * (no cursor, or one past `offset` or behind the point); null otherwise, and when the point
   * does not check out: it is not tried again, and the layer is read from its start.
   */
  private async fromSeekPoint(
    blob: LayerBlob,
    offset: number,
    cursor: SequentialReader | undefined,
  ): Promise<SequentialReader | null> {
    const points = blob.seekPoints;
    if (!points || blob.compression === 'none') return null;
    // inside a compressed outer archive, only a rootfs (the outer stream is the layer) has points
    if (this.archive.outerCompression !== 'none' && this.archive.format !== 'rootfs') return null;
    const i = pointBefore(points, offset);
    if (i < 0 || (cursor && cursor.position <= offset && cursor.position >= points.outOffsets[i]))
      return null;
    const rejected = this.rejectedPoints.get(points);
    if (rejected?.has(i)) return null;
    const { source } = this.archive;
    const end = this.archive.format === 'rootfs' ? source.size : blob.dataOffset + blob.storedSize;
    const reader = await openAtSeekPoint(source, blob.dataOffset, end, points, i);
    if (reader) {
      this.seekStats.resumed++;
      return reader;
    }
    this.seekStats.rejected++;
    this.rejectedPoints.set(points, (rejected ?? new Set()).add(i));
    return null;
  }

  /** Seek points used, and refused because they did not check out (then read from the start). */
  readonly seekStats = { resumed: 0, rejected: 0 };
  /** By the points themselves: an archive's budget may thin a layer's points while it is read. */
  private readonly rejectedPoints = new WeakMap<SeekPoints, Set<number>>();

  /**
   * Closes the least recently used cursors past MAX_CURSORS, skipping any an operation is reading
   * from now (closing one under a running read would cut that file short); they go once released.
   * Closed, not just dropped: a zstd cursor holds its window (up to 128 MiB) in WASM memory.
   */
  private evictIdle(): void {
    for (const key of this.cursors.keys()) {
      if (this.cursors.size <= MAX_CURSORS) return;
      if (this.busy.has(key)) continue;
      this.cursors.get(key)?.close?.();
      this.cursors.delete(key);
    }
  }

  /**
   * Up to `length` bytes of an entry's data from `offset` within it. Reads of one compressed
   * layer run one after another; reading it in archive order decompresses it once. For work that
   * runs alongside other reads (an export next to a viewer), a ContentReader of its own keeps
   * each cursor going forward.
   */
  read(
    blobKey: string,
    entryIndex: number,
    offset = 0,
    length = Number.POSITIVE_INFINITY,
  ): Promise<Uint8Array> {
    return this.oneAtATime(blobKey, () => this.readNow(blobKey, entryIndex, offset, length));
  }

  private async readNow(
    blobKey: string,
    entryIndex: number,
    offset: number,
    length: number,
  ): Promise<Uint8Array> {
    const entries = this.blob(blobKey).entries;
    if (!entries || entryIndex >= entries.count)
      throw new Error(`entry ${entryIndex} is not in layer ${blobKey}`);
    const stored = entries.storedSize(entryIndex);
    const want = Math.max(0, Math.min(length, stored - offset));
    const reader = await this.positioned(blobKey, entries.dataOffsets[entryIndex] + offset);
    const out = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const part = await reader.read(Math.min(want - filled, 1 << 20));
      if (part.length === 0) break;
      out.set(part, filled);
      filled += part.length;
    }
    if (filled < want) {
      // The count is the entry's: how much of it, from where the data stopped, never arrived.
      const member = this.blob(blobKey).member || blobKey;
      throw new Error(
        `layer ${JSON.stringify(member)} ended ${stored - offset - filled} bytes before the end of entry ${JSON.stringify(entries.name(entryIndex))} (${stored} bytes)`,
      );
    }
    return out;
  }

  /**
   * The whole contents of `entryIndices` of one layer (in ascending order), each handed to
   * `visit` before the next is read, or the error that kept it from being read. On a layer read
   * by offset, files lying close together come from one read of the source: a Blob read costs
   * milliseconds however small it is, and comparing two images reads thousands of small files
   * (2,000 changed files on each side took 7.6 s one read each in Chromium). A gap is read
   * through when it is smaller than the source's read-ahead (at most 1 MiB). Compressed layers
   * are read an entry at a time, in order, through the layer's cursor.
   */
  async readWhole(
    blobKey: string,
    entryIndices: readonly number[],
    visit: (entryIndex: number, bytes: Uint8Array | Error) => void | Promise<void>,
  ): Promise<void> {
    const one = async (entryIndex: number) => {
      let bytes: Uint8Array | Error;
      try {
        bytes = await this.read(blobKey, entryIndex);
      } catch (error) {
        bytes = error instanceof Error ? error : new Error(String(error));
      }
      await visit(entryIndex, bytes);
    };
    const blob = this.archive.blobs.get(blobKey);
    const entries = blob?.entries;
    if (
      !blob ||
      !entries ||
      blob.dataOffset < 0 ||
      this.archive.outerCompression !== 'none' ||
      blob.compression !== 'none'
    ) {
      for (const entryIndex of entryIndices) await one(entryIndex);
      return;
    }
    const { source } = this.archive;
    const gap = Math.min(WHOLE_GAP, source.readAhead ?? WHOLE_GAP);
    for (let i = 0; i < entryIndices.length; ) {
      const first = entryIndices[i];
      if (first >= entries.count) {
        await one(first);
        i++;
        continue;
      }
      const start = entries.dataOffsets[first];
      let end = start + entries.storedSize(first);
      let j = i + 1;
      for (; j < entryIndices.length; j++) {
        const next = entryIndices[j];
        if (next >= entries.count) break;
        const at = entries.dataOffsets[next];
        const nextEnd = at + entries.storedSize(next);
        if (at < end || at - end > gap || nextEnd - start > WHOLE_SPAN) break;
        end = nextEnd;
      }
      const group = entryIndices.slice(i, j);
      i = j;
      let span: Uint8Array | null = null;
      if (group.length > 1) {
        try {
          span = await source.read(blob.dataOffset + start, end - start);
        } catch {
          span = null; // each file is read alone below, and its own error said
        }
      }
      if (!span || span.length < end - start) {
        for (const entryIndex of group) await one(entryIndex);
        continue;
      }
      for (const entryIndex of group) {
        const at = entries.dataOffsets[entryIndex] - start;
        await visit(entryIndex, span.subarray(at, at + entries.storedSize(entryIndex)));
      }
    }
  }

  /** A fast content fingerprint (xxHash64), streamed so large files are never held whole. */
  hash(blobKey: string, entryIndex: number): Promise<string> {
    return this.oneAtATime(blobKey, () => this.hashNow(blobKey, entryIndex));
  }

  private async hashNow(blobKey: string, entryIndex: number): Promise<string> {
    const entries = this.blob(blobKey).entries;
    if (!entries) throw new Error(`layer ${blobKey} is not indexed`);
    const hasher = await createXXHash64();
    hasher.init();
    const size = entries.storedSize(entryIndex);
    const reader = await this.positioned(blobKey, entries.dataOffsets[entryIndex]);
    let left = size;
    while (left > 0) {
      const part = await reader.read(Math.min(left, 1 << 20));
      if (part.length === 0)
        throw new Error(
          `layer ${JSON.stringify(this.blob(blobKey).member || blobKey)} ended ${left} bytes before the end of entry ${JSON.stringify(entries.name(entryIndex))} (${size} bytes)`,
        );
      hasher.update(part);
      left -= part.length;
    }
    return hasher.digest('hex');
  }
}
