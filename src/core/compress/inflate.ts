/**
 * A gzip/deflate decoder of our own, for one thing the platform's DecompressionStream cannot do:
 * stop at a deflate block boundary and say where it is (the bit position and the last 32 KiB of
 * output), and start again from such a point with that window preset, as zlib's zran example
 * does. Those points (seekPoints.ts) let a reader of a file near the end of a big gzip layer
 * decode a few MiB instead of the whole layer.
 *
 * It is resumable at every symbol: input arrives in pieces (`push`), output leaves in pieces
 * (`pull`), and neither a piece of input nor of output is ever larger than a fixed buffer, so a
 * decompression bomb cannot make it hold more than OUTPUT_BUFFER bytes. Multi-member gzip
 * (eStargz writes one member per file) is read member after member.
 *
 * Each member's trailer is checked: its length always, its CRC-32 when a `checksum` is given
 * (inflaterPuller gives hash-wasm's); a decoder started mid-member checks neither for that member.
 */

/** Back-references reach at most this far: the window a resumed decoder needs. */
export const WINDOW_SIZE = 32 * 1024;
/** Output buffered before it is handed out, past the window kept behind it. */
const OUTPUT_BUFFER = 1024 * 1024;
/** Bytes a block header or a gzip header may need before we try to read one (mid-stream). */
const HEADER_MARGIN = 1024;
/** Bytes one literal/length/distance symbol may read, with the two bytes a refill reads ahead. */
const SYMBOL_MARGIN = 10;
/** Bytes kept before the read position when new input arrives: the bit buffer may give them back. */
const KEEP_BEHIND = 8;
/** The longest match: the output buffer always has room for one. */
const MAX_MATCH = 258;

const LEN_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
]);
const LEN_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
]);
const DIST_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A Huffman code as a lookup table of the first `bits` bits: entry = symbol << 4 | code length,
 * 0 for no such code, -1 for a longer code (decoded by `slowDecode` from `counts` and `symbols`).
 * A full table of the longest code (15 bits) would be refilled for every block: 32K entries for
 * each 70 KB of output.
 */
interface HuffmanTable {
  entries: Int32Array;
  bits: number;
  counts: Uint16Array;
  symbols: Uint16Array;
}

/** Bits of the direct lookup: codes longer than this are rare, by the nature of Huffman codes. */
const FAST_BITS = 10;

/** Canonical decoding bit by bit (as zlib's puff does), for codes longer than FAST_BITS. */
function slowDecode(table: HuffmanTable, hold: number): number {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= 15; len++) {
    code |= (hold >>> (len - 1)) & 1;
    const count = table.counts[len];
    if (code - first < count) return (table.symbols[index + code - first] << 4) | len;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return 0;
}

function buildTable(lengths: Uint8Array, what: string): HuffmanTable {
  let maxBits = 0;
  const counts = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) {
    counts[lengths[i]]++;
    if (lengths[i] > maxBits) maxBits = lengths[i];
  }
  counts[0] = 0;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - counts[len];
    if (left < 0) throw new InflateError(`invalid deflate data: over-subscribed ${what} code`);
  }
  const next = new Uint16Array(16);
  for (let len = 1, code = 0; len <= 15; len++) {
    code = (code + counts[len - 1]) << 1;
    next[len] = code;
  }
  const bits = Math.max(1, Math.min(FAST_BITS, maxBits));
  const entries = new Int32Array(1 << bits);
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len] + counts[len];
  const symbols = new Uint16Array(lengths.length);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const len = lengths[symbol];
    if (len === 0) continue;
    symbols[offsets[len]++] = symbol;
    const code = next[len]++;
    let reversed = 0;
    for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
    if (len > bits) {
      entries[reversed & ((1 << bits) - 1)] = -1;
      continue;
    }
    const entry = (symbol << 4) | len;
    for (let fill = reversed; fill < entries.length; fill += 1 << len) entries[fill] = entry;
  }
  return { entries, bits, counts, symbols };
}

