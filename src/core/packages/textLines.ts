/** Lines of a text database with the byte offset each starts at, so a warning can say where. */
export interface OffsetLine {
  text: string;
  offset: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Bytes of a string in UTF-8 (a lone surrogate, as U+FFFD, is 3). */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 2; // the pair is 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}

/**
 * Splits on LF (a CR before it is dropped). The text is decoded once, not per line: a browser's
 * TextDecoder costs microseconds a call, and a dpkg status has tens of thousands of lines. Offsets
 * are exact for valid UTF-8; after an invalid byte (read as U+FFFD) they are near, not exact.
 */
export function* offsetLines(bytes: Uint8Array): Generator<OffsetLine> {
  const text = decoder.decode(bytes);
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  let start = 0;
  let offset = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end);
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    yield { text: line, offset };
    offset += (ascii ? raw.length : utf8Length(raw)) + 1;
    start = end + 1;
  }
}

export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * RFC 822-style stanzas (dpkg's status, Python's METADATA headers): `Name: value` fields, lines
 * starting with a space or tab continue the field before, a blank line ends a stanza. Field
 * names are kept as written; `onProblem` hears of lines that are neither.
 */
export interface Stanza {
  fields: Map<string, string>;
  offset: number;
}

export function* stanzas(
  bytes: Uint8Array,
  onProblem: (offset: number, message: string) => void,
  options: { stopAtFirstBlank?: boolean } = {},
): Generator<Stanza> {
  let fields = new Map<string, string>();
  let offset = 0;
  let last: string | null = null;
  for (const line of offsetLines(bytes)) {
    if (line.text.trim() === '') {
      if (fields.size > 0) {
        yield { fields, offset };
        if (options.stopAtFirstBlank) return;
      }
      fields = new Map();
      last = null;
      continue;
    }
    if (fields.size === 0 && last === null) offset = line.offset;
    if (line.text[0] === ' ' || line.text[0] === '\t') {
      if (last === null) onProblem(line.offset, 'a continuation line with no field before it');
      else fields.set(last, `${fields.get(last)}\n${line.text.trim()}`);
      continue;
    }
    const colon = line.text.indexOf(':');
    if (colon <= 0) {
      onProblem(line.offset, `not a "Field: value" line: ${JSON.stringify(line.text.slice(0, 40))}`);
      continue;
    }
    last = line.text.slice(0, colon);
    // Repeated fields (METADATA's Classifier) keep the first: the ones read here are single.
    if (!fields.has(last)) fields.set(last, line.text.slice(colon + 1).trim());
  }
  if (fields.size > 0) yield { fields, offset };
}
