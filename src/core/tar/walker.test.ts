import { describe, expect, it } from 'vitest';
import { buildTar, concat, setChecksum } from '../../testing/tarBuilder';
import { withNameFromBytes } from '../../testing/tarFuzz';
import { MemorySource } from '../bytes/byteSource';
import { WindowedReader } from '../bytes/reader';
import type { TarEntry } from './types';
import { walkTar, walkTarEach } from './walker';

async function listPlain(
  bytes: Uint8Array,
  windowSize?: number,
): Promise<{ entries: TarEntry[]; error: Error | null }> {
  const entries: TarEntry[] = [];
  try {
    for await (const e of walkTar(new WindowedReader(new MemorySource(bytes), 0, bytes.length, windowSize)))
      entries.push(e);
    return { entries, error: null };
  } catch (error) {
    return { entries, error: error as Error };
  }
}

/** The walk with names handed over as bytes (WalkOptions.nameBytes), the names made from them. */
async function listNamedByBytes(
  bytes: Uint8Array,
  windowSize?: number,
): Promise<{ entries: TarEntry[]; error: Error | null; byBytes: number }> {
  const entries: TarEntry[] = [];
  let byBytes = 0;
  const reader = new WindowedReader(new MemorySource(bytes), 0, bytes.length, windowSize);
  const visit = (e: TarEntry) => {
    if (e.nameBytes) byBytes++;
    entries.push(withNameFromBytes(e));
  };
  try {
    await walkTarEach(reader, visit, undefined, { nameBytes: true });
    return { entries, error: null, byBytes };
  } catch (error) {
    return { entries, error: error as Error, byBytes };
  }
}

/** Every listing here is made both ways, and the two must agree, errors included. */
async function list(
  bytes: Uint8Array,
  windowSize?: number,
): Promise<{ entries: TarEntry[]; error: Error | null }> {
  const plain = await listPlain(bytes, windowSize);
  const { byBytes, ...named } = await listNamedByBytes(bytes, windowSize);
  expect(named.entries).toEqual(plain.entries.map((e) => ({ ...e })));
  expect(named.error?.message).toBe(plain.error?.message);
  return plain;
}

const LONG = `${'deep/'.repeat(40)}file-with-a-long-name.txt`;
const UNICODE = 'données/日本語/файл-ü.txt';

