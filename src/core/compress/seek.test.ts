import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ociArchive, zstdStored } from '../../testing/archives';
import { type BuildEntry, buildTar } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { ContentReader } from '../image/content';
import type { ImageArchive, LayerBlob } from '../image/model';
import { openArchive, SEEK_POINTS_FROM } from '../image/open';
import { decodeIndex, encodeIndex } from '../persist/indexCodec';
import { GzipInflater, InflateError } from './inflate';
import {
  CHECK_BYTES,
  DEFAULT_SPACING,
  fitToBudget,
  POINT_BLOCK,
  POINT_FRAME,
  POINT_MEMBER,
  SeekPointRecorder,
  type SeekPoints,
  seekPointBuffers,
  seekPointBytes,
} from './seekPoints';

const dir = mkdtempSync(join(tmpdir(), 'gzseek-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Text-like bytes (words from a small vocabulary): compresses about 3:1, as real files do. */
function textLike(length: number, seed: number): Uint8Array {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'layer', 'image', 'file', 'tree', '\n', 'zstd', 'gzip'];
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  let i = 0;
  while (i < length) {
    x = Math.imul(x, 1664525) + 1013904223;
    const word = words[(x >>> 24) % words.length];
    for (let k = 0; k < word.length && i < length; k++) out[i++] = word.charCodeAt(k);
    if (i < length) out[i++] = ((x >>> 8) & 7) === 0 ? (x >>> 16) & 255 : 32;
  }
  return out;
}

/** One layer of ~22 MB of tar: a small first file, 100 files of 220 KB, a small last file. */
const files: BuildEntry[] = [
  { name: 'first.txt', content: 'the first file\n' },
  ...Array.from({ length: 100 }, (_, i) => ({
    name: `data/f${String(i).padStart(3, '0')}.txt`,
    content: textLike(220_000, i + 1),
  })),
  { name: 'zz-last.txt', content: 'the last file of the layer\n' },
];
const image = { tags: ['seek:1'], layers: [files] };
const WANTED = ['first.txt', 'data/f050.txt', 'data/f099.txt', 'zz-last.txt'];

function gunzipWithGnu(gz: Uint8Array): Buffer {
  const path = join(dir, `in-${Math.random()}.gz`);
  writeFileSync(path, gz);
  const r = spawnSync('gzip', ['-dc', path], { maxBuffer: 1 << 30 });
  expect(r.status).toBe(0);
  return r.stdout;
}

/** The file as `gzip -dc layer | tar -xOf - name` gives it. */
function gnuExtract(layer: Uint8Array, name: string, filter: string): Buffer {
  const path = join(dir, `layer-${Math.random()}`);
  writeFileSync(path, layer);
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `${filter} < '${path}' | tar -xOf - '${name}'`], {
    maxBuffer: 1 << 30,
  });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout;
}

function inflateAll(gz: Uint8Array, chunk: number, inflater = new GzipInflater()): Buffer {
  const out: Uint8Array[] = [];
  for (let off = 0; off < gz.length || off === 0; off += chunk) {
    inflater.push(gz.subarray(off, off + chunk));
    if (off + chunk >= gz.length) inflater.end();
    for (let piece = inflater.pull(); piece; piece = inflater.pull()) out.push(piece.slice());
  }
  return Buffer.concat(out);
}

function onlyLayer(archive: ImageArchive): [string, LayerBlob] {
  const key = archive.images[0].layers[0].blob;
  return [key, archive.blobs.get(key) as LayerBlob];
}

function storedLayer(archiveBytes: Uint8Array, blob: LayerBlob): Uint8Array {
  return archiveBytes.subarray(blob.dataOffset, blob.dataOffset + blob.storedSize);
}

