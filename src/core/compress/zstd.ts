import { ZstdFrameScanner } from './zstdFrames';
import { ZSTD_VERSION, ZSTD_WASM_BASE64 } from './zstdWasm.generated';

/**
 * zstd decoding with zstd's own C decoder compiled to WebAssembly (scripts/build-zstd-wasm.sh;
 * the C API is zstdWasm/glue.c). `ZstdDecoder` has the push/ondata shape of fzstd's `Decompress`
 * and a pull side; `zstdPuller` turns a chunk stream into output pieces (what decompress.ts uses).
 * Concatenated frames and skippable frames (zstd:chunked) are read as one stream.
 *
 * - Windows over 128 MiB (libzstd's default limit) are refused before anything is allocated, so
 *   a few hostile bytes cannot claim gigabytes; the window is a ring buffer, so decoding time
 *   follows the data, not the declared window.
 * - Output comes in pieces of at most OUTPUT_CAPACITY bytes, copied out of WASM memory. Pulled,
 *   output is made only as it is asked for; pushed, a push's output is bounded by its input
 *   (each 4-byte RLE block is 128 KiB), so the caller bounds memory by the size of its pushes.
 * - A block is decoded only once all of it has arrived: input cut short ends the output on a
 *   block boundary.
 * - The WASM module is instantiated once per process or worker, on first use: asynchronously with
 *   `loadZstd()` (zstdPuller does), else synchronously when a decoder is created (fine in Node and
 *   workers; a browser's main thread should call `loadZstd()` first).
 */

/** Input buffered in WASM memory per decoder: room for the largest block (128 KiB) held back whole. */
const INPUT_CAPACITY = 256 * 1024;
/** Output buffer per decoder, and the largest piece `ondata` gets. */
export const OUTPUT_CAPACITY = 256 * 1024;
/** The largest window a frame may declare (windowLog 27): set in glue.c, checked at load. */
export const ZSTD_WINDOW_SIZE_MAX = 128 * 1024 * 1024;

/** ZSTD_ErrorCode values (zstd_errors.h) that get a message of their own. */
const ERROR_WINDOW_TOO_LARGE = 16;
/** ZSTD_error_prefix_unknown: the bytes where a frame should start are not a zstd frame. */
const ERROR_PREFIX_UNKNOWN = 10;
/** ZSTD_error_frameParameter_unsupported: among others, a window log zstd does not support at all. */
const ERROR_FRAME_PARAMETER_UNSUPPORTED = 14;

export { ZSTD_VERSION };

interface ZstdExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  zw_create(): number;
  zw_reset(ds: number): number;
  zw_free(ds: number): void;
  zw_decompress(ds: number, output: number, input: number): number;
  zw_is_error(code: number): number;
  zw_error_code(code: number): number;
  zw_error_name(code: number): number;
  zw_frame_window_size(ds: number): number;
  zw_window_size_max(): number;
  zw_block_size_max(): number;
  zw_version(): number;
}

const FUNCTIONS = [
  'malloc',
  'free',
  'zw_create',
  'zw_reset',
  'zw_free',
  'zw_decompress',
  'zw_is_error',
  'zw_error_code',
  'zw_error_name',
  'zw_frame_window_size',
  'zw_window_size_max',
  'zw_block_size_max',
  'zw_version',
] as const;

function wasmBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(ZSTD_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function checkExports(instance: WebAssembly.Instance): ZstdExports {
  const exports = instance.exports;
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new Error('zstd WASM module exports no memory');
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== 'function') throw new Error(`zstd WASM module lacks ${name}`);
  }
  const zstd = exports as unknown as ZstdExports;
  if (zstd.zw_window_size_max() !== ZSTD_WINDOW_SIZE_MAX || zstd.zw_block_size_max() > INPUT_CAPACITY / 2) {
    throw new Error('zstd WASM module does not match zstd.ts (rebuild with scripts/build-zstd-wasm.sh)');
  }
  return zstd;
}

let loaded: ZstdExports | null = null;
let loading: Promise<ZstdExports> | null = null;

/** Instantiates the module ahead of time, asynchronously (once; later calls share the promise). */
export function loadZstd(): Promise<void> {
  if (loaded) return Promise.resolve();
  loading ??= WebAssembly.instantiate(wasmBytes(), {}).then(({ instance }) => {
    loaded ??= checkExports(instance);
    return loaded;
  });
  return loading.then(() => undefined);
}

