/**
 * Writes tar archives for tests and for the built-in sample, including the shapes real tools
 * write: ustar with a prefix, PAX records for long or non-ASCII names, GNU `L`/`K` long names and
 * base-256 numbers. Knobs let a test produce broken archives on purpose.
 */
export type BuildEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'char' | 'block';

export interface BuildEntry {
  name: string;
  type?: BuildEntryType;
  /** File content: bytes or text (UTF-8). */
  content?: Uint8Array | string;
  /** Overrides the size field (e.g. a sparse or lying header); defaults to the content length. */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: number;
  linkTarget?: string;
  /** Extra PAX records for this entry. */
  pax?: Record<string, string>;
}

export interface BuildOptions {
  /** How names that do not fit ustar are written: PAX `x` records (default) or GNU `L`/`K`. */
  longNames?: 'pax' | 'gnu';
  /** Write the two zero blocks at the end (default true). */
  endBlocks?: boolean;
}

const encoder = new TextEncoder();
const TYPE_FLAGS: Record<BuildEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function bytesOf(content: Uint8Array | string | undefined): Uint8Array {
  if (content === undefined) return new Uint8Array(0);
  return typeof content === 'string' ? encoder.encode(content) : content;
}

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  if (value >= 8 ** (length - 1) || value < 0) {
    // GNU base-256 for values that do not fit in octal
    block[offset] = 0x80;
    let v = value;
    for (let i = offset + length - 1; i > offset; i--) {
      block[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return;
  }
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, '0'));
}

function fits(value: string, length: number): boolean {
  const bytes = encoder.encode(value);
  return bytes.length <= length && !/[^\x20-\x7e]/.test(value);
}

export function setChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i];
  writeString(block, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
}

function header(
  name: string,
  flag: string,
  size: number,
  e: Partial<BuildEntry>,
  magic: 'ustar' | 'gnu',
  linkTarget = '',
): Uint8Array {
  const block = new Uint8Array(512);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, e.mode ?? (flag === '5' ? 0o755 : 0o644));
  writeOctal(block, 108, 8, e.uid ?? 0);
  writeOctal(block, 116, 8, e.gid ?? 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, e.mtime ?? 1700000000);
  block[156] = flag.charCodeAt(0);
  writeString(block, 157, 100, linkTarget);
  if (magic === 'ustar') {
    writeString(block, 257, 6, 'ustar\0');
    writeString(block, 263, 2, '00');
  } else {
    writeString(block, 257, 8, 'ustar  \0');
  }
  writeString(block, 265, 32, e.uname ?? '');
  writeString(block, 297, 32, e.gname ?? '');
  setChecksum(block);
  return block;
}

function paxBody(records: Record<string, string>): Uint8Array {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    const base = encoder.encode(rest).length;
    let len = base + String(base).length;
    if (String(len).length > String(base).length) len = base + String(len).length;
    text += `${len}${rest}`;
  }
  return encoder.encode(text);
}

function padTo512(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** Splits a long name into ustar prefix/name when possible. */
function splitUstar(name: string): [string, string] | null {
  if (!fits(name, 255)) return null;
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] === '/' && i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
      return [name.slice(0, i), name.slice(i + 1)];
    }
  }
  return null;
}

export function buildTar(entries: BuildEntry[], options: BuildOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const flag = TYPE_FLAGS[type];
    const content = bytesOf(e.content);
    const size = e.size ?? (type === 'file' ? content.length : 0);
    const link = e.linkTarget ?? '';
    const pax: Record<string, string> = { ...(e.pax ?? {}) };
    let name = e.name;
    let linkField = link;
    let magic: 'ustar' | 'gnu' = 'ustar';
    let prefix = '';
    if (!fits(name, 100)) {
      const split = options.longNames !== 'gnu' ? splitUstar(name) : null;
      if (split) {
        [prefix, name] = split;
      } else if (options.longNames === 'gnu') {
        magic = 'gnu';
        const body = encoder.encode(`${e.name}\0`);
        parts.push(header('././@LongLink', 'L', body.length, {}, 'gnu'), padTo512(body));
        name = e.name.slice(0, 100);
      } else {
        pax.path = e.name;
        name = e.name.replace(/[^\x20-\x7e]/g, '_').slice(-100);
      }
    }
    if (link && !fits(link, 100)) {
      if (options.longNames === 'gnu') {
        magic = 'gnu';
        const body = encoder.encode(`${link}\0`);
        parts.push(header('././@LongLink', 'K', body.length, {}, 'gnu'), padTo512(body));
      } else {
        pax.linkpath = link;
      }
      linkField = link.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
    }
    if (Object.keys(pax).length > 0) {
      const body = paxBody(pax);
      parts.push(header(`PaxHeaders/${name}`.slice(0, 100), 'x', body.length, {}, 'ustar'), padTo512(body));
    }
    const h = header(name, flag, size, e, magic, linkField);
    if (prefix) {
      writeString(h, 345, 155, prefix);
      setChecksum(h);
    }
    parts.push(h);
    if (type === 'file' && content.length > 0) parts.push(padTo512(content));
  }
  if (options.endBlocks !== false) parts.push(new Uint8Array(1024));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