describe('our gzip inflater', () => {
  const data = Buffer.concat([textLike(3_000_000, 7), new Uint8Array(200_000).fill(9), textLike(500_000, 8)]);
  for (const level of [1, 6, 9])
    it(`decodes what gzip -${level} wrote, as gzip -dc does, in any input pieces`, () => {
      const gz = gzipSync(data, { level });
      const reference = gunzipWithGnu(gz);
      for (const chunk of [997, 65_536, gz.length])
        expect(inflateAll(gz, chunk).equals(reference)).toBe(true);
    });

  it('decodes stored and fixed-Huffman blocks and several members (eStargz)', () => {
    const gz = Buffer.concat([
      gzipSync(data.subarray(0, 100_000), { level: 0 }),
      gzipSync(data.subarray(100_000, 900_000), { strategy: constants.Z_FIXED }),
      gzipSync(new Uint8Array(0)),
      gzipSync(data.subarray(900_000)),
    ]);
    expect(inflateAll(gz, 4093).equals(gunzipWithGnu(gz))).toBe(true);
  });

  it('refuses truncated and corrupt data, and ignores trailing garbage as gzip -dc does', () => {
    const gz = gzipSync(data.subarray(0, 400_000));
    expect(() => inflateAll(gz.subarray(0, gz.length - 20), 4096)).toThrow(InflateError);
    const bad = Buffer.from(gz);
    bad[bad.length - 2] ^= 0xff; // the trailer's length
    expect(() => inflateAll(bad, 4096)).toThrow(/length check/);
    const inflater = new GzipInflater();
    const withGarbage = Buffer.concat([gz, Buffer.from('garbage after the member')]);
    expect(inflateAll(withGarbage, 4096, inflater).equals(data.subarray(0, 400_000))).toBe(true);
    expect(inflater.trailing).toBe(24);
  });

  it('hands out only true bytes before it says the data is truncated, wherever it is cut', () => {
    const whole = data.subarray(0, 2_500_000);
    const gz = gzipSync(whole);
    for (const cut of [11, 1000, Math.floor(gz.length / 3), gz.length - 9, gz.length - 1]) {
      const inflater = new GzipInflater();
      const out: Uint8Array[] = [];
      let failed = false;
      try {
        for (let off = 0; off < cut; off += 65_536) {
          inflater.push(gz.subarray(off, Math.min(cut, off + 65_536)));
          if (off + 65_536 >= cut) inflater.end();
          for (let piece = inflater.pull(); piece; piece = inflater.pull()) out.push(piece.slice());
        }
      } catch (error) {
        expect(error).toBeInstanceOf(InflateError);
        failed = true;
      }
      expect(failed, `cut at ${cut}`).toBe(true);
      const got = Buffer.concat(out);
      expect(got.equals(whole.subarray(0, got.length)), `cut at ${cut}`).toBe(true);
    }
  });

  it('starts at a recorded block boundary with its window and makes the same bytes from there on', () => {
    const gz = gzipSync(data);
    const recorder = new SeekPointRecorder(256 * 1024);
    const whole = inflateAll(gz, 65_536, new GzipInflater({}, recorder.inflateHooks()));
    recorder.output(new Uint8Array(0));
    const points = recorder.result();
    expect(points).not.toBeNull();
    if (!points) return;
    expect(points.outOffsets.length).toBeGreaterThan(5);
    let windowAt = 0;
    for (let i = 0; i < points.outOffsets.length; i++) {
      expect(points.kinds[i]).toBe(POINT_BLOCK);
      const window = points.windows.subarray(windowAt, windowAt + points.windowLengths[i]);
      windowAt += points.windowLengths[i];
      const out = points.outOffsets[i];
      expect(window.length).toBe(Math.min(32768, out));
      expect(Buffer.from(window).equals(whole.subarray(out - window.length, out))).toBe(true);
      const bit = points.bitOffsets[i];
      const resumed = new GzipInflater({ atBlock: true, skipBits: bit % 8, window });
      expect(inflateAll(gz.subarray(Math.floor(bit / 8)), 65_536, resumed).equals(whole.subarray(out))).toBe(
        true,
      );
    }
  });
});