/** The instance, compiled synchronously if `loadZstd()` has not done it yet (fine in Node and workers). */
function zstdModule(): ZstdExports {
  loaded ??= checkExports(new WebAssembly.Instance(new WebAssembly.Module(wasmBytes()), {}));
  return loaded;
}

/** Bytes of WASM memory the decoders have grown to (0 before first use): it never shrinks. */
export function zstdMemorySize(): number {
  return loaded ? loaded.memory.buffer.byteLength : 0;
}

/** A decoding failure: zstd's error name (or "unexpected EOF") and where in the input it happened. */
export class ZstdError extends Error {
  constructor(
    message: string,
    /** zstd's ZSTD_ErrorCode, or null when the input simply ended inside a frame. */
    readonly zstdCode: number | null,
    /** Compressed bytes consumed before the failure. */
    readonly inputOffset: number,
  ) {
    super(message);
    this.name = 'ZstdError';
  }
}

interface Resources {
  ds: number;
  buffers: number;
}

const registry =
  typeof FinalizationRegistry === 'undefined'
    ? null
    : new FinalizationRegistry<Resources>((r) => {
        const zstd = loaded;
        if (!zstd) return;
        zstd.zw_free(r.ds);
        zstd.free(r.buffers);
      });

/** Bytes as people read them: 128 MiB, 4 GiB, 2 TiB. */
function describeWindow(log: { windowLog: number; bytes: number }): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let unit = 0;
  let value = log.bytes;
  while (value >= 1024 && unit < units.length - 1 && Number.isInteger(value / 1024)) {
    value /= 1024;
    unit++;
  }
  return `a window of ${value} ${units[unit]} (window log ${log.windowLog})`;
}

/**
 * The window a zstd frame header at the start of `bytes` declares (RFC 8878 3.1.1.1), or null
 * when `bytes` does not start with a frame header that has a window descriptor.
 */
function declaredWindow(bytes: Uint8Array): { windowLog: number; bytes: number } | null {
  if (bytes.length < 6 || bytes[0] !== 0x28 || bytes[1] !== 0xb5 || bytes[2] !== 0x2f || bytes[3] !== 0xfd)
    return null;
  const singleSegment = (bytes[4] >> 5) & 1;
  if (singleSegment) return null;
  const exponent = bytes[5] >> 3;
  const mantissa = bytes[5] & 7;
  const windowLog = 10 + exponent;
  const base = 2 ** windowLog;
  return { windowLog, bytes: base + (base / 8) * mantissa };
}

/**
 * Streaming zstd decoder. Two ways to drive it:
 * - push: `push(chunk)` decodes all of `chunk` and hands the output to `ondata` (fzstd's shape);
 *   a push with `final` ends the stream, and throws unless the input ended with a whole frame.
 * - pull: `write(chunk)` buffers input, `read()` decodes and returns one piece once the output
 *   buffer is full (null: more input needed), `take()` returns the output so far, `end()` checks
 *   the end. `zstdPuller` drives a chunk stream this way, so output is made only as it is read.
 * Errors are `ZstdError`s; after one (or after the end), the decoder's WASM memory is freed. A
 * decoder dropped unfinished is freed when garbage-collected.
 */
export class ZstdDecoder {
  ondata: (chunk: Uint8Array, final?: boolean) => void;
  private readonly zstd: ZstdExports;
  private resources: Resources | null;
  private readonly inPtr: number;
  private readonly outPtr: number;
  /** ZSTD_inBuffer then ZSTD_outBuffer: { pointer, size, pos } each, as u32. */
  private readonly structPtr: number;
  /** Output room below which the glue stops: one whole block. */
  private readonly blockMax: number;
  private inStart = 0;
  private inEnd = 0;
  private outLen = 0;
  private consumed = 0;
  private midFrame = false;
  private heap: Uint8Array;
  private words: Uint32Array;