let fixedTables: { lit: HuffmanTable; dist: HuffmanTable } | null = null;
function fixed(): { lit: HuffmanTable; dist: HuffmanTable } {
  if (!fixedTables) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144);
    lit.fill(9, 144, 256);
    lit.fill(7, 256, 280);
    lit.fill(8, 280, 288);
    fixedTables = {
      lit: buildTable(lit, 'fixed literal'),
      dist: buildTable(new Uint8Array(30).fill(5), 'fixed distance'),
    };
  }
  return fixedTables;
}

export class InflateError extends Error {
  override name = 'InflateError';
}

/** Thrown inside header parsing when the input ends mid-header: the caller rewinds and waits. */
const SHORT = Symbol('short input');

enum Mode {
  MemberHeader,
  BlockHeader,
  Stored,
  Huffman,
  Trailer,
  Done,
}

/** A deflate block boundary (or a gzip member's start), seen while decoding. */
export interface BoundaryInfo {
  /** Output bytes produced before it, counted from where this decoder started. */
  outOffset: number;
  /** Bit position in the compressed stream, counted from where this decoder started. */
  bitOffset: number;
  /** True at the start of a gzip member: no window is needed to start here. */
  memberStart: boolean;
}

/** Where to start: a gzip stream's first byte, or a block boundary with its window. */
export interface InflateStart {
  /** Bits of the first input byte already consumed (0–7), when starting at a block boundary. */
  skipBits?: number;
  /** The 32 KiB (or fewer, near the start) of output just before the start point. */
  window?: Uint8Array;
  /** Start inside a member's deflate data (at a block header) rather than at a gzip header. */
  atBlock?: boolean;
  /** Members came before the start point: bytes that start no member after it are trailing garbage. */
  midStream?: boolean;
}

export interface InflateOptions {
  /**
   * Called at each block boundary and member start. Returning true asks for the window (the
   * last WINDOW_SIZE bytes of output), handed to `onWindow` at once; the view is valid only then.
   */
  onBoundary?: (boundary: BoundaryInfo) => boolean;
  onWindow?: (window: Uint8Array) => void;
  /** Called as output is made, with the buffer and the new bytes' range in it, before they are handed out. */
  onOutput?: (buffer: Uint8Array, from: number, to: number) => void;
  /** A CRC-32 to check each member's trailer against (hash-wasm's, say); without one only lengths are checked. */
  checksum?: MemberChecksum;
}

/** A running CRC-32 of a member's output (as in the gzip trailer). */
export interface MemberChecksum {
  init(): void;
  update(bytes: Uint8Array): void;
  /** The CRC-32 of what was fed since `init`, as an unsigned number. */
  value(): number;
}

/**
 * Streaming gzip decoder. Feed with `push`, call `end` after the last input, and `pull` output
 * until it returns null (more input needed, or the end: see `finished`).
 */
export class GzipInflater {
  private buf = new Uint8Array(0);
  /** Read position in `buf`, in bytes (the bit buffer holds `bits` bits read ahead of it). */
  private p = 0;
  private hold = 0;
  private bits = 0;
  /** Absolute input byte offset of buf[0]. */
  private base = 0;
  private final = false;
  private mode: Mode;
  private out: Uint8Array;
  private op = 0;
  /** Start of the bytes in `out` not yet handed out. */
  private emitted = 0;
  /** Where in `out` the current member's output began (back-references may not reach before). */
  private memberFloor = 0;
  /** Output bytes before out[0], counted from the decoder's start (the preset window is negative). */
  private outBase = 0;
  private lastBlock = false;
  private storedLeft = 0;
  private lit: HuffmanTable | null = null;
  private dist: HuffmanTable | null = null;
  /** Output of the current member, for the trailer's length check (-1: started mid-member). */
  private memberStartOut = 0;
  /** Where in `out` the bytes not yet fed to the checksum start. */
  private checksumFrom = 0;
  /** Bits of the first input byte to step over (a start at a block boundary inside a byte). */
  private skipBits: number;
  membersDone = 0;
  /** Bytes after the last member that do not start another (gzip -dc ignores them). */
  trailing = 0;