describe('walkTar', () => {
  it('reads ustar names with the prefix field, PAX long and non-ASCII names, and links', async () => {
    const bytes = buildTar([
      { name: 'etc/', type: 'dir' },
      { name: `${'p'.repeat(120)}/short.txt`, content: 'prefix' },
      { name: LONG, content: 'long' },
      { name: UNICODE, content: 'ü' },
      { name: 'link', type: 'symlink', linkTarget: `/${'t'.repeat(150)}` },
      { name: 'hard', type: 'hardlink', linkTarget: 'etc/x' },
      { name: 'pipe', type: 'fifo' },
    ]);
    const { entries, error } = await list(bytes);
    expect(error).toBeNull();
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['etc/', 'dir'],
      [`${'p'.repeat(120)}/short.txt`, 'file'],
      [LONG, 'file'],
      [UNICODE, 'file'],
      ['link', 'symlink'],
      ['hard', 'hardlink'],
      ['pipe', 'fifo'],
    ]);
    expect(entries[4].linkTarget).toBe(`/${'t'.repeat(150)}`);
    expect(entries[3].size).toBe(2);
  });

  it('reads GNU long names and long links; of several L headers in a row the last wins', async () => {
    const gnu = buildTar(
      [
        { name: UNICODE.repeat(8), content: 'x' },
        { name: 'l', type: 'symlink', linkTarget: LONG },
      ],
      {
        longNames: 'gnu',
      },
    );
    const { entries } = await list(gnu);
    expect(entries.map((e) => e.name)).toEqual([UNICODE.repeat(8), 'l']);
    expect(entries[1].linkTarget).toBe(LONG);

    const first = buildTar([{ name: 'a'.repeat(150), content: '' }], { longNames: 'gnu', endBlocks: false });
    const second = buildTar([{ name: 'b'.repeat(150), content: 'data' }], { longNames: 'gnu' });
    // keep only the L header + body of the first, then the whole second entry
    const twoLongNames = concat([first.subarray(0, 1024), second]);
    const result = await list(twoLongNames);
    expect(result.entries.map((e) => e.name)).toEqual(['b'.repeat(150)]);
  });

  it('decodes base-256 numbers for sizes and ids', async () => {
    const bytes = buildTar([{ name: 'big-uid', content: 'abc', uid: 2 ** 40, gid: 7 }]);
    const { entries } = await list(bytes);
    expect(entries[0].uid).toBe(2 ** 40);
    expect(entries[0].gid).toBe(7);
  });

  it('applies PAX records: size, mtime, uid and xattrs', async () => {
    const bytes = buildTar([
      {
        name: 'x',
        content: 'hello',
        pax: { mtime: '1700000000.5', uid: '123456789', 'SCHILY.xattr.user.k': 'v' },
      },
    ]);
    const { entries } = await list(bytes);
    expect(entries[0].mtime).toBe(1700000000.5);
    expect(entries[0].uid).toBe(123456789);
    expect(entries[0].xattrs).toEqual({ 'user.k': 'v' });
  });

  it('jumps over bodies with any window size and keeps data offsets right', async () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 7).fill(65);
    const bytes = buildTar([
      { name: 'a', content: 'A' },
      { name: 'big', content: big },
      { name: 'z', content: 'Z' },
    ]);
    for (const window of [512, 4096, 1 << 20, 4 << 20]) {
      const { entries, error } = await list(bytes, window);
      expect(error).toBeNull();
      expect(entries.map((e) => e.name)).toEqual(['a', 'big', 'z']);
      expect(bytes[entries[2].dataOffset]).toBe('Z'.charCodeAt(0));
    }
  });

  it('accepts archives without zero blocks and with trailing bytes after them', async () => {
    const noEnd = buildTar([{ name: 'a', content: 'x' }], { endBlocks: false });
    expect((await list(noEnd)).entries.map((e) => e.name)).toEqual(['a']);
    const trailing = concat([buildTar([{ name: 'a', content: 'x' }]), new Uint8Array(300).fill(7)]);
    const r = await list(trailing);
    expect(r.error).toBeNull();
    expect(r.entries.map((e) => e.name)).toEqual(['a']);
  });

  it('names the offset and the last good entry on a checksum failure, keeping earlier entries', async () => {
    const bytes = buildTar([
      { name: 'good', content: 'x' },
      { name: 'bad', content: 'y' },
    ]);
    bytes[1024 + 10] ^= 0xff; // corrupt the second header's name without fixing the checksum
    const { entries, error } = await list(bytes);
    expect(entries.map((e) => e.name)).toEqual(['good']);
    expect(error?.message).toBe('header checksum mismatch at byte 1024 (after entry "good")');
  });

  it('reports a truncated body with how many bytes are missing', async () => {
    const bytes = buildTar([{ name: 'a', content: 'x'.repeat(2000) }]).subarray(0, 512 + 1000);
    const { entries, error } = await list(bytes);
    expect(entries.map((e) => e.name)).toEqual(['a']);
    expect(error?.message).toContain('1000 bytes of "a" missing');
  });

  it('reports a truncated header', async () => {
    const bytes = buildTar([{ name: 'a', content: 'x' }]).subarray(0, 1024 + 100);
    const full = concat([bytes.subarray(0, 1024), buildTar([{ name: 'b' }]).subarray(0, 100)]);
    const { error } = await list(full);
    expect(error?.message).toBe('truncated header (100 of 512 bytes) at byte 1024 (after entry "a")');
  });

  it('refuses PAX headers over 1 MiB and malformed PAX records', async () => {
    const huge = buildTar([{ name: 'x', content: '' }]);
    const header = new Uint8Array(512);
    header.set(new TextEncoder().encode('PaxHeaders/x'));
    header.set(new TextEncoder().encode('77777777777'), 124);
    header[156] = 'x'.charCodeAt(0);
    header.set(new TextEncoder().encode('ustar\u000000'), 257);
    setChecksum(header);
    const { error } = await list(concat([header, huge]));
    expect(error?.message).toMatch(/PAX header of 8589934591 bytes exceeds the 1 MiB limit at byte 0/);

    const bad = buildTar([{ name: 'x', content: '', pax: { path: 'y' } }]);
    bad[512] = '9'.charCodeAt(0); // record length now points past its end
    bad[513] = '9'.charCodeAt(0);
    expect((await list(bad)).error?.message).toMatch(/malformed PAX record/);
  });

  it('reads v7 headers (no magic) and old-style directories marked by a trailing slash', async () => {
    const bytes = buildTar([
      { name: 'dir/', type: 'file' },
      { name: 'f', content: 'abc' },
    ]);
    for (const off of [0, 512]) {
      bytes.fill(0, off + 257, off + 265);
      bytes[off + 156] = 0;
      setChecksum(bytes.subarray(off, off + 512));
    }
    const { entries, error } = await list(bytes);
    expect(error).toBeNull();
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['dir/', 'dir'],
      ['f', 'file'],
    ]);
  });
});

