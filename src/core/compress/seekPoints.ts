import type { BoundaryInfo, InflateOptions } from './inflate';
import { WINDOW_SIZE } from './inflate';

/**
 * Places in a compressed layer where decoding can start without decoding what comes before, as
 * zlib's zran keeps them: every `spacing` bytes of output or more, a deflate block boundary's bit
 * position with the 32 KiB of output before it (the back-references' reach), or the start of a
 * gzip member (eStargz) or of a zstd frame, which need no window. A reader of a file then decodes
 * from the last point before the file, at most about `spacing` bytes of output.
 *
 * Plain data with typed arrays, so it is structured-cloneable and its buffers transferable (a
 * decode worker hands it to the model's owner) and stored as is in a saved index.
 */
export interface SeekPoints {
  /** Output (decompressed) bytes between two points at least, doubled whenever the cap is reached. */
  spacing: number;
  /** Decompressed offset of each point, ascending. */
  outOffsets: Float64Array;
  /** Compressed offset of each point in bits, from the layer's first byte. */
  bitOffsets: Float64Array;
  /** POINT_BLOCK, POINT_MEMBER or POINT_FRAME per point. */
  kinds: Uint8Array;
  /** Length of each point's window in `windows` (0 where none is needed). */
  windowLengths: Uint32Array;
  /** The windows, one after another. */
  windows: Uint8Array;
  /**
   * Per point, a hash of its window and of the first CHECK_BYTES of output after it: a resumed
   * decoder compares before it hands out a byte, so a damaged point costs a read from the start,
   * never wrong bytes.
   */
  checks: Uint32Array;
}

/** A deflate block boundary: decoding starts at a bit position with a preset window. */
export const POINT_BLOCK = 0;
/** The start of a gzip member: a gzip header, no window. */
export const POINT_MEMBER = 1;
/** The start of a zstd frame: no window. */
export const POINT_FRAME = 2;

/** Default spacing: 4 MiB of output, so a point's 32 KiB window costs 0.78% of the output. */
export const DEFAULT_SPACING = 4 * 1024 * 1024;
/** Points per layer at most: 32 MiB of windows; past it the spacing doubles and every other point goes. */
export const MAX_POINTS_PER_LAYER = 1024;
/** The points of all layers of an archive together at most (see fitToBudget). */
export const MAX_POINT_BYTES_PER_ARCHIVE = 64 * 1024 * 1024;
/** Output after a point that its check covers. */
export const CHECK_BYTES = 4096;

/** FNV-1a, 32 bits: a check against damage, not an adversary (the saved index has its CRC). */
export class CheckHash {
  private h = 0x811c9dc5;
  fed = 0;
  update(bytes: Uint8Array): void {
    let h = this.h;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    this.h = h;
    this.fed += bytes.length;
  }
  digest(): number {
    return this.h >>> 0;
  }
}

interface RecordedPoint {
  out: number;
  bit: number;
  kind: number;
  window: Uint8Array;
  hash: CheckHash | null;
  check: number;
}

/**
 * Collects the points while a layer is decoded: hand `inflateHooks()` to the gzip decoder (or call
 * `frameStart` for zstd), then take `result()` once the layer is read.
 */
export class SeekPointRecorder {
  private points: RecordedPoint[] = [];
  private pending: RecordedPoint[] = [];
  /** Output bytes seen by onOutput so far. */
  private seen = 0;

  constructor(
    private spacing = DEFAULT_SPACING,
    private readonly maxPoints = MAX_POINTS_PER_LAYER,
  ) {}

  private due(out: number): boolean {
    const last = this.points.length ? this.points[this.points.length - 1].out : 0;
    return out - last >= this.spacing;
  }

  private add(point: RecordedPoint): void {
    if (this.points.length >= this.maxPoints) {
      this.points = this.points.filter((_, i) => i % 2 === 1);
      this.spacing *= 2;
      if (!this.due(point.out)) return;
    }
    point.hash = new CheckHash();
    point.hash.update(point.window);
    this.points.push(point);
    this.pending.push(point);
  }

  inflateHooks(): InflateOptions {
    let waiting: RecordedPoint | null = null;
    return {
      onBoundary: (boundary: BoundaryInfo) => {
        if (boundary.outOffset === 0 || !this.due(boundary.outOffset)) return false;
        const point = {
          out: boundary.outOffset,
          bit: boundary.bitOffset,
          kind: boundary.memberStart ? POINT_MEMBER : POINT_BLOCK,
          window: new Uint8Array(0),
          hash: null,
          check: 0,
        };
        if (boundary.memberStart) {
          this.add(point);
          return false;
        }
        waiting = point;
        return true;
      },
      onWindow: (window) => {
        if (!waiting) return;
        waiting.window = window.slice();
        this.add(waiting);
        waiting = null;
      },
      onOutput: (buffer, from, to) => this.output(buffer.subarray(from, to)),
    };
  }

  /** A zstd frame starts at compressed byte `byteOffset`, after `outOffset` bytes of output. */
  frameStart(outOffset: number, byteOffset: number): void {
    if (outOffset === 0 || !this.due(outOffset)) return;
    this.add({
      out: outOffset,
      bit: byteOffset * 8,
      kind: POINT_FRAME,
      window: new Uint8Array(0),
      hash: null,
      check: 0,
    });
  }

