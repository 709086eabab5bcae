/**
 * Experiments behind the benchmark's recommendations, run against the generated archives without
 * editing src/. Each prints a table; medians of --runs (default 3, 1 for the slow ones).
 *
 *   npx tsx scripts/bench/experiments.ts <name>… [--runs N] [--archive FILE]
 *
 *   install   installs the candidate WASM zstd decoders into .cache/bench/zstd-exp (not the project)
 *   window    read-ahead window sizes, an adaptive window and reused buffers (Node, uncompressed)
 *   walk      per-entry cost: walker alone, with the entry table, and a synchronous floor (in memory)
 *   gzip      gzip decoders (DecompressionStream, node:zlib, fflate), decode-only and with the walk,
 *             and two layers at once
 *   zstd      fzstd vs zstddec (WASM, streaming) vs @hpcc-js/wasm-zstd vs the zstd CLI
 *   browser   the same ideas in Chromium through the core harness (window, workers, zstd decoder)
 *   profile   node --cpu-prof of ours on the uncompressed, gzip and zstd archives, and a worker
 *             profile in Chromium; prints the top costs
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Gunzip } from 'fflate';
import { Decompress } from 'fzstd';
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { MemorySource } from '../../src/core/bytes/byteSource';
import { chunksOf, type SequentialReader, WindowedReader } from '../../src/core/bytes/reader';
import { EntryTable } from '../../src/core/tar/entryTable';
import {
  BLOCK,
  checksumMatches,
  cString,
  headerFormat,
  isZeroBlock,
  parseNumeric,
  typeFromFlag,
} from '../../src/core/tar/header';
import { walkTar } from '../../src/core/tar/walker';
import { archivePath, CACHE_DIR, ROOT } from '../make-big';
import { buildHarness, measureInBrowser, startServer } from './browser';
import { fmtMs, parseResult, run } from './common';
import {
  countLayer,
  type FoundLayer,
  findLayers,
  layerReader,
  partition,
  type StreamingZstd,
  zstddecReader,
} from './experiment';
import { type CpuProfile, formatProfile, summarizeProfile } from './profileSummary';
import { AdaptiveWindowedReader, CountingSource, ReusingNodeSource } from './readers';

const EXP_DIR = join(CACHE_DIR, 'zstd-exp');
const EXP_PACKAGES = ['zstddec@0.3.4', '@hpcc-js/wasm-zstd@1.12.5'];

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const runsArg = opt('--runs');
const archiveArg = opt('--archive');
const names = args;

function rows(headers: string[], body: (string | number)[][]): string {
  const cells = body.map((r) => r.map(String));
  const w = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(headers), w.map((x) => '-'.repeat(x)).join('  '), ...cells.map(line)].join('\n');
}

/**
 * Best of `runs` (other sessions share this machine, so the minimum is the least disturbed run),
 * with this process's CPU time (all threads, so zlib's thread pool counts) beside the wall time.
 */
async function timed<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const times: number[] = [];
  const cpus: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    value = await f();
    times.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1000);
  }
  return { ms: Math.min(...times), cpuMs: Math.min(...cpus), value: value as T };
}

const MB = (n: number): string => `${(n / 1e6).toFixed(0)} MB`;

// ------------------------------------------------------------------ install

