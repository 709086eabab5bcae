import { describe, expect, it } from 'vitest';
import { ociArchive } from '../../testing/archives';
import { MemorySource } from '../bytes/byteSource';
import { ImageFileSystem } from '../fs/imageFileSystem';
import { ContentReader } from '../image/content';
import { openArchive } from '../image/open';
import { BlockCache, type ByteRange, CachedFileBytes, chunksOfRange, openFileBytes } from './fileBytes';
import { TextPager } from './textPager';

/** A range over memory that records which bytes were asked for. */
function recordingRange(data: Uint8Array) {
  const reads: [number, number][] = [];
  const range: ByteRange = {
    size: data.length,
    read: async (offset, length) => {
      reads.push([offset, length]);
      return data.slice(offset, offset + length);
    },
  };
  return { range, reads, bytesRead: () => reads.reduce((sum, [, n]) => sum + n, 0) };
}

const encode = (text: string) => new TextEncoder().encode(text);
const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}`).join('\n');

describe('TextPager', () => {
  it('pages lines with numbers, offsets and a total once the end is seen', async () => {
    const { range } = recordingRange(encode(`${numbered(1000)}\n`));
    const pager = new TextPager(range, 'utf-8', { checkpointEvery: 64, scanChunk: 1000 });
    const first = await pager.page(0, 3);
    expect(first.lines.map((l) => [l.number, l.offset, l.text])).toEqual([
      [1, 0, 'line 1'],
      [2, 7, 'line 2'],
      [3, 14, 'line 3'],
    ]);
    expect(first.totalLines).toBeNull();
    expect(first.knownLines).toBeGreaterThan(3);
    const middle = await pager.page(500, 2);
    expect(middle.lines.map((l) => l.text)).toEqual(['line 501', 'line 502']);
    expect(await pager.countLines()).toBe(1000);
    const last = await pager.page(998, 10);
    expect(last.lines.map((l) => l.text)).toEqual(['line 999', 'line 1000']);
    expect(last.totalLines).toBe(1000);
    expect((await pager.page(1000, 10)).lines).toEqual([]);
  });

  it('answers pages asked for at the same time', async () => {
    const pager = new TextPager(recordingRange(encode(`${numbered(5000)}\n`)).range, 'utf-8', {
      checkpointEvery: 16,
      scanChunk: 512,
    });
    const pages = await Promise.all([
      pager.page(4000, 1),
      pager.page(10, 1),
      pager.page(2500, 1),
      pager.countLines(),
    ]);
    expect(pages.slice(0, 3).map((p) => (typeof p === 'number' ? p : p.lines[0].text))).toEqual([
      'line 4001',
      'line 11',
      'line 2501',
    ]);
    expect(pages[3]).toBe(5000);
  });

  it('counts a last line without a newline, CRLF endings and empty lines', async () => {
    const pager = new TextPager(recordingRange(encode('a\r\n\r\nb\nlast')).range, 'utf-8');
    const page = await pager.page(0, 10);
    expect(page.lines.map((l) => [l.text, l.byteLength])).toEqual([
      ['a', 1],
      ['', 0],
      ['b', 1],
      ['last', 4],
    ]);
    expect(page.totalLines).toBe(4);
    expect(
      (await new TextPager(recordingRange(new Uint8Array(0)).range, 'utf-8').page(0, 5)).totalLines,
    ).toBe(0);
    expect(await new TextPager(recordingRange(encode('\n')).range, 'utf-8').countLines()).toBe(1);
  });

  it('reads about a page of bytes for a page once the lines are indexed, not the whole file', async () => {
    const data = encode(`${numbered(100_000)}\n`); // ~1.1 MB
    const { range, reads, bytesRead } = recordingRange(data);
    const pager = new TextPager(range, 'utf-8', { scanChunk: 16 * 1024 });
    await pager.page(50_000, 50);
    // Scanning stops near the page: about half the file, not all of it.
    expect(bytesRead()).toBeLessThan(data.length * 0.6);
    reads.length = 0;
    const page = await pager.page(49_000, 50);
    expect(page.lines[0].text).toBe('line 49001');
    expect(bytesRead()).toBeLessThanOrEqual(16 * 1024 * 2);
  });

  it('cuts very long lines for display and escapes control characters', async () => {
    const long = `${'é'.repeat(3000)}\n\x1b[31mred\x1b[0m\tok\n`;
    const pager = new TextPager(recordingRange(encode(long)).range, 'utf-8', { maxLineBytes: 1001 });
    const [first, second] = (await pager.page(0, 2)).lines;
    expect(first).toMatchObject({ truncated: true, byteLength: 6000 });
    expect(first.text).toBe('é'.repeat(500)); // cut before a broken character
    expect(second).toMatchObject({ truncated: false, text: '\u241b[31mred\u241b[0m\tok' });
  });

  it('decodes Latin-1 pages', async () => {
    const pager = new TextPager(
      recordingRange(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a])).range,
      'windows-1252',
    );
    expect((await pager.page(0, 1)).lines[0].text).toBe('café');
  });
});

describe('file bytes with a block cache', () => {
  const data = Uint8Array.from({ length: 1_000_000 }, (_, i) => (i * 31) % 251);

  it('reads ranges across blocks and serves repeats from the cache, within its bound', async () => {
    const { range, bytesRead } = recordingRange(data);
    // A ContentReader stand-in: only `read` is used.
    const reader = {
      read: (_blob: string, _entry: number, offset: number, length: number) => range.read(offset, length),
    };
    const cache = new BlockCache(200_000);
    const file = new CachedFileBytes(
      reader as unknown as ContentReader,
      'blob',
      0,
      data.length,
      cache,
      65_536,
    );
    expect(Buffer.from(await file.read(100_000, 100_000)).equals(data.subarray(100_000, 200_000))).toBe(true);
    const afterFirst = bytesRead();
    expect(Buffer.from(await file.read(120_000, 50_000)).equals(data.subarray(120_000, 170_000))).toBe(true);
    expect(bytesRead()).toBe(afterFirst);
    expect(cache.cachedBytes).toBeLessThanOrEqual(200_000);
    await file.read(600_000, 200_000);
    expect(cache.cachedBytes).toBeLessThanOrEqual(200_000);
    expect((await file.read(999_990, 100)).length).toBe(10);
  });

  it('opens the file behind a ContentRef of a gzip layer and pages it backwards without redecompressing', async () => {
    const text = `${numbered(200_000)}\n`;
    const archiveBytes = ociArchive(
      [
        {
          tags: ['t:1'],
          layers: [
            [
              { name: 'padding.bin', content: new Uint8Array(2_000_000) },
              { name: 'log.txt', content: text },
            ],
          ],
        },
      ],
      'gzip',
    );
    let sourceBytes = 0;
    const source = new MemorySource(archiveBytes);
    const counting = {
      size: source.size,
      name: 'counting',
      read: (offset: number, length: number) => {
        sourceBytes += length;
        return source.read(offset, length);
      },
    };
    const archive = await openArchive(counting);
    const fs = await ImageFileSystem.build(archive, 0);
    const ref = fs.contentSource(0, 'merged', '/log.txt')!;
    const file = openFileBytes(new ContentReader(archive), archive, 0, ref);
    const pager = new TextPager(file, 'utf-8');
    sourceBytes = 0;
    expect((await pager.page(150_000, 2)).lines[0].text).toBe('line 150001');
    const forward = sourceBytes;
    // Backwards within what was read: blocks from the cache, nothing read from the archive.
    sourceBytes = 0;
    expect((await pager.page(149_990, 2)).lines[0].text).toBe('line 149991');
    expect(sourceBytes).toBe(0);
    expect(forward).toBeGreaterThan(0);
    // Downloads stream the whole file in chunks.
    let total = 0;
    for await (const chunk of chunksOfRange(
      openFileBytes(new ContentReader(archive), archive, 0, ref, null),
      100_000,
    ))
      total += chunk.length;
    expect(total).toBe(encode(text).length);
  });
});
