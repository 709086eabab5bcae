import { describe, expect, it } from 'vitest';
import { buildTar } from '../../testing/tarBuilder';
import { checksumMatches, parseNumeric } from './header';

describe('checksumMatches', () => {
  it('agrees on aligned and unaligned headers, and rejects a changed byte', () => {
    const header = buildTar([{ name: 'ünïcödé-name', content: 'x', uname: 'röot' }]).subarray(0, 512);
    expect(checksumMatches(header)).toBe(true);
    const shifted = new Uint8Array(515);
    shifted.set(header, 3);
    expect(checksumMatches(shifted.subarray(3))).toBe(true);
    header[20] ^= 1;
    expect(checksumMatches(header)).toBe(false);
  });

  it('accepts the signed sum old tars wrote', () => {
    const header = buildTar([{ name: 'é', content: '' }]).subarray(0, 512);
    let signed = 8 * 0x20;
    for (let i = 0; i < 512; i++)
      if (i < 148 || i >= 156) signed += header[i] > 127 ? header[i] - 256 : header[i];
    header.set(new TextEncoder().encode(`${signed.toString(8).padStart(6, '0')}\0 `), 148);
    expect(checksumMatches(header)).toBe(true);
  });
});

describe('parseNumeric', () => {
  const field = (text: string) => new TextEncoder().encode(text);
  it('reads octal with spaces and NULs, base-256, and flags garbage', () => {
    expect(parseNumeric(field(' 0000644\0'), 0, 8)).toBe(0o644);
    expect(parseNumeric(new Uint8Array(8), 0, 8)).toBe(0);
    expect(parseNumeric(Uint8Array.from([0x80, 0, 0, 0, 0, 0, 1, 0]), 0, 8)).toBe(256);
    expect(parseNumeric(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]), 0, 8)).toBe(-2);
    expect(parseNumeric(field('12x4'), 0, 4)).toBeNaN();
  });
});
