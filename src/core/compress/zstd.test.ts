import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MiB, zstdFrame, zstdRaw, zstdZeroBomb } from '../../testing/hostile';
import { concat } from '../../testing/tarBuilder';
import { decompressChunks } from './decompress';
import {
  loadZstd,
  OUTPUT_CAPACITY,
  ZSTD_VERSION,
  ZSTD_WINDOW_SIZE_MAX,
  ZstdDecoder,
  ZstdError,
  zstdDecompressSync,
  zstdMemorySize,
  zstdPuller,
} from './zstd';

const HAS_ZSTD = spawnSync('zstd', ['--version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'zstd-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The zstd CLI on `data`: from stdin (content size unknown) or from a file (size in the header). */
function zstdCli(data: Uint8Array, args: string[], fromFile = false): Uint8Array {
  let r: ReturnType<typeof spawnSync>;
  if (fromFile) {
    const path = join(tmp, 'in');
    writeFileSync(path, data);
    r = spawnSync('zstd', ['-q', '-c', ...args, path], { maxBuffer: 1 << 30 });
  } else {
    r = spawnSync('zstd', ['-q', '-c', ...args], { input: data, maxBuffer: 1 << 30 });
  }
  if (r.status !== 0) throw new Error(`zstd ${args.join(' ')} failed: ${String(r.stderr)}`);
  return new Uint8Array(r.stdout as Buffer);
}

/**
 * Tar-like test data: 512-byte headers, text with repeated words, random binary, runs of
 * zeros and copies of earlier stretches from up to `reach` bytes back (so large windows matter).
 */
function sample(size: number, seed = 1, reach = 1 << 20): Uint8Array {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const words = ['usr', 'lib', 'bin', 'etc', 'share', 'python3', 'node_modules', 'index.js', ' ', '\n', '/'];
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const kind = rand();
    const len = Math.min(size - at, 1 + Math.floor(rand() * 4096));
    if (kind < 0.1) {
      const header = new TextEncoder().encode(
        `./usr/lib/file-${Math.floor(rand() * 1e6)}\u00000000644\u0000`,
      );
      out.set(header.subarray(0, Math.min(header.length, size - at)), at);
      at = Math.min(size, at + 512);
    } else if (kind < 0.45) {
      for (let i = 0; i < len; i++) {
        const w = words[Math.floor(rand() * words.length)];
        for (let j = 0; j < w.length && at < size; j++) out[at++] = w.charCodeAt(j);
      }
    } else if (kind < 0.6) {
      for (let i = 0; i < len; i++) out[at++] = Math.floor(rand() * 256);
    } else if (kind < 0.7) {
      at += len; // zeros
    } else if (at > 0) {
      const from = Math.max(0, at - 1 - Math.floor(rand() * Math.min(at, reach)));
      const n = Math.min(len, at - from);
      out.copyWithin(at, from, from + n);
      at += n;
    }
  }
  return out;
}

/** Byte equality without vitest's element-by-element deep equality (slow on megabytes). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const differ = Buffer.compare(
    Buffer.from(actual.buffer, actual.byteOffset, actual.length),
    Buffer.from(expected.buffer, expected.byteOffset, expected.length),
  );
  if (differ !== 0) {
    const at = actual.findIndex((b, i) => b !== expected[i]);
    expect.fail(`bytes differ first at ${at} of ${expected.length}`);
  }
}

/** Decodes with pushes of the given sizes (cycled), checking every piece handed to ondata. */
function decodeInPieces(data: Uint8Array, sizes: number[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  let finals = 0;
  const decoder = new ZstdDecoder((chunk, final) => {
    expect(chunk.length).toBeLessThanOrEqual(OUTPUT_CAPACITY);
    if (final) finals++;
    pieces.push(chunk);
  });
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    decoder.push(data.subarray(at, at + n));
    at += n;
  }
  decoder.push(new Uint8Array(0), true);
  expect(finals).toBe(1);
  return concat(pieces);
}

/** A skippable frame (as zstd:chunked writes its manifest in). */
function skippable(payload: Uint8Array, variant = 0): Uint8Array {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x184d2a50 + variant, true);
  view.setUint32(4, payload.length, true);
  return concat([header, payload]);
}

function thrown(f: () => unknown): ZstdError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ZstdError);
    return error as ZstdError;
  }
  throw new Error('expected a ZstdError');
}

