import { Gunzip } from 'fflate';
import type { ByteSource } from '../bytes/byteSource';
import { DEFAULT_WINDOW, prefetchedChunksOf, type SequentialReader, StreamReader } from '../bytes/reader';
import { DEFAULT_EXPANSION_LIMIT, type ExpansionLimit } from '../limits';
import { inflaterPuller } from './seek';
import type { SeekPointRecorder } from './seekPoints';
import type { Compression } from './sniff';
import { zstdPuller } from './zstd';

/** Input fed to the JS decoders per step: small, because each step's whole output is queued at once. */
const JS_DECODER_INPUT = 64 * 1024;
/** Input per write to the platform's gzip decoder (see nativeGunzip). */
const GUNZIP_WRITE = 1024 * 1024;

export class DecompressionError extends Error {
  constructor(
    readonly compression: Compression,
    readonly compressedOffset: number,
    readonly decompressedOffset: number,
    cause: unknown,
  ) {
    super(
      cause instanceof ExpansionLimitError
        ? cause.message
        : `${compression} data is corrupt or truncated after ${decompressedOffset} decompressed bytes: ${
            cause instanceof Error ? cause.message : String(cause)
          }`,
    );
    this.name = 'DecompressionError';
  }
}

type ChunkPuller = (() => Promise<Uint8Array | null>) & { trailing?: number; close?(): void };

/** What a decompressing reader is told besides its input. */
export interface DecompressOptions {
  /** Called with each compressed chunk's length as it is read. */
  onInput?: (compressedBytes: number) => void;
  /** zstd output as views into the decoder's memory (see decompressChunks). */
  volatile?: boolean;
  /** Told once about data ignored after the compressed stream (gzip -dc's trailing garbage). */
  onWarning?: (message: string) => void;
  /** The decompression-bomb bound (default DEFAULT_EXPANSION_LIMIT). */
  expansion?: ExpansionLimit;
  /**
   * Keep seek points in this recorder, so that a file near the end can later be read without
   * decoding all before it: for gzip, by decoding with our own inflater (inflate.ts) instead of
   * the platform's; for zstd, at the frames' starts (a single-frame layer has none).
   */
  seekPoints?: SeekPointRecorder;
}

/** Output past the expansion bound: the reading stops here, and what came before is kept. */
export class ExpansionLimitError extends Error {
  constructor(compression: Compression, decompressed: number, compressed: number, limit: ExpansionLimit) {
    super(
      `${compression} data expands past the decompression-bomb bound: ${decompressed} bytes from ${compressed} compressed bytes, over ${limit.ratio}:1 beyond the first ${limit.floorBytes} bytes; reading stopped there (the command line's --max-expansion sets the ratio)`,
    );
    this.name = 'ExpansionLimitError';
  }
}

/** fflate's and Node's zlib's words for bytes that do not start a gzip member. */
function isGzipHeaderError(error: unknown): boolean {
  return (
    error instanceof Error &&
    /invalid gzip data|incorrect header check|junk|trailing|after end/i.test(error.message)
  );
}

/** Output one push may make before the next piece is shrunk: bounds memory on a decompression bomb. */
const OUTPUT_BUDGET = 4 * 1024 * 1024;
const MIN_PIECE = 64;

/**
 * Pushes a JS streaming decoder and hands its output out one chunk at a time. A push's whole
 * output is queued at once, and one zstd run-length block turns 4 bytes into 128 KiB, so the
 * input piece shrinks with the compression ratio seen: no push makes much more than
 * OUTPUT_BUDGET, however hostile the data.
 */
