import { describe, expect, it } from 'vitest';
import { buildTar } from '../../testing/tarBuilder';
import { walkTar } from '../tar/walker';
import { type ByteSource, MemorySource } from './byteSource';
import { prefetchedChunksOf, SPARSE_GAP, SPARSE_WINDOW, StreamReader, WindowedReader } from './reader';

/** A source that records every read and how many were in flight at once. */
class RecordingSource implements ByteSource {
  readonly reads: { offset: number; length: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly size: number;
  readonly name = 'recording';
  constructor(
    protected readonly bytes: Uint8Array,
    readonly readAhead: number,
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads.push({ offset, length });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight--;
    return this.bytes.subarray(offset, Math.min(this.size, offset + length));
  }
}

const MiB = 1024 * 1024;

async function names(reader: WindowedReader): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walkTar(reader)) out.push(e.name);
  return out;
}

/**
 * Random reads and skips to the end, `rounds` times over a reader from `makeReader`: each read
 * must give exactly the bytes at its position (checked at once, before the next call).
 */
async function expectAnyMix(
  bytes: Uint8Array,
  mix: { seed: number; rounds: number; longestSkip: number; longestRead: number },
  makeReader: (round: number) => WindowedReader,
): Promise<void> {
  let seed = mix.seed;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let round = 0; round < mix.rounds; round++) {
    const reader = makeReader(round);
    while (reader.position < bytes.length) {
      const at = reader.position;
      if (random() < 0.3) {
        await reader.skip(Math.floor(random() ** 4 * mix.longestSkip));
        continue;
      }
      const n = 1 + Math.floor(random() ** 3 * mix.longestRead);
      const got = await reader.read(n);
      expect(got.length).toBe(Math.min(n, bytes.length - at));
      expect(Buffer.compare(Buffer.from(got), Buffer.from(bytes.subarray(at, at + got.length)))).toBe(0);
    }
  }
}

describe('WindowedReader windows', () => {
  it('reads a small window after each long jump, so big bodies cost no megabytes per header', async () => {
    // Like an outer archive: a few members, each far bigger than the jump threshold.
    const big = new Uint8Array(SPARSE_GAP * 3);
    const tar = buildTar([
      { name: 'a/layer.tar', content: big },
      { name: 'b/layer.tar', content: big },
      { name: 'manifest.json', content: '[]' },
    ]);
    const source = new RecordingSource(tar, 8 * MiB);
    expect(await names(new WindowedReader(source))).toEqual(['a/layer.tar', 'b/layer.tar', 'manifest.json']);
    expect(source.reads.length).toBe(3);
    for (const r of source.reads) expect(r.length).toBeLessThanOrEqual(SPARSE_WINDOW);
  });

  it('reads the full read-ahead where headers are dense', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      name: `d/f${i}`,
      content: 'x'.repeat(i % 3000),
    }));
    const tar = buildTar(entries);
    const source = new RecordingSource(tar, 1 * MiB);
    expect((await names(new WindowedReader(source))).length).toBe(3000);
    // the first fetch is small, every later one continues where the last ended and is full size
    expect(source.reads[0].length).toBe(SPARSE_WINDOW);
    for (const r of source.reads.slice(1, -1)) expect(r.length).toBe(1 * MiB);
    expect(source.reads.length).toBeLessThanOrEqual(Math.ceil(tar.length / MiB) + 2);
  });

  it('goes back to full windows after a jump once headers are dense again', async () => {
    const tar = buildTar([
      { name: 'big.bin', content: new Uint8Array(SPARSE_GAP * 2) },
      ...Array.from({ length: 2000 }, (_, i) => ({ name: `small/${i}`, content: 'y'.repeat(700) })),
    ]);
    const source = new RecordingSource(tar, 512 * 1024);
    expect((await names(new WindowedReader(source))).length).toBe(2001);
    const afterJump = source.reads.filter((r) => r.offset > SPARSE_GAP * 2);
    expect(afterJump[0].length).toBe(SPARSE_WINDOW);
    expect(afterJump.slice(1, -1).every((r) => r.length === 512 * 1024)).toBe(true);
  });
});

