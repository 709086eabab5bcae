import { Gunzip } from 'fflate';
import { Decompress as ZstdDecompress } from 'fzstd';
import type { ByteSource } from '../bytes/byteSource';
import { chunksOf, type SequentialReader, StreamReader } from '../bytes/reader';
import type { Compression } from './sniff';

/** Input fed to the JS decoders per step: small, because each step's whole output is queued at once. */
const JS_DECODER_INPUT = 64 * 1024;

export class DecompressionError extends Error {
  constructor(
    readonly compression: Compression,
    readonly compressedOffset: number,
    readonly decompressedOffset: number,
    cause: unknown,
  ) {
    super(
      `${compression} data is corrupt or truncated after ${decompressedOffset} decompressed bytes: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
    this.name = 'DecompressionError';
  }
}

type ChunkPuller = () => Promise<Uint8Array | null>;

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
  return async () => {
    while (queue.length === 0 && !finished) {
      if (pending === null || pendingPos >= pending.length) {
        const next = await input.next();
        if (next.done) {
          decoder.push(new Uint8Array(0), true);
          finished = true;
          break;
        }
        pending = next.value;
        pendingPos = 0;
      }
      const piece = pending.subarray(pendingPos, pendingPos + pieceSize);
      pendingPos += piece.length;
      produced = 0;
      decoder.push(piece, false);
      const ratio = Math.max(1, produced / piece.length);
      pieceSize = Math.max(MIN_PIECE, Math.min(JS_DECODER_INPUT, Math.floor(OUTPUT_BUDGET / ratio)));
    }
    return queue.shift() ?? null;
  };
}

function nativeGunzip(input: AsyncGenerator<Uint8Array>): ChunkPuller {
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await input.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  }).pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  const reader = stream.getReader();
  return async () => {
    const r = await reader.read();
    return r.done ? null : r.value;
  };
}

function isTrailingDataError(error: unknown): boolean {
  return error instanceof Error && /junk|trailing|after end/i.test(error.message);
}

/**
 * A forward-only reader over the decompressed bytes of `source[start, end)`. gzip goes through the
 * platform's DecompressionStream; where that refuses a multi-member gzip (eStargz writes one member
 * per file), we restart with fflate and drop what was already delivered, so the caller never
 * notices. zstd goes through fzstd (Chromium has no zstd DecompressionStream).
 */
export function decompressedReader(
  source: ByteSource,
  start: number,
  end: number,
  compression: Compression,
  onInput?: (compressedBytes: number) => void,
): SequentialReader {
  return decompressChunks(
    async function* () {
      for await (const chunk of chunksOf(source, start, end)) {
        yield chunk;
        onInput?.(chunk.length);
      }
    },
    compression,
    true,
    start,
  );
}

/**
 * The same over any chunk stream. `restartable` says whether `input` may be called again to read
 * the data a second time (true for a file; false for a member inside a compressed outer archive,
 * which then goes straight to fflate for gzip).
 */
export function decompressChunks(
  input: () => AsyncGenerator<Uint8Array>,
  compression: Compression,
  restartable: boolean,
  start = 0,
): SequentialReader {
  if (compression === 'none') throw new Error('decompressChunks needs compressed data');
  let delivered = 0;
  let usingFallback = !restartable;
  const open = (fallback: boolean): ChunkPuller => {
    if (compression === 'zstd') return pullFromPushDecoder(input(), (ondata) => new ZstdDecompress(ondata));
    if (fallback || typeof DecompressionStream === 'undefined') {
      return pullFromPushDecoder(input(), (ondata) => new Gunzip(ondata));
    }
    return nativeGunzip(input());
  };
  let pull = open(usingFallback);
  let toDiscard = 0;
  const next = async (): Promise<Uint8Array | null> => {
    for (;;) {
      let chunk: Uint8Array | null;
      try {
        chunk = await pull();
      } catch (error) {
        if (compression === 'gzip' && !usingFallback && isTrailingDataError(error)) {
          usingFallback = true;
          pull = open(true);
          toDiscard = delivered;
          continue;
        }
        throw new DecompressionError(compression, start, delivered, error);
      }
      if (chunk === null) return null;
      if (toDiscard > 0) {
        if (chunk.length <= toDiscard) {
          toDiscard -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(toDiscard);
        toDiscard = 0;
      }
      delivered += chunk.length;
      return chunk;
    }
  };
  return new StreamReader(next);
}
