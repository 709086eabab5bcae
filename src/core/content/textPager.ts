/**
 * Pages of lines from a text file of any size. Line starts are found by scanning forward only as
 * far as a request needs, keeping one offset per CHECKPOINT_EVERY lines (not one per line), so a
 * 1 GB log costs kilobytes of index and page N reads about one page of bytes once scanned.
 */
import { GrowableFloat64 } from '../fs/growable';
import type { ByteRange } from './fileBytes';
import { decodeLine, type TextEncodingName } from './kinds';

export interface TextLine {
  /** 1-based, as editors number lines. */
  number: number;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** Bytes in the line, without its line break. */
  byteLength: number;
  /** Safe display text (control characters made visible, see `escapeControls`). */
  text: string;
  /** The line is longer than the page shows; `text` holds its first `maxLineBytes`. */
  truncated: boolean;
}

export interface TextPage {
  /** 0-based index of the first line asked for. */
  firstLine: number;
  lines: TextLine[];
  /** Lines known to exist so far (all of them once `totalLines` is set). */
  knownLines: number;
  /** Set once the scan has reached the end of the file. */
  totalLines: number | null;
}

export interface TextPagerOptions {
  /** Lines between kept line offsets: the most a page read goes back to start from. */
  checkpointEvery?: number;
  /** Longer lines are cut for display (a minified file can be one 50 MB line). */
  maxLineBytes?: number;
  /** Bytes read per step while scanning for line breaks. */
  scanChunk?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Cuts UTF-8 at a character boundary so a cut line does not end in a broken character. */
function cutUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export class TextPager {
  private readonly checkpointEvery: number;
  private readonly maxLineBytes: number;
  private readonly scanChunk: number;
  /** Offset of line k * checkpointEvery. */
  private readonly checkpoints = new GrowableFloat64();
  /** Line starts found so far (the start after a final newline counts until the end is known). */
  private lineStarts = 0;
  private scannedTo = 0;
  private total: number | null = null;
  private scans: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: ByteRange,
    readonly encoding: TextEncodingName,
    options: TextPagerOptions = {},
  ) {
    this.checkpointEvery = options.checkpointEvery ?? 256;
    this.maxLineBytes = options.maxLineBytes ?? 16 * 1024;
    this.scanChunk = options.scanChunk ?? 256 * 1024;
    if (source.size === 0) {
      this.total = 0;
    } else {
      this.checkpoints.push(0);
      this.lineStarts = 1;
    }
  }

  /** The number of lines once known: a final line without a newline counts, an empty file has none. */
  get totalLines(): number | null {
    return this.total;
  }

  get knownLines(): number {
    return this.total ?? Math.max(0, this.lineStarts - 1);
  }

  /**
   * Scans forward until line `line` (0-based) is known to start, or the file ends. Scans run one
   * after another: a worker may be asked for two pages of the same file at once.
   */
  private scanUntil(line: number, signal?: AbortSignal): Promise<void> {
    const scan = this.scans.then(() => this.scanNow(line, signal));
    this.scans = scan.catch(() => undefined);
    return scan;
  }

  private async scanNow(line: number, signal?: AbortSignal): Promise<void> {
    while (this.total === null && this.lineStarts <= line) {
      signal?.throwIfAborted();
      const chunk = await this.source.read(this.scannedTo, this.scanChunk);
      if (chunk.length === 0)
        throw new Error(`the file ended at byte ${this.scannedTo} of ${this.source.size}`);
      for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) {
        if (this.lineStarts % this.checkpointEvery === 0) this.checkpoints.push(this.scannedTo + i + 1);
        this.lineStarts++;
      }
      this.scannedTo += chunk.length;
      if (this.scannedTo >= this.source.size) {
        // A newline as the very last byte ends the last line; it does not start another one.
        this.total = chunk[chunk.length - 1] === NEWLINE ? this.lineStarts - 1 : this.lineStarts;
      }
    }
  }

  /** Reads to the end and returns the number of lines (for "line N of M" and jumping to the end). */
  async countLines(signal?: AbortSignal): Promise<number> {
    await this.scanUntil(Number.POSITIVE_INFINITY, signal);
    return this.total!;
  }

  /**
   * Lines [firstLine, firstLine + count), fewer at the end of the file. Only the bytes from the
   * checkpoint before `firstLine` to the end of the page are read (long lines only in part).
   */
  async page(firstLine: number, count: number, signal?: AbortSignal): Promise<TextPage> {
    const first = Math.max(0, Math.floor(firstLine));
    const wanted = Math.max(0, Math.floor(count));
    // Knowing where the line after the page starts bounds the page's bytes.
    await this.scanUntil(first + wanted, signal);
    const available = this.total ?? this.lineStarts;
    const lines: TextLine[] = [];
    if (first < available && wanted > 0) {
      const checkpoint = Math.floor(first / this.checkpointEvery);
      await this.collect(
        checkpoint * this.checkpointEvery,
        this.checkpoints.get(checkpoint),
        first,
        Math.min(wanted, available - first),
        lines,
        signal,
      );
    }
    return { firstLine: first, lines, knownLines: this.knownLines, totalLines: this.total };
  }

  private async collect(
    startLine: number,
    startOffset: number,
    first: number,
    count: number,
    lines: TextLine[],
    signal?: AbortSignal,
  ): Promise<void> {
    const { maxLineBytes, source } = this;
    let line = startLine;
    let lineOffset = startOffset;
    let kept: Uint8Array[] = [];
    let keptBytes = 0;
    const finish = (endOffset: number): void => {
      if (line >= first) {
        let bytes = new Uint8Array(keptBytes);
        let at = 0;
        for (const part of kept) {
          bytes.set(part, at);
          at += part.length;
        }
        let byteLength = endOffset - lineOffset;
        if (byteLength > 0 && byteLength === keptBytes && bytes[bytes.length - 1] === CARRIAGE_RETURN) {
          bytes = bytes.subarray(0, bytes.length - 1); // CRLF line ending
          byteLength--;
        }
        const truncated = byteLength > maxLineBytes;
        const shown =
          truncated && this.encoding === 'utf-8'
            ? cutUtf8(bytes, maxLineBytes)
            : bytes.subarray(0, maxLineBytes);
        lines.push({
          number: line + 1,
          offset: lineOffset,
          byteLength,
          text: decodeLine(shown, this.encoding),
          truncated,
        });
      }
      line++;
      kept = [];
      keptBytes = 0;
    };
    let offset = startOffset;
    // Lines before `first` are only counted, never kept.
    while (lines.length < count && offset < source.size) {
      signal?.throwIfAborted();
      const chunk = await source.read(offset, this.scanChunk);
      if (chunk.length === 0) break;
      let from = 0;
      while (from < chunk.length && lines.length < count) {
        const newline = chunk.indexOf(NEWLINE, from);
        const to = newline < 0 ? chunk.length : newline;
        // One byte beyond the display limit tells a CRLF ending from a cut line.
        if (line >= first && keptBytes <= maxLineBytes) {
          const take = chunk.subarray(from, Math.min(to, from + maxLineBytes + 1 - keptBytes));
          kept.push(take.slice());
          keptBytes += take.length;
        }
        if (newline < 0) break;
        finish(offset + newline);
        lineOffset = offset + newline + 1;
        from = newline + 1;
      }
      offset += chunk.length;
    }
    // The last line of a file that does not end with a newline.
    if (lines.length < count && lineOffset < source.size) finish(source.size);
  }
}
