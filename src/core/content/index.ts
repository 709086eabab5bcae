/** Showing a file's contents: what kind it is, its bytes on demand, pages of text lines and hex rows. */
export {
  BlockCache,
  type ByteRange,
  CachedFileBytes,
  chunksOfRange,
  DEFAULT_BLOCK_SIZE,
  DEFAULT_CACHE_BYTES,
  openFileBytes,
} from './fileBytes';
export { BYTES_PER_ROW, formatHexDump, type HexPage, type HexRow, hexRows, readHexPage } from './hexDump';
export {
  type ContentKind,
  decodeLine,
  decodeWindows1252,
  escapeControls,
  type ImageMime,
  SNIFF_BYTES,
  sniffContent,
  sniffImage,
  type TextEncodingName,
} from './kinds';
export {
  type DiffLine,
  type DiffLineKind,
  type DiffOptions,
  diffLines,
  formatUnified,
  splitLines,
  type TextDiff,
} from './textDiff';
export { type TextLine, type TextPage, TextPager, type TextPagerOptions } from './textPager';