  constructor(
    start: InflateStart = {},
    private readonly options: InflateOptions = {},
  ) {
    this.out = new Uint8Array(WINDOW_SIZE + OUTPUT_BUFFER);
    const window = start.window ?? new Uint8Array(0);
    if (window.length > WINDOW_SIZE) throw new InflateError('a preset window is at most 32 KiB');
    this.out.set(window, 0);
    this.op = this.emitted = this.checksumFrom = window.length;
    options.checksum?.init();
    this.outBase = -window.length;
    if (start.atBlock) {
      this.mode = Mode.BlockHeader;
      this.memberStartOut = -1;
    } else {
      this.mode = Mode.MemberHeader;
      this.memberFloor = this.op;
      if (start.midStream) this.membersDone = 1;
    }
    this.skipBits = start.skipBits ?? 0;
  }

  get finished(): boolean {
    return this.mode === Mode.Done;
  }

  /** Output produced so far, counted from the decoder's start. */
  get produced(): number {
    return this.outBase + this.op;
  }

  /** Input consumed so far, in bits, counted from the first byte pushed. */
  private get bitPosition(): number {
    return (this.base + this.p) * 8 - this.bits;
  }

  push(input: Uint8Array): void {
    const keepFrom = Math.max(0, this.p - KEEP_BEHIND);
    const rest = this.buf.subarray(keepFrom);
    const merged = new Uint8Array(rest.length + input.length);
    merged.set(rest, 0);
    merged.set(input, rest.length);
    this.base += keepFrom;
    this.p -= keepFrom;
    this.buf = merged;
    if (this.skipBits) {
      this.need(this.skipBits);
      this.drop(this.skipBits);
      this.skipBits = 0;
    }
  }

  end(): void {
    this.final = true;
  }

  private need(n: number): void {
    while (this.bits < n) {
      if (this.p >= this.buf.length) {
        if (this.final) throw new InflateError('unexpected end of deflate data (truncated)');
        throw SHORT;
      }
      this.hold |= this.buf[this.p++] << this.bits;
      this.bits += 8;
    }
  }

  private drop(n: number): void {
    this.hold >>>= n;
    this.bits -= n;
  }

  private take(n: number): number {
    this.need(n);
    const value = this.hold & ((1 << n) - 1);
    this.drop(n);
    return value;
  }

  /** Gives the whole bytes still in the bit buffer back to the input (after a byte alignment). */
  private alignToByte(): void {
    this.drop(this.bits & 7);
    this.p -= this.bits >> 3;
    this.hold = 0;
    this.bits = 0;
  }

  private byte(): number {
    if (this.p >= this.buf.length) {
      if (this.final) throw new InflateError('unexpected end of gzip data (truncated)');
      throw SHORT;
    }
    return this.buf[this.p++];
  }

  /**
   * The next piece of output, or null when the decoder needs more input (or has finished). The
   * view stays valid: a full buffer is replaced, never overwritten.
   */
  pull(): Uint8Array | null {
    for (;;) {
      if (this.op > this.out.length - MAX_MATCH - 1) {
        if (this.op > this.emitted) return this.emit();
        this.newBuffer();
      }
      const progressed = this.step();
      const pending = this.op - this.emitted;
      if (pending > 0 && (!progressed || pending >= OUTPUT_BUFFER / 2 || this.mode === Mode.Done))
        return this.emit();
      if (!progressed) return null;
    }
  }

  private feedChecksum(): void {
    if (this.options.checksum && this.checksumFrom < this.op)
      this.options.checksum.update(this.out.subarray(this.checksumFrom, this.op));
    this.checksumFrom = this.op;
  }

  private emit(): Uint8Array {
    this.feedChecksum();
    const piece = this.out.subarray(this.emitted, this.op);
    this.options.onOutput?.(this.out, this.emitted, this.op);
    this.emitted = this.op;
    return piece;
  }