describe('zstd WASM decoder', () => {
  it('is zstd 1.5.7 and loads once, synchronously or not', async () => {
    expect(ZSTD_VERSION).toBe('1.5.7');
    await loadZstd();
    await loadZstd();
    expectBytes(zstdDecompressSync(zstdFrame([])), new Uint8Array(0));
  });

  describe.skipIf(!HAS_ZSTD)('round trips with the zstd CLI', () => {
    const data = sample(3 * MiB + 12345, 7);
    // [name, CLI arguments, bytes of `data` to compress] (level 19 is slow to compress)
    const cases: [string, string[], number][] = [
      ['level 1', ['-1'], data.length],
      ['level 3', ['-3'], data.length],
      ['level 9', ['-9'], data.length],
      ['level 19', ['-19'], 512 * 1024],
      ['level 3, 1 KiB window', ['-3', '--zstd=wlog=10'], data.length],
      ['level 3, 128 KiB window', ['-3', '--zstd=wlog=17'], data.length],
      ['level 6, 1 MiB window', ['-6', '--zstd=wlog=20'], data.length],
      ['--long=27 (the largest window allowed)', ['-3', '--long=27'], data.length],
      ['no checksum', ['-3', '--no-check'], data.length],
    ];
    for (const [name, args, size] of cases) {
      it(name, () => {
        const expected = data.subarray(0, size);
        const zst = zstdCli(expected, args);
        expectBytes(zstdDecompressSync(zst), expected);
        expectBytes(decodeInPieces(zst, [1000, 65536, 7]), expected);
      });
    }

    it('a frame with the content size in its header (single segment when small)', () => {
      for (const size of [0, 1, 1000, 200_000, 2 * MiB]) {
        const d = sample(size, size + 3);
        expectBytes(zstdDecompressSync(zstdCli(d, ['-5'], true)), d);
      }
    });

    it('incompressible data (raw blocks) and one long run (RLE blocks)', () => {
      const noise = new Uint8Array(randomBytes(600_000));
      const run = new Uint8Array(1_000_000).fill(0x41);
      for (const d of [noise, run]) {
        expectBytes(zstdDecompressSync(zstdCli(d, ['-1'])), d);
      }
    });

    it('concatenated frames and skippable frames, as one stream', () => {
      const a = sample(300_000, 11);
      const b = sample(70_000, 12);
      const stream = concat([
        skippable(new Uint8Array(0)),
        zstdCli(a, ['-3']),
        skippable(new TextEncoder().encode('{"manifest":true}'), 15),
        zstdCli(new Uint8Array(0), ['-3']),
        zstdCli(b, ['-19', '--no-check'], true),
        skippable(new Uint8Array(100_000).fill(7), 3),
      ]);
      const expected = concat([a, b]);
      expectBytes(zstdDecompressSync(stream), expected);
      expectBytes(decodeInPieces(stream, [4096, 1, 333]), expected);
    });

    it('is cut into pushes at every byte boundary, and fed one byte at a time', () => {
      const d = sample(3000, 5);
      const stream = concat([
        zstdCli(d, ['-3']),
        skippable(Uint8Array.of(1, 2, 3)),
        zstdCli(d, ['-1'], true),
      ]);
      const expected = concat([d, d]);
      for (let cut = 0; cut <= stream.length; cut++) {
        const pieces: Uint8Array[] = [];
        const decoder = new ZstdDecoder((chunk) => pieces.push(chunk));
        decoder.push(stream.subarray(0, cut));
        decoder.push(stream.subarray(cut), true);
        expectBytes(concat(pieces), expected);
      }
      expectBytes(decodeInPieces(stream, [1]), expected);
    });

    it('a checksum mismatch is an error naming it', () => {
      const zst = Uint8Array.from(zstdCli(sample(10_000, 2), ['-3']));
      zst[zst.length - 1] ^= 1; // the last byte of the content checksum
      const e = thrown(() => zstdDecompressSync(zst));
      expect(e.message).toBe(
        `Restored data doesn't match checksum (after ${zst.length - 4} compressed bytes)`,
      );
      expect(e.zstdCode).toBe(22);
    });

    it('a window over 128 MiB from the real encoder is refused (`--long=28` of a stream)', () => {
      const e = thrown(() => zstdDecompressSync(zstdCli(sample(1000, 1), ['-3', '--long=28'])));
      expect(e.message).toMatch(
        /^Frame requires too much memory for decoding: the frame declares a window of 256 MiB \(window log 28\), over/,
      );
    });
  });

  it('a truncated frame: "unexpected EOF", with the output of the whole blocks before the cut', () => {
    const blocks = [0, 1, 2].map((i) => ({ raw: new Uint8Array(512).fill(i + 1) }));
    const frame = zstdFrame(blocks, 7 << 3);
    for (const cut of [1, 5, 6, 8, 520, 521, 1100, frame.length - 1]) {
      const pieces: Uint8Array[] = [];
      const decoder = new ZstdDecoder((chunk) => pieces.push(chunk));
      decoder.push(frame.subarray(0, cut));
      const e = thrown(() => decoder.push(new Uint8Array(0), true));
      expect(e.message).toBe('unexpected EOF');
      expect(e.zstdCode).toBeNull();
      const wholeBlocks = Math.max(0, Math.floor((cut - 6) / 515));
      expect(concat(pieces).length).toBe(wholeBlocks * 512);
      expect(e.inputOffset).toBeLessThanOrEqual(cut);
      // the decoder is finished and freed: further pushes are refused
      expect(() => decoder.push(Uint8Array.of(0))).toThrow(/after the stream ended/);
    }
  });

  it("garbage is an error with zstd's name for it and the input offset; after a frame it is ignored", () => {
    const frame = zstdFrame([{ raw: new Uint8Array(100) }]);
    const garbage = new TextEncoder().encode('not zstd');
    const e = thrown(() => zstdDecompressSync(concat([garbage, frame])));
    expect(e.message).toBe('Unknown frame descriptor (after 0 compressed bytes)');
    expect(e.inputOffset).toBe(0);
    // gzip -dc's rule: trailing garbage after whole frames is ignored, and counted for a warning
    const pieces: Uint8Array[] = [];
    const decoder = new ZstdDecoder((chunk) => pieces.push(chunk));
    decoder.push(concat([frame, garbage]));
    expect(decoder.trailing).toBe(garbage.length);
    decoder.push(garbage, true);
    expect(concat(pieces)).toEqual(new Uint8Array(100));
  });

  it('a frame declaring a 512 MiB window is refused without allocating it', () => {
    const before = zstdMemorySize();
    // window descriptor: exponent 19 -> 2^29 bytes = 512 MiB
    const frame = zstdFrame([{ raw: new Uint8Array(10) }, { rle: 0, size: 1024 }], 19 << 3);
    const e = thrown(() => zstdDecompressSync(frame));
    expect(e.message).toBe(
      `Frame requires too much memory for decoding: the frame declares a window of 512 MiB (window log 29), over the ${ZSTD_WINDOW_SIZE_MAX}-byte limit (after 5 compressed bytes)`,
    );
    expect(zstdMemorySize() - before).toBeLessThan(4 * MiB);
    // 128 MiB itself is allowed: allocated for the frame, then freed and reused
    const max = zstdFrame([{ raw: new Uint8Array(10) }], 17 << 3);
    expectBytes(zstdDecompressSync(max), new Uint8Array(10));
    const grown = zstdMemorySize();
    expect(grown).toBeGreaterThan(128 * MiB);
    for (let i = 0; i < 5; i++) zstdDecompressSync(max);
    expect(zstdMemorySize()).toBe(grown);
  });

  it('memory is reused across decoders created and freed per layer', () => {
    const frame = zstdFrame([{ raw: new Uint8Array(1000).fill(3) }], 13 << 3); // 8 MiB window
    zstdDecompressSync(frame);
    const size = zstdMemorySize();
    for (let i = 0; i < 200; i++) expect(zstdDecompressSync(frame).length).toBe(1000);
    // several alive at once, freed in another order
    const decoders = Array.from({ length: 8 }, () => new ZstdDecoder());
    for (const d of decoders) d.push(frame);
    for (const d of decoders.reverse()) d.push(new Uint8Array(0), true);
    const afterMany = zstdMemorySize();
    for (let i = 0; i < 50; i++) {
      const more = Array.from({ length: 8 }, () => new ZstdDecoder());
      for (const d of more) d.push(frame);
      for (const [j, d] of more.entries()) {
        if (j % 2) d.free();
        else d.push(new Uint8Array(0), true);
      }
    }
    expect(zstdMemorySize()).toBe(afterMany);
    expect(afterMany).toBeLessThan(size + 8 * 9 * MiB);
  });

  it('reset starts a new stream', () => {
    const a = zstdFrame([{ raw: Uint8Array.of(1, 2, 3) }]);
    const b = zstdFrame([{ raw: Uint8Array.of(4, 5) }]);
    const pieces: Uint8Array[] = [];
    const decoder = new ZstdDecoder((chunk) => pieces.push(chunk));
    decoder.push(a.subarray(0, 8));
    decoder.reset();
    decoder.push(b, true);
    expectBytes(concat(pieces), Uint8Array.of(4, 5));
  });

  it('a bomb (20 KB -> 384 MiB) decodes with bounded memory when pushed in small pieces', () => {
    const size = 384 * MiB;
    const bomb = zstdZeroBomb(Uint8Array.of(1, 2, 3), size, 7 << 3);
    expect(bomb.length).toBeLessThan(20_000);
    const before = zstdMemorySize();
    let total = 0;
    let largestPush = 0;
    let nonZero = 0;
    let pushOutput = 0;
    const decoder = new ZstdDecoder((chunk) => {
      total += chunk.length;
      pushOutput += chunk.length;
      if (chunk.length > 3 && chunk[chunk.length - 1] !== 0) nonZero++;
    });
    for (let at = 0; at < bomb.length; at += 64) {
      pushOutput = 0;
      decoder.push(bomb.subarray(at, at + 64));
      largestPush = Math.max(largestPush, pushOutput);
    }
    decoder.push(new Uint8Array(0), true);
    expect(total).toBe(size + 3);
    expect(nonZero).toBe(0);
    // 64 bytes of RLE blocks (4 bytes each) make at most 16 x 128 KiB
    expect(largestPush).toBeLessThanOrEqual(16 * 128 * 1024 + 3);
    expect(zstdMemorySize() - before).toBeLessThan(4 * MiB);
  });

  it('pulled: one piece at a time, however much one input chunk expands (the bomb in one chunk)', async () => {
    const bomb = zstdZeroBomb(Uint8Array.of(9), 64 * MiB, 7 << 3);
    const pull = zstdPuller(
      (async function* () {
        yield bomb;
      })(),
    );
    const before = zstdMemorySize();
    let total = 0;
    let pieces = 0;
    for (let piece = await pull(); piece; piece = await pull()) {
      expect(piece.length).toBeGreaterThan(0);
      expect(piece.length).toBeLessThanOrEqual(OUTPUT_CAPACITY);
      total += piece.length;
      pieces++;
    }
    expect(total).toBe(64 * MiB + 1);
    expect(pieces).toBeGreaterThanOrEqual((64 * MiB) / OUTPUT_CAPACITY);
    expect(zstdMemorySize() - before).toBeLessThan(4 * MiB);
    expect(await pull()).toBeNull();
  });

  it('pulled: the output of the whole blocks before a cut comes first, then the error', async () => {
    const frame = zstdFrame([{ raw: new Uint8Array(1000).fill(1) }, { raw: new Uint8Array(1000).fill(2) }]);
    const pull = zstdPuller(
      (async function* () {
        yield frame.subarray(0, 1500);
      })(),
    );
    expectBytes((await pull()) ?? new Uint8Array(0), new Uint8Array(1000).fill(1));
    await expect(pull()).rejects.toThrow('unexpected EOF');
    expect(await pull()).toBeNull();
  });

  it('through decompressChunks: output and errors as with any other compression', async () => {
    const data = sample(500_000, 9);
    const frame = zstdRaw(data); // raw blocks of 128 KiB
    const read = async (bytes: Uint8Array) => {
      const reader = decompressChunks(
        async function* () {
          for (let i = 0; i < bytes.length; i += 30_000) yield bytes.subarray(i, i + 30_000);
        },
        'zstd',
        false,
      );
      const out: Uint8Array[] = [];
      for (;;) {
        const chunk = await reader.read(1 << 16);
        if (chunk.length === 0) return concat(out);
        out.push(chunk);
      }
    };
    expectBytes(await read(frame), data);
    await expect(read(frame.subarray(0, 200_000))).rejects.toThrow(
      'zstd data is corrupt or truncated after 131072 decompressed bytes: unexpected EOF',
    );
  });
});
