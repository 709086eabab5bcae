/**
 * Characters that hide or disguise text: C0 controls, DEL and C1 controls, and the invisible
 * formatting characters that reorder or hide what follows them (the Arabic letter mark, zero-width
 * space, left-to-right and right-to-left marks, line and paragraph separators, bidi embeddings and
 * overrides U+202A–U+202E, bidi isolates U+2066–U+2069, the byte order mark). Zero-width joiners
 * (U+200C, U+200D) stay: scripts and emoji need them.
 */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const HIDDEN_ALL = new RegExp(HIDDEN.source, 'g');

function escapeHidden(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  const hex = code.toString(16).toUpperCase();
  return code < 0x100 ? `\\x${hex.padStart(2, '0')}` : `\\u${hex.padStart(4, '0')}`;
}

/**
 * Text from an archive (names, paths, link targets, tags, commands, config values, messages that
 * quote them) as it is shown: React renders it as text, never markup, and this makes visible what
 * text can hide. Each hidden character becomes an escape: `\n`, `\t`, `\r`, `\x1B` for controls,
 * `\u202E` for formatting characters, so a right-to-left override cannot turn `evil\u202Etxt.exe`
 * into something that reads as `evilexe.txt`, and a terminal escape cannot hide in a name. Everything
 * else, backslashes included, is shown as it is (a name may spell `\u202E` literally: it is then
 * harmless text, and telling the two apart is not worth escaping every backslash).
 */
export function visible(text: string): string;
export function visible(text: string | null | undefined): string | null | undefined;
export function visible(text: string | null | undefined): string | null | undefined {
  if (!text || !HIDDEN.test(text)) return text;
  return text.replace(HIDDEN_ALL, escapeHidden);
}

/**
 * Text for a terminal, line by line: every hidden character but the newline between lines is
 * escaped as `visible()` escapes it. The CLI passes everything it prints as text (human-readable
 * lines and stderr messages alike) through this one function, so nothing quoted from an archive
 * can move the cursor, retitle the window or reorder what follows.
 */
export function terminalText(text: string): string {
  if (!HIDDEN.test(text)) return text;
  return text.split('\n').map(visible).join('\n');
}

/**
 * What JSON.stringify leaves raw that a terminal acts on: DEL, the C1 controls (U+0080–U+009F,
 * U+009B is a CSI on many terminals) and the invisible formatting characters `visible()` escapes.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * JSON.stringify, with the characters above written as `\uXXXX` escapes: the same value to a
 * JSON parser, and safe to pipe to a terminal.
 */
export function terminalSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}
