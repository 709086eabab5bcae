import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerArchive, ociArchive, type TestImage } from '../../testing/archives';
import {
  gnuListBytes,
  gnuTarAvailable,
  MiB,
  type Segment,
  SparseSource,
  withDeadline,
  YieldingSource,
  zstdRaw,
} from '../../testing/hostile';
import { buildTar } from '../../testing/tarBuilder';
import {
  type EntryView,
  entryArb,
  expectedView,
  type FuzzEntry,
  fingerprint,
  inRegions,
  insanities,
  type Mutation,
  mutate,
  mutationArb,
  ociArchiveWith,
  readerKindArb,
  regionsOf,
  viewOf,
  walkAll,
} from '../../testing/tarFuzz';
import { MemorySource } from '../bytes/byteSource';
import { WindowedReader } from '../bytes/reader';
import type { ImageArchive } from '../image/model';
import { ArchiveReadError, openArchive } from '../image/open';
import type { EntryTable } from './entryTable';
import { padded } from './header';
import { TarError } from './types';
import { walkTar } from './walker';

/**
 * Property-based fuzzing of the tar walker and of openArchive. Valid archives must round-trip
 * exactly; mutated ones must give the same listing or a clear error, never another exception, a
 * hang or runaway memory. The seed is fixed so a failure replays; fast-check prints the
 * counterexample and the path to replay it.
 */
const SEED = 0x1a7e12;
/** No single case may take longer than this (typical cases take well under 10 ms). */
const CASE_MS = 2_000;
/** Peak growth of the process over the whole file: the inputs are kilobytes. */
const MEMORY_BOUND = 256 * MiB;

let cases = 0;
let started = 0;
let rssStart = 0;
let rssPeak = 0;
function sampleMemory(): void {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}

beforeAll(() => {
  started = performance.now();
  rssStart = process.memoryUsage().rss;
  rssPeak = rssStart;
});

afterAll(() => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const growth = ((rssPeak - rssStart) / MiB).toFixed(0);
  console.log(
    `tar/openArchive fuzz: ${cases} cases (seed ${SEED}) in ${seconds} s, peak RSS growth ${growth} MiB`,
  );
});

function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns, endOnFailure: true };
}

// ---------------------------------------------------------------------------------------------
// helpers

function tableView(
  table: EntryTable,
): Omit<EntryView, 'mode' | 'uid' | 'gid' | 'mtime' | 'uname' | 'gname' | 'xattrs'>[] {
  return table.allNames().map((name, i) => ({
    name,
    type: table.type(i),
    size: table.sizes[i],
    linkTarget: table.linkTarget(i),
  }));
}

function briefView(v: EntryView): Pick<EntryView, 'name' | 'type' | 'size' | 'linkTarget'> {
  return { name: v.name, type: v.type, size: v.size, linkTarget: v.linkTarget };
}

async function open(
  bytes: Uint8Array | SparseSource,
  name = 'fuzz.tar',
): Promise<{ archive: ImageArchive | null; error: unknown; elapsedMs: number }> {
  const source = bytes instanceof SparseSource ? bytes : new YieldingSource(new MemorySource(bytes, name));
  const { value, elapsedMs } = await withDeadline(`openArchive ${name}`, CASE_MS, async (signal) => {
    try {
      return { archive: await openArchive(source, { signal }), error: null as unknown };
    } catch (error) {
      return { archive: null, error };
    }
  });
  sampleMemory();
  return { ...value, elapsedMs };
}

// ---------------------------------------------------------------------------------------------
// round trips

