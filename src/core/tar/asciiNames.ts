/** ASCII is UTF-8: long names decode with the standard decoder. */
const utf8 = new TextDecoder();

/** Longest name made with String.fromCharCode (its arguments are limited); longer ones are decoded. */
const SHORT_NAME = 512;

/**
 * A list of names held as their ASCII bytes in one arena, name i at [ends[i - 1], ends[i]), made
 * a string when asked for; the few with other characters are kept as strings by index. As one JS
 * string each, 1,000,000 short names are ~40 MB of heap (32 bytes a string and 8 for its slot);
 * here they are their bytes and 4 more, off the heap. Comparisons go by UTF-16 code unit, as
 * JavaScript's `<` does, without making the strings.
 */
export class AsciiNames {
  private bytes: Uint8Array;
  private used = 0;
  private ends: Uint32Array;
  private count = 0;
  private readonly others = new Map<number, string>();

  /** Sized for `expected` names of about `bytesEach` bytes, so a large list does not double its way up. */
  constructor(expected = 16, bytesEach = 16) {
    this.ends = new Uint32Array(Math.max(16, expected));
    this.bytes = new Uint8Array(Math.max(256, Math.min(expected * bytesEach, 1 << 26)));
  }

  get length(): number {
    return this.count;
  }

  /**
   * The names whose ASCII bytes are `bytes`, one after another, name i `lengths[i]` bytes long:
   * a saved index's names column taken as it is, without a string made for any of them.
   */
  static fromAscii(bytes: Uint8Array, lengths: Uint32Array): AsciiNames {
    const names = new AsciiNames(1, 1);
    const ends = new Uint32Array(Math.max(16, lengths.length));
    let end = 0;
    for (let i = 0; i < lengths.length; i++) {
      end += lengths[i];
      ends[i] = end;
    }
    if (end > bytes.length) throw new RangeError(`the names need ${end} bytes, ${bytes.length} are given`);
    for (let k = 0; k < end; k++)
      if (bytes[k] > 0x7f) throw new RangeError(`byte ${k} of the names is not ASCII`);
    names.bytes = bytes;
    names.used = end;
    names.ends = ends;
    names.count = lengths.length;
    return names;
  }

  /** Appends a name; its index. */
  push(name: string): number {
    const i = this.nextIndex();
    const start = this.used;
    // Past 4 GiB of names the offsets would wrap: such a name is kept as a string.
    if (!isAscii(name) || start + name.length > 0xffff_ffff) {
      this.others.set(i, name);
      this.ends[i] = start;
      return i;
    }
    const bytes = this.room(name.length);
    for (let k = 0; k < name.length; k++) bytes[start + k] = name.charCodeAt(k);
    this.used = start + name.length;
    this.ends[i] = this.used;
    return i;
  }

  /** Appends the ASCII name at `source[from, to)`; its index. */
  pushBytes(source: Uint8Array, from: number, to: number): number {
    const i = this.nextIndex();
    const start = this.used;
    const length = to - from;
    if (start + length > 0xffff_ffff) {
      this.others.set(i, String.fromCharCode.apply(null, source.subarray(from, to) as unknown as number[]));
      this.ends[i] = start;
      return i;
    }
    this.room(length).set(source.subarray(from, to), start);
    this.used = start + length;
    this.ends[i] = this.used;
    return i;
  }

  /** The next name's index, its end offset's slot made. */
  private nextIndex(): number {
    const i = this.count++;
    if (i === this.ends.length) {
      const ends = new Uint32Array(this.ends.length * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    return i;
  }

  /** The arena, grown to hold `length` more bytes past those used. */
  private room(length: number): Uint8Array {
    const start = this.used;
    if (start + length > this.bytes.length) {
      const size = Math.max(start + length, Math.min(0xffff_ffff, this.bytes.length * 2));
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, start));
      this.bytes = grown;
    }
    return this.bytes;
  }

  get(i: number): string {
    const other = this.others.size > 0 ? this.others.get(i) : undefined;
    if (other !== undefined) return other;
    const start = i === 0 ? 0 : this.ends[i - 1];
    const bytes = this.bytes.subarray(start, this.ends[i]);
    return bytes.length <= SHORT_NAME
      ? String.fromCharCode.apply(null, bytes as unknown as number[])
      : utf8.decode(bytes);
  }

