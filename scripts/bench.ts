/**
 * npm run bench -- [archive…] [options]
 *
 * For each archive, in the same run, medians of several runs of:
 *   ours/node     openArchive over a NodeFileSource in a child process (what `inspect` does);
 *                 the time to a full index, the child's wall time, peak RSS, heap kept by the index
 *   ours/browser  the built app (dist/) in headless Chromium, from handing the file to the input
 *                 labelled "Open image archive" until the status says "Indexed N entries";
 *                 renderer peak RSS, worker JS heap (CDP), main-thread long tasks > 50 ms,
 *                 time to the first layer row
 *   ours/harness  the same browser measurement on a page that runs only our core in a worker
 *                 (no UI), so the app's own cost can be told apart; also used until the app exists
 *   GNU tar       `tar -xOf archive <layer> | [gzip -dc | zstd -dc |] tar -tf -` for every layer
 *   tar-stream    the same listing in Node with the tar-stream package
 *   ours/cli      the whole command as users run it: the built CLI (dist-cli, `npm run build:cli`)
 *                 `inspect <archive> --json` from process start to exit, output to /dev/null
 *   start-up      the same command on a trivial archive (one small file, made by GNU tar), once per
 *                 bench run: what every command costs before it reads anything
 * and prints tables with times, ratios ours/peer, peak memory and entries indexed.
 *
 * Without archives it uses (and if needed generates, see scripts/make-big.ts) the benchmark set
 * under .cache/bench/. Options:
 *   --runs N              runs per measurement (default 3)
 *   --kinds a,b           generated kinds: docker, oci-gzip, oci-zstd, flat-dir (default all)
 *   --scales a,b          generated sizes: s100 (~1.5 GB), s50 (about half) (default both); s300 (~4.5 GB,
 *                         ~300k entries, docker and oci-gzip only)
 *   --skip a,b            skip measurements: gnu, tar-stream, node, cli, harness, app, reopen, floor,
 *                         browser (= harness+app+reopen+floor)
 *   --pool 1,2,4          also measure ours/node (ILX_POOL=n) and the browser app (?pool=n) with a pool
 *                         of n layer decoders, for every archive with compressed layers (0 = no pool);
 *                         without it, both run with their default pool (one worker per core, at most 8
 *                         in Node and 4 in the browser)
 *   --rebuild auto|always|never   build dist/ before measuring the app (default auto: when src/ is newer)
 *   --json FILE           also write every raw measurement as JSON (default .cache/bench/last-run.json)
 *   --markdown            print the summary table as Markdown too (for README)
 *   --report FILE         print the tables of a saved run (a --json file) without measuring
 *   --secrets             time the secret scan of every archive of the run beside `grep -rIE` with the
 *                         same patterns over its layers unpacked to disk (scripts/bench/secrets.ts);
 *                         without it, only of the benchmark image (docker-s100, issue 13), when in the
 *                         run; --no-secrets leaves the case out
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHarness, CHROMIUM, ensureAppBuild, measureInBrowser, startServer } from './bench/browser';
import {
  fmtMB,
  fmtMs,
  fmtRatio,
  type LayerRef,
  loadAverage,
  type Measurement,
  median,
  parseResult,
  RESULT_MARK,
  run,
} from './bench/common';
import type { ArchiveKind } from './bench/layers';
import type { OursNodeResult } from './bench/oursNode';
import type { SecretsBenchResult } from './bench/secrets';
import { walkerRanges } from './bench/walkerRanges';
import { type ArchiveMeta, CACHE_DIR, DEFAULT_SCALES, ensureArchives, KINDS, SCALES } from './make-big';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = ['--import', 'tsx'];

type Tool = 'gnu' | 'tar-stream' | 'node' | 'cli' | 'harness' | 'app' | 'reopen' | 'floor';
const TOOLS: Tool[] = ['gnu', 'tar-stream', 'node', 'cli', 'harness', 'app', 'reopen', 'floor'];
/** The built command line that `ours/cli` and the start-up case run. */
const CLI = join(ROOT, 'dist-cli/main.cjs');
const POOL_WORKER = join(ROOT, 'dist-cli/pool-worker.cjs');