describe('valid tars round-trip exactly', () => {
  it('through every reader: names, types, sizes, links, owners, times, xattrs, data offsets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 12 }),
        fc.constantFrom('pax' as const, 'gnu' as const),
        readerKindArb,
        async (fuzzEntries, longNames, rk) => {
          cases++;
          const bytes = buildTar(
            fuzzEntries.map((f) => f.entry),
            { longNames },
          );
          const outcome = await walkAll(bytes, rk, CASE_MS);
          sampleMemory();
          expect(outcome.error).toBeNull();
          expect(outcome.entries.map(viewOf)).toEqual(fuzzEntries.map(expectedView));
          outcome.entries.forEach((e, i) => {
            const data = Buffer.from(bytes.buffer, bytes.byteOffset + e.dataOffset, e.size);
            expect(data.equals(fuzzEntries[i].content), `data of ${JSON.stringify(e.name)}`).toBe(true);
          });
        },
      ),
      params(600),
    );
  });

  it('through openArchive, plain and wrapped in gzip or zstd, as a one-layer rootfs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { minLength: 1, maxLength: 10 }),
        fc.constantFrom('pax' as const, 'gnu' as const),
        fc.constantFrom('none' as const, 'gzip' as const, 'zstd' as const),
        async (fuzzEntries, longNames, outer) => {
          cases++;
          const tar = buildTar(
            fuzzEntries.map((f) => f.entry),
            { longNames },
          );
          const bytes = outer === 'gzip' ? gzipSync(tar) : outer === 'zstd' ? zstdRaw(tar) : tar;
          const { archive, error } = await open(bytes);
          expect(error).toBeNull();
          expect(archive?.format).toBe('rootfs');
          expect(archive?.outerCompression).toBe(outer);
          expect(archive?.errors).toEqual([]);
          const table = archive?.blobs.get('')?.entries;
          expect(table && tableView(table)).toEqual(fuzzEntries.map((f) => briefView(expectedView(f))));
        },
      ),
      params(250),
    );
  });

  it('with base-256 sizes of up to 16 TiB, jumping over bodies that are never read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(entryArb, fc.option(fc.integer({ min: 8 ** 11, max: 2 ** 44 }), { freq: 2 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (items) => {
          cases++;
          const segments: Segment[] = [];
          const expected: Pick<EntryView, 'name' | 'type' | 'size' | 'linkTarget'>[] = [];
          for (const [f, huge] of items) {
            if (huge === null) {
              segments.push(buildTar([f.entry], { endBlocks: false }));
              expected.push(briefView(expectedView(f)));
            } else {
              const name = f.entry.name;
              segments.push(buildTar([{ name, size: huge }], { endBlocks: false }), { zeros: padded(huge) });
              expected.push({ name, type: 'file', size: huge, linkTarget: '' });
            }
          }
          segments.push(new Uint8Array(1024));
          const source = new SparseSource(segments);
          const walked = await withDeadline('huge walk', CASE_MS, async () => {
            const out: Pick<EntryView, 'name' | 'type' | 'size' | 'linkTarget'>[] = [];
            for await (const e of walkTar(new WindowedReader(source))) out.push(briefView(viewOf(e)));
            return out;
          });
          expect(walked.value).toEqual(expected);
          const { archive, error } = await open(source);
          expect(error).toBeNull();
          expect(archive?.errors).toEqual([]);
          const table = archive?.blobs.get('')?.entries;
          expect(table && tableView(table)).toEqual(expected);
          // headers only: at most a few read-ahead windows, however many terabytes are declared
          expect(source.bytesRead).toBeLessThan(64 * MiB);
        },
      ),
      params(100),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// mutated tars

/** Small archives to mutate: several entries, PAX or GNU long names, files with data. */
const baseTarArb = fc.record({
  fuzzEntries: fc.array(entryArb, { minLength: 1, maxLength: 6 }),
  longNames: fc.constantFrom('pax' as const, 'gnu' as const),
});

function baseBytes(base: { fuzzEntries: FuzzEntry[]; longNames: 'pax' | 'gnu' }): Uint8Array {
  return buildTar(
    base.fuzzEntries.map((f) => f.entry),
    { longNames: base.longNames },
  );
}