describe('reading a file from a multi-MB gzip layer', () => {
  const single = ociArchive([image], 'gzip');
  // eStargz writes a member per file (and a TOC), then a footer: an empty member whose header
  // carries an extra field ("SG" and the TOC's offset). A member per ~1 MB of tar is the same shape.
  const footer = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 4 | 8, 0, 0, 0, 0, 0, 0xff]), // FEXTRA | FNAME
    Buffer.from([26, 0, 0x53, 0x47, 22, 0]),
    Buffer.from('0000000000000000STARGZ'),
    Buffer.from('footer\0'),
    Buffer.from([1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]), // an empty stored block, CRC 0, size 0
  ]);
  const perMember = (tar: Uint8Array) =>
    Buffer.concat([
      ...Array.from({ length: Math.ceil(tar.length / 1_048_576) }, (_, i) =>
        gzipSync(tar.subarray(i * 1_048_576, (i + 1) * 1_048_576)),
      ),
      footer,
    ]);
  const members = ociArchive([image], 'gzip', perMember);
  // zstd:chunked and `zstd --patch-from`-free multi-frame writers: a frame per ~1 MB of tar
  const perFrame = (tar: Uint8Array) =>
    Buffer.concat(
      Array.from({ length: Math.ceil(tar.length / 1_048_576) }, (_, i) =>
        zstdStored(tar.subarray(i * 1_048_576, (i + 1) * 1_048_576)),
      ),
    );
  const frames = ociArchive([image], 'zstd', perFrame);

  for (const [label, bytes, kind, filter] of [
    ['one gzip member', single, POINT_BLOCK, 'gzip -dc'],
    ['a gzip member per MB (eStargz)', members, POINT_MEMBER, 'gzip -dc'],
    ['a zstd frame per MB', frames, POINT_FRAME, 'zstd -dc'],
  ] as const) {
    it(`starts from the nearest seek point and gives GNU tar's bytes at the start, middle and end (${label})`, async () => {
      const archive = await openArchive(new MemorySource(bytes), { seekPointsFrom: 0 });
      expect(archive.errors).toEqual([]);
      const [key, blob] = onlyLayer(archive);
      const points = blob.seekPoints;
      expect(points).toBeTruthy();
      if (!points) return;
      // ~22 MB of output at one point per 4 MiB or more
      expect(points.outOffsets.length).toBeGreaterThanOrEqual(4);
      expect(points.outOffsets.length).toBeLessThanOrEqual(Math.ceil(22_500_000 / DEFAULT_SPACING));
      expect([...points.kinds].every((k) => k === kind)).toBe(true);
      expect(seekPointBytes(points)).toBeLessThanOrEqual(points.outOffsets.length * (32768 + 32));
      const layer = storedLayer(bytes, blob);
      const entries = blob.entries;
      if (!entries) throw new Error('layer not indexed');
      // the last file first: the reader starts at the last point, not at the layer's start
      const reader = new ContentReader(archive);
      for (const name of [...WANTED].reverse()) {
        const index = entries.allNames().indexOf(name);
        expect(index).toBeGreaterThanOrEqual(0);
        const ours = await reader.read(key, index);
        expect(Buffer.from(ours).equals(gnuExtract(layer, name, filter))).toBe(true);
      }
      expect(reader.seekStats.resumed).toBeGreaterThanOrEqual(2);
      expect(reader.seekStats.rejected).toBe(0);
    });
  }

  it('keeps its seek points through a saved index, and reads from them after it', async () => {
    const source = new MemorySource(single);
    const archive = await openArchive(source, { seekPointsFrom: 0 });
    const saved = await encodeIndex(archive, {
      key: 'k',
      archiveName: 'x',
      archiveSize: single.length,
      savedAt: 1,
    });
    const restored = await decodeIndex(saved, source, 'k');
    const [key, blob] = onlyLayer(restored);
    const before = onlyLayer(archive)[1].seekPoints;
    expect(blob.seekPoints).toEqual(before);
    const reader = new ContentReader(restored);
    const last = (blob.entries?.count ?? 0) - 1;
    expect(blob.entries?.name(last)).toBe('zz-last.txt');
    expect(new TextDecoder().decode(await reader.read(key, last))).toBe('the last file of the layer\n');
    expect(reader.seekStats).toEqual({ resumed: 1, rejected: 0 });
  });

  it('notices a damaged seek point and reads from the start instead: never wrong bytes', async () => {
    const archive = await openArchive(new MemorySource(single), { seekPointsFrom: 0 });
    const [key, blob] = onlyLayer(archive);
    const points = blob.seekPoints;
    if (!points || !blob.entries) throw new Error('no seek points');
    const last = blob.entries.count - 1;
    const expected = gnuExtract(storedLayer(single, blob), 'zz-last.txt', 'gzip -dc');
    const damage: [string, (p: SeekPoints) => void][] = [
      [
        'a window byte',
        (p) => {
          p.windows[p.windows.length - 100] ^= 1;
        },
      ],
      [
        'the bit offset',
        (p) => {
          p.bitOffsets[p.bitOffsets.length - 1] += 3;
        },
      ],
      [
        'the check',
        (p) => {
          p.checks[p.checks.length - 1] ^= 1;
        },
      ],
    ];
    for (const [what, spoil] of damage) {
      const copy = {
        ...points,
        windows: points.windows.slice(),
        bitOffsets: points.bitOffsets.slice(),
        checks: points.checks.slice(),
      };
      spoil(copy);
      blob.seekPoints = copy;
      const reader = new ContentReader(archive);
      const ours = await reader.read(key, last);
      expect(Buffer.from(ours).equals(expected), what).toBe(true);
      expect(reader.seekStats.rejected, what).toBe(1);
    }
  });

  it("checks each member's CRC-32 while it indexes, as gzip -dc does", async () => {
    let firstMember = 0;
    const twoMembers = ociArchive([image], 'gzip', (tar) => {
      const first = gzipSync(tar.subarray(0, 3_000_000));
      firstMember = first.length;
      return Buffer.concat([first, gzipSync(tar.subarray(3_000_000))]);
    });
    const blob = onlyLayer(await openArchive(new MemorySource(twoMembers), { seekPointsFrom: 0 }))[1];
    expect(blob.error).toBeNull();
    const damaged = twoMembers.slice();
    damaged[blob.dataOffset + firstMember - 8] ^= 1; // the first member's CRC-32
    const layerPath = join(dir, 'bad-crc.gz');
    writeFileSync(layerPath, storedLayer(damaged, blob));
    expect(spawnSync('gzip', ['-t', layerPath]).status).not.toBe(0);
    const archive = await openArchive(new MemorySource(damaged), { seekPointsFrom: 0 });
    expect(onlyLayer(archive)[1].error).toMatch(/incorrect data check/);
  });

  it('keeps no seek points in a single-frame zstd layer: it is read from its start', async () => {
    const archive = await openArchive(new MemorySource(ociArchive([image], 'zstd')), { seekPointsFrom: 0 });
    expect(onlyLayer(archive)[1].seekPoints).toBeNull();
  });

  it('is opened without seek points when asked, or for a layer stored in fewer bytes than seekPointsFrom', async () => {
    const off = await openArchive(new MemorySource(single), { seekPoints: false, seekPointsFrom: 0 });
    expect(onlyLayer(off)[1].seekPoints).toBeUndefined();
    const small = await openArchive(new MemorySource(single));
    expect(onlyLayer(small)[1].storedSize).toBeLessThan(SEEK_POINTS_FROM);
    expect(onlyLayer(small)[1].seekPoints).toBeUndefined();
  });
});