  /** Output in order, to finish the points' checks. */
  output(bytes: Uint8Array): void {
    const start = this.seen;
    this.seen += bytes.length;
    while (this.pending.length) {
      const point = this.pending[0];
      const hash = point.hash as CheckHash;
      const from = Math.max(point.out + hash.fed - point.window.length, start);
      const to = Math.min(point.out + CHECK_BYTES, this.seen);
      if (from < to) hash.update(bytes.subarray(from - start, to - start));
      if (point.out + CHECK_BYTES > this.seen) break;
      point.check = hash.digest();
      this.pending.shift();
    }
  }

  /**
   * The points, once the layer went through. A point with fewer than CHECK_BYTES of output seen
   * after it is left out (the walk stops at the tar's end): its check could not be finished.
   */
  result(): SeekPoints | null {
    const unfinished = new Set(this.pending);
    this.points = this.points.filter((point) => !unfinished.has(point));
    this.pending = [];
    const n = this.points.length;
    if (n === 0) return null;
    const windowLengths = new Uint32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += windowLengths[i] = this.points[i].window.length;
    const windows = new Uint8Array(total);
    let at = 0;
    for (const point of this.points) {
      windows.set(point.window, at);
      at += point.window.length;
    }
    return {
      spacing: this.spacing,
      outOffsets: Float64Array.from(this.points, (p) => p.out),
      bitOffsets: Float64Array.from(this.points, (p) => p.bit),
      kinds: Uint8Array.from(this.points, (p) => p.kind),
      windowLengths,
      windows,
      checks: Uint32Array.from(this.points, (p) => p.check),
    };
  }
}

/** The index of the last point at or before decompressed offset `offset`, or -1. */
export function pointBefore(points: SeekPoints, offset: number): number {
  let lo = 0;
  let hi = points.outOffsets.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points.outOffsets[mid] <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Point `i`'s window (a view into `points.windows`). */
export function windowOf(points: SeekPoints, i: number): Uint8Array {
  let start = 0;
  for (let k = 0; k < i; k++) start += points.windowLengths[k];
  return points.windows.subarray(start, start + points.windowLengths[i]);
}

/** Bytes the points hold: what the memory bound counts. */
export function seekPointBytes(points: SeekPoints): number {
  return (
    points.windows.byteLength +
    points.outOffsets.byteLength +
    points.bitOffsets.byteLength +
    points.kinds.byteLength +
    points.windowLengths.byteLength +
    points.checks.byteLength
  );
}

/** Checks the shape of points read back from storage; a reason, or null when they are usable. */
export function seekPointsProblem(points: SeekPoints): string | null {
  const n = points.outOffsets.length;
  if (
    points.bitOffsets.length !== n ||
    points.kinds.length !== n ||
    points.windowLengths.length !== n ||
    points.checks.length !== n
  )
    return 'columns of different lengths';
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && !(points.outOffsets[i] > points.outOffsets[i - 1])) return 'offsets not ascending';
    if (points.windowLengths[i] > WINDOW_SIZE || points.kinds[i] > POINT_FRAME) return 'bad point';
    total += points.windowLengths[i];
  }
  return total === points.windows.length ? null : 'windows do not add up';
}

/** Every other point (the odd ones, so the last stays), the spacing doubled. */
export function thinned(points: SeekPoints): SeekPoints {
  const keep: number[] = [];
  for (let i = 1; i < points.outOffsets.length; i += 2) keep.push(i);
  const windows = new Uint8Array(keep.reduce((n, i) => n + points.windowLengths[i], 0));
  let at = 0;
  for (const i of keep) {
    windows.set(windowOf(points, i), at);
    at += points.windowLengths[i];
  }
  return {
    spacing: points.spacing * 2,
    outOffsets: Float64Array.from(keep, (i) => points.outOffsets[i]),
    bitOffsets: Float64Array.from(keep, (i) => points.bitOffsets[i]),
    kinds: Uint8Array.from(keep, (i) => points.kinds[i]),
    windowLengths: Uint32Array.from(keep, (i) => points.windowLengths[i]),
    windows,
    checks: Uint32Array.from(keep, (i) => points.checks[i]),
  };
}

/**
 * Keeps the points of all of an archive's layers within `budget` bytes: the layer whose points
 * are densest (smallest spacing; the most bytes among those) is thinned until they fit. So every
 * layer keeps points, further apart in an archive of many huge layers.
 */
export function fitToBudget(
  layers: { seekPoints?: SeekPoints | null }[],
  budget = MAX_POINT_BYTES_PER_ARCHIVE,
): void {
  const withPoints = () => layers.filter((l) => l.seekPoints && l.seekPoints.outOffsets.length > 0);
  let total = withPoints().reduce((n, l) => n + seekPointBytes(l.seekPoints as SeekPoints), 0);
  while (total > budget) {
    const candidates = withPoints();
    if (candidates.length === 0) return;
    let densest = candidates[0];
    for (const layer of candidates) {
      const a = layer.seekPoints as SeekPoints;
      const b = densest.seekPoints as SeekPoints;
      if (a.spacing < b.spacing || (a.spacing === b.spacing && seekPointBytes(a) > seekPointBytes(b)))
        densest = layer;
    }
    const before = seekPointBytes(densest.seekPoints as SeekPoints);
    const after = thinned(densest.seekPoints as SeekPoints);
    densest.seekPoints = after.outOffsets.length ? after : null;
    total -= before - (densest.seekPoints ? seekPointBytes(after) : 0);
  }
}

/** The buffers to transfer with `postMessage` (a decode worker handing a layer's index to its owner). */
export function seekPointBuffers(points: SeekPoints): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of [
    points.outOffsets,
    points.bitOffsets,
    points.kinds,
    points.windowLengths,
    points.windows,
    points.checks,
  ])
    if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  return [...buffers];
}