describe('mutated tars give the same listing or a clear TarError', () => {
  it('any mutation: only TarErrors, sane entries, the same result from every reader and with names as bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        baseTarArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        readerKindArb,
        readerKindArb,
        async (base, mutations, rk1, rk2) => {
          cases++;
          let bytes = baseBytes(base);
          for (const m of mutations) bytes = mutate(bytes, m);
          const a = await walkAll(bytes, rk1, CASE_MS);
          const b = await walkAll(bytes, rk2, CASE_MS);
          // the index's walk, names handed over as bytes: the same entries, and errors name the same entry
          const c = await walkAll(bytes, rk2, CASE_MS, { nameBytes: true });
          sampleMemory();
          expect(insanities(a, bytes.length)).toEqual([]);
          expect(insanities(c, bytes.length)).toEqual([]);
          expect(fingerprint(b)).toBe(fingerprint(a));
          expect(fingerprint(c)).toBe(fingerprint(a));
        },
      ),
      params(900),
    );
  });

  it('a changed byte in file data or padding changes nothing; one in a header gives the same listing or a TarError', async () => {
    await fc.assert(
      fc.asyncProperty(
        baseTarArb,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        readerKindArb,
        async (base, at, value, rk) => {
          cases++;
          const pristine = baseBytes(base);
          const original = await walkAll(pristine, { kind: 'window', size: 512 }, CASE_MS);
          const regions = regionsOf(original.entries);
          // aim at file data half of the time (when there is any), anywhere otherwise
          const region = regions.data.length ? regions.data[Math.floor(at / 2) % regions.data.length] : null;
          const pos =
            at % 2 === 0 && region
              ? region[0] + (Math.floor(at / 2) % (region[1] - region[0]))
              : at % pristine.length;
          const m: Mutation = { op: 'flip', at: pos, value, fixChecksum: false };
          const bytes = mutate(pristine, m);
          const outcome = await walkAll(bytes, rk, CASE_MS);
          expect(insanities(outcome, bytes.length)).toEqual([]);
          const same = fingerprint(outcome) === fingerprint(original);
          if (inRegions(pos, regions.data)) {
            expect(same, `data byte ${pos} changed the walk`).toBe(true);
          } else if (!inRegions(pos, regions.prefix)) {
            // headers are covered by their checksum; the end-of-archive blocks are zero
            expect(same || outcome.error instanceof TarError, `header byte ${pos}`).toBe(true);
            if (!same)
              expect(original.entries.slice(0, outcome.entries.length).map(viewOf)).toEqual(
                outcome.entries.map(viewOf),
              );
          }
        },
      ),
      params(400),
    );
  });

  it('a truncated tar keeps every entry whose header was read and says exactly where it stopped', async () => {
    await fc.assert(
      fc.asyncProperty(baseTarArb, fc.nat(), readerKindArb, async (base, at, rk) => {
        cases++;
        const pristine = baseBytes(base);
        const original = await walkAll(pristine, { kind: 'window', size: 512 }, CASE_MS);
        const cut = at % pristine.length;
        const outcome = await walkAll(pristine.subarray(0, cut), rk, CASE_MS);
        expect(insanities(outcome, cut)).toEqual([]);
        const kept = original.entries.filter((e) => e.dataOffset <= cut);
        expect(outcome.entries.map(viewOf)).toEqual(kept.map(viewOf));
        const last = kept.at(-1);
        const after = last ? `after entry ${JSON.stringify(last.name)}` : 'first header';
        const next = original.entries[kept.length];
        const lastEnd = last ? last.dataOffset + padded(last.storedSize) : 0;
        const message = outcome.error instanceof Error ? outcome.error.message : null;
        if (last && cut < last.dataOffset + last.storedSize) {
          const missing = last.dataOffset + last.storedSize - cut;
          expect(message).toBe(
            `unexpected end of archive: ${missing} bytes of ${JSON.stringify(last.name)} missing at byte ${cut} (${after})`,
          );
        } else if (last && cut < lastEnd) {
          expect(message).toBe(
            `unexpected end of archive in the padding after ${JSON.stringify(last.name)} (its data is complete) at byte ${cut} (${after})`,
          );
        } else if (cut === lastEnd) {
          expect(message).toBeNull(); // cut at a header boundary: an archive without end blocks
        } else if (next) {
          // inside the next entry's headers: a clear error at or after its first header, or a quiet
          // end exactly after a complete PAX/GNU prefix (GNU tar ends quietly there too)
          if (message === null) expect(cut % 512).toBe(0);
          else {
            expect(message).toMatch(/^truncated /);
            expect((outcome.error as TarError).offset).toBeGreaterThanOrEqual(next.headerOffset);
            expect((outcome.error as TarError).offset).toBeLessThanOrEqual(cut);
          }
        } else if (cut < lastEnd + 512) {
          expect(message).toBe(
            `truncated header (${cut - lastEnd} of 512 bytes) at byte ${lastEnd} (${after})`,
          );
        } else {
          expect(message).toBeNull();
        }
      }),
      params(450),
    );
  });
});