function pullFromPushDecoder(
  input: AsyncGenerator<Uint8Array>,
  make: (ondata: (chunk: Uint8Array, final?: boolean) => void) => {
    push(chunk: Uint8Array, final?: boolean): void;
  },
): ChunkPuller {
  const queue: Uint8Array[] = [];
  let produced = 0;
  let finished = false;
  const decoder = make((chunk) => {
    if (chunk.length) {
      queue.push(chunk);
      produced += chunk.length;
    }
  });
  let pending: Uint8Array | null = null;
  let pendingPos = 0;
  let pieceSize = 1024;
  let failure: unknown = null;
  return async () => {
    // Output made before an error is handed out first: what was read is kept.
    if (failure !== null && queue.length === 0) throw failure;
    while (queue.length === 0 && !finished && failure === null) {
      if (pending === null || pendingPos >= pending.length) {
        const next = await input.next();
        if (next.done) {
          finished = true;
          try {
            decoder.push(new Uint8Array(0), true);
          } catch (error) {
            failure = error;
          }
          break;
        }
        pending = next.value;
        pendingPos = 0;
      }
      const piece = pending.subarray(pendingPos, pendingPos + pieceSize);
      pendingPos += piece.length;
      produced = 0;
      try {
        decoder.push(piece, false);
      } catch (error) {
        failure = error;
        break;
      }
      const ratio = Math.max(1, produced / piece.length);
      pieceSize = Math.max(MIN_PIECE, Math.min(JS_DECODER_INPUT, Math.floor(OUTPUT_BUDGET / ratio)));
    }
    const chunk = queue.shift();
    if (chunk) return chunk;
    if (failure !== null) throw failure;
    return null;
  };
}

/**
 * The platform's gzip decoder, fed one input chunk at a time: the next chunk is written only
 * once the decoder has taken the previous one. `pipeThrough` would rely on the writable side's
 * backpressure, and Node's DecompressionStream counts its high-water mark in chunks (16384 of
 * them), so a reader that stopped after one file had the rest of the compressed layer read into
 * memory (455 MB held for a file near the end of a 1 GB layer). In Node a write settles once its
 * output has been read; in browsers once the transform took it: both keep this lazy.
 */
function nativeGunzip(input: AsyncGenerator<Uint8Array>): ChunkPuller {
  const decoder = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const writer = decoder.writable.getWriter();
  const reader = decoder.readable.getReader();
  let started = false;
  const feed = async (): Promise<void> => {
    try {
      for (;;) {
        const next = await input.next();
        if (next.done) {
          await writer.close();
          return;
        }
        // A write's whole output is queued at once, so a write is bounded (the renderer peaked
        // the same with 256 KiB and 1 MiB writes, 362 and 367 MB: npm run bench, oci-gzip-s100).
        for (let off = 0; off < next.value.length; off += GUNZIP_WRITE) {
          await writer.write(next.value.subarray(off, off + GUNZIP_WRITE));
        }
      }
    } catch (error) {
      // A decode error reaches the reader too; an input error must, so the reader does not wait forever.
      await writer.abort(error).catch(() => undefined);
    }
  };
  return async () => {
    if (!started) {
      // Feeding starts with the first read, so merely opening a cursor reads nothing.
      started = true;
      void feed();
    }
    const r = await reader.read();
    return r.done ? null : r.value;
  };
}

/**
 * Compressed input per read. zstd decodes fast enough for each read's fixed cost to show: the
 * source's full read-ahead (8 MiB for a Blob) indexed a 761 MB zstd archive in 6.0–6.7 s where
 * 2 MiB took 7.3–8.2 s. gzip decodes slowly enough to hide 2 MiB reads behind it, and larger
 * reads cost the worker memory it does not have to spare (2 MiB: 332 MB and 13.7 s; 8 MiB:
 * 367 MB and 12.5 s for an 828 MB gzip archive): npm run bench, Chromium.
 */
function inputChunk(source: ByteSource, compression: Compression): number {
  return compression === 'gzip' ? DEFAULT_WINDOW : (source.readAhead ?? DEFAULT_WINDOW);
}

/**
 * A forward-only reader over the decompressed bytes of `source[start, end)`. gzip goes through the
 * platform's DecompressionStream; where that refuses a multi-member gzip (eStargz writes one member
 * per file), we restart with fflate and drop what was already delivered, so the caller never
 * notices. zstd goes through zstd's own decoder compiled to WASM (zstd.ts; Chromium has no zstd
 * DecompressionStream).
 */
export function decompressedReader(
  source: ByteSource,
  start: number,
  end: number,
  compression: Compression,
  options: DecompressOptions = {},
): SequentialReader {
  const { onInput } = options;
  return decompressChunks(
    async function* () {
      for await (const chunk of prefetchedChunksOf(source, start, end, inputChunk(source, compression))) {
        yield chunk;
        onInput?.(chunk.length);
      }
    },
    compression,
    true,
    start,
    options,
  );
}

