import { describe, expect, it } from 'vitest';
import { buildTar } from '../../testing/tarBuilder';
import { checksumMatches, parseNumeric, RepeatedField } from './header';

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

describe('checksumMatches across buffers', () => {
  it('sums each header of its own buffer, at any block of it, after headers of other buffers', () => {
    const a = buildTar([
      { name: 'a', content: 'x' },
      { name: 'bb', content: 'y'.repeat(600) },
    ]);
    const b = buildTar([{ name: 'other', content: 'z' }]);
    expect(checksumMatches(a.subarray(0, 512))).toBe(true);
    expect(checksumMatches(b.subarray(0, 512))).toBe(true);
    expect(checksumMatches(a.subarray(1024, 1536))).toBe(true);
    const broken = b.slice();
    broken[0] ^= 2;
    expect(checksumMatches(broken.subarray(0, 512))).toBe(false);
    expect(checksumMatches(b.subarray(0, 512))).toBe(true);
  });
});

describe('RepeatedField', () => {
  const field = (text: string) => {
    const bytes = new Uint8Array(40);
    bytes.set(new TextEncoder().encode(text), 4);
    return bytes;
  };
  it('returns the same string for the same bytes and a new one when they change', () => {
    const f = new RepeatedField(32);
    const root = f.read(field('root'), 4, 32);
    expect(root).toBe('root');
    expect(f.read(field('root'), 4, 32)).toBe(root);
    expect(f.read(field('roos'), 4, 32)).toBe('roos');
    expect(f.read(field('roo'), 4, 32)).toBe('roo');
    expect(f.read(field(''), 4, 32)).toBe('');
    expect(f.read(field('wheel'), 4, 32)).toBe('wheel');
    expect(f.read(field('wh\u00e9el'), 4, 32)).toBe('wh\u00e9el');
    expect(f.read(field('x'.repeat(32)), 4, 32)).toBe('x'.repeat(32));
  });
});