  constructor(ondata?: (chunk: Uint8Array, final?: boolean) => void) {
    this.ondata = ondata ?? (() => {});
    this.zstd = zstdModule();
    this.blockMax = this.zstd.zw_block_size_max();
    const ds = this.zstd.zw_create();
    if (ds === 0) throw new Error('zstd: out of memory creating a decoder');
    const buffers = this.zstd.malloc(INPUT_CAPACITY + OUTPUT_CAPACITY + 32);
    if (buffers === 0) {
      this.zstd.zw_free(ds);
      throw new Error('zstd: out of memory creating a decoder');
    }
    this.resources = { ds, buffers };
    registry?.register(this, this.resources, this);
    this.inPtr = buffers;
    this.outPtr = buffers + INPUT_CAPACITY;
    this.structPtr = buffers + INPUT_CAPACITY + OUTPUT_CAPACITY;
    this.heap = new Uint8Array(this.zstd.memory.buffer);
    this.words = new Uint32Array(this.zstd.memory.buffer);
  }

  /** Compressed bytes consumed so far. */
  get inputOffset(): number {
    return this.consumed;
  }

  private taken = 0;
  /** Output bytes decoded so far (handed out or still buffered). */
  get outputOffset(): number {
    return this.taken + this.outLen;
  }

  /**
   * Bytes after the last whole frame that are not a frame (0: none), ignored as `gzip -dc` and
   * `zstd -dc` ignore them; the caller says so in a warning.
   */
  trailing = 0;

  /**
   * Whether a frame came before the failing bytes: zstd checks a frame's magic number only where a
   * frame starts, so an unknown prefix after input was consumed follows a whole frame.
   */
  private framesRead(): boolean {
    return this.consumed > 0;
  }

