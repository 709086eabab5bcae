import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { HostileCase } from './hostileCorpus';

/**
 * Test-only: runs the CLI on hostile archives in child processes and reports what happened:
 * exit code, stderr, time, peak RSS (from the child's own process.resourceUsage, written on exit)
 * and the files left in the output folder. The CLI is bundled once with esbuild, so each run
 * costs Node's start-up and not a TypeScript compile.
 *
 *   npx tsx src/testing/hostileRunner.ts [case …]    prints a table of every command on each case
 */

export interface CliRun {
  command: string;
  status: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
  /** Peak resident set of the child, bytes (0 when it died before exiting normally). */
  maxRss: number;
  /** Files in the output folder after the run. */
  leftFiles: string[];
  timedOut: boolean;
}

/** Characters a terminal acts on: C0 controls but the newline, DEL, C1 controls, bidi controls. */
export const RAW_CONTROL =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export class CliHarness {
  private constructor(
    readonly work: string,
    private readonly bundle: string,
    private readonly preload: string,
  ) {}

  static async create(work: string): Promise<CliHarness> {
    mkdirSync(work, { recursive: true });
    const bundle = join(work, 'cli.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, '../cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'error',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    const preload = join(work, 'rss.mjs');
    writeFileSync(
      preload,
      `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.ILE_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)));
`,
    );
    return new CliHarness(work, bundle, preload);
  }

  /** Runs `ile <args>` with `out` as the working folder (emptied first). */
  run(args: string[], options: { timeoutMs?: number; out?: string } = {}): Promise<CliRun> {
    const out = options.out ?? join(this.work, 'out');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const rssFile = join(this.work, 'rss.txt');
    rmSync(rssFile, { force: true });
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', this.preload, this.bundle, ...args], {
      cwd: out,
      env: { ...process.env, ILE_RSS_FILE: rssFile, NODE_OPTIONS: '' },
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      // Keep the first 8 MiB: enough to check; a huge listing is counted, not held.
      if (stdoutBytes < 8 << 20) stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    return new Promise((resolve) => {
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({
          command: args.join(' '),
          status,
          signal,
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr).toString('utf8'),
          ms: performance.now() - started,
          maxRss: existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : 0,
          leftFiles: readdirSync(out),
          timedOut,
        });
      });
    });
  }
}

/** The commands of the issue on one archive. */
export function commandsFor(testCase: HostileCase, archive: string): { label: string; args: string[] }[] {
  const layer = testCase.layer === undefined ? [] : ['--layer', String(testCase.layer)];
  const commands = [
    { label: 'inspect', args: ['inspect', archive] },
    { label: 'inspect --json', args: ['inspect', archive, '--json'] },
    { label: 'inspect --verify', args: ['inspect', archive, '--verify'] },
    { label: 'ls', args: ['ls', archive, ...layer] },
    { label: 'ls --merged', args: ['ls', archive, ...layer, '--merged'] },
    { label: 'export', args: ['export', archive, ...layer, '-o', 'out.tar'] },
    { label: 'export --merged', args: ['export', archive, ...layer, '--merged', '-o', 'out.tar'] },
    { label: 'ci', args: ['ci', archive] },
    { label: 'packages --json', args: ['packages', archive, '--json'] },
    { label: 'secrets', args: ['secrets', archive] },
  ];
  if (testCase.catPath) commands.push({ label: 'cat', args: ['cat', archive, ...layer, testCase.catPath] });
  return commands;
}

/** What breaks the promise in one run (empty: kept). */
export function brokenPromises(label: string, run: CliRun): string[] {
  const problems: string[] = [];
  const allowed = label === 'ci' || label === 'secrets' ? [0, 1, 2] : [0, 2];
  if (run.timedOut) problems.push('timed out');
  else if (run.status === null || !allowed.includes(run.status))
    problems.push(`exit ${run.status ?? run.signal}`);
  if (/Maximum call stack|RangeError|TypeError|at .*\(.*:\d+:\d+\)/.test(run.stderr))
    problems.push('crash text');
  if (/MaxListenersExceededWarning|ExperimentalWarning|Warning:/.test(run.stderr))
    problems.push('node warning');
  if (RAW_CONTROL.test(run.stderr)) problems.push('raw control character on stderr');
  if (!label.startsWith('cat') && RAW_CONTROL.test(run.stdout.toString('utf8')))
    problems.push('raw control character on stdout');
  const expectedFiles = label.startsWith('export') && run.status === 0 ? ['out.tar'] : [];
  if (run.leftFiles.join() !== expectedFiles.join()) problems.push(`files left: ${run.leftFiles.join(', ')}`);
  if (run.status === 2 && run.stderr.trim() === '') problems.push('exit 2 without a message');
  return problems;
}

async function main(names: string[]): Promise<void> {
  const { HOSTILE_CASES } = await import('./hostileCorpus');
  const { tmpdir } = await import('node:os');
  const work = join(tmpdir(), 'ile-hostile-runner');
  const harness = await CliHarness.create(work);
  const cases = HOSTILE_CASES.filter((c) => names.length === 0 || names.includes(c.name));
  for (const testCase of cases) {
    const dir = join(work, 'archives', testCase.name);
    mkdirSync(dir, { recursive: true });
    const t0 = performance.now();
    const archive = testCase.build(dir);
    const built = performance.now() - t0;
    console.log(`\n## ${testCase.name} (${testCase.kind}), built in ${(built / 1000).toFixed(1)} s`);
    for (const { label, args } of commandsFor(testCase, archive)) {
      const run = await harness.run(args, { timeoutMs: 120_000 });
      const problems = brokenPromises(label, run);
      const firstLine = run.stderr.split('\n').find((l) => l.trim()) ?? '';
      console.log(
        `${label.padEnd(17)} exit ${String(run.status ?? run.signal).padEnd(7)} ${(run.ms / 1000).toFixed(2).padStart(7)} s ${String(Math.round(run.maxRss / 2 ** 20)).padStart(5)} MiB  ${problems.length ? `BROKEN: ${problems.join('; ')}` : 'ok'}  ${JSON.stringify(firstLine.slice(0, 160))}`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  await main(process.argv.slice(2));
}