interface Args {
  archives: string[];
  runs: number;
  kinds: ArchiveKind[];
  scales: string[];
  skip: Set<Tool>;
  rebuild: 'auto' | 'always' | 'never';
  json: string;
  markdown: boolean;
  /** Re-render the tables of a saved run instead of measuring. */
  report: string | null;
  /**
   * The secret-scan case (scripts/bench/secrets.ts): on the benchmark image only (`auto`, the
   * default), on every archive (`--secrets`), or not at all (`--no-secrets`).
   */
  secrets: 'auto' | 'all' | 'none';
  /** Pool sizes to measure ours/node and the app with (`--pool`); empty: only the default pool. */
  pools: number[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    archives: [],
    runs: 3,
    kinds: KINDS,
    scales: DEFAULT_SCALES,
    skip: new Set(),
    rebuild: 'auto',
    json: join(CACHE_DIR, 'last-run.json'),
    markdown: false,
    report: null,
    secrets: 'auto',
    pools: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--runs') a.runs = Math.max(1, Number.parseInt(value(), 10));
    else if (arg === '--kinds') a.kinds = value().split(',') as ArchiveKind[];
    else if (arg === '--scales') a.scales = value().split(',');
    else if (arg === '--skip') {
      for (const s of value().split(',')) {
        if (s === 'browser') {
          a.skip.add('harness');
          a.skip.add('app');
          a.skip.add('reopen');
          a.skip.add('floor');
        } else if ((TOOLS as string[]).includes(s)) a.skip.add(s as Tool);
        else throw new Error(`--skip: unknown measurement ${s} (${TOOLS.join(', ')}, browser)`);
      }
    } else if (arg === '--rebuild') a.rebuild = value() as Args['rebuild'];
    else if (arg === '--json') a.json = resolve(value());
    else if (arg === '--markdown') a.markdown = true;
    else if (arg === '--secrets') a.secrets = 'all';
    else if (arg === '--no-secrets') a.secrets = 'none';
    else if (arg === '--pool') {
      a.pools = value()
        .split(',')
        .map((v) => Number(v));
      if (a.pools.some((n) => !Number.isInteger(n) || n < 0))
        throw new Error('--pool: sizes are whole numbers, 0 or more');
    } else if (arg === '--report') a.report = resolve(value());
    else if (arg === '--help' || arg === '-h') {
      const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
      process.stdout.write(
        `${src.slice(src.indexOf('/**') + 3, src.indexOf('*/')).replace(/^ \* ?/gm, '')}\n`,
      );
      process.exit(0);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else a.archives.push(resolve(arg));
  }
  for (const k of a.kinds) if (!KINDS.includes(k)) throw new Error(`unknown kind ${k}`);
  for (const s of a.scales) if (!(s in SCALES)) throw new Error(`unknown scale ${s}`);
  return a;
}

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

// ---------------------------------------------------------------- the measured tools

async function oursNode(
  archive: string,
  pool?: number,
): Promise<Measurement & { layers: LayerRef[]; format: string; errors: string[] }> {
  const r = await run(
    process.execPath,
    ['--expose-gc', ...TSX, join(ROOT, 'scripts/bench/oursNode.ts'), archive],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(pool === undefined ? {} : { ILX_POOL: String(pool) }),
        // the pool's workers as shipped (built at the start of the run), not compiled by tsx as they start
        ...(existsSync(POOL_WORKER) ? { ILX_POOL_WORKER: POOL_WORKER } : {}),
      },
    },
  );
  const res = parseResult<OursNodeResult>(r.stdout);
  if (!res) throw new Error(`ours/node failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return {
    ms: res.ms,
    entries: res.entries,
    peakRss: res.maxRss,
    extra: {
      processMs: r.wallMs,
      heapAfterGc: res.heapAfterGc,
      cpuMs: res.cpuMs,
      poolSize: res.pool.size,
      poolIndexed: res.pool.indexed,
    },
    layers: res.layers,
    format: res.format,
    errors: res.errors,
    error: res.errors.length ? res.errors.join('; ') : undefined,
  };
}

/**
 * The whole command as a user runs it: `node dist-cli/main.cjs inspect <archive> --json`, from the
 * process's start to its exit (the JSON goes to /dev/null, so the pipe costs nothing).
 */
async function oursCli(archive: string): Promise<Measurement> {
  const r = await run('bash', [
    '-c',
    `${shellQuote(process.execPath)} ${shellQuote(CLI)} inspect ${shellQuote(archive)} --json > /dev/null`,
  ]);
  return {
    ms: r.wallMs,
    entries: Number.NaN,
    peakRss: r.maxRss,
    extra: { cpuMs: r.cpuMs },
    ...(r.code === 0 ? {} : { error: `exit ${r.code}: ${r.stderr.slice(-500)}` }),
  };
}

/** A trivial archive (one small file, written by GNU tar) for the start-up case. */
function trivialArchive(): string {
  const dir = join(CACHE_DIR, 'tmp', 'startup');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  const file = join(dir, 'trivial.tar');
  execFileSync('tar', ['-cf', file, '-C', dir, 'hello.txt']);
  return file;
}

/** The built CLI, rebuilt for this run: ours/cli measures what `npm pack` would ship. */
function buildCli(): string | null {
  const r = spawnSync(process.execPath, [...TSX, join(ROOT, 'scripts/build-cli.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return r.status === 0 && existsSync(CLI)
    ? null
    : `npm run build:cli failed: ${(r.stderr ?? '').slice(-500)}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function gnuTar(archive: string, layers: LayerRef[]): Promise<Measurement> {
  const lines = layers.map((l) => {
    const decomp = l.compression === 'gzip' ? ' | gzip -dc' : l.compression === 'zstd' ? ' | zstd -dc' : '';
    return `tar -xOf ${shellQuote(archive)} ${shellQuote(l.member)}${decomp} | tar -tf - | wc -l`;
  });
  const r = await run('bash', ['-c', `set -o pipefail\n${lines.join('\n')}`]);
  if (r.code !== 0)
    return { ms: Number.NaN, entries: Number.NaN, peakRss: r.maxRss, extra: {}, error: r.stderr.slice(-500) };
  const entries = r.stdout
    .split('\n')
    .filter((l) => /^\s*\d+\s*$/.test(l))
    .reduce((n, l) => n + Number(l), 0);
  return { ms: r.wallMs, entries, peakRss: r.maxRss, extra: { cpuMs: r.cpuMs } };
}

async function tarStream(archive: string, layers: LayerRef[]): Promise<Measurement> {
  const r = await run(
    process.execPath,
    [...TSX, join(ROOT, 'scripts/bench/peerTarStream.ts'), archive, JSON.stringify(layers)],
    { cwd: ROOT },
  );
  const res = parseResult<{ ms: number; cpuMs: number; entries: number; maxRss: number }>(r.stdout);
  if (!res)
    return { ms: Number.NaN, entries: Number.NaN, peakRss: null, extra: {}, error: r.stderr.slice(-500) };
  return {
    ms: res.ms,
    entries: res.entries,
    peakRss: res.maxRss,
    extra: { processMs: r.wallMs, cpuMs: res.cpuMs },
  };
}

// ---------------------------------------------------------------- summary

interface ArchiveResult {
  file: string;
  label: string;
  sizeBytes: number;
  expectedEntries: number | null;
  compression: string;
  layers: number;
  runs: Partial<Record<Tool, Measurement[]>>;
  /** `--pool`: runs keyed `node:<n>` and `app:<n>`. */
  poolRuns?: Record<string, Measurement[]>;
}

interface Summary {
  ms: number;
  entries: number;
  peakRss: number;
  extra: Record<string, number>;
  errors: string[];
}

function summarize(all: Measurement[] | undefined): Summary | null {
  if (!all?.length) return null;
  // Failed runs count in the error list only; figures come from the runs that finished.
  const finished = all.filter((m) => !m.error);
  const ms = finished.length ? finished : all;
  const extraKeys = new Set(ms.flatMap((m) => Object.keys(m.extra)));
  const extra: Record<string, number> = {};
  for (const k of extraKeys) {
    const values = ms.map((m) => m.extra[k]).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) continue;
    // Worst case for counts of bad events and for memory; median for times.
    extra[k] = /longTasks|longest|Rss|Heap|Rows/i.test(k) ? Math.max(...values) : median(values);
  }
  const rss = ms.map((m) => m.peakRss).filter((v): v is number => typeof v === 'number');
  return {
    ms: median(ms.map((m) => m.ms)),
    entries: median(ms.map((m) => m.entries)),
    peakRss: rss.length ? Math.max(...rss) : Number.NaN,
    extra,
    errors: [...new Set(all.map((m) => m.error).filter((e): e is string => Boolean(e)))],
  };
}

