/**
 * Building blocks for measuring alternatives without touching src/: find the layer members of an
 * archive, and count one layer's entries with a chosen read-ahead window and decoder. Runs in Node
 * (scripts/bench/experiments.ts) and in the browser harness's worker alike; nothing here is
 * Node- or DOM-specific.
 */
import type { ByteSource } from '../../src/core/bytes/byteSource';
import { chunksOf, type SequentialReader, StreamReader, WindowedReader } from '../../src/core/bytes/reader';
import { decompressChunks } from '../../src/core/compress/decompress';
import { looksLikeTar, sniffCompression } from '../../src/core/compress/sniff';
import { walkTar } from '../../src/core/tar/walker';

export interface FoundLayer {
  name: string;
  offset: number;
  size: number;
  compression: 'none' | 'gzip' | 'zstd';
}

/** Walks the outer tar and keeps every member that is a tar, or gzip/zstd data (a layer). */
export async function findLayers(source: ByteSource, window = 2 << 20): Promise<FoundLayer[]> {
  const layers: FoundLayer[] = [];
  const reader = new WindowedReader(source, 0, source.size, window);
  for await (const e of walkTar(reader)) {
    if (e.type !== 'file' || e.storedSize < 1024) continue;
    const head = await source.read(e.dataOffset, 1024);
    const c = sniffCompression(head);
    if (c === 'gzip' || c === 'zstd')
      layers.push({ name: e.name, offset: e.dataOffset, size: e.storedSize, compression: c });
    else if (c === 'none' && looksLikeTar(head))
      layers.push({ name: e.name, offset: e.dataOffset, size: e.storedSize, compression: 'none' });
  }
  return layers;
}

/** The subset of zstddec's streaming decoder (zstddec/stream) used here. */
export interface StreamingZstd {
  decodeStreaming(arrays: Iterable<Uint8Array>): Generator<Uint8Array>;
}

/**
 * Adapts zstddec's synchronous generator (which pulls its input through a synchronous iterator)
 * to our async pull model: the next compressed chunk is always fetched before the generator is
 * resumed, so it is there when the generator asks for it.
 */
export function zstddecReader(decoder: StreamingZstd, input: AsyncGenerator<Uint8Array>): SequentialReader {
  let slot: Uint8Array | null = null;
  let inputDone = false;
  const iterable: Iterable<Uint8Array> = {
    [Symbol.iterator]: () => ({
      next: (): IteratorResult<Uint8Array> => {
        if (slot === null) return { done: true, value: undefined };
        const value = slot;
        slot = null;
        return { done: false, value };
      },
    }),
  };
  const gen = decoder.decodeStreaming(iterable);
  return new StreamReader(async () => {
    for (;;) {
      if (slot === null && !inputDone) {
        const next = await input.next();
        if (next.done) inputDone = true;
        else slot = next.value;
      }
      const out = gen.next();
      if (out.done) return null;
      if (out.value.length) return out.value;
    }
  });
}

/**
 * A read-ahead window that also fetches the following window while the current one is parsed
 * (double buffering), so parsing overlaps I/O. On a jump (a header outside the prefetched window)
 * the prefetch is dropped and a new window is fetched at the header.
 */
