/**
 * Experimental byte sources and readers, to measure alternatives to src/core/bytes without editing
 * it. Each implements the same interfaces, so walkTar runs over them unchanged.
 */
import { openSync, readSync } from 'node:fs';
import type { ByteSource } from '../../src/core/bytes/byteSource';
import type { SequentialReader } from '../../src/core/bytes/reader';

/** Counts the reads and bytes that go through a source. */
export class CountingSource implements ByteSource {
  reads = 0;
  bytes = 0;
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = await this.inner.read(offset, length);
    this.reads++;
    this.bytes += out.length;
    return out;
  }
}

/**
 * A file source that reads into a few reused buffers instead of a fresh, zero-filled one per
 * read (the ByteSource contract already allows returning a view that the next read overwrites).
 * Two buffers alternate, so the previous window stays valid while the next one is fetched.
 */
export class ReusingNodeSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  private readonly fd: number;
  private buffers: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  private turn = 0;
  constructor(path: string, size: number) {
    this.fd = openSync(path, 'r');
    this.size = size;
    this.name = path;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const len = Math.max(0, Math.min(length, this.size - offset));
    this.turn ^= 1;
    if (this.buffers[this.turn].length < len)
      this.buffers[this.turn] = new Uint8Array(Math.max(len, 1 << 20));
    const buf = this.buffers[this.turn];
    let filled = 0;
    while (filled < len) {
      const n = readSync(this.fd, buf, filled, len - filled, offset + filled);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled);
  }
}

/**
 * A read-ahead window that adapts its size: after a jump (a header far past the last window, as
 * after a large body) it fetches only `min` bytes, and doubles up to `max` while reads keep
 * landing just past the window (a run of small files). Large files then cost one small read each
 * instead of a full window of bytes nobody looks at.
 */
export class AdaptiveWindowedReader implements SequentialReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private pos = 0;
  private next: number;
  readonly length: number;
  fetches = 0;
  fetchedBytes = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly start: number,
    end: number,
    private readonly min = 64 * 1024,
    private readonly max = 4 << 20,
  ) {
    this.length = Math.max(0, end - start);
    this.next = min;
  }

  get position(): number {
    return this.pos;
  }

  async read(n: number): Promise<Uint8Array> {
    const want = Math.min(n, this.length - this.pos);
    if (want <= 0) return new Uint8Array(0);
    const rel = this.pos - this.windowStart;
    if (rel < 0 || rel + want > this.window.length) {
      const windowEnd = this.windowStart + this.window.length;
      // Sequential (the next header is at most one window past the old one): grow; a jump: shrink.
      this.next = this.pos <= windowEnd + this.window.length ? Math.min(this.max, this.next * 2) : this.min;
      const fetchLen = Math.min(Math.max(want, this.next), this.length - this.pos);
      this.window = await this.source.read(this.start + this.pos, fetchLen);
      this.fetches++;
      this.fetchedBytes += this.window.length;
      this.windowStart = this.pos;
      if (this.window.length < want) {
        const got = this.window;
        this.pos += got.length;
        return got;
      }
    }
    const off = this.pos - this.windowStart;
    this.pos += want;
    return this.window.subarray(off, off + want);
  }

  async skip(n: number): Promise<number> {
    const step = Math.max(0, Math.min(n, this.length - this.pos));
    this.pos += step;
    return step;
  }
}
