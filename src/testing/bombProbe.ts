/**
 * Test-only: opens one hostile archive in a fresh Node process and prints what happened as JSON,
 * with the process's peak resident memory before and after. Memory bounds measured this way do
 * not depend on sampling or on what earlier tests left on the heap, and a hang is a timeout of
 * the child, which the parent can kill.
 *
 *   node --import tsx src/testing/bombProbe.ts <case> <MiB>
 *
 * Cases build their bombs in a few kilobytes of memory (see hostile.ts).
 */
import { gzipSync } from 'node:zlib';
import { type ByteSource, MemorySource } from '../core/bytes/byteSource';
import { openArchive } from '../core/image/open';
import {
  gzipSegments,
  MiB,
  type Segment,
  SparseSource,
  zstdFrame,
  zstdSegments,
  zstdZeroBomb,
} from './hostile';
import { buildTar } from './tarBuilder';

export interface ProbeResult {
  case: string;
  inputBytes: number;
  /** Peak RSS of the whole process before and after openArchive (bytes). */
  maxRssBefore: number;
  maxRssAfter: number;
  ms: number;
  thrown: string | null;
  errors: string[];
  warnings: string[];
  layers: {
    member: string;
    compression: string;
    entries: number;
    names: string[];
    sizes: number[];
    error: string | null;
  }[];
}

const CONFIG = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] },
  history: [{ created_by: 'ADD zeros /' }],
});
const MANIFEST = JSON.stringify([{ Config: 'config.json', RepoTags: ['bomb:1'], Layers: ['l/layer.tar'] }]);

/** A docker-archive with one layer member whose stored bytes are `layer`. */
function dockerWith(layer: Uint8Array): Uint8Array {
  return buildTar([
    { name: 'l/layer.tar', content: layer },
    { name: 'config.json', content: CONFIG },
    { name: 'manifest.json', content: MANIFEST },
  ]);
}

/** The same archive as segments, with an uncompressed layer holding one file of `size` zeros. */
function dockerZeroSegments(size: number): Segment[] {
  const inner = buildTar([{ name: 'zeros', size }], { endBlocks: false });
  const layerSize = inner.length + Math.ceil(size / 512) * 512 + 1024;
  return [
    buildTar([{ name: 'l/layer.tar', size: layerSize }], { endBlocks: false }),
    inner,
    { zeros: Math.ceil(size / 512) * 512 + 1024 },
    buildTar([
      { name: 'config.json', content: CONFIG },
      { name: 'manifest.json', content: MANIFEST },
    ]),
  ];
}

function zeroTarHead(size: number): Uint8Array {
  return buildTar([{ name: 'zeros', size }], { endBlocks: false });
}

/**
 * A 128 KiB zstd window for the RLE bombs: what they do to memory does not depend on it, and
 * fzstd's per-block window shift makes an 8 MiB window 64 times slower (see hostile.test.ts).
 */
const SMALL_WINDOW = 7 << 3;

export const PROBE_CASES: Record<string, (mib: number) => Promise<ByteSource>> = {
  /** A gzip layer that inflates to a file of zeros. */
  'gzip-layer': async (mib) =>
    new MemorySource(dockerWith(await gzipSegments([zeroTarHead(mib * MiB), { zeros: mib * MiB + 1024 }]))),
  /** A zstd layer of RLE blocks (about 32768:1). */
  'zstd-layer': async (mib) =>
    new MemorySource(dockerWith(zstdZeroBomb(zeroTarHead(mib * MiB), mib * MiB + 1024, SMALL_WINDOW))),
  /** `docker save | gzip` where the (uncompressed) layer holds a file of zeros. */
  'gzip-around': async (mib) => new MemorySource(await gzipSegments(dockerZeroSegments(mib * MiB))),
  /** The same wrapped in zstd. */
  'zstd-around': async (mib) => new MemorySource(zstdSegments(dockerZeroSegments(mib * MiB), SMALL_WINDOW)),
  /** A gzip bomb layer inside a gzip'd archive: gzip of gzip of zeros is a few kilobytes. */
  'gzip-in-gzip': async (mib) =>
    new MemorySource(
      gzipSync(dockerWith(await gzipSegments([zeroTarHead(mib * MiB), { zeros: mib * MiB + 1024 }]))),
    ),
  /** A zstd layer whose frame header declares a window of `mib` MiB (a few real blocks follow). */
  'zstd-window': async (mib) => {
    const tar = buildTar([{ name: 'f', content: 'x' }]);
    // window = 2^(10+e) * (1 + m/8): pick the exponent and mantissa for `mib` MiB
    const exponent = Math.floor(Math.log2(mib * MiB)) - 10;
    const mantissa = Math.round((mib * MiB) / 2 ** (10 + exponent) - 1) * 8;
    const descriptor = (exponent << 3) | Math.min(7, mantissa);
    return new MemorySource(dockerWith(zstdFrame([{ raw: tar }, { rle: 0, size: 1024 }], descriptor)));
  },
  /** `docker save | gzip` with 16 members of `mib` MiB that start like JSON ('{' then zeros). */
  'json-bodies': async (mib) => {
    const segments: Segment[] = [];
    for (let i = 0; i < 16; i++) {
      segments.push(
        buildTar([{ name: `blobs/sha256/${String(i).padStart(64, '0')}`, size: mib * MiB }], {
          endBlocks: false,
        }),
        Uint8Array.of(0x7b),
        { zeros: mib * MiB - 1 },
      );
    }
    segments.push(buildTar([{ name: 'f', content: 'x' }]));
    return new MemorySource(await gzipSegments(segments));
  },
  /** A plain tar declaring a `mib` MiB manifest.json that is really there (sparse zeros). */
  'sparse-manifest': async (mib) =>
    new SparseSource([
      buildTar([{ name: 'manifest.json', size: mib * MiB }], { endBlocks: false }),
      Uint8Array.of(0x5b),
      { zeros: mib * MiB - 1 + (512 - ((mib * MiB) % 512 || 512)) },
      new Uint8Array(1024),
    ]),
};

async function main(): Promise<void> {
  const [name, mibText] = process.argv.slice(2);
  const make = PROBE_CASES[name];
  if (!make) throw new Error(`unknown case ${name}; one of ${Object.keys(PROBE_CASES).join(', ')}`);
  const source = await make(Number(mibText));
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  const result: ProbeResult = {
    case: name,
    inputBytes: source.size,
    maxRssBefore,
    maxRssAfter: 0,
    ms: 0,
    thrown: null,
    errors: [],
    warnings: [],
    layers: [],
  };
  try {
    const archive = await openArchive(source);
    result.errors = archive.errors;
    result.warnings = archive.warnings;
    for (const blob of archive.blobs.values()) {
      const t = blob.entries;
      result.layers.push({
        member: blob.member,
        compression: blob.compression,
        entries: t?.count ?? 0,
        names: t ? t.allNames().slice(0, 5) : [],
        sizes: t ? Array.from(t.sizes.subarray(0, Math.min(5, t.count))) : [],
        error: blob.error,
      });
    }
  } catch (error) {
    result.thrown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  result.ms = performance.now() - started;
  result.maxRssAfter = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1]?.endsWith('bombProbe.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
