import { createCRC32 } from 'hash-wasm';
import type { ByteSource } from '../bytes/byteSource';
import { DEFAULT_WINDOW, prefetchedChunksOf, type SequentialReader, StreamReader } from '../bytes/reader';
import { GzipInflater, type InflateStart, type MemberChecksum } from './inflate';
import {
  CHECK_BYTES,
  CheckHash,
  POINT_BLOCK,
  POINT_FRAME,
  POINT_MEMBER,
  type SeekPointRecorder,
  type SeekPoints,
  windowOf,
} from './seekPoints';
import { zstdPuller } from './zstd';

/** A pull function over decoded pieces, with the bytes found after the last gzip member. */
export type InflaterPull = (() => Promise<Uint8Array | null>) & { trailing?: number };

/** Our gzip decoder over a chunk stream; with a recorder, it keeps seek points as it goes. */
export function inflaterPuller(
  input: AsyncIterator<Uint8Array>,
  recorder?: SeekPointRecorder,
  start: InflateStart = {},
): InflaterPull {
  let inflater: GzipInflater | null = null;
  let ended = false;
  const pull: InflaterPull = async () => {
    if (!inflater) {
      const crc = await createCRC32();
      const checksum: MemberChecksum = {
        init: () => crc.init(),
        update: (bytes) => crc.update(bytes),
        value: () => Number.parseInt(crc.digest('hex'), 16),
      };
      inflater = new GzipInflater(start, { ...recorder?.inflateHooks(), checksum });
    }
    for (;;) {
      const piece = inflater.pull();
      if (piece) return piece;
      if (inflater.finished || ended) {
        pull.trailing = inflater.trailing;
        return null;
      }
      const next = await input.next();
      if (next.done) {
        inflater.end();
        ended = true;
      } else inflater.push(next.value);
    }
  };
  return pull;
}

/** Offsets of a reader that starts part-way into the layer count from the layer's start. */
class ShiftedReader implements SequentialReader {
  readonly length = undefined;
  constructor(
    private readonly inner: StreamReader,
    private readonly base: number,
    private readonly release: () => void,
  ) {}
  get position(): number {
    return this.base + this.inner.position;
  }
  read(n: number): Promise<Uint8Array> {
    return this.inner.read(n);
  }
  skip(n: number): Promise<number> {
    return this.inner.skip(n);
  }
  readBuffered(n: number): Uint8Array | null {
    return this.inner.readBuffered(n);
  }
  close(): void {
    this.release();
  }
}

/**
 * A reader of a gzip layer (`source[start, end)`) from seek point `i` on, its `position` counted
 * from the layer's start; null when the point does not check out (its window, or the first
 * CHECK_BYTES decoded from it, hash to something else, or decoding from it fails), so that the
 * caller reads from the start instead and never hands out wrong bytes.
 */
export async function openAtSeekPoint(
  source: ByteSource,
  start: number,
  end: number,
  points: SeekPoints,
  i: number,
): Promise<SequentialReader | null> {
  const kind = points.kinds[i];
  const bit = points.bitOffsets[i];
  const byte = Math.floor(bit / 8);
  if (!(byte >= 0 && start + byte < end)) return null;
  const window = windowOf(points, i);
  const input = prefetchedChunksOf(source, start + byte, end, Math.min(DEFAULT_WINDOW, 512 * 1024));
  const chunks = input[Symbol.asyncIterator]();
  let pull: (() => Promise<Uint8Array | null>) & { close?(): void };
  if (kind === POINT_FRAME) pull = zstdPuller(chunks);
  else if (kind === POINT_BLOCK)
    pull = inflaterPuller(chunks, undefined, { atBlock: true, skipBits: bit % 8, window });
  else if (kind === POINT_MEMBER) pull = inflaterPuller(chunks, undefined, { midStream: true });
  else return null;
  const hash = new CheckHash();
  hash.update(window);
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  try {
    while (headBytes < CHECK_BYTES) {
      const piece = await pull();
      if (piece === null) {
        done = true;
        break;
      }
      const part = piece.subarray(0, CHECK_BYTES - headBytes);
      hash.update(part);
      head.push(piece);
      headBytes += piece.length;
    }
  } catch {
    pull.close?.();
    return null;
  }
  if (headBytes < CHECK_BYTES || hash.digest() !== points.checks[i]) {
    pull.close?.();
    return null;
  }
  const reader = new StreamReader(async () => {
    const first = head.shift();
    if (first) return first;
    return done ? null : pull();
  });
  return new ShiftedReader(reader, points.outOffsets[i], () => pull.close?.());
}
