/**
 * Hex views of binary files, one page of rows at a time, in the layout of `hexdump -C`
 * (offset, two groups of eight bytes, printable ASCII) so what people know reads the same here.
 */
import type { ByteRange } from './fileBytes';

export interface HexRow {
  /** Offset of the row's first byte in the file. */
  offset: number;
  /** `7f 45 4c 46 02 01 01 00  00 00 …`: bytes in hex, an extra space after the eighth. */
  hex: string;
  /** The bytes as printable ASCII, '.' for anything else. */
  ascii: string;
}

export interface HexPage {
  page: number;
  pageCount: number;
  rows: HexRow[];
}

export const BYTES_PER_ROW = 16;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Rows for `bytes`, the first of which sits at `startOffset` in the file. */
export function hexRows(bytes: Uint8Array, startOffset = 0, bytesPerRow = BYTES_PER_ROW): HexRow[] {
  const rows: HexRow[] = [];
  const half = bytesPerRow / 2;
  for (let at = 0; at < bytes.length; at += bytesPerRow) {
    const row = bytes.subarray(at, at + bytesPerRow);
    const hex: string[] = [];
    let ascii = '';
    for (let i = 0; i < row.length; i++) {
      hex.push(i === half ? ` ${HEX[row[i]]}` : HEX[row[i]]);
      ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : '.';
    }
    rows.push({ offset: startOffset + at, hex: hex.join(' '), ascii });
  }
  return rows;
}

/**
 * Text exactly as `hexdump -C` prints the same bytes (without its `*` for repeated rows, so each
 * page stands alone), ending with the offset after the last byte when `withEnd` is set.
 */
export function formatHexDump(bytes: Uint8Array, startOffset = 0, withEnd = false): string {
  const width = BYTES_PER_ROW * 3 + 1; // "xx " per byte and the gap after the eighth
  const lines = hexRows(bytes, startOffset).map(
    (row) => `${row.offset.toString(16).padStart(8, '0')}  ${row.hex.padEnd(width)} |${row.ascii}|`,
  );
  if (withEnd) lines.push((startOffset + bytes.length).toString(16).padStart(8, '0'));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Page `page` (0-based) of `rowsPerPage` rows: the only bytes read are that page's. */
export async function readHexPage(source: ByteRange, page: number, rowsPerPage = 64): Promise<HexPage> {
  const pageBytes = rowsPerPage * BYTES_PER_ROW;
  const pageCount = Math.ceil(source.size / pageBytes);
  const index = Math.max(0, Math.min(Math.floor(page), Math.max(0, pageCount - 1)));
  const offset = index * pageBytes;
  const bytes = await source.read(offset, pageBytes);
  return { page: index, pageCount, rows: hexRows(bytes, offset) };
}