function installCandidates(): void {
  if (
    existsSync(join(EXP_DIR, 'node_modules', 'zstddec')) &&
    existsSync(join(EXP_DIR, 'node_modules', '@hpcc-js'))
  )
    return;
  mkdirSync(EXP_DIR, { recursive: true });
  if (!existsSync(join(EXP_DIR, 'package.json'))) {
    spawnSync('sh', ['-c', `echo '{"name":"zstd-exp","private":true}' > package.json`], { cwd: EXP_DIR });
  }
  console.error(`experiments: npm install ${EXP_PACKAGES.join(' ')} (into ${EXP_DIR}, not the project)`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...EXP_PACKAGES], {
    cwd: EXP_DIR,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('npm install of the zstd candidates failed');
}

interface ZstddecModule {
  ZSTDDecoder: new () => StreamingZstd & { init(): Promise<void> };
}
interface HpccZstd {
  reset(): void;
  decompressChunk(data: Uint8Array, outputSize: number): Uint8Array;
  version(): string;
}
interface HpccModule {
  Zstd: { load(): Promise<HpccZstd> };
}

async function loadZstddec(): Promise<StreamingZstd> {
  installCandidates();
  const mod = (await import(
    pathToFileURL(join(EXP_DIR, 'node_modules/zstddec/dist/zstddec-stream.mjs')).href
  )) as ZstddecModule;
  const d = new mod.ZSTDDecoder();
  await d.init();
  return d;
}

async function loadHpcc(): Promise<HpccZstd> {
  installCandidates();
  const mod = (await import(
    pathToFileURL(join(EXP_DIR, 'node_modules/@hpcc-js/wasm-zstd/dist/index.js')).href
  )) as HpccModule;
  return mod.Zstd.load();
}

// ------------------------------------------------------------------ helpers

async function layersOf(path: string): Promise<{ source: NodeFileSource; layers: FoundLayer[] }> {
  const source = new NodeFileSource(path);
  return { source, layers: await findLayers(source) };
}

async function walkCount(reader: SequentialReader): Promise<number> {
  let n = 0;
  for await (const _ of walkTar(reader)) n++;
  return n;
}

/** Synchronous chunks of a file range, for decoders that take a synchronous iterable. */
function* fileChunks(path: string, start: number, end: number, chunk: number): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (let off = start; off < end; off += chunk) {
      const buf = new Uint8Array(Math.min(chunk, end - off));
      readSync(fd, buf, 0, buf.length, off);
      yield buf;
    }
  } finally {
    closeSync(fd);
  }
}

// ------------------------------------------------------------------ window

async function windowExperiment(runs: number): Promise<void> {
  for (const kind of ['docker', 'flat-dir'] as const) {
    const path = archiveArg ?? archivePath(kind, 's100');
    const { source, layers } = await layersOf(path);
    const body: (string | number)[][] = [];
    const variants: [string, (l: FoundLayer, src: CountingSource) => SequentialReader][] = [];
    for (const w of [128 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20]) {
      variants.push([
        `fixed ${w >= 1 << 20 ? `${w >> 20} MiB` : `${w >> 10} KiB`}${w === 2 << 20 ? ' (current)' : ''}`,
        (l, src) => new WindowedReader(src, l.offset, l.offset + l.size, w),
      ]);
    }
    variants.push([
      'adaptive 64 KiB…4 MiB',
      (l, src) => new AdaptiveWindowedReader(src, l.offset, l.offset + l.size),
    ]);
    variants.push([
      'adaptive 64 KiB…8 MiB',
      (l, src) => new AdaptiveWindowedReader(src, l.offset, l.offset + l.size, 64 << 10, 8 << 20),
    ]);
    for (const [label, make] of variants) {
      for (const reuse of [false, true]) {
        const src = new CountingSource(reuse ? new ReusingNodeSource(path, source.size) : source);
        const { ms, cpuMs, value } = await timed(runs, async () => {
          src.reads = 0;
          src.bytes = 0;
          let n = 0;
          for (const l of layers) n += await walkCount(make(l, src));
          return n;
        });
        body.push([
          `${label}${reuse ? ', reused buffers' : ''}`,
          fmtMs(ms),
          fmtMs(cpuMs),
          value,
          src.reads,
          MB(src.bytes),
        ]);
      }
    }
    console.log(`\nwindow: ${path} (walkTar over every layer, Node, page cache warm)`);
    console.log(rows(['reader', 'time (best)', 'CPU', 'entries', 'reads', 'bytes read'], body));
  }
}

// ------------------------------------------------------------------ walk