  /** Moves the last window of output to a fresh buffer: views already handed out stay intact. */
  private newBuffer(): void {
    const keep = Math.min(WINDOW_SIZE, this.op);
    const next = new Uint8Array(WINDOW_SIZE + OUTPUT_BUFFER);
    next.set(this.out.subarray(this.op - keep, this.op), 0);
    const shift = this.op - keep;
    this.outBase += shift;
    this.memberFloor = Math.max(0, this.memberFloor - shift);
    this.out = next;
    this.op = this.emitted = this.checksumFrom = keep;
  }

  /** Does some work; false when it can do nothing more without input (or has finished). */
  private step(): boolean {
    if (this.mode === Mode.Done) return false;
    const savedP = this.p;
    const savedHold = this.hold;
    const savedBits = this.bits;
    try {
      switch (this.mode) {
        case Mode.MemberHeader:
          return this.memberHeader();
        case Mode.BlockHeader:
          if (!this.final && this.buf.length - this.p < HEADER_MARGIN) throw SHORT;
          return this.blockHeader();
        case Mode.Stored:
          return this.stored();
        case Mode.Huffman:
          return this.huffman();
        case Mode.Trailer:
          return this.trailer();
      }
    } catch (error) {
      if (error !== SHORT) throw error;
      this.p = savedP;
      this.hold = savedHold;
      this.bits = savedBits;
      return false;
    }
    return false;
  }

  private memberHeader(): boolean {
    if (this.p >= this.buf.length) {
      if (this.final && this.membersDone > 0) {
        this.mode = Mode.Done;
        return false;
      }
      if (this.final) throw new InflateError('invalid gzip data: empty input');
      throw SHORT;
    }
    if (!this.final && this.buf.length - this.p < 10) throw SHORT;
    const at = this.p;
    const id1 = this.byte();
    const id2 = this.p < this.buf.length ? this.buf[this.p] : -1;
    if (id1 !== 0x1f || (id2 !== -1 && id2 !== 0x8b)) {
      if (this.membersDone > 0) {
        this.trailing = this.buf.length - at;
        this.mode = Mode.Done;
        return false;
      }
      throw new InflateError('invalid gzip data: no gzip header');
    }
    this.p++;
    if (this.byte() !== 8) throw new InflateError('invalid gzip data: unknown compression method');
    const flags = this.byte();
    for (let i = 0; i < 6; i++) this.byte(); // mtime, extra flags, os
    if (flags & 4) {
      const length = this.byte() | (this.byte() << 8);
      for (let i = 0; i < length; i++) this.byte();
    }
    if (flags & 8) while (this.byte() !== 0);
    if (flags & 16) while (this.byte() !== 0);
    if (flags & 2) {
      this.byte();
      this.byte();
    }
    // Report the member's start only once its header is known to be whole.
    const headerEnd = this.p;
    this.p = at;
    this.options.onBoundary?.({ outOffset: this.produced, bitOffset: this.bitPosition, memberStart: true });
    this.p = headerEnd;
    this.memberFloor = this.op;
    this.memberStartOut = this.produced;
    this.feedChecksum();
    this.options.checksum?.init();
    this.mode = Mode.BlockHeader;
    return true;
  }

  private blockHeader(): boolean {
    const boundary: BoundaryInfo = {
      outOffset: this.produced,
      bitOffset: this.bitPosition,
      memberStart: false,
    };
    const header = this.take(3);
    this.lastBlock = (header & 1) === 1;
    const type = header >> 1;
    if (type === 0) {
      this.alignToByte();
      if (this.buf.length - this.p < 4) {
        if (this.final) throw new InflateError('unexpected end of deflate data (truncated)');
        throw SHORT;
      }
      const b = this.buf;
      const p = this.p;
      const length = b[p] | (b[p + 1] << 8);
      const inverse = b[p + 2] | (b[p + 3] << 8);
      if ((length ^ 0xffff) !== inverse) throw new InflateError('invalid deflate data: stored block length');
      this.p += 4;
      this.storedLeft = length;
      this.mode = Mode.Stored;
    } else if (type === 1) {
      const tables = fixed();
      this.lit = tables.lit;
      this.dist = tables.dist;
      this.mode = Mode.Huffman;
    } else if (type === 2) {
      this.dynamicTables();
      this.mode = Mode.Huffman;
    } else {
      throw new InflateError('invalid deflate data: block type 3');
    }
    // Known to be whole now: a resumed decoder can start at this block's first bit.
    if (this.options.onBoundary?.(boundary)) {
      const from = Math.max(this.memberFloor, this.op - WINDOW_SIZE);
      this.options.onWindow?.(this.out.subarray(from, this.op));
    }
    return true;
  }