  /** Decodes `chunk`, handing the output to `ondata`; with `final`, also ends the stream. */
  push(chunk: Uint8Array, final = false): void {
    try {
      let offset = 0;
      for (;;) {
        const written = this.write(chunk.subarray(offset));
        offset += written;
        let piece = this.read();
        const progress = written > 0 || piece !== null;
        while (piece) {
          this.ondata(piece, false);
          piece = this.read();
        }
        if (offset >= chunk.length) break;
        if (!progress) throw new ZstdError('zstd: the decoder made no progress', null, this.consumed);
      }
      const rest = this.take();
      if (final) {
        if (this.complete) {
          this.ondata(rest, true);
        } else if (rest.length > 0) {
          this.ondata(rest, false);
        }
        this.end();
      } else if (rest.length > 0) {
        this.ondata(rest, false);
      }
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** Buffers as much of `chunk` as there is room for (at least 128 KiB once read() returns null). */
  write(chunk: Uint8Array): number {
    this.live();
    if (this.trailing > 0) {
      // past the last frame: everything else is the garbage gzip -dc would ignore too
      this.trailing += chunk.length;
      return chunk.length;
    }
    if (this.inStart === this.inEnd) {
      this.inStart = this.inEnd = 0;
    } else if (this.inStart > 0 && INPUT_CAPACITY - this.inEnd < chunk.length) {
      // move what is left (at most one held-back block) to the start of the input buffer
      this.view().copyWithin(this.inPtr, this.inPtr + this.inStart, this.inPtr + this.inEnd);
      this.inEnd -= this.inStart;
      this.inStart = 0;
    }
    const n = Math.min(INPUT_CAPACITY - this.inEnd, chunk.length);
    if (n > 0) {
      this.view().set(n === chunk.length ? chunk : chunk.subarray(0, n), this.inPtr + this.inEnd);
      this.inEnd += n;
    }
    return n;
  }

  /**
   * Decodes the buffered input. Returns the output buffer's content once it is full (at most
   * OUTPUT_CAPACITY bytes), or null when the buffered input is used up (write more, or take()).
   */
  read(): Uint8Array | null {
    const ds = this.live();
    // Past the last frame (trailing garbage): nothing more to decode, and zstd's state is spent.
    if (this.trailing > 0) return this.outLen > 0 ? this.take() : null;
    if (OUTPUT_CAPACITY - this.outLen < this.blockMax) return this.take();
    const s = this.structPtr >>> 2;
    const words = this.words32();
    words[s] = this.inPtr;
    words[s + 1] = this.inEnd;
    words[s + 2] = this.inStart;
    words[s + 3] = this.outPtr;
    words[s + 4] = OUTPUT_CAPACITY;
    words[s + 5] = this.outLen;
    const result = this.zstd.zw_decompress(ds, this.structPtr + 12, this.structPtr);
    const after = this.words32();
    const inPos = after[s + 2];
    this.consumed += inPos - this.inStart;
    this.inStart = inPos;
    this.outLen = after[s + 5];
    if (this.zstd.zw_is_error(result)) {
      if (this.zstd.zw_error_code(result) === ERROR_PREFIX_UNKNOWN && this.framesRead()) {
        // gzip -dc's rule: what follows the last whole frame and is not a frame is ignored.
        this.trailing = this.inEnd - this.inStart;
        this.inStart = this.inEnd;
        this.midFrame = false;
        return OUTPUT_CAPACITY - this.outLen < this.blockMax ? this.take() : null;
      }
      const error = this.error(result);
      this.release();
      throw error;
    }
    this.midFrame = result !== 0;
    return OUTPUT_CAPACITY - this.outLen < this.blockMax ? this.take() : null;
  }

  /**
   * Output pieces are views into WASM memory instead of copies: each is valid only until the next
   * call to the decoder. Copying 1.5 GB of output out piece by piece took 14 % of a worker's time
   * (and its garbage, more), while the tar walker keeps nothing but a header's worth of a piece.
   */
  volatileOutput = false;

  /** The output decoded so far and not yet returned (possibly empty), copied out unless volatileOutput. */
  take(): Uint8Array {
    if (this.outLen === 0) return new Uint8Array(0);
    const heap = this.view();
    const piece = this.volatileOutput
      ? heap.subarray(this.outPtr, this.outPtr + this.outLen)
      : heap.slice(this.outPtr, this.outPtr + this.outLen);
    this.taken += this.outLen;
    this.outLen = 0;
    return piece;
  }

  /** Whether the input so far ends with a whole frame (or holds none) and all of it was decoded. */
  get complete(): boolean {
    return !this.midFrame && this.inStart === this.inEnd;
  }

  /** Ends the stream and frees the decoder: throws ZstdError "unexpected EOF" unless complete. */
  end(): void {
    const complete = this.complete;
    this.release();
    if (!complete) throw new ZstdError('unexpected EOF', null, this.consumed);
  }

  /** Forgets the stream so far (a new stream can then be pushed); not needed after `final`. */
  reset(): void {
    this.zstd.zw_reset(this.live());
    this.inStart = this.inEnd = this.outLen = this.consumed = 0;
    this.midFrame = false;
  }

  /** Frees the decoder's WASM memory now (idempotent); it cannot be used afterwards. */
  free(): void {
    this.release();
  }

  private live(): number {
    if (!this.resources) throw new Error('zstd: decoder used after the stream ended or failed');
    return this.resources.ds;
  }

  private release(): void {
    if (!this.resources) return;
    registry?.unregister(this);
    this.zstd.zw_free(this.resources.ds);
    this.zstd.free(this.resources.buffers);
    this.resources = null;
  }

  /**
   * The frame header the decoder stopped in: the last frame magic at or before the input position
   * (a header is at most 18 bytes and zstd takes it in pieces, so it may start a little before).
   */
  private headerAtFailure(
    heap: Uint8Array,
  ): { skippable?: number; window?: { windowLog: number; bytes: number } } | null {
    const input = heap.subarray(this.inPtr, this.inPtr + this.inEnd);
    for (let at = Math.min(this.inStart, input.length - 4); at >= Math.max(0, this.inStart - 18); at--) {
      if (
        input[at + 1] === 0x2a &&
        input[at + 2] === 0x4d &&
        input[at + 3] === 0x18 &&
        (input[at] & 0xf0) === 0x50
      ) {
        if (at + 8 > input.length) return null;
        const size =
          input[at + 4] + input[at + 5] * 2 ** 8 + input[at + 6] * 2 ** 16 + input[at + 7] * 2 ** 24;
        // 8 bytes of header plus the content must fit a 32-bit size, as in this decoder
        return size + 8 > 0xffffffff ? { skippable: size } : null;
      }
      const window = declaredWindow(input.subarray(at));
      if (window) return { window };
    }
    return null;
  }

  /** The heap as bytes: a new view whenever the memory has grown (the old one is then detached). */
  private view(): Uint8Array {
    if (this.heap.buffer !== this.zstd.memory.buffer) {
      this.heap = new Uint8Array(this.zstd.memory.buffer);
      this.words = new Uint32Array(this.zstd.memory.buffer);
    }
    return this.heap;
  }

  private words32(): Uint32Array {
    this.view();
    return this.words;
  }

  private error(result: number): ZstdError {
    const zstd = this.zstd;
    const code = zstd.zw_error_code(result);
    const heap = this.view();
    const namePtr = zstd.zw_error_name(result);
    let end = namePtr;
    while (heap[end] !== 0) end++;
    let message = new TextDecoder().decode(heap.subarray(namePtr, end));
    // zstd names the rule a refused header broke, not what the header said: read the header.
    const header = this.headerAtFailure(heap);
    if (header?.skippable !== undefined) {
      message = `a skippable frame declares ${header.skippable} bytes of content, more than there can be in a layer read by this 32-bit decoder: the data is corrupt`;
    } else if (
      header?.window &&
      (code === ERROR_WINDOW_TOO_LARGE || code === ERROR_FRAME_PARAMETER_UNSUPPORTED)
    ) {
      message += `: the frame declares ${describeWindow(header.window)}`;
      if (code === ERROR_WINDOW_TOO_LARGE) message += `, over the ${ZSTD_WINDOW_SIZE_MAX}-byte limit`;
    }
    return new ZstdError(`${message} (after ${this.consumed} compressed bytes)`, code, this.consumed);
  }
}

/**
 * Decodes a stream of compressed chunks one output piece per call (null at the end), reading
 * input only as output is asked for: memory holds one piece and one input chunk, whatever the
 * compression ratio, so a zstd bomb is never queued. Output decoded before an error is returned
 * first; the error is thrown by the next call. Instantiates the WASM module asynchronously.
 * `volatile`: each piece is a view valid only until the next call (see ZstdDecoder.volatileOutput).
 */
export function zstdPuller(
  input: AsyncIterator<Uint8Array>,
  volatile = false,
  /**
   * Told where each frame after the first starts (compressed and decompressed offsets), for seek
   * points: input is then handed to the decoder up to each frame start, where it stops, complete.
   */
  onFrameStart?: (inputOffset: number, outputOffset: number) => void,
): ZstdPull {
  let decoder: ZstdDecoder | null = null;
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0;
  const frames = onFrameStart ? new ZstdFrameScanner() : null;
  let offset = 0;
  let inputDone = false;
  let finished = false;
  const pull = (async () => {
    if (finished) return null;
    if (!decoder) {
      await loadZstd();
      decoder = new ZstdDecoder();
      decoder.volatileOutput = volatile;
    }
    for (;;) {
      const piece = decoder.read();
      if (piece) return piece;
      if (offset < chunk.length) {
        const at = chunkStart + offset;
        const chunkEnd = chunkStart + chunk.length;
        let limit = chunk.length;
        if (frames) {
          let next = frames.nextAfter(at - 1);
          if (next === at) {
            // every byte before this frame was written and, read() being done, decoded
            if (decoder.inputOffset === at && decoder.complete) onFrameStart?.(at, decoder.outputOffset);
            next = frames.nextAfter(at);
          }
          if (next !== null && next < chunkEnd) limit = next - chunkStart;
        }
        offset += decoder.write(
          offset === 0 && limit === chunk.length ? chunk : chunk.subarray(offset, limit),
        );
        continue;
      }
      // the buffered input is used up: hand over what it made before waiting for more
      const rest = decoder.take();
      if (rest.length > 0) return rest;
      if (inputDone) {
        finished = true;
        pull.trailing = decoder.trailing;
        decoder.end();
        return null;
      }
      const next = await input.next();
      if (next.done) inputDone = true;
      else {
        chunkStart += chunk.length;
        chunk = next.value;
        offset = 0;
        frames?.feed(chunk);
      }
    }
  }) as ZstdPull;
  pull.trailing = 0;
  // A reader that stops early (the tar walker at the end-of-archive blocks) frees the decoder now:
  // a 128 MiB window left for the garbage collector is 128 MiB of WASM memory it never sees.
  pull.close = () => {
    finished = true;
    decoder?.free();
  };
  return pull;
}

/** zstdPuller's pull function, with what it found after the last frame and a way to stop early. */
export interface ZstdPull {
  (): Promise<Uint8Array | null>;
  /** Bytes after the last frame that were ignored (known at the end of the stream). */
  trailing: number;
  /** Frees the decoder's memory; later pulls return null. */
  close(): void;
}

/** Decodes a whole zstd stream at once (tests, small data). */
export function zstdDecompressSync(data: Uint8Array): Uint8Array {
  const pieces: Uint8Array[] = [];
  const decoder = new ZstdDecoder((chunk) => {
    if (chunk.length) pieces.push(chunk);
  });
  decoder.push(data, true);
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