function table(headers: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
    return [line(headers), line(headers.map((_h, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join(
      '\n',
    );
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const FLOOR_METHODS = ['async', 'sync', 'inflight'] as const;

/** The read floor of one run: the walker's ranges read by each method in turn; the fastest counts. */
async function readFloor(harnessUrl: string, file: string, ranges: [number, number][]): Promise<Measurement> {
  let best: Measurement | null = null;
  for (const [index, method] of FLOOR_METHODS.entries()) {
    const m = await measureInBrowser({
      url: `${harnessUrl}?mode=ranges&method=${method}`,
      file,
      beforeOpen: (page) =>
        page.evaluate((r) => {
          (window as unknown as { __benchRanges: [number, number][] }).__benchRanges = r;
        }, ranges),
    });
    m.extra.method = index;
    if (!m.error && (!best || m.ms < best.ms)) best = m;
  }
  return (
    best ?? {
      ms: Number.NaN,
      entries: Number.NaN,
      peakRss: null,
      extra: {},
      error: 'every read method failed',
    }
  );
}

function report(
  results: ArchiveResult[],
  markdown: boolean,
  appSkip: string | null,
  startupRuns: Measurement[] | null = null,
): string {
  const out: string[] = [];
  const s = results.map((r) => ({
    r,
    gnu: summarize(r.runs.gnu),
    ts: summarize(r.runs['tar-stream']),
    node: summarize(r.runs.node),
    cli: summarize(r.runs.cli),
    harness: summarize(r.runs.harness),
    app: summarize(r.runs.app),
    reopen: summarize(r.runs.reopen),
    floor: summarize(r.runs.floor),
  }));
  const entriesCell = (x: (typeof s)[number]): string => {
    const counts = [x.node, x.gnu, x.ts, x.harness, x.app, x.reopen]
      .filter((v): v is Summary => v !== null)
      .map((v) => v.entries);
    const expected = x.r.expectedEntries ?? counts[0];
    const ok = counts.every((c) => c === expected);
    return `${expected ?? '–'}${ok ? '' : ` (MISMATCH: ${counts.join('/')})`}`;
  };
  out.push('Times (median of runs; ratios are ours / peer, lower is better)');
  out.push(
    table(
      [
        'archive',
        'size',
        'entries',
        'GNU tar',
        'tar-stream',
        'ours Node',
        'Node process',
        'Node/GNU',
        'Node/t-s',
        'browser app',
        'app/GNU',
        'app/t-s',
        'core harness',
        'harness/GNU',
      ],
      s.map((x) => [
        x.r.label,
        fmtMB(x.r.sizeBytes),
        entriesCell(x),
        fmtMs(x.gnu?.ms),
        fmtMs(x.ts?.ms),
        fmtMs(x.node?.ms),
        fmtMs(x.node?.extra.processMs),
        fmtRatio(x.node?.ms, x.gnu?.ms),
        fmtRatio(x.node?.ms, x.ts?.ms),
        fmtMs(x.app?.ms),
        fmtRatio(x.app?.ms, x.gnu?.ms),
        fmtRatio(x.app?.ms, x.ts?.ms),
        fmtMs(x.harness?.ms),
        fmtRatio(x.harness?.ms, x.gnu?.ms),
      ]),
      markdown,
    ),
  );
  out.push('');
  out.push(
    'CPU time (user + system of every process involved, median of runs): robust to other load on the machine',
  );
  out.push(
    table(
      [
        'archive',
        'GNU tar',
        'tar-stream',
        'ours Node',
        'Node/GNU',
        'Node/t-s',
        'browser app',
        'app/GNU',
        'core harness',
        'harness/GNU',
      ],
      s.map((x) => [
        x.r.label,
        fmtMs(x.gnu?.extra.cpuMs),
        fmtMs(x.ts?.extra.cpuMs),
        fmtMs(x.node?.extra.cpuMs),
        fmtRatio(x.node?.extra.cpuMs, x.gnu?.extra.cpuMs),
        fmtRatio(x.node?.extra.cpuMs, x.ts?.extra.cpuMs),
        fmtMs(x.app?.extra.cpuMs),
        fmtRatio(x.app?.extra.cpuMs, x.gnu?.extra.cpuMs),
        fmtMs(x.harness?.extra.cpuMs),
        fmtRatio(x.harness?.extra.cpuMs, x.gnu?.extra.cpuMs),
      ]),
      markdown,
    ),
  );
  const loads = results.flatMap((r) =>
    Object.values(r.runs).flatMap((ms) => (ms ?? []).map((m) => m.extra.loadBefore)),
  );
  const finite = loads
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (finite.length) {
    const busy = finite[finite.length - 1] > 1.5;
    out.push(
      `load average (1 min) before each measurement: min ${finite[0].toFixed(2)}, median ${median(finite).toFixed(2)}, max ${finite[finite.length - 1].toFixed(2)}${busy ? ' (the machine was busy with other work: wall times are unreliable, compare CPU times)' : ''}`,
    );
  }
  out.push('');
  out.push(
    'Memory (peak of runs): RSS of the process (GNU tar: its largest process), browser: renderer process',
  );
  const delta = (b: Summary | null): number | null =>
    b?.peakRss && b.extra.baselineRss ? b.peakRss - b.extra.baselineRss : null;
  out.push(
    table(
      [
        'archive',
        'GNU tar',
        'tar-stream',
        'ours Node',
        'Node index heap',
        'app renderer',
        'app Δ',
        'app worker heap',
        'harness renderer',
        'harness Δ',
        'harness worker heap',
      ],
      s.map((x) => [
        x.r.label,
        fmtMB(x.gnu?.peakRss),
        fmtMB(x.ts?.peakRss),
        fmtMB(x.node?.peakRss),
        fmtMB(x.node?.extra.heapAfterGc),
        fmtMB(x.app?.peakRss),
        fmtMB(delta(x.app)),
        fmtMB(x.app?.extra.workerHeapPeak),
        fmtMB(x.harness?.peakRss),
        fmtMB(delta(x.harness)),
        fmtMB(x.harness?.extra.workerHeapPeak),
      ]),
      markdown,
    ),
  );
  if (s.some((x) => x.app)) {
    out.push('');
    out.push('Responsiveness of the app (worst of runs; long tasks = main-thread tasks > 50 ms)');
    const cnt = (n: number | undefined, longest: number | undefined): string =>
      n === undefined ? '–' : n === 0 ? '0' : `${n} (longest ${fmtMs(longest)})`;
    out.push(
      table(
        [
          'archive',
          'first layer row',
          'Indexed',
          'first file row',
          'long tasks to Indexed',
          'long tasks to file row',
          'tree rows in DOM',
        ],
        s
          .filter((x) => x.app)
          .map((x) => {
            const a = x.app as Summary;
            return [
              x.r.label,
              fmtMs(a.extra.firstLayerMs),
              fmtMs(a.ms),
              fmtMs(a.extra.firstTreeRowMs),
              cnt(a.extra.longTasks, a.extra.longestTaskMs),
              cnt(a.extra.longTasksToTree, a.extra.longestTaskToTreeMs),
              a.extra.treeRows !== undefined ? String(a.extra.treeRows) : '–',
            ];
          }),
        markdown,
      ),
    );
  }
  if (s.some((x) => x.floor)) {
    out.push('');
    out.push(
      'The read floor: Chromium reading exactly the byte ranges our walker reads (its fastest of awaited slices, FileReaderSync and 4 slices in flight), in a worker, same run',
    );
    out.push(
      table(
        [
          'archive',
          'ranges',
          'read floor',
          'fastest method',
          'browser app',
          'app/floor',
          'GNU tar',
          'app/GNU',
        ],
        s
          .filter((x) => x.floor)
          .map((x) => {
            const f = x.floor as Summary;
            return [
              x.r.label,
              String(f.entries),
              fmtMs(f.ms),
              FLOOR_METHODS[f.extra.method ?? -1] ?? '–',
              fmtMs(x.app?.ms),
              fmtRatio(x.app?.ms, f.ms),
              fmtMs(x.gnu?.ms),
              fmtRatio(x.app?.ms, x.gnu?.ms),
            ];
          }),
        markdown,
      ),
    );
  }
  const startup = summarize(startupRuns ?? undefined);
  if (s.some((x) => x.cli) || startup) {
    out.push('');
    out.push(
      'The command line as users run it: the built CLI (dist-cli) `inspect <archive> --json`, whole process from start to exit (median of runs)',
    );
    out.push(
      table(
        ['archive', 'GNU tar', 'CLI process', 'CLI/GNU', 'CLI CPU', 'CLI peak RSS', 'ours Node (in process)'],
        s
          .filter((x) => x.cli)
          .map((x) => [
            x.r.label,
            fmtMs(x.gnu?.ms),
            fmtMs(x.cli?.ms),
            fmtRatio(x.cli?.ms, x.gnu?.ms),
            fmtMs(x.cli?.extra.cpuMs),
            fmtMB(x.cli?.peakRss),
            fmtMs(x.node?.ms),
          ]),
        markdown,
      ),
    );
    if (startup)
      out.push(
        `start-up: \`inspect <trivial archive> --json\` (one file, made by GNU tar): ${fmtMs(startup.ms)} median of ${startupRuns?.length} runs, peak RSS ${fmtMB(startup.peakRss)}`,
      );
  }
  const pooled = s.filter((x) => x.r.poolRuns && Object.keys(x.r.poolRuns).length > 0);
  if (pooled.length) {
    const sizes = [
      ...new Set(pooled.flatMap((x) => Object.keys(x.r.poolRuns ?? {}).map((k) => Number(k.split(':')[1])))),
    ].sort((a, b) => a - b);
    out.push('');
    out.push(
      'Pool of layer decoders: compressed layers decoded by n workers (ours/node: ILX_POOL=n; browser app: ?pool=n), time to a full index, ratio to GNU tar (`tar -xOf | gzip -dc | tar -t`, or zstd -dc)',
    );
    out.push(
      table(
        [
          'archive',
          'GNU tar',
          ...sizes.flatMap((n) => [`Node p${n}`, `Node p${n}/GNU`]),
          ...sizes.flatMap((n) => [`app p${n}`, `app p${n}/GNU`]),
        ],
        pooled.map((x) => {
          const at = (tool: string, n: number): Summary | null => summarize(x.r.poolRuns?.[`${tool}:${n}`]);
          return [
            x.r.label,
            fmtMs(x.gnu?.ms),
            ...sizes.flatMap((n) => [fmtMs(at('node', n)?.ms), fmtRatio(at('node', n)?.ms, x.gnu?.ms)]),
            ...sizes.flatMap((n) => [fmtMs(at('app', n)?.ms), fmtRatio(at('app', n)?.ms, x.gnu?.ms)]),
          ];
        }),
        markdown,
      ),
    );
    out.push(
      table(
        ['archive (CPU time)', ...sizes.map((n) => `Node p${n} CPU`), ...sizes.map((n) => `app p${n} CPU`)],
        pooled.map((x) => {
          const at = (tool: string, n: number): Summary | null => summarize(x.r.poolRuns?.[`${tool}:${n}`]);
          return [
            x.r.label,
            ...sizes.map((n) => fmtMs(at('node', n)?.extra.cpuMs)),
            ...sizes.map((n) => fmtMs(at('app', n)?.extra.cpuMs)),
          ];
        }),
        markdown,
      ),
    );
  }
  const problems = s.flatMap((x) =>
    (['gnu', 'ts', 'node', 'cli', 'harness', 'app'] as const).flatMap((k) =>
      (x[k]?.errors ?? []).map((e) => `${x.r.label} ${k}: ${e}`),
    ),
  );
  if (problems.length) out.push('', 'Errors:', ...problems.map((p) => `  ${p}`));
  if (appSkip) out.push('', `browser app: skipped: ${appSkip}`);
  out.push('', 'Goals (issues 6 and 14):');
  const goal = (
    text: string,
    value: number | null | undefined,
    limit: number,
    fmt: (v: number) => string,
  ): void => {
    if (value === null || value === undefined || !Number.isFinite(value))
      out.push(`  -    ${text}: not measured`);
    else out.push(`  ${value <= limit ? 'met ' : 'MISS'} ${text}: ${fmt(value)} (goal ≤ ${fmt(limit)})`);
  };
  const x2 = (v: number): string => `${v.toFixed(2)}×`;
  goal('command line start-up (inspect of a trivial archive, whole process)', startup?.ms, 150, (v) =>
    fmtMs(v),
  );
  for (const x of s) {
    const browser = x.app ?? x.harness;
    const which = x.app ? 'app' : 'core harness';
    // issue 14: with the pool, zstd within `zstd -dc | tar -t` and gzip at 0.8× GNU tar
    const limit = x.r.compression === 'zstd' ? 1.0 : x.r.compression === 'gzip' ? 0.8 : 1.0;
    goal(
      `${x.r.label}: browser (${which}) / GNU tar`,
      browser && x.gnu ? browser.ms / x.gnu.ms : null,
      limit,
      x2,
    );
    if (x.r.compression === 'none')
      goal(`${x.r.label}: Node / GNU tar`, x.node && x.gnu ? x.node.ms / x.gnu.ms : null, 0.5, x2);
    if (x.cli && x.r.compression === 'none')
      goal(`${x.r.label}: CLI whole process / GNU tar`, x.gnu ? x.cli.ms / x.gnu.ms : null, 0.5, x2);
    goal(
      `${x.r.label}: worker memory (${which}, renderer peak − baseline)`,
      browser?.extra.baselineRss ? browser.peakRss - browser.extra.baselineRss : null,
      300e6,
      (v) => fmtMB(v),
    );
    if (x.app) goal(`${x.r.label}: main-thread tasks > 50 ms`, x.app.extra.longTasks, 0, (v) => String(v));
    if (x.app) goal(`${x.r.label}: first layer shown`, x.app.extra.firstLayerMs, 300, (v) => fmtMs(v));
    if (x.floor && x.app && x.r.compression === 'none')
      goal(`${x.r.label}: browser app / read floor`, x.app.ms / x.floor.ms, 1.1, x2);
    if (x.reopen)
      goal(
        `${x.r.label}: re-open with the saved index (${fmtMs(x.reopen.ms)}) / GNU tar`,
        x.gnu ? x.reopen.ms / x.gnu.ms : null,
        0.1,
        x2,
      );
  }
  for (const x of s) {
    if (x.app?.extra.treeRows !== undefined) {
      goal(
        `${x.r.label}: tree rows in the DOM with the big directory open`,
        x.app.extra.treeRows,
        199,
        String,
      );
    }
  }
  // How cost grows: each kind at both sizes, and same entry count at very different byte counts.
  const growth: string[][] = [];
  const byLabel = new Map(s.map((x) => [x.r.label, x]));
  for (const [from, to] of [
    ['s50', 's100'],
    ['s100', 's300'],
  ])
    for (const x of s) {
      const m = new RegExp(`^(.*)-${to}$`).exec(x.r.label);
      const half = m ? byLabel.get(`${m[1]}-${from}`) : undefined;
      if (!m || !half) continue;
      const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
        a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '–';
      const browserFull = x.app ?? x.harness;
      const browserHalf = half.app ?? half.harness;
      growth.push([
        `${m[1]} ${from}→${to}`,
        ratio(x.r.sizeBytes, half.r.sizeBytes),
        ratio(x.r.expectedEntries ?? x.node?.entries, half.r.expectedEntries ?? half.node?.entries),
        ratio(x.gnu?.ms, half.gnu?.ms),
        ratio(x.node?.ms, half.node?.ms),
        ratio(browserFull?.ms, browserHalf?.ms),
        ratio(x.node?.extra.heapAfterGc, half.node?.extra.heapAfterGc),
        ratio(x.node?.peakRss, half.node?.peakRss),
        ratio(delta(browserFull), delta(browserHalf)),
      ]);
    }
  if (growth.length) {
    out.push('', 'Growth with size (ratios larger / smaller)');
    out.push(
      table(
        [
          'kind',
          'bytes',
          'entries',
          'GNU time',
          'Node time',
          'browser time',
          'Node index heap',
          'Node RSS',
          'browser Δ',
        ],
        growth,
        markdown,
      ),
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.report) {
    const saved = JSON.parse(readFileSync(args.report, 'utf8')) as {
      results: ArchiveResult[];
      appSkip?: string | null;
      startup?: Measurement[] | null;
    };
    process.stdout.write(
      `${report(saved.results, args.markdown, saved.appSkip ?? null, saved.startup ?? null)}\n`,
    );
    return;
  }
  let targets: { file: string; meta: ArchiveMeta | null }[];
  if (args.archives.length) {
    targets = args.archives.map((file) => {
      if (!existsSync(file)) throw new Error(`no such archive: ${file}`);
      const metaFile = `${file}.meta.json`;
      return {
        file,
        meta: existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as ArchiveMeta) : null,
      };
    });
  } else {
    targets = (await ensureArchives(args.kinds, args.scales)).map((meta) => ({ file: meta.file, meta }));
  }

  // Browser set-up: the harness is always there; the app only once it has been written.
  let server: { url: string; close: () => Promise<void> } | null = null;
  let appSkip: string | null = null;
  let harnessUrl: string | null = null;
  let appUrl: string | null = null;
  if (!args.skip.has('harness') || !args.skip.has('app')) {
    if (!CHROMIUM) {
      appSkip = 'no Chromium at /usr/bin/chromium (apt-get install chromium)';
      args.skip.add('harness');
      args.skip.add('app');
    } else {
      const mounts: Record<string, string> = {};
      if (!args.skip.has('harness')) mounts['/harness/'] = await buildHarness();
      if (!args.skip.has('app')) {
        const app = ensureAppBuild(args.rebuild);
        if ('skip' in app) {
          appSkip = app.skip;
          args.skip.add('app');
        } else mounts['/'] = app.dist;
      }
      if (Object.keys(mounts).length) {
        server = await startServer(mounts);
        if (mounts['/harness/']) harnessUrl = `${server.url}/harness/`;
        if (mounts['/']) appUrl = `${server.url}/`;
      }
    }
  } else appSkip = 'skipped by --skip';
  if (appSkip) log(`bench: browser app: ${appSkip}`);

  // The built command line: the whole-process figure and the start-up case.
  let startup: Measurement[] | null = null;
  if (!args.skip.has('cli')) {
    const failed = buildCli();
    if (failed) {
      log(`bench: ours/cli: ${failed}`);
      args.skip.add('cli');
    } else {
      const trivial = trivialArchive();
      startup = [];
      await oursCli(trivial); // the first start loads the bundle from disk
      for (let i = 0; i < Math.max(5, args.runs); i++) startup.push(await oursCli(trivial));
      log(`bench: start-up (inspect of a trivial archive): ${startup.map((m) => fmtMs(m.ms)).join(', ')}`);
    }
  }

  const results: ArchiveResult[] = [];
  try {
    for (const { file, meta } of targets) {
      const label = meta ? `${meta.kind}-${meta.scale}` : basename(file);
      log(`bench: ${label}: warm-up and layer discovery…`);
      const first = await oursNode(file); // also warms the page cache for every tool
      if (first.errors.length) log(`bench: ${label}: our reader reported: ${first.errors.join('; ')}`);
      const layers = first.layers.filter((l) => l.member !== '');
      const compression = [...new Set(layers.map((l) => l.compression))].join('+') || 'none';
      const result: ArchiveResult = {
        file,
        label,
        sizeBytes: meta?.sizeBytes ?? 0,
        expectedEntries: meta?.totalEntries ?? null,
        compression,
        layers: layers.length,
        runs: {},
      };
      if (!meta) result.sizeBytes = statSync(file).size;
      results.push(result);
      const ranges = harnessUrl && !args.skip.has('floor') ? await walkerRanges(file) : null;
      for (let i = 0; i < args.runs; i++) {
        const measure = async (tool: Tool, f: () => Promise<Measurement>): Promise<void> => {
          if (args.skip.has(tool)) return;
          let m: Measurement;
          const load = loadAverage();
          try {
            m = await f();
          } catch (error) {
            m = {
              ms: Number.NaN,
              entries: Number.NaN,
              peakRss: null,
              extra: {},
              error: error instanceof Error ? error.message : String(error),
            };
          }
          m.extra.loadBefore = load;
          const list = result.runs[tool] ?? [];
          list.push(m);
          result.runs[tool] = list;
          log(
            `bench: ${label} run ${i + 1}/${args.runs} ${tool.padEnd(10)} ${fmtMs(m.ms).padStart(8)}  ${m.entries} entries  ${fmtMB(m.peakRss)}${m.error ? `  ERROR ${m.error.slice(0, 300)}` : ''}`,
          );
        };
        await measure('gnu', () => gnuTar(file, layers));
        await measure('tar-stream', () => tarStream(file, layers));
        await measure('node', () => oursNode(file));
        await measure('cli', () => oursCli(file));
        const hUrl = harnessUrl;
        const aUrl = appUrl;
        if (hUrl) await measure('harness', () => measureInBrowser({ url: hUrl, file }));
        if (aUrl)
          await measure('app', () =>
            measureInBrowser({ url: aUrl, file, waitTree: true, countRows: meta?.kind === 'flat-dir' }),
          );
        if (hUrl && ranges) await measure('floor', () => readFloor(hUrl, file, ranges));
        // The same file opened again after a reload, as users do: the index saved on the first open
        // is restored instead of reading the archive (contents are still read from the file).
        if (aUrl) await measure('reopen', () => measureInBrowser({ url: aUrl, file, reopen: true }));
        // The pool sizes asked for, where there is something to decode.
        if (compression !== 'none')
          for (const n of args.pools) {
            const poolRuns = result.poolRuns ?? {};
            result.poolRuns = poolRuns;
            const add = async (key: string, f: () => Promise<Measurement>): Promise<void> => {
              let m: Measurement;
              try {
                m = await f();
              } catch (error) {
                m = { ms: Number.NaN, entries: Number.NaN, peakRss: null, extra: {}, error: String(error) };
              }
              poolRuns[key] = [...(poolRuns[key] ?? []), m];
              log(
                `bench: ${label} run ${i + 1}/${args.runs} ${key.padEnd(10)} ${fmtMs(m.ms).padStart(8)}  ${m.entries} entries${m.error ? `  ERROR ${m.error.slice(0, 300)}` : ''}`,
              );
            };
            if (!args.skip.has('node')) await add(`node:${n}`, () => oursNode(file, n));
            if (aUrl) await add(`app:${n}`, () => measureInBrowser({ url: `${aUrl}?pool=${n}`, file }));
          }
      }
    }
  } finally {
    await server?.close();
  }

  const text = report(results, false, appSkip, startup);
  process.stdout.write(`\n${text}\n`);
  if (args.markdown) process.stdout.write(`\n${report(results, true, appSkip, startup)}\n`);
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(
    args.json,
    `${JSON.stringify({ date: new Date().toISOString(), runs: args.runs, node: process.version, chromium: CHROMIUM, appSkip, startup, results }, null, 2)}\n`,
  );
  log(`bench: raw measurements in ${args.json}`);
  const secretTargets = targets.filter(
    ({ meta }) =>
      args.secrets === 'all' || (args.secrets === 'auto' && meta?.kind === 'docker' && meta.scale === 's100'),
  );
  const secretResults: SecretsBenchResult[] = [];
  for (const { file } of secretTargets) {
    log(`bench: secret scan of ${basename(file)} beside grep -rIE (unpacking its layers for grep first)`);
    const r = await run(
      process.execPath,
      [...TSX, join(ROOT, 'scripts/bench/secrets.ts'), file, '--runs', String(args.runs)],
      { cwd: ROOT },
    );
    const result = parseResult<SecretsBenchResult>(r.stdout);
    if (result) secretResults.push(result);
    const text = r.stdout
      .split('\n')
      .filter((line) => !line.startsWith(RESULT_MARK))
      .join('\n')
      .trim();
    process.stdout.write(
      `\n${text}\n${r.code === 0 ? '' : `secrets case failed (exit ${r.code}): ${r.stderr.slice(-2000)}\n`}`,
    );
  }
  if (secretResults.length) {
    const saved = JSON.parse(readFileSync(args.json, 'utf8')) as Record<string, unknown>;
    writeFileSync(args.json, `${JSON.stringify({ ...saved, secrets: secretResults }, null, 2)}\n`);
  }
}

main().catch((error: unknown) => {
  log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
