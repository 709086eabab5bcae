/**
 * The secret scan beside its peer: `grep -rIE` with the same patterns over the image unpacked to
 * disk, every layer into a folder of its own (so files later layers delete are there too, as our
 * scan reads them). Unpacking is not timed. Ours is timed in Node, in this process: the scan alone
 * (the archive already indexed and its file system built, as in the worker once Indexed shows),
 * and from opening the file to the report.
 *
 *   npx tsx scripts/bench/secrets.ts <archive> [--image <index>] [--runs N] [--keep]
 *
 * grep's patterns are the scanner's rules written as POSIX EREs (no lookarounds, so the edges of
 * a token are not checked; case-insensitive words spelled out as [sS][eE]…); grep -I skips
 * binaries as we do, but does not skip files over 8 MiB, which we do (the count is printed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { buildImageFileSystem } from '../../src/core/fs';
import { ContentReader } from '../../src/core/image/content';
import type { ImageArchive } from '../../src/core/image/model';
import { openArchive } from '../../src/core/image/open';
import { runSecretScan, scanImageSecrets } from '../../src/core/secrets';
import { fmtMs, fmtRatio, loadAverage, median } from './common';

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

function grepOnce(dir: string): { ms: number; matches: number } {
  const args = ['-rIEn', ...GREP_PATTERNS.flatMap((p) => ['-e', p]), dir];
  const started = performance.now();
  const result = spawnSync('grep', args, { maxBuffer: 1 << 30, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) throw new Error(`grep failed: ${result.stderr}`);
  return { ms, matches: result.stdout.split('\n').filter(Boolean).length };
}

const path = process.argv[2];
if (!path || path.startsWith('--')) {
  console.error('usage: npx tsx scripts/bench/secrets.ts <archive> [--image <index>] [--runs N] [--keep]');
  process.exit(2);
}
const imageIndex = Number(option('--image', '0'));
const runs = Number(option('--runs', '3'));

const ours: number[] = [];
const oursWhole: number[] = [];
let findings = 0;
let scanned = { files: 0, bytes: 0, skipped: 0 };
let skippedLarge = 0;
let archive: ImageArchive | null = null;
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  const source = new NodeFileSource(path);
  archive = await openArchive(source);
  const fs = await buildImageFileSystem(archive, imageIndex);
  const scanStarted = performance.now();
  const report = await runSecretScan(scanImageSecrets(archive, imageIndex, fs));
  const ended = performance.now();
  ours.push(ended - scanStarted);
  oursWhole.push(ended - started);
  findings = report.findings.length + report.findingsDropped;
  scanned = report.scanned;
  skippedLarge = report.skippedLarge;
}

const dir = mkdtempSync(join(tmpdir(), 'ilx-secrets-bench-'));
try {
  await unpack(archive!, imageIndex, dir);
  const grep: number[] = [];
  let matches = 0;
  for (let r = 0; r < runs; r++) {
    const once = grepOnce(dir);
    grep.push(once.ms);
    matches = once.matches;
  }
  const load = loadAverage();
  console.log(`secret scan of ${path}, image ${imageIndex}, medians of ${runs} (load average ${load})`);
  console.log(
    `  ours, scan only       ${fmtMs(median(ours))}  (${findings} findings; ${scanned.files} files, ${scanned.bytes} bytes scanned, ${scanned.skipped} skipped, ${skippedLarge} of them over 8 MiB)`,
  );
  console.log(`  ours, open to report  ${fmtMs(median(oursWhole))}`);
  console.log(
    `  grep -rIE             ${fmtMs(median(grep))}  (${matches} matching lines, ${GREP_PATTERNS.length} patterns)`,
  );
  console.log(`  ours/grep             ${fmtRatio(median(ours), median(grep))} (scan only)`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else console.log(`  unpacked layers kept in ${dir}`);
}
