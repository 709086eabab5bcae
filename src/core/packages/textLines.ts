/** Lines of a text database with the byte offset each starts at, so a warning can say where. */
export interface OffsetLine {
  text: string;
  offset: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Splits on LF (a CR before it is dropped); decodes each line as UTF-8, bad bytes as U+FFFD. */
export function* offsetLines(bytes: Uint8Array): Generator<OffsetLine> {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    yield { text: decoder.decode(bytes.subarray(start, stop)), offset: start };
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
