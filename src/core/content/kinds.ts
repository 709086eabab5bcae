/**
 * What a file's first bytes say about how to show it: text (and in which encoding), an image a
 * browser can preview, or binary for a hex view. Markup (SVG, HTML) is text that is never
 * rendered: a file from an untrusted image must not run in the page.
 */

export type TextEncodingName = 'utf-8' | 'windows-1252';
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export type ContentKind =
  | {
      view: 'text';
      encoding: TextEncodingName;
      /** Set for SVG and HTML: show the source, never render or execute it. */
      markup: 'svg' | 'html' | null;
    }
  | { view: 'image'; mime: ImageMime }
  | { view: 'hex' };

/** Bytes worth sniffing: enough to see past a long comment or license header. */
export const SNIFF_BYTES = 8192;

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');

/** Image formats every browser decodes, recognised by magic bytes (never by the file name). */
export function sniffImage(head: Uint8Array): ImageMime | null {
  if (startsWith(head, PNG)) return 'image/png';
  if (startsWith(head, JPEG)) return 'image/jpeg';
  if (startsWith(head, GIF87) || startsWith(head, GIF89)) return 'image/gif';
  if (startsWith(head, RIFF) && startsWith(head, WEBP, 8)) return 'image/webp';
  return null;
}

/**
 * Control bytes that plain text does not contain. Tab, newline, vertical tab, form feed, carriage
 * return, backspace (man pages) and escape (terminal colours in motd files) do occur in text.
 */
const TEXT_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b]);

function isBinaryControl(byte: number): boolean {
  return (byte < 0x20 && !TEXT_CONTROLS.has(byte)) || byte === 0x7f;
}

/**
 * The head without a multi-byte UTF-8 sequence cut off by the end of the sniffed window (only
 * when there is more file after it; at the real end a cut sequence is invalid text).
 */
function withoutCutSequence(head: Uint8Array, isWholeFile: boolean): Uint8Array {
  if (isWholeFile) return head;
  let start = head.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last sequence.
  while (start > 0 && head.length - start < 4 && (head[start - 1] & 0xc0) === 0x80) start--;
  if (start === 0) return head;
  const lead = head[start - 1];
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return head.length - (start - 1) < needed ? head.subarray(0, start - 1) : head;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function sniffMarkup(text: string, name: string): 'svg' | 'html' | null {
  const lowerName = name.toLowerCase();
  if (lowerName.endsWith('.svg') || lowerName.endsWith('.svgz')) return 'svg';
  if (/\.(html?|xhtml|shtml)$/.test(lowerName)) return 'html';
  // After an XML declaration, comments and a doctype, the first element decides.
  const start = text
    .slice(0, 4096)
    .replace(/^\uFEFF/, '')
    .replace(/^\s*(<\?xml[^>]*\?>\s*)?((<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)\s*)*/i, '');
  if (/^<svg[\s>/]/i.test(start)) return 'svg';
  if (/^<(html|head|body|script|iframe)[\s>/]/i.test(start) || /^<!doctype\s+html/i.test(text.trimStart()))
    return 'html';
  return null;
}

/**
 * Decides how to show a file from its first bytes (up to SNIFF_BYTES), its name (only to flag
 * markup, never to trust it as an image) and its size. Empty files are text.
 */
export function sniffContent(head: Uint8Array, name = '', size = head.length): ContentKind {
  const image = sniffImage(head);
  if (image) return { view: 'image', mime: image };
  const sample = head.subarray(0, SNIFF_BYTES);
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return { view: 'hex' };
    if (isBinaryControl(byte)) controls++;
  }
  // A few stray control bytes happen in text (a form feed, an old escape sequence); many do not.
  if (controls * 32 > sample.length) return { view: 'hex' };
  const encoding: TextEncodingName = isValidUtf8(withoutCutSequence(sample, sample.length >= size))
    ? 'utf-8'
    : 'windows-1252';
  // TextDecoder drops a leading byte order mark itself.
  const text = encoding === 'utf-8' ? new TextDecoder('utf-8').decode(sample) : decodeWindows1252(sample);
  return { view: 'text', encoding, markup: sniffMarkup(text, name) };
}

/** windows-1252's meanings for 0x80–0x9F (where Latin-1 has C1 controls); 0 marks the five holes. */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

/**
 * Latin-1 as browsers read it (the WHATWG "latin1" label is windows-1252). Written out rather than
 * relying on TextDecoder, whose legacy encodings are missing from small-ICU Node builds.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const codes: number[] = [];
    const end = Math.min(bytes.length, start + CHUNK);
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      codes.push(byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80] || byte : byte);
    }
    out += String.fromCharCode(...codes);
  }
  return out;
}

/**
 * Characters that must not reach the screen as themselves: C0 controls (but tab) and DEL become
 * their visible Control Pictures (␛ for ESC), one character per byte so columns stay; C1
 * controls and the bidirectional overrides that can make code read differently than it runs
 * ("Trojan Source") become U+FFFD. The hex view shows the exact bytes.
 */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return '\ufffd';
  });
}

/** Bytes of one line (no newline) as safe display text. Invalid UTF-8 becomes U+FFFD. */
export function decodeLine(bytes: Uint8Array, encoding: TextEncodingName): string {
  const text = encoding === 'utf-8' ? new TextDecoder('utf-8').decode(bytes) : decodeWindows1252(bytes);
  return escapeControls(text);
}