describe('the seek points of an archive', () => {
  it('stay within the archive budget: the densest layer is thinned, its spacing doubled, the last point kept', () => {
    const recorder = () => {
      const r = new SeekPointRecorder(1000);
      const hooks = r.inflateHooks();
      for (let out = 1000; out <= 64_000; out += 1000) {
        if (hooks.onBoundary?.({ outOffset: out, bitOffset: out * 4, memberStart: false }))
          hooks.onWindow?.(new Uint8Array(100).fill(out & 255));
        r.output(new Uint8Array(1000));
      }
      r.output(new Uint8Array(CHECK_BYTES));
      return r.result();
    };
    const layers = [{ seekPoints: recorder() }, { seekPoints: recorder() }];
    const full = seekPointBytes(layers[0].seekPoints as SeekPoints);
    expect(layers[0].seekPoints?.outOffsets.length).toBe(64);
    fitToBudget(layers, full);
    const [a, b] = layers.map((l) => l.seekPoints as SeekPoints);
    expect(seekPointBytes(a) + seekPointBytes(b)).toBeLessThanOrEqual(full);
    expect([a.spacing, b.spacing].sort()).toEqual([2000, 2000]);
    expect(a.outOffsets.at(-1)).toBe(64_000);
    expect([...a.outOffsets].every((o, i) => o === (i + 1) * 2000)).toBe(true);
    expect(a.windows.subarray(0, 100).every((x) => x === 2000 % 256)).toBe(true);
    expect(a.checks[0]).toBe(recorder()?.checks[1]);
  });
});

describe('seek points as plain data', () => {
  it('survive a structured clone with their buffers transferred, as a decode worker hands them over', async () => {
    const archive = await openArchive(new MemorySource(ociArchive([image], 'gzip')), { seekPointsFrom: 0 });
    const points = onlyLayer(archive)[1].seekPoints as SeekPoints;
    const moved = structuredClone(points);
    const buffers = seekPointBuffers(moved);
    expect(buffers).toHaveLength(6);
    const received = structuredClone(moved, { transfer: buffers });
    expect(moved.windows.byteLength).toBe(0); // transferred, not copied
    expect(received).toEqual(points);
  });
});

describe('a compressed rootfs archive (docker export | gzip)', () => {
  it('keeps seek points over the whole stream and reads its last file from them', async () => {
    const tar = buildTar(files);
    for (const [label, bytes, filter] of [
      ['gzip', gzipSync(tar), 'gzip -dc'],
      [
        'zstd frames',
        Buffer.concat([zstdStored(tar.subarray(0, 9_000_000)), zstdStored(tar.subarray(9_000_000))]),
        'zstd -dc',
      ],
    ] as const) {
      const archive = await openArchive(new MemorySource(bytes), { seekPointsFrom: 0 });
      expect(archive.format, label).toBe('rootfs');
      const blob = archive.blobs.get('') as LayerBlob;
      expect(blob.seekPoints?.outOffsets.length, label).toBeGreaterThanOrEqual(1);
      const reader = new ContentReader(archive);
      const last = (blob.entries?.count ?? 0) - 1;
      const name = blob.entries?.name(last) ?? '';
      expect(Buffer.from(await reader.read('', last)).equals(gnuExtract(bytes, name, filter)), label).toBe(
        true,
      );
      expect(reader.seekStats.resumed, label).toBe(1);
    }
  });
});