/** The floor: the same header decoding, synchronously, with no entry objects kept. */
function syncWalk(bytes: Uint8Array): number {
  let pos = 0;
  let n = 0;
  while (pos + BLOCK <= bytes.length) {
    const block = bytes.subarray(pos, pos + BLOCK);
    if (isZeroBlock(block)) break;
    if (!checksumMatches(block)) throw new Error(`bad header at ${pos}`);
    const size = parseNumeric(block, 124, 12);
    const format = headerFormat(block);
    let name = cString(block, 0, 100);
    if (format === 'ustar') {
      const prefix = cString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    typeFromFlag(block[156], name);
    parseNumeric(block, 100, 8);
    parseNumeric(block, 136, 12);
    n++;
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return n;
}

async function walkExperiment(runs: number): Promise<void> {
  const path = archiveArg ?? archivePath('flat-dir', 's100');
  const { layers } = await layersOf(path);
  const biggest = layers.reduce((a, b) => (b.size > a.size ? b : a));
  const bytes = new Uint8Array(biggest.size);
  const fd = openSync(path, 'r');
  readSync(fd, bytes, 0, bytes.length, biggest.offset);
  closeSync(fd);
  const mem = new MemorySource(bytes);
  const body: (string | number)[][] = [];
  const add = async (label: string, f: () => Promise<number>): Promise<void> => {
    const { ms, value } = await timed(runs, f);
    body.push([label, fmtMs(ms), value, `${((ms * 1000) / value).toFixed(2)} µs`]);
  };
  await add('sync header decode (floor)', async () => syncWalk(bytes));
  await add('walkTar (async generator)', () => walkCount(new WindowedReader(mem)));
  await add('walkTar + EntryTable.add', async () => {
    const table = new EntryTable();
    for await (const e of walkTar(new WindowedReader(mem))) table.add(e);
    return table.count;
  });
  console.log(`\nwalk: in-memory layer of ${MB(bytes.length)} from ${path} (${biggest.name})`);
  console.log(rows(['variant', 'time (best)', 'entries', 'per entry'], body));
}

// ------------------------------------------------------------------ gzip

async function drain(reader: SequentialReader): Promise<number> {
  let n = 0;
  for (;;) {
    const part = await reader.read(1 << 20);
    if (part.length === 0) return n;
    n += part.length;
  }
}

async function gzipExperiment(runs: number): Promise<void> {
  const path = archiveArg ?? archivePath('oci-gzip', 's50');
  const { source, layers } = await layersOf(path);
  const { createGunzip } = await import('node:zlib');
  const { createReadStream } = await import('node:fs');
  const body: (string | number)[][] = [];
  const add = async (label: string, f: () => Promise<number>): Promise<void> => {
    const { ms, cpuMs, value } = await timed(runs, f);
    body.push([label, fmtMs(ms), fmtMs(cpuMs), value]);
  };
  const sum = async (f: (l: FoundLayer) => Promise<number>): Promise<number> => {
    let n = 0;
    for (const l of layers) n += await f(l);
    return n;
  };
  await add('gzip -dc (CLI), decode only', async () =>
    sum(async (l) => {
      const r = spawnSync(
        'sh',
        ['-c', `tail -c +${l.offset + 1} '${path}' | head -c ${l.size} | gzip -dc | wc -c`],
        { encoding: 'utf8' },
      );
      return Number(r.stdout.trim());
    }),
  );
  await add('DecompressionStream (core), decode only', () => sum((l) => drain(layerReader(source, l))));
  await add('DecompressionStream (core) + walk = ours', () => sum((l) => countLayer(source, l)));
  for (const chunk of [256 << 10, 8 << 20]) {
    await add(`  same, input chunks of ${chunk >> 10} KiB`, () =>
      sum((l) => countLayer(source, l, { chunk })),
    );
  }
  await add('node:zlib createGunzip, decode only', () =>
    sum(
      (l) =>
        new Promise<number>((res, rej) => {
          let n = 0;
          createReadStream(path, { start: l.offset, end: l.offset + l.size - 1, highWaterMark: 1 << 20 })
            .pipe(createGunzip({ chunkSize: 256 << 10 }))
            .on('data', (c: Buffer) => {
              n += c.length;
            })
            .on('end', () => res(n))
            .on('error', rej);
        }),
    ),
  );
  await add('fflate Gunzip (JS), decode only', () =>
    sum(async (l) => {
      let n = 0;
      const g = new Gunzip((c) => {
        n += c.length;
      });
      for (const c of fileChunks(path, l.offset, l.offset + l.size, 64 << 10)) g.push(c, false);
      g.push(new Uint8Array(0), true);
      return n;
    }),
  );
  await add('ours, 2 layers at once (Promise over 2 lanes)', async () => {
    const lanes = partition(layers, 2);
    const counts = await Promise.all(
      lanes.map(async (lane) => {
        let n = 0;
        for (const l of lane) n += await countLayer(source, l);
        return n;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  });
  console.log(
    `\ngzip: ${path} (${layers.length} layers, ${MB(layers.reduce((n, l) => n + l.size, 0))} compressed); figures: bytes out, or entries`,
  );
  console.log(rows(['variant', 'time (best)', 'CPU (this process)', 'bytes / entries'], body));
}

// ------------------------------------------------------------------ zstd

async function zstdExperiment(runs: number): Promise<void> {
  const path = archiveArg ?? archivePath('oci-zstd', 's50');
  const { source, layers } = await layersOf(path);
  const zstddec = await loadZstddec();
  const body: (string | number)[][] = [];
  const add = async (label: string, f: () => Promise<number>): Promise<void> => {
    try {
      const { ms, cpuMs, value } = await timed(runs, f);
      body.push([label, fmtMs(ms), fmtMs(cpuMs), value]);
    } catch (error) {
      body.push([label, 'failed', '', (error as Error).message.slice(0, 60)]);
    }
  };
  const sum = async (f: (l: FoundLayer) => Promise<number>): Promise<number> => {
    let n = 0;
    for (const l of layers) n += await f(l);
    return n;
  };
  await add('zstd -dc (CLI), decode only', async () =>
    sum(async (l) => {
      const r = spawnSync(
        'sh',
        ['-c', `tail -c +${l.offset + 1} '${path}' | head -c ${l.size} | zstd -dc | wc -c`],
        { encoding: 'utf8' },
      );
      return Number(r.stdout.trim());
    }),
  );
  await add('core decoder (src/core/compress), decode only', () => sum((l) => drain(layerReader(source, l))));
  await add('core decoder + walk = ours', () => sum((l) => countLayer(source, l)));
  await add('fzstd Decompress, 2 MiB pushes, decode only', async () =>
    sum(async (l) => {
      let n = 0;
      const d = new Decompress((c) => {
        n += c.length;
      });
      for (const c of fileChunks(path, l.offset, l.offset + l.size, 2 << 20)) d.push(c, false);
      d.push(new Uint8Array(0), true);
      return n;
    }),
  );
  await add('core ZstdDecoder direct, 2 MiB pushes, decode only', async () => {
    const core = await import('../../src/core/compress/zstd');
    await core.loadZstd();
    return sum(async (l) => {
      let n = 0;
      const d = new core.ZstdDecoder((c) => {
        n += c.length;
      });
      for (const c of fileChunks(path, l.offset, l.offset + l.size, 2 << 20)) d.push(c, false);
      d.push(new Uint8Array(0), true);
      return n;
    });
  });
  await add('zstddec stream (WASM), decode only', async () =>
    sum(async (l) => {
      let n = 0;
      for (const out of zstddec.decodeStreaming(fileChunks(path, l.offset, l.offset + l.size, 2 << 20)))
        n += out.length;
      return n;
    }),
  );
  await add('zstddec stream (WASM) + walk', () => sum((l) => countLayer(source, l, { zstd: zstddec })));
  await add('zstddec + walk, 2 layers at once', async () => {
    // One decoder instance per lane: each decodeStreaming call has its own context.
    const lanes = partition(layers, 2);
    const counts = await Promise.all(
      lanes.map(async (lane) => {
        let n = 0;
        for (const l of lane)
          n += await walkCount(zstddecReader(zstddec, chunksOf(source, l.offset, l.offset + l.size)));
        return n;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  });
  if (!process.argv.includes('--hpcc')) {
    body.push(['@hpcc-js/wasm-zstd decompressChunk', 'skipped', '', 'slow (91 s CPU on s50): pass --hpcc']);
    console.log(`\nzstd: ${path}`);
    console.log(rows(['variant', 'time (best)', 'CPU (this process)', 'bytes / entries'], body));
    return;
  }
  const hpcc = await loadHpcc();
  await add(`@hpcc-js/wasm-zstd decompressChunk (zstd ${hpcc.version()}), decode only`, async () =>
    sum(async (l) => {
      hpcc.reset();
      let n = 0;
      for (const c of fileChunks(path, l.offset, l.offset + l.size, 128 << 10))
        n += hpcc.decompressChunk(c, 128 << 20).length;
      return n;
    }),
  );
  const expected = layers.length ? '(bytes out should equal the CLI row)' : '';
  console.log(
    `\nzstd: ${path} (${layers.length} layers, ${MB(layers.reduce((n, l) => n + l.size, 0))} compressed) ${expected}`,
  );
  console.log(rows(['variant', 'time (best)', 'CPU (this process)', 'bytes / entries'], body));
}

// ------------------------------------------------------------------ browser

async function browserExperiment(runs: number): Promise<void> {
  installCandidates();
  const dir = await buildHarness();
  const server = await startServer({ '/harness/': dir });
  const body: (string | number)[][] = [];
  const cases: [string, string, string][] = [
    ['docker', 's100', 'mode=read&chunk=2097152'],
    ['docker', 's100', 'mode=read&chunk=8388608'],
    ['docker', 's100', 'mode=read&stream=1'],
    ['docker', 's100', 'mode=read&chunk=8388608&sync=1'],
    ['docker', 's100', 'mode=read&chunk=8388608&inflight=2'],
    ['docker', 's100', 'mode=read&chunk=33554432'],
    ['docker', 's100', 'mode=read&chunk=33554432&sync=1'],
    ['docker', 's100', 'mode=open'],
    ['docker', 's100', 'mode=count&workers=1'],
    ['docker', 's100', 'mode=count&workers=1&window=8388608'],
    ['docker', 's100', 'mode=count&workers=1&prefetch=1'],
    ['docker', 's100', 'mode=count&workers=1&prefetch=1&window=8388608'],
    ['docker', 's100', 'mode=count&workers=1&stream=1'],
    ['docker', 's100', 'mode=count&workers=2&prefetch=1&window=8388608'],
    ['docker', 's100', 'mode=count&workers=2&window=8388608'],
    ['docker', 's100', 'mode=count&workers=1&window=16777216'],
    ['flat-dir', 's100', 'mode=open'],
    ['flat-dir', 's100', 'mode=count&workers=1'],
    ['flat-dir', 's100', 'mode=count&workers=1&prefetch=1'],
    ['flat-dir', 's100', 'mode=count&workers=1&window=8388608'],
    ['flat-dir', 's100', 'mode=count&workers=1&window=16777216'],
    ['oci-gzip', 's100', 'mode=open'],
    ['oci-gzip', 's100', 'mode=count&workers=1'],
    ['oci-gzip', 's100', 'mode=count&workers=1&stream=1'],
    ['oci-gzip', 's100', 'mode=count&workers=2'],
    ['oci-gzip', 's100', 'mode=count&workers=2&stream=1'],
    ['oci-zstd', 's100', 'mode=open'],
    ['oci-zstd', 's100', 'mode=count&workers=1&zstd=zstddec'],
    ['oci-zstd', 's100', 'mode=count&workers=2&zstd=zstddec'],
  ];
  const only = process.env.BENCH_CASES ? new RegExp(process.env.BENCH_CASES) : null;

  try {
    for (const [kind, scale, query] of cases) {
      if (only && !only.test(`${kind}-${scale} ${query}`)) continue;
      const file = archivePath(kind as 'docker', scale);
      if (!existsSync(file)) continue;
      const ms: number[] = [];
      const cpu: number[] = [];
      let entries = 0;
      let error = '';
      let rss = 0;
      for (let i = 0; i < runs; i++) {
        const m = await measureInBrowser({ url: `${server.url}/harness/?${query}`, file });
        ms.push(m.ms);
        cpu.push(m.extra.cpuMs ?? Number.NaN);
        rss = Math.max(rss, (m.peakRss ?? 0) - (m.extra.baselineRss ?? 0));
        entries = m.entries;
        error = m.error ?? '';
      }
      const row = [
        `${kind}-${scale}`,
        query,
        fmtMs(Math.min(...ms)),
        fmtMs(Math.min(...cpu)),
        MB(rss),
        error ? `ERROR ${error.slice(0, 60)}` : String(entries),
      ];
      body.push(row);
      console.error(`experiments: browser ${row.join('  ')}`);
    }
  } finally {
    await server.close();
  }
  console.log(
    '\nbrowser: core harness in headless Chromium (open = openArchive as the app runs it; count = layers walked by K workers)',
  );
  console.log(
    rows(
      ['archive', 'harness query', 'time (best)', 'CPU (all chromium)', 'renderer Δ', 'entries / MB'],
      body,
    ),
  );
}

// ------------------------------------------------------------------ profile

async function profileExperiment(): Promise<void> {
  const out = join(CACHE_DIR, 'profiles');
  for (const kind of ['docker', 'oci-gzip', 'oci-zstd'] as const) {
    const file = archivePath(kind, 's100');
    if (!existsSync(file)) continue;
    const dir = join(out, `node-${kind}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r = await run(
      process.execPath,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '--cpu-prof-interval',
        '500',
        '--import',
        'tsx',
        join(ROOT, 'scripts/bench/oursNode.ts'),
        file,
      ],
      { cwd: ROOT },
    );
    const res = parseResult<{ ms: number; windowUs: [number, number] }>(r.stdout);
    // tsx runs its loader in a second thread, which writes its own profile: take the main thread's.
    const profs = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile)
      .filter((p) => p.nodes.some((n) => n.callFrame.functionName === 'walkTar'));
    if (!profs.length || !res) throw new Error(`no profile written for ${kind}: ${r.stderr}`);
    const title = `node ${kind}-s100, indexing only (${fmtMs(res.ms)} under the profiler)`;
    console.log(`\n${formatProfile(title, summarizeProfile(profs[0], 15, res.windowUs))}`);
  }
  const harness = await buildHarness();
  const server = await startServer({ '/harness/': harness });
  try {
    for (const kind of ['docker', 'oci-zstd'] as const) {
      const file = archivePath(kind, 's100');
      const dir = join(out, `browser-${kind}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const m = await measureInBrowser({ url: `${server.url}/harness/?keep=1`, file, profileDir: dir });
      for (const f of readdirSync(dir)) {
        const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
        console.log(
          `\n${formatProfile(`chromium worker ${kind}-s100 (index ${fmtMs(m.ms)} under the profiler)`, summarizeProfile(profile, 15))}`,
        );
      }
    }
  } finally {
    await server.close();
  }
  console.log(`\nprofiles written under ${out} (open them in Chrome DevTools › Performance, or speedscope)`);
}

// ------------------------------------------------------------------ main

const all: Record<string, (runs: number) => Promise<void>> = {
  install: async () => installCandidates(),
  window: windowExperiment,
  walk: walkExperiment,
  gzip: gzipExperiment,
  zstd: zstdExperiment,
  browser: browserExperiment,
  profile: profileExperiment,
};
if (names.length === 0) {
  console.error(`usage: experiments.ts <${Object.keys(all).join('|')}>… [--runs N] [--archive FILE]`);
  process.exit(2);
}
for (const name of names) {
  const f = all[name];
  if (!f) throw new Error(`unknown experiment ${name}`);
  const slow = name === 'gzip' || name === 'zstd' || name === 'browser';
  await f(runsArg ? Number(runsArg) : slow ? 1 : 3);
}