describe.skipIf(!gnuTarAvailable())('mutated tars against GNU tar', () => {
  /** GNU tar rejects ids beyond uid_t, which is not what this property is about. */
  const gnuFriendly = fc.record({
    fuzzEntries: fc.array(
      entryArb.map((f) => ({
        ...f,
        entry: { ...f.entry, uid: (f.entry.uid ?? 0) % 0xfffffffe, gid: (f.entry.gid ?? 0) % 0xfffffffe },
      })),
      { minLength: 1, maxLength: 5 },
    ),
    longNames: fc.constantFrom('pax' as const, 'gnu' as const),
  });

  it('list what `tar -t` lists: the same names when either succeeds, a prefix of them when both fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        gnuFriendly,
        fc.array(mutationArb, { minLength: 1, maxLength: 2 }),
        async (base, mutations) => {
          cases++;
          let bytes = baseBytes(base);
          for (const m of mutations) bytes = mutate(bytes, m);
          const ours = await walkAll(bytes, { kind: 'window', size: 4096 }, CASE_MS);
          const gnu = gnuListBytes(bytes);
          // names may hold newlines, which make GNU's one-per-line output ambiguous: compare the text
          const ourText = ours.entries.map((e) => e.name);
          if (ours.error === null) {
            // GNU may still fail afterwards, on numeric fields we read leniently (a garbage uid or
            // mtime counts as 0); the names must agree.
            expect(gnu.names.join('\n'), gnu.stderr).toBe(ourText.join('\n'));
          } else if (gnu.status === 0) {
            const err = ours.error as TarError;
            // GNU tar ignores a partial header block at the very end; we report it as truncation
            expect(err.message, gnu.stderr).toMatch(/^truncated header \((\d+) of 512 bytes\)/);
            expect(err.offset + Number(/\((\d+) of/.exec(err.message)?.[1])).toBe(bytes.length);
            expect(gnu.names.join('\n')).toBe(ourText.join('\n'));
          } else {
            // GNU tar skips bad headers and goes on; up to our error we list what it lists
            expect(gnu.names.join('\n').startsWith(ourText.join('\n')), gnu.stderr).toBe(true);
          }
        },
      ),
      params(300),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// image archives

const layerEntryArb = fc.record({
  name: fc.string({ unit: fc.constantFrom(...'abcdefgh/._-'), minLength: 1, maxLength: 30 }),
  content: fc.oneof(fc.constant(''), fc.string({ maxLength: 700 })),
});

const imageArb: fc.Arbitrary<TestImage> = fc.record({
  tags: fc.array(fc.constantFrom('app:1', 'app:latest', 'base:2', 'x/y:z'), { maxLength: 2 }),
  layers: fc.array(fc.array(layerEntryArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
});

type ArchiveKind =
  | 'docker'
  | 'docker-symlinks'
  | 'oci-none'
  | 'oci-gzip'
  | 'oci-zstd'
  | 'docker|gzip'
  | 'oci-gzip|zstd';
const ARCHIVE_KINDS: ArchiveKind[] = [
  'docker',
  'docker-symlinks',
  'oci-none',
  'oci-gzip',
  'oci-zstd',
  'docker|gzip',
  'oci-gzip|zstd',
];

function buildArchive(kind: ArchiveKind, images: TestImage[]): Uint8Array {
  switch (kind) {
    case 'docker':
      return dockerArchive(images);
    case 'docker-symlinks':
      return dockerArchive(
        [...images, ...images.map((i) => ({ ...i, tags: [`copy-${i.tags[0] ?? 'x'}`] }))],
        {
          symlinkShared: true,
        },
      );
    case 'oci-none':
      return ociArchive(images, 'none');
    case 'oci-gzip':
      return ociArchive(images, 'gzip');
    case 'oci-zstd':
      return ociArchiveWith(images, (tar) => zstdRaw(tar), '+zstd');
    case 'docker|gzip':
      return gzipSync(dockerArchive(images));
    case 'oci-gzip|zstd':
      return zstdRaw(ociArchive(images, 'gzip'));
  }
}

/** What a person sees of an archive, minus tags and other strings a JSON change may alter. */
function signature(archive: ImageArchive): string {
  return JSON.stringify({
    format: archive.format,
    images: archive.images.map((image) =>
      image.layers.map((layer) => {
        const blob = archive.blobs.get(layer.blob);
        return { compression: blob?.compression, entries: blob?.entries ? tableView(blob.entries) : null };
      }),
    ),
  });
}

/** An error a person can act on names where: a member, an entry, a manifest, or a byte offset. */
const CLEAR =
  /at byte \d+|after \d+ decompressed bytes|member "|layer "|manifest\.json|index\.json|manifest sha256:|index sha256:|legacy (parent chain|layer)/;
/** Messages that betray a bug rather than describe the archive. */
const SMELL = /Cannot read prop|is not a function|is not iterable|Maximum call stack|\[object |undefined$/;

describe('mutated image archives give the same images or clear errors', () => {
  it('docker-archive and OCI layouts, plain or wrapped, under random mutations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ARCHIVE_KINDS),
        fc.array(imageArb, { minLength: 1, maxLength: 2 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 2 }),
        async (kind, images, mutations) => {
          cases++;
          const pristine = buildArchive(kind, images);
          const reference = await open(pristine, `${kind}.tar`);
          expect(reference.error).toBeNull();
          expect(reference.archive?.errors).toEqual([]);
          let bytes = pristine;
          for (const m of mutations) bytes = mutate(bytes, m);
          const { archive, error } = await open(bytes, `${kind}.tar`);
          if (error !== null) {
            expect(error, String(error)).toBeInstanceOf(ArchiveReadError);
            const message = (error as Error).message;
            expect(message).toMatch(
              /^.+?: .*at byte \d+|is not a tar archive|is empty|after \d+ decompressed bytes/,
            );
            expect(message).not.toMatch(SMELL);
            return;
          }
          if (!archive) throw new Error('no archive and no error');
          for (const message of [...archive.errors, ...archive.warnings]) {
            expect(message).not.toMatch(SMELL);
          }
          for (const message of archive.errors) expect(message).toMatch(CLEAR);
          // Byte flips that leave every header checksum wrong or untouched cannot forge entries: when
          // nothing is reported, nothing may have changed. (A repaired checksum can forge a valid
          // header, a zero block is a valid end of archive, and a cut at a member boundary is a valid
          // shorter archive, so those only have to be sane and clear.)
          const plainFlips = mutations.every((m) => m.op === 'flip' && !m.fixChecksum);
          if (
            plainFlips &&
            archive.errors.length === 0 &&
            archive.warnings.length === 0 &&
            reference.archive
          ) {
            expect(signature(archive)).toBe(signature(reference.archive));
          }
        },
      ),
      params(500),
    );
  });

  it('a truncated docker-archive keeps the members before the cut and names the byte', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(imageArb, { minLength: 1, maxLength: 2 }), fc.nat(), async (images, at) => {
        cases++;
        const pristine = dockerArchive(images);
        const cut = 512 + (at % (pristine.length - 1024 - 512));
        const { archive, error } = await open(pristine.subarray(0, cut), 'cut.tar');
        if (error !== null) {
          expect(error).toBeInstanceOf(ArchiveReadError);
          return;
        }
        if (cut % 512 !== 0) {
          expect(archive?.errors[0]).toMatch(
            /^archive cut\.tar: .* at byte \d+ \(after entry ".*"\); the members before it were kept$/,
          );
          const at = Number(/at byte (\d+)/.exec(archive?.errors[0] ?? '')?.[1]);
          expect(at).toBeLessThanOrEqual(cut);
        }
      }),
      params(120),
    );
  });
});

describe('the fuzz run as a whole', () => {
  it('stays within its memory bound', () => {
    sampleMemory();
    expect(rssPeak - rssStart).toBeLessThan(MEMORY_BOUND);
  });
});