/**
 * The same over any chunk stream. `restartable` says whether `input` may be called again to read
 * the data a second time (true for a file; false for a member inside a compressed outer archive,
 * which then goes straight to fflate for gzip). `volatile`: zstd output is handed over as views
 * into the decoder's memory (StreamReader copies what it must keep), for a reader whose views are
 * dropped at each call anyway, like the tar walker's.
 *
 * As `gzip -dc` does, bytes after the last whole member or frame that do not start another are
 * ignored, with a warning; output past the expansion bound stops the reading with an
 * ExpansionLimitError (inside a DecompressionError) once the output before it was handed out.
 */
export function decompressChunks(
  input: () => AsyncGenerator<Uint8Array>,
  compression: Compression,
  restartable: boolean,
  start = 0,
  options: DecompressOptions = {},
): SequentialReader {
  if (compression === 'none') throw new Error('decompressChunks needs compressed data');
  const volatile = options.volatile ?? false;
  const limit = options.expansion ?? DEFAULT_EXPANSION_LIMIT;
  let delivered = 0;
  let compressedRead = 0;
  const seekPoints = compression === 'gzip' ? options.seekPoints : undefined;
  const framePoints = compression === 'zstd' ? options.seekPoints : undefined;
  // Our inflater reads multi-member gzip itself: there is nothing to fall back to.
  let usingFallback = !restartable || seekPoints !== undefined;
  const counted = async function* () {
    compressedRead = 0;
    for await (const chunk of input()) {
      compressedRead += chunk.length;
      yield chunk;
    }
  };
  const open = (fallback: boolean): ChunkPuller => {
    // zstd's own decoder in WASM, pulled one output piece at a time (zstd.ts)
    if (compression === 'zstd')
      return zstdPuller(counted(), volatile, framePoints && ((at, out) => framePoints.frameStart(out, at)));
    if (seekPoints) return inflaterPuller(counted(), seekPoints);
    if (fallback || typeof DecompressionStream === 'undefined') {
      return pullFromPushDecoder(counted(), (ondata) => new Gunzip(ondata));
    }
    return nativeGunzip(counted());
  };
  let pull = open(usingFallback);
  let toDiscard = 0;
  let made = 0;
  let ended = false;
  const finish = (): null => {
    ended = true;
    pull.close?.();
    return null;
  };
  const next = async (): Promise<Uint8Array | null> => {
    if (ended) return null;
    for (;;) {
      let chunk: Uint8Array | null;
      try {
        chunk = await pull();
      } catch (error) {
        if (compression === 'gzip' && isGzipHeaderError(error)) {
          if (!usingFallback) {
            // The platform's decoder refuses a second member (browsers) or bytes after the last
            // one (Node): fflate tells the two apart, from the start, dropping what was delivered.
            usingFallback = true;
            pull = open(true);
            toDiscard = delivered;
            made = 0;
            continue;
          }
          if (made > 0) {
            options.onWarning?.(
              `the bytes after the end of its gzip data are not gzip data; ignored, as gzip -dc ignores trailing garbage`,
            );
            return finish();
          }
        }
        pull.close?.();
        throw new DecompressionError(compression, start, delivered, error);
      }
      if (chunk === null) {
        if (pull.trailing)
          options.onWarning?.(
            `${pull.trailing} bytes after the end of its ${compression} data are not ${compression} data; ignored, as gzip -dc ignores trailing garbage`,
          );
        return finish();
      }
      made += chunk.length;
      framePoints?.output(chunk);
      if (toDiscard > 0) {
        if (chunk.length <= toDiscard) {
          toDiscard -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(toDiscard);
        toDiscard = 0;
      }
      if (
        delivered + chunk.length > limit.floorBytes &&
        delivered + chunk.length > limit.ratio * compressedRead
      ) {
        const error = new ExpansionLimitError(compression, delivered + chunk.length, compressedRead, limit);
        pull.close?.();
        ended = true;
        throw new DecompressionError(compression, start, delivered, error);
      }
      delivered += chunk.length;
      return chunk;
    }
  };
  const reader = new StreamReader(next, volatile && compression === 'zstd');
  return Object.assign(reader, { close: () => void finish() });
}
