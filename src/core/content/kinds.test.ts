import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatHexDump, hexRows, readHexPage } from './hexDump';
import { decodeLine, decodeWindows1252, escapeControls, sniffContent } from './kinds';

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (value: string) => new TextEncoder().encode(value);

function memoryRange(data: Uint8Array) {
  return {
    size: data.length,
    read: async (offset: number, length: number) => data.slice(offset, offset + length),
  };
}

describe('sniffContent', () => {
  it('recognises the images browsers preview by magic bytes, whatever the name', () => {
    expect(sniffContent(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0), 'x.txt')).toEqual({
      view: 'image',
      mime: 'image/png',
    });
    expect(sniffContent(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toEqual({
      view: 'image',
      mime: 'image/jpeg',
    });
    expect(sniffContent(text('GIF89a\x01\x00'))).toEqual({ view: 'image', mime: 'image/gif' });
    expect(sniffContent(text('GIF87a\x01\x00'))).toEqual({ view: 'image', mime: 'image/gif' });
    expect(sniffContent(text('RIFF\x24\x00\x00\x00WEBPVP8 '))).toEqual({ view: 'image', mime: 'image/webp' });
    // RIFF that is not WebP (a WAV file) is binary, and a .png name on text does not make it an image.
    expect(sniffContent(bytes(...text('RIFF'), 0x24, 0, 0, 0, ...text('WAVEfmt '))).view).toBe('hex');
    expect(sniffContent(text('not a png'), 'logo.png')).toEqual({
      view: 'text',
      encoding: 'utf-8',
      markup: null,
    });
  });

  it('tells text from binary', () => {
    expect(sniffContent(text('root:x:0:0:root:/root:/bin/sh\n'))).toEqual({
      view: 'text',
      encoding: 'utf-8',
      markup: null,
    });
    expect(sniffContent(bytes(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0)).view).toBe('hex'); // ELF
    expect(sniffContent(new Uint8Array(0))).toEqual({ view: 'text', encoding: 'utf-8', markup: null });
    // Terminal colours and a form feed are still text.
    expect(sniffContent(text('\x1b[1mWelcome\x1b[0m\f\n')).view).toBe('text');
    // Many control bytes are not.
    expect(sniffContent(bytes(...text('abc'), 1, 2, 3, 4, 5, 6)).view).toBe('hex');
  });

  it('falls back to Latin-1 (as windows-1252) for text that is not UTF-8', () => {
    const latin1 = bytes(...text('caf'), 0xe9, ...text(' na'), 0xef, ...text('ve '), 0x80, 0x0a);
    expect(sniffContent(latin1)).toEqual({ view: 'text', encoding: 'windows-1252', markup: null });
    expect(decodeLine(latin1.subarray(0, -1), 'windows-1252')).toBe('café naïve €');
    expect(decodeWindows1252(bytes(0x81, 0x93, 0x94, 0xff))).toBe('\u0081\u201c\u201dÿ');
  });

  it('does not call UTF-8 cut off by the sniff window invalid', () => {
    const head = text(`${'a'.repeat(8190)}é`); // 8192 bytes: the é is whole
    expect(sniffContent(head.subarray(0, 8191), '', 100_000)).toMatchObject({ encoding: 'utf-8' });
    // At the real end of the file a cut sequence is invalid.
    expect(sniffContent(head.subarray(0, 8191), '', 8191)).toMatchObject({ encoding: 'windows-1252' });
  });

  it('flags SVG and HTML as text that is never rendered', () => {
    const svg =
      '<?xml version="1.0"?>\n<!-- icon -->\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    expect(sniffContent(text(svg))).toEqual({ view: 'text', encoding: 'utf-8', markup: 'svg' });
    expect(sniffContent(text('<!DOCTYPE html><title>x</title>'))).toMatchObject({
      view: 'text',
      markup: 'html',
    });
    expect(sniffContent(text('  <html><body onload=alert(1)>'))).toMatchObject({ markup: 'html' });
    expect(sniffContent(text('plain'), 'index.HTML')).toMatchObject({ markup: 'html' });
    expect(sniffContent(text('plain'), 'logo.svg')).toMatchObject({ markup: 'svg' });
    expect(sniffContent(text('<config/>'))).toMatchObject({ markup: null });
  });
});

describe('escapeControls', () => {
  it('makes control characters and bidi overrides visible, keeping tabs', () => {
    expect(escapeControls('a\tb\x1b[0m\x00\x7f')).toBe('a\tb\u241b[0m\u2400\u2421');
    expect(escapeControls('safe \u202eevil\u2066')).toBe('safe \ufffdevil\ufffd');
    expect(escapeControls('\u0085next')).toBe('\ufffdnext');
  });
});

describe('hex dump', () => {
  const sample = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256);

  it('rows give offset, hex and ASCII', () => {
    const rows = hexRows(text('Hello, world!\n\x00\x01ABC'), 0x100);
    expect(rows).toEqual([
      { offset: 0x100, hex: '48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 01', ascii: 'Hello, world!...' },
      { offset: 0x110, hex: '41 42 43', ascii: 'ABC' },
    ]);
  });

  it.skipIf(spawnSync('hexdump', ['--version']).error !== undefined)(
    'prints what `hexdump -C` prints',
    () => {
      const reference = spawnSync('hexdump', ['-C'], { input: sample }).stdout.toString();
      expect(formatHexDump(sample, 0, true)).toBe(reference);
    },
  );

  it('reads one page of rows at a time', async () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);
    const page = await readHexPage(memoryRange(data), 2, 4);
    expect(page).toMatchObject({ page: 2, pageCount: 16 });
    expect(page.rows.map((r) => r.offset)).toEqual([128, 144, 160, 176]);
    expect((await readHexPage(memoryRange(data), 99, 4)).rows.map((r) => r.offset)).toEqual([960, 976, 992]);
  });
});
