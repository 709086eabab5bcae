import { describe, expect, it } from 'vitest';
import { jsonParseReason } from './image/json';
import { terminalSafeJson, terminalText, visible } from './visibleText';

const ATTACK = '\x1b[31mred\x1b]0;pwned\x07\u009b2J\u202Etxt.exe';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('text for a terminal', () => {
  it('escapes ESC sequences, OSC titles, C1 controls and bidi overrides line by line', () => {
    const text = terminalText(`name: ${ATTACK}\nnext line\n`);
    expect(text).toBe('name: \\x1B[31mred\\x1B]0;pwned\\x07\\x9B2J\\u202Etxt.exe\nnext line\n');
    expect(RAW.test(text)).toBe(false);
    expect(terminalText('plain\n')).toBe('plain\n');
    expect(terminalText(visible(ATTACK))).toBe(visible(ATTACK));
  });

  it('writes JSON whose strings are the same values and that a terminal shows as text', () => {
    const value = { name: ATTACK, del: '\x7f', nel: '\u0085', isolate: '\u2066x\u2069' };
    const json = terminalSafeJson(value, 2);
    expect(RAW.test(json)).toBe(false);
    expect(json).toContain('\\u009B2J\\u202Etxt.exe');
    expect(JSON.parse(json)).toEqual(value);
    expect(terminalText(json)).toBe(json);
  });

  it('quotes no archive bytes from a JSON parse error', () => {
    for (const text of ['[{"a":"\0\x1b[2J', '[\0\0\x1b]0;t\x07', '{"a" x \0}', 'nul\0']) {
      let reason = '';
      try {
        JSON.parse(text);
      } catch (error) {
        reason = jsonParseReason(error);
      }
      expect(reason).not.toBe('');
      expect(reason).not.toMatch(/[\0\x1b\x07]/);
      expect(reason).not.toContain('pwned');
    }
  });
});