  /** The names' bytes one after another and each one's length, when every name is ASCII; else null. */
  asciiColumn(): { bytes: Uint8Array; lengths: Uint32Array } | null {
    if (this.others.size > 0) return null;
    const lengths = new Uint32Array(this.count);
    let start = 0;
    for (let i = 0; i < this.count; i++) {
      lengths[i] = this.ends[i] - start;
      start = this.ends[i];
    }
    return { bytes: this.bytes.subarray(0, this.used), lengths };
  }

  /** Every name, in order. */
  all(): string[] {
    const names = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) names[i] = this.get(i);
    return names;
  }

  /** Name i against `name`, by UTF-16 code unit: negative, 0 or positive. */
  compare(i: number, name: string): number {
    const other = this.others.size > 0 ? this.others.get(i) : undefined;
    if (other !== undefined) return other < name ? -1 : other > name ? 1 : 0;
    const start = i === 0 ? 0 : this.ends[i - 1];
    const length = this.ends[i] - start;
    const bytes = this.bytes;
    const common = Math.min(length, name.length);
    for (let k = 0; k < common; k++) {
      const difference = bytes[start + k] - name.charCodeAt(k);
      if (difference !== 0) return difference;
    }
    return length - name.length;
  }

  /** Name i against name j, by UTF-16 code unit. */
  compareNames(i: number, j: number): number {
    // Sorting a tree's names makes a million of these: no map lookups when every name is ASCII.
    if (this.others.size > 0) {
      const other = this.others.get(j);
      if (other !== undefined || this.others.has(i)) return this.compare(i, other ?? this.get(j));
    }
    const startI = i === 0 ? 0 : this.ends[i - 1];
    const startJ = j === 0 ? 0 : this.ends[j - 1];
    const lengthI = this.ends[i] - startI;
    const lengthJ = this.ends[j] - startJ;
    const bytes = this.bytes;
    const common = Math.min(lengthI, lengthJ);
    for (let k = 0; k < common; k++) {
      const difference = bytes[startI + k] - bytes[startJ + k];
      if (difference !== 0) return difference;
    }
    return lengthI - lengthJ;
  }

  /**
   * The arena holding the ASCII names' bytes, name i at [startOf(i), endOf(i)) unless `isOther(i)`:
   * for readers that walk names as bytes without making a string of each (stacking's interning).
   * A later `push` may replace the arena.
   */
  get arena(): Uint8Array {
    return this.bytes;
  }

  startOf(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1];
  }

  endOf(i: number): number {
    return this.ends[i];
  }

  /** Name i is held as a string (it has characters other than ASCII): its bytes are not in the arena. */
  isOther(i: number): boolean {
    return this.others.size > 0 && this.others.has(i);
  }

  /** Whether name i is the ASCII bytes `source[from, to)`. */
  equalsBytes(i: number, source: Uint8Array, from: number, to: number): boolean {
    const other = this.others.size > 0 ? this.others.get(i) : undefined;
    if (other !== undefined) {
      if (other.length !== to - from) return false;
      for (let k = 0; k < other.length; k++) if (other.charCodeAt(k) !== source[from + k]) return false;
      return true;
    }
    const start = i === 0 ? 0 : this.ends[i - 1];
    if (this.ends[i] - start !== to - from) return false;
    const bytes = this.bytes;
    for (let k = 0; k < to - from; k++) if (bytes[start + k] !== source[from + k]) return false;
    return true;
  }

  startsWith(i: number, prefix: string): boolean {
    const other = this.others.get(i);
    if (other !== undefined) return other.startsWith(prefix);
    const start = i === 0 ? 0 : this.ends[i - 1];
    if (this.ends[i] - start < prefix.length) return false;
    for (let k = 0; k < prefix.length; k++) if (this.bytes[start + k] !== prefix.charCodeAt(k)) return false;
    return true;
  }
}

function isAscii(name: string): boolean {
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) > 0x7f) return false;
  return true;
}