describe('prefetchedChunksOf', () => {
  it('yields the range in order with the next read already in flight', async () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i & 0xff);
    const source = new RecordingSource(bytes, 1000);
    const seen: number[] = [];
    let overlapped = false;
    for await (const chunk of prefetchedChunksOf(source, 500, 9_700, 1000)) {
      if (source.inFlight > 0) overlapped = true;
      seen.push(...chunk);
    }
    expect(seen).toEqual([...bytes.subarray(500, 9_700)]);
    expect(overlapped).toBe(true);
    expect(source.maxInFlight).toBe(1);
  });

  it('a read ahead that fails after the consumer stopped is not an unhandled rejection', async () => {
    let calls = 0;
    const failing: ByteSource = {
      size: 100,
      name: 'failing',
      async read(offset, length) {
        calls++;
        if (calls > 1) throw new Error('gone');
        return new MemorySource(new Uint8Array(100)).read(offset, length);
      },
    };
    for await (const chunk of prefetchedChunksOf(failing, 0, 100, 10)) {
      expect(chunk.length).toBe(10);
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(2);
  });
});

describe('StreamReader over volatile chunks', () => {
  /** Hands out every chunk in the same buffer, overwritten by the next call: what a decoder's output view does. */
  function reusingProducer(data: Uint8Array, chunk: number): () => Promise<Uint8Array | null> {
    const shared = new Uint8Array(chunk);
    let at = 0;
    return async () => {
      if (at >= data.length) return null;
      shared.fill(0xee); // a stale view would now show garbage
      const n = Math.min(chunk, data.length - at);
      shared.set(data.subarray(at, at + n));
      at += n;
      return shared.subarray(0, n);
    };
  }
  const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);

  it('reads across chunk boundaries correctly although each chunk is overwritten by the next', async () => {
    const reader = new StreamReader(reusingProducer(data, 700), true);
    const got: number[] = [];
    for (const n of [512, 300, 1500, 1, 2000, 4000]) {
      const part = await reader.read(n);
      got.push(...part);
    }
    expect(await reader.skip(100)).toBe(100);
    got.push(...(await reader.read(10_000)));
    const expected = [...data.subarray(0, 8313), ...data.subarray(8413)];
    expect(got).toEqual(expected);
  });

  it('keeps what it holds of a chunk when it must fetch the next one', async () => {
    const reader = new StreamReader(reusingProducer(data, 1000), true);
    await reader.read(900); // 100 bytes of chunk 1 stay buffered
    const straddling = await reader.read(512); // needs chunk 2
    expect([...straddling]).toEqual([...data.subarray(900, 1412)]);
  });
});

