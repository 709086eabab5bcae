/**
 * The secret scan beside its peer: `grep -rIE` with the same patterns over the image unpacked to
 * disk, every layer into a folder of its own (so files later layers delete are there too, as our
 * scan reads them). Unpacking is not timed. Ours is timed in Node, in this process: the scan alone
 * (the archive already indexed and its file system built, as in the worker once Indexed shows),
 * and from opening the file to the report. grep runs once untimed first (after `sync`), so that
 * both read warm files. CPU times (ours from process.cpuUsage, grep's from GNU time) are printed
 * beside the wall times: on a busy machine they are the figures to compare.
 *
 *   npx tsx scripts/bench/secrets.ts <archive> [--image <index>] [--runs N] [--keep]
 *
 * The last line of output is a BENCH_RESULT line of JSON (SecretsBenchResult) for scripts/bench.ts.
 *
 * grep's patterns are the scanner's rules written as POSIX EREs (no lookarounds, so the edges of
 * a token are not checked; case-insensitive words spelled out as [sS][eE]…); grep -I skips
 * binaries as we do, but does not skip files over 8 MiB, which we do (the count is printed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { buildImageFileSystem } from '../../src/core/fs';
import { ContentReader } from '../../src/core/image/content';
import type { ImageArchive } from '../../src/core/image/model';
import { openArchive } from '../../src/core/image/open';
import { runSecretScan, scanImageSecrets } from '../../src/core/secrets';
import { fmtMs, fmtRatio, loadAverage, median, printResult } from './common';

/** What the run reports to scripts/bench.ts (times in ms, medians). */
export interface SecretsBenchResult {
  archive: string;
  runs: number;
  /** 1-minute load averages just before our runs and just before grep's (both in the same run). */
  loadBeforeOurs: number;
  load: number;
  oursMs: number;
  oursCpuMs: number;
  oursWholeMs: number;
  grepMs: number;
  grepCpuMs: number | null;
  ratio: number;
  findings: number;
  grepMatchingLines: number;
  scanned: { files: number; bytes: number; skipped: number };
}

/** Each letter of a word as a bracket of both cases: grep -i would slow every other pattern too. */
const anyCase = (word: string) => word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);

const SECRET_WORDS = [
  'secret_?key',
  'secret',
  'token',
  'password',
  'passwd',
  'passphrase',
  'api_?key',
  'apikey',
  'access_?key',
  'private_?key',
  'auth_?key',
  'credentials?',
].map(anyCase);