export class PrefetchWindowedReader implements SequentialReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private pos = 0;
  private ahead: { start: number; data: Promise<Uint8Array> } | null = null;
  readonly length: number;

  constructor(
    private readonly source: ByteSource,
    private readonly start: number,
    end: number,
    private readonly windowSize = 2 << 20,
  ) {
    this.length = Math.max(0, end - start);
  }

  get position(): number {
    return this.pos;
  }

  private fetch(at: number): Promise<Uint8Array> {
    return this.source.read(this.start + at, Math.min(this.windowSize, this.length - at));
  }

  async read(n: number): Promise<Uint8Array> {
    const want = Math.min(n, this.length - this.pos);
    if (want <= 0) return new Uint8Array(0);
    const rel = this.pos - this.windowStart;
    if (rel < 0 || rel + want > this.window.length) {
      const ahead = this.ahead;
      this.ahead = null;
      let data: Uint8Array;
      let at = this.pos;
      if (ahead && this.pos >= ahead.start && this.pos + want <= ahead.start + this.windowSize) {
        data = await ahead.data;
        at = ahead.start;
      } else {
        data = await this.fetch(this.pos);
      }
      if (at + data.length < this.pos + want) {
        // A read straddling the prefetched window's end: fetch at the position itself.
        data = await this.fetch(this.pos);
        at = this.pos;
      }
      this.window = data;
      this.windowStart = at;
      const next = at + data.length;
      if (next < this.length) this.ahead = { start: next, data: this.fetch(next) };
      if (this.pos + want > at + data.length) {
        const got = data.subarray(this.pos - at);
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

/** Makes a stream of chunks for a byte range (e.g. Blob.slice().stream() in a browser). */
export type RangeStream = (start: number, end: number) => AsyncGenerator<Uint8Array>;

export interface CountOptions {
  /** Uncompressed layers through PrefetchWindowedReader instead of the core's WindowedReader. */
  prefetch?: boolean;
  /**
   * Read uncompressed layers as one sequential stream instead of windowed random reads; and
   * for gzip, pipe that stream through the platform's DecompressionStream end to end.
   */
  stream?: RangeStream;
  /** With `stream`, a gzip layer's whole pipe (native stream → DecompressionStream) is made here. */
  nativeGunzip?: (start: number, end: number) => AsyncGenerator<Uint8Array>;
  /** Read-ahead window for uncompressed layers. */
  window?: number;
  /** Input chunk size fed to decompressors. */
  chunk?: number;
  /** Alternative zstd decoder (default: the core's, fzstd). */
  zstd?: StreamingZstd;
}

export function layerReader(
  source: ByteSource,
  layer: FoundLayer,
  options: CountOptions = {},
): SequentialReader {
  const end = layer.offset + layer.size;
  if (layer.compression === 'gzip' && options.nativeGunzip) {
    const gen = options.nativeGunzip(layer.offset, end);
    return new StreamReader(async () => {
      const r = await gen.next();
      return r.done ? null : r.value;
    });
  }
  if (layer.compression === 'none' && options.stream) {
    const gen = options.stream(layer.offset, end);
    return new StreamReader(async () => {
      const r = await gen.next();
      return r.done ? null : r.value;
    });
  }
  if (layer.compression === 'none' && options.prefetch) {
    return new PrefetchWindowedReader(source, layer.offset, end, options.window);
  }
  if (layer.compression === 'none') return new WindowedReader(source, layer.offset, end, options.window);
  const chunk = options.chunk ?? 2 << 20;
  if (layer.compression === 'zstd' && options.zstd)
    return zstddecReader(options.zstd, chunksOf(source, layer.offset, end, chunk));
  return decompressChunks(
    () => chunksOf(source, layer.offset, end, chunk),
    layer.compression,
    true,
    layer.offset,
  );
}

/** Entries of one layer, the way the core's indexer walks it (minus the table it fills). */
export async function countLayer(
  source: ByteSource,
  layer: FoundLayer,
  options: CountOptions = {},
): Promise<number> {
  let n = 0;
  for await (const _ of walkTar(layerReader(source, layer, options))) n++;
  return n;
}

/** Splits layers over `k` lanes, largest first onto the least loaded lane. */
export function partition(layers: FoundLayer[], k: number): FoundLayer[][] {
  const lanes: { load: number; layers: FoundLayer[] }[] = Array.from({ length: k }, () => ({
    load: 0,
    layers: [],
  }));
  const weight = (l: FoundLayer): number => (l.compression === 'none' ? l.size / 20 : l.size);
  for (const l of [...layers].sort((a, b) => weight(b) - weight(a))) {
    const lane = lanes.reduce((a, b) => (b.load < a.load ? b : a));
    lane.layers.push(l);
    lane.load += weight(l);
  }
  return lanes.map((l) => l.layers);
}
