/**
 * One file's bytes as a random-access range, read on demand through the ContentReader, with a
 * bounded cache of recent blocks: a viewer pages back and forth, and in a compressed layer every
 * step backwards would otherwise decompress the layer from its start again.
 */
import type { ContentRef } from '../fs/types';
import type { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';

export interface ByteRange {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export const DEFAULT_BLOCK_SIZE = 256 * 1024;
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Least-recently-used blocks up to a byte bound, shared by every file a session opens so the
 * bound holds for the session, not per file. A Map iterates in insertion order: re-inserting on
 * use keeps the oldest first.
 */
export class BlockCache {
  private readonly blocks = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_CACHE_BYTES) {}

  get cachedBytes(): number {
    return this.bytes;
  }

  get(key: string): Uint8Array | undefined {
    const block = this.blocks.get(key);
    if (block) {
      this.blocks.delete(key);
      this.blocks.set(key, block);
    }
    return block;
  }

  set(key: string, block: Uint8Array): void {
    if (block.length > this.maxBytes) return;
    const old = this.blocks.get(key);
    if (old) {
      this.bytes -= old.length;
      this.blocks.delete(key);
    }
    this.blocks.set(key, block);
    this.bytes += block.length;
    while (this.bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.blocks.entries().next().value as [string, Uint8Array];
      this.blocks.delete(oldestKey);
      this.bytes -= oldest.length;
    }
  }

  clear(): void {
    this.blocks.clear();
    this.bytes = 0;
  }
}

/** A file's bytes, fetched in blocks; runs of missing blocks are read in one forward pass. */
export class CachedFileBytes implements ByteRange {
  constructor(
    private readonly reader: ContentReader,
    readonly blobKey: string,
    readonly entryIndex: number,
    readonly size: number,
    /** null: read straight through (a download or `cat` reads each byte once; caching would only evict). */
    private readonly cache: BlockCache | null = new BlockCache(),
    private readonly blockSize = DEFAULT_BLOCK_SIZE,
  ) {}

  private key(block: number): string {
    return `${this.blobKey}\n${this.entryIndex}\n${this.blockSize}\n${block}`;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, offset);
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    const { blockSize, cache } = this;
    if (!cache) return this.reader.read(this.blobKey, this.entryIndex, start, end - start);
    const first = Math.floor(start / blockSize);
    const last = Math.floor((end - 1) / blockSize);
    const blocks: Uint8Array[] = [];
    for (let b = first; b <= last; ) {
      const cached = cache.get(this.key(b));
      if (cached) {
        blocks.push(cached);
        b++;
        continue;
      }
      let runEnd = b + 1;
      while (runEnd <= last && !cache.get(this.key(runEnd))) runEnd++;
      const runStart = b * blockSize;
      const bytes = await this.reader.read(
        this.blobKey,
        this.entryIndex,
        runStart,
        Math.min(this.size, runEnd * blockSize) - runStart,
      );
      for (; b < runEnd; b++) {
        // A copy per block, so evicting one block really frees its memory.
        const block = bytes.slice(
          b * blockSize - runStart,
          Math.min(bytes.length, (b + 1) * blockSize - runStart),
        );
        cache.set(this.key(b), block);
        blocks.push(block);
      }
    }
    const out = new Uint8Array(end - start);
    let written = 0;
    for (let i = 0; i < blocks.length; i++) {
      const blockStart = (first + i) * blockSize;
      const from = Math.max(start, blockStart) - blockStart;
      const to = Math.min(end, blockStart + blocks[i].length) - blockStart;
      out.set(blocks[i].subarray(from, to), written);
      written += to - from;
    }
    return out;
  }
}

/**
 * The bytes behind a ContentRef of an image (from `contentSource` or `resolvePath`). Sparse
 * files are refused: the archive stores only their data segments and the reader keeps no map of
 * the holes, so what it could return would not be the file.
 */
export function openFileBytes(
  reader: ContentReader,
  archive: ImageArchive,
  imageIndex: number,
  ref: ContentRef,
  cache: BlockCache | null = new BlockCache(),
): CachedFileBytes {
  const layer = archive.images[imageIndex]?.layers[ref.layer];
  if (!layer) throw new RangeError(`image ${imageIndex} has no layer ${ref.layer}`);
  const entries = archive.blobs.get(layer.blob)?.entries;
  if (!entries || ref.entryIndex >= entries.count)
    throw new RangeError(`layer ${ref.layer} has no entry ${ref.entryIndex}`);
  if (entries.storedSize(ref.entryIndex) !== entries.sizes[ref.entryIndex]) {
    throw new Error(
      `${entries.name(ref.entryIndex)} in layer ${ref.layer} is a sparse file; its contents cannot be shown`,
    );
  }
  return new CachedFileBytes(reader, layer.blob, ref.entryIndex, entries.sizes[ref.entryIndex], cache);
}

/** All of a range as chunks, for downloads and `cat`: never the whole file in memory. */
export async function* chunksOfRange(range: ByteRange, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < range.size; offset += chunkSize) {
    const chunk = await range.read(offset, Math.min(chunkSize, range.size - offset));
    if (chunk.length === 0) throw new Error(`the file ended ${range.size - offset} bytes early`);
    yield chunk;
  }
}