  private dynamicTables(): void {
    const literals = this.take(5) + 257;
    const distances = this.take(5) + 1;
    const codeLengthCount = this.take(4) + 4;
    if (literals > 286 || distances > 30) throw new InflateError('invalid deflate data: too many codes');
    const codeLengths = new Uint8Array(19);
    for (let i = 0; i < codeLengthCount; i++) codeLengths[CODE_LENGTH_ORDER[i]] = this.take(3);
    const clTable = buildTable(codeLengths, 'code length');
    const lengths = new Uint8Array(literals + distances);
    for (let i = 0; i < lengths.length; ) {
      this.need(clTable.bits);
      let entry = clTable.entries[this.hold & ((1 << clTable.bits) - 1)];
      // The table is built for the longest code; a shorter code needs fewer bits present.
      if ((entry & 15) === 0) throw new InflateError('invalid deflate data: bad code length code');
      this.drop(entry & 15);
      entry >>>= 4;
      if (entry < 16) {
        lengths[i++] = entry;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (entry === 16) {
        if (i === 0) throw new InflateError('invalid deflate data: repeat with no previous length');
        value = lengths[i - 1];
        repeat = 3 + this.take(2);
      } else if (entry === 17) repeat = 3 + this.take(3);
      else repeat = 11 + this.take(7);
      if (i + repeat > lengths.length) throw new InflateError('invalid deflate data: code lengths overflow');
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) throw new InflateError('invalid deflate data: no end-of-block code');
    this.lit = buildTable(lengths.subarray(0, literals), 'literal/length');
    this.dist = buildTable(lengths.subarray(literals), 'distance');
  }

  private stored(): boolean {
    while (this.storedLeft > 0) {
      const room = this.out.length - this.op;
      const available = this.buf.length - this.p;
      if (available === 0) {
        if (this.final) throw new InflateError('unexpected end of deflate data (truncated stored block)');
        return false;
      }
      if (room === 0) return true;
      const n = Math.min(this.storedLeft, room, available);
      this.out.set(this.buf.subarray(this.p, this.p + n), this.op);
      this.op += n;
      this.p += n;
      this.storedLeft -= n;
      if (this.op > this.out.length - MAX_MATCH - 1) return true;
    }
    this.endOfBlock();
    return true;
  }

  private endOfBlock(): void {
    if (!this.lastBlock) {
      this.mode = Mode.BlockHeader;
      return;
    }
    this.alignToByte();
    this.mode = Mode.Trailer;
  }

  private trailer(): boolean {
    if (this.buf.length - this.p < 8) {
      if (this.final) throw new InflateError('unexpected end of gzip data (no trailer)');
      throw SHORT;
    }
    const b = this.buf;
    const p = this.p + 4;
    const size = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    if (this.memberStartOut >= 0 && size !== (this.produced - this.memberStartOut) % 2 ** 32)
      throw new InflateError(`incorrect length check: the trailer says ${size} bytes`);
    this.feedChecksum();
    const checksum = this.options.checksum;
    if (checksum && this.memberStartOut >= 0) {
      const stored = (b[this.p] | (b[this.p + 1] << 8) | (b[this.p + 2] << 16) | (b[this.p + 3] << 24)) >>> 0;
      if (stored !== checksum.value())
        throw new InflateError("incorrect data check: the CRC-32 of the output is not the trailer's");
    }
    this.p += 8;
    this.membersDone++;
    this.mode = Mode.MemberHeader;
    return true;
  }

  /** The hot loop: literals and matches until the block ends, input runs low or output fills. */
  private huffman(): boolean {
    const buf = this.buf;
    const out = this.out;
    const litTable = this.lit as HuffmanTable;
    const distTable = this.dist as HuffmanTable;
    const lit = litTable.entries;
    const litMask = (1 << litTable.bits) - 1;
    const dist = distTable.entries;
    const distMask = (1 << distTable.bits) - 1;
    const inLimit = this.final ? buf.length + 4 : buf.length - SYMBOL_MARGIN;
    const outLimit = out.length - MAX_MATCH - 1;
    const floor = this.memberFloor;
    let { p, hold, bits, op } = this;
    let progressed = false;
    try {
      for (;;) {
        if (p > inLimit) {
          if (this.final) throw new InflateError('unexpected end of deflate data (truncated)');
          return progressed;
        }
        if (op > outLimit) {
          // zeros read past the end of truncated input must not leave as output
          if (p * 8 - bits > buf.length * 8)
            throw new InflateError('unexpected end of deflate data (truncated)');
          return true;
        }
        progressed = true;
        if (bits < 15) {
          hold |= buf[p++] << bits;
          bits += 8;
          hold |= buf[p++] << bits;
          bits += 8;
        }
        let entry = lit[hold & litMask];
        if (entry < 0) entry = slowDecode(litTable, hold);
        const length0 = entry & 15;
        if (length0 === 0 || length0 > bits)
          throw new InflateError('invalid deflate data: bad literal/length code');
        hold >>>= length0;
        bits -= length0;
        const symbol = entry >>> 4;
        if (symbol < 256) {
          out[op++] = symbol;
          continue;
        }
        if (symbol === 256) {
          this.p = p;
          this.hold = hold;
          this.bits = bits;
          this.op = op;
          if (p * 8 - bits > buf.length * 8)
            throw new InflateError('unexpected end of deflate data (truncated)');
          this.endOfBlock();
          return true;
        }
        const li = symbol - 257;
        if (li >= 29) throw new InflateError('invalid deflate data: bad length symbol');
        let length = LEN_BASE[li];
        const lengthExtra = LEN_EXTRA[li];
        if (lengthExtra) {
          if (bits < lengthExtra) {
            hold |= buf[p++] << bits;
            bits += 8;
          }
          length += hold & ((1 << lengthExtra) - 1);
          hold >>>= lengthExtra;
          bits -= lengthExtra;
        }
        if (bits < 15) {
          hold |= buf[p++] << bits;
          bits += 8;
          hold |= buf[p++] << bits;
          bits += 8;
        }
        let dEntry = dist[hold & distMask];
        if (dEntry < 0) dEntry = slowDecode(distTable, hold);
        const dLength = dEntry & 15;
        if (dLength === 0 || dLength > bits)
          throw new InflateError('invalid deflate data: bad distance code');
        hold >>>= dLength;
        bits -= dLength;
        const ds = dEntry >>> 4;
        if (ds >= 30) throw new InflateError('invalid deflate data: bad distance symbol');
        let distance = DIST_BASE[ds];
        const distExtra = DIST_EXTRA[ds];
        if (distExtra) {
          while (bits < distExtra) {
            hold |= buf[p++] << bits;
            bits += 8;
          }
          distance += hold & ((1 << distExtra) - 1);
          hold >>>= distExtra;
          bits -= distExtra;
        }
        if (distance > op - floor) throw new InflateError('invalid deflate data: distance too far back');
        let from = op - distance;
        if (distance >= length && length > 32) {
          out.copyWithin(op, from, from + length);
          op += length;
        } else {
          const end = op + length;
          while (op < end) out[op++] = out[from++];
        }
      }
    } finally {
      if (this.mode === Mode.Huffman) {
        this.p = p;
        this.hold = hold;
        this.bits = bits;
        this.op = op;
      }
    }
  }
}