/** The rules of src/core/secrets/rules.ts as EREs. */
export const GREP_PATTERNS = [
  '-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP|SSH2 ENCRYPTED) )?PRIVATE KEY( BLOCK)?-----',
  '(AKIA|ASIA)[A-Z0-9]{16}',
  `(${anyCase('aws_?secret_?access_?key')}|${anyCase('secret_?access_?key')})["']?[[:space:]]*(=|:|=>)[[:space:]]*["']?[A-Za-z0-9/+]{40}`,
  'gh[pousr]_[A-Za-z0-9]{36}',
  'github_pat_[A-Za-z0-9_]{82}',
  'gl(pat|dt|rt|ptt|oas|cbt|imt|ft|soat|agent)-[0-9A-Za-z_-]{20,200}',
  'xox[abposr]-[0-9]{5,}-[0-9A-Za-z-]{10,200}',
  'https://hooks\\.slack\\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}',
  '[sr]k_(live|test)_[0-9A-Za-z]{16,247}',
  'npm_[A-Za-z0-9]{36}',
  'pypi-AgE(IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}',
  'AIza[0-9A-Za-z_-]{35}',
  `(${SECRET_WORDS.join('|')})["']?[[:space:]]*(:=|=>|=|:)[[:space:]]*["']?[^[:space:]"'\`&]{12,256}`,
];

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Writes every layer's tar, decompressed, into `dir/layer-N` with GNU tar (not timed). */
async function unpack(archive: ImageArchive, imageIndex: number, dir: string): Promise<void> {
  const reader = new ContentReader(archive);
  for (const [n, layer] of archive.images[imageIndex].layers.entries()) {
    const target = join(dir, `layer-${n}`);
    mkdirSync(target, { recursive: true });
    const tar = spawn('tar', ['-x', '-C', target, '--no-same-owner', '--no-same-permissions', '-f', '-'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const done = new Promise<void>((resolve, reject) =>
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`)))),
    );
    const stream = reader.layerReader(layer.blob);
    for (;;) {
      const part = await stream.read(1 << 20);
      if (part.length === 0) break;
      if (!tar.stdin.write(part.slice())) await new Promise((r) => tar.stdin.once('drain', r));
    }
    tar.stdin.end();
    await done;
  }
  // Directories tar made read-only would stop grep and rm; files keep their bytes.
  spawnSync('chmod', ['-R', 'u+rwX', dir]);
}

/** grep's CPU time (user + system, ms) from GNU time's `-f %U %S` line on stderr, when there is one. */
function cpuOfTime(stderr: string): number | null {
  const m = /__GREP_CPU__ ([\d.]+) ([\d.]+)/.exec(stderr);
  return m ? (Number(m[1]) + Number(m[2])) * 1000 : null;
}

function grepOnce(dir: string): { ms: number; cpuMs: number | null; matches: number } {
  const args = ['-rIEn', ...GREP_PATTERNS.flatMap((p) => ['-e', p]), dir];
  const timed = existsSync('/usr/bin/time');
  const [command, argv] = timed
    ? ['/usr/bin/time', ['-f', '__GREP_CPU__ %U %S', 'grep', ...args]]
    : ['grep', args];
  const started = performance.now();
  const result = spawnSync(command, argv, { maxBuffer: 1 << 30, encoding: 'utf8' });
  const ms = performance.now() - started;
  // GNU time passes grep's status on: 0 matches, 1 none, 2 an error.
  if (result.status !== 0 && result.status !== 1) throw new Error(`grep failed: ${result.stderr}`);
  return { ms, cpuMs: cpuOfTime(result.stderr), matches: result.stdout.split('\n').filter(Boolean).length };
}

const path = process.argv[2];
if (!path || path.startsWith('--')) {
  console.error('usage: npx tsx scripts/bench/secrets.ts <archive> [--image <index>] [--runs N] [--keep]');
  process.exit(2);
}
const imageIndex = Number(option('--image', '0'));
const runs = Number(option('--runs', '3'));

const ours: number[] = [];
const oursCpu: number[] = [];
const oursWhole: number[] = [];
let findings = 0;
let scanned = { files: 0, bytes: 0, skipped: 0 };
let skippedLarge = 0;
let archive: ImageArchive | null = null;
const loadBeforeOurs = loadAverage();
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  const source = new NodeFileSource(path);
  archive = await openArchive(source);
  const fs = await buildImageFileSystem(archive, imageIndex);
  const scanStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  const report = await runSecretScan(scanImageSecrets(archive, imageIndex, fs));
  const ended = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  ours.push(ended - scanStarted);
  oursCpu.push((cpu.user + cpu.system) / 1000);
  oursWhole.push(ended - started);
  findings = report.findings.length + report.findingsDropped;
  scanned = report.scanned;
  skippedLarge = report.skippedLarge;
}

const dir = mkdtempSync(join(tmpdir(), 'ilx-secrets-bench-'));
try {
  await unpack(archive!, imageIndex, dir);
  const grep: number[] = [];
  const grepCpu: number[] = [];
  let matches = 0;
  // Written files reach the disk and grep's first read of them is not timed: our scan reads an
  // archive the open before it has just read too, so both read from the page cache.
  spawnSync('sync');
  grepOnce(dir);
  const load = loadAverage();
  for (let r = 0; r < runs; r++) {
    const once = grepOnce(dir);
    grep.push(once.ms);
    if (once.cpuMs !== null) grepCpu.push(once.cpuMs);
    matches = once.matches;
  }
  console.log(
    `secret scan of ${path}, image ${imageIndex}, medians of ${runs} (1-min load average ${loadBeforeOurs} before ours, ${load} before grep)`,
  );
  const grepCpuMs = grepCpu.length ? median(grepCpu) : null;
  console.log(
    `  ours, scan only       ${fmtMs(median(ours))}  CPU ${fmtMs(median(oursCpu))}  (${findings} findings; ${scanned.files} files, ${scanned.bytes} bytes scanned, ${scanned.skipped} skipped, ${skippedLarge} of them over 8 MiB)`,
  );
  console.log(`  ours, open to report  ${fmtMs(median(oursWhole))}`);
  console.log(
    `  grep -rIE             ${fmtMs(median(grep))}  CPU ${grepCpuMs === null ? '?' : fmtMs(grepCpuMs)}  (${matches} matching lines, ${GREP_PATTERNS.length} patterns)`,
  );
  const ratio = median(ours) / median(grep);
  console.log(
    `  ours/grep             ${fmtRatio(median(ours), median(grep))} (scan only; ${ratio < 1 ? 'faster than grep' : 'NOT faster than grep'})`,
  );
  if (grepCpuMs !== null)
    console.log(`  ours/grep CPU         ${fmtRatio(median(oursCpu), grepCpuMs)} (user + system)`);
  const result: SecretsBenchResult = {
    archive: path,
    runs,
    loadBeforeOurs,
    load,
    oursMs: median(ours),
    oursCpuMs: median(oursCpu),
    oursWholeMs: median(oursWhole),
    grepMs: median(grep),
    grepCpuMs,
    ratio,
    findings,
    grepMatchingLines: matches,
    scanned,
  };
  printResult(result);
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`  unpacked layers kept in ${dir}`);
}