describe('names handed over as bytes (WalkOptions.nameBytes)', () => {
  it('hands over plain ASCII names as bytes, and makes strings of prefixed, long, PAX and non-ASCII ones', async () => {
    const bytes = buildTar([
      { name: 'usr/bin/tool', content: 'x' },
      { name: `${'p'.repeat(120)}/short.txt`, content: 'prefix' },
      { name: LONG, content: 'long' },
      { name: UNICODE, content: 'ü' },
      { name: 'paxed', content: '', pax: { mtime: '1.5' } },
      { name: 'etc/', type: 'dir' },
    ]);
    const { entries, byBytes } = await listNamedByBytes(bytes);
    expect(entries.map((e) => e.name)).toEqual((await listPlain(bytes)).entries.map((e) => e.name));
    expect(byBytes).toBe(2); // usr/bin/tool and etc/
  });

  it('an error in a header scanned for its name still names the entry before it', async () => {
    // a GNU sparse header ('S') with a broken real size fails after its name was scanned
    const bytes = buildTar([
      { name: 'first', content: 'x' },
      { name: 'second-name', content: 'y' },
    ]);
    const second = bytes.subarray(1024, 1536);
    second[156] = 'S'.charCodeAt(0);
    second.fill('9'.charCodeAt(0), 483, 495);
    setChecksum(second);
    const { entries, error } = await listNamedByBytes(bytes);
    expect(entries.map((e) => e.name)).toEqual(['first']);
    expect(error?.message).toBe('invalid sparse real size at byte 1024 (after entry "first")');
    expect((await listPlain(bytes)).error?.message).toBe(error?.message);
  });

  it('an old-style directory (type 0, trailing slash) is a directory when named by bytes too', async () => {
    const bytes = buildTar([{ name: 'dir/', type: 'file' }]);
    bytes[156] = 0;
    setChecksum(bytes.subarray(0, 512));
    const { entries, byBytes } = await listNamedByBytes(bytes);
    expect(byBytes).toBe(1);
    expect(entries.map((e) => [e.name, e.type])).toEqual([['dir/', 'dir']]);
  });
});

describe('walkTarEach and the walkTar iterator over it', () => {
  const bytes = buildTar([
    { name: 'a.txt', content: 'alpha body' },
    { name: 'b.txt', content: 'b'.repeat(3000) },
    { name: 'c.txt', content: 'gamma' },
  ]);
  const decoder = new TextDecoder();

  it('lets a visitor read part of a body, sync or async, and walks on from there', async () => {
    const reader = new WindowedReader(new MemorySource(bytes), 0, bytes.length, 512);
    const seen: string[] = [];
    await walkTarEach(reader, (e) => {
      if (e.name === 'b.txt') return;
      if (e.name === 'a.txt') {
        seen.push(`${e.name}:sync`);
        return;
      }
      return reader.read(3).then((head) => {
        seen.push(`${e.name}:${decoder.decode(head)}`);
      });
    });
    expect(seen).toEqual(['a.txt:sync', 'c.txt:gam']);
  });

  it('a consumer that stops early leaves nothing running, and later walks are unaffected', async () => {
    for (let i = 0; i < 3; i++) {
      for await (const e of walkTar(new WindowedReader(new MemorySource(bytes)))) {
        expect(e.name).toBe('a.txt');
        break;
      }
    }
    const { entries } = await list(bytes);
    expect(entries.map((e) => e.name)).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('yields every entry before the error that ended the walk, then throws it', async () => {
    const cut = bytes.slice(0, 512 + 512 + 512 + 300); // b.txt's body is cut short
    const { entries, error } = await list(cut);
    expect(entries.map((e) => e.name)).toEqual(['a.txt', 'b.txt']);
    expect(error?.message).toMatch(/unexpected end of archive/);
  });

  it('a visitor that throws ends the walk with its error', async () => {
    const reader = new WindowedReader(new MemorySource(bytes));
    await expect(
      walkTarEach(reader, (e) => {
        if (e.name === 'b.txt') throw new Error('stop here');
      }),
    ).rejects.toThrow('stop here');
  });
});