describe('WindowedReader reading ahead', () => {
  /** The same bytes, through a source whose reads have buffers of their own (a Blob's). */
  class OwnBuffers extends RecordingSource {
    readonly ownBuffers = true;
    override async read(offset: number, length: number): Promise<Uint8Array> {
      return (await super.read(offset, length)).slice();
    }
  }

  it('reads the next window while this one is parsed, where headers are dense, and gives the same bytes', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      name: `d/f${i}`,
      content: 'x'.repeat(i % 900),
    }));
    const tar = buildTar(entries);
    const plain = new RecordingSource(tar, 256 * 1024);
    const want = await names(new WindowedReader(plain));
    expect(want).toHaveLength(3000);
    // where the walk stood when each read was asked for
    let reader: WindowedReader | null = null;
    const askedAt: number[] = [];
    const ahead = new (class extends OwnBuffers {
      override async read(offset: number, length: number): Promise<Uint8Array> {
        askedAt.push(reader?.position ?? 0);
        return super.read(offset, length);
      }
    })(tar, 256 * 1024);
    reader = new WindowedReader(ahead);
    expect(await names(reader)).toEqual(want);
    // past the first two, every window was asked for while the walk was still in the one before it
    expect(ahead.reads.length).toBeGreaterThan(4);
    for (let i = 2; i < ahead.reads.length; i++) expect(askedAt[i]).toBeLessThan(ahead.reads[i].offset);
    // and none was read twice
    const starts = ahead.reads.map((r) => r.offset);
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('keeps as many windows being read as the source asks for, each read once', async () => {
    const tar = buildTar(
      Array.from({ length: 3000 }, (_, i) => ({ name: `d/f${i}`, content: 'y'.repeat(i % 900) })),
    );
    const want = await names(new WindowedReader(new RecordingSource(tar, 256 * 1024)));
    let reader: WindowedReader | null = null;
    const askedAt: number[] = [];
    const source = new (class extends OwnBuffers {
      readonly readsAhead = 3;
      override async read(offset: number, length: number): Promise<Uint8Array> {
        askedAt.push(reader?.position ?? 0);
        return super.read(offset, length);
      }
    })(tar, 256 * 1024);
    reader = new WindowedReader(source);
    expect(await names(reader)).toEqual(want);
    // past the first few, each window was asked for while the walk was two windows or more before it
    expect(source.reads.length).toBeGreaterThan(8);
    for (let i = 5; i < source.reads.length; i++)
      expect(askedAt[i]).toBeLessThanOrEqual(source.reads[i].offset - 2 * 256 * 1024);
    const starts = source.reads.map((r) => r.offset);
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('any mix of reads and skips gives exactly the bytes at each position, with 1 to 4 windows ahead', async () => {
    const bytes = new Uint8Array(3 * MiB + 777).map((_, i) => (i * 2654435761) >>> 24);
    await expectAnyMix(
      bytes,
      { seed: 7, rounds: 20, longestSkip: 2 * MiB, longestRead: 200_000 },
      (round) => {
        const source = Object.assign(new OwnBuffers(bytes, 64 * 1024), { readsAhead: 1 + (round % 4) });
        return new WindowedReader(source);
      },
    );
  });
});

describe('WindowedReader reading into one memory', () => {
  /** A file-like source: reads land in the caller's memory; each fresh buffer it hands out is counted. */
  class IntoSource extends RecordingSource {
    intoCalls = 0;
    readInto(offset: number, target: Uint8Array): number {
      this.intoCalls++;
      const part = this.bytes.subarray(offset, Math.min(this.size, offset + target.length));
      target.set(part);
      return part.length;
    }
  }

  it('walks a tar with every window read into the same memory, and finds what a fresh buffer a read finds', async () => {
    const tar = buildTar(
      Array.from({ length: 2000 }, (_, i) => ({
        name: `d/${'n'.repeat(i % 90)}${i}`,
        content: 'x'.repeat(i % 1300),
      })),
    );
    const want = await names(new WindowedReader(new RecordingSource(tar, 64 * 1024)));
    const source = new IntoSource(tar, 64 * 1024);
    const reader = new WindowedReader(source, 0, tar.length, undefined, true);
    expect(await names(reader)).toEqual(want);
    expect(source.intoCalls).toBeGreaterThan(5);
    expect(source.reads).toEqual([]);
    // without `reuse`, the same source is read a buffer at a time
    const plain = new IntoSource(tar, 64 * 1024);
    expect(await names(new WindowedReader(plain))).toEqual(want);
    expect(plain.intoCalls).toBe(0);
  });

  it('any mix of reads and skips gives the bytes at each position (each view used before the next call)', async () => {
    const bytes = new Uint8Array(2 * MiB + 333).map((_, i) => (i * 2246822519) >>> 24);
    await expectAnyMix(
      bytes,
      { seed: 11, rounds: 10, longestSkip: MiB, longestRead: 100_000 },
      () => new WindowedReader(new IntoSource(bytes, 32 * 1024), 0, bytes.length, undefined, true),
    );
  });
});
