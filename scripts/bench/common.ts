/** Pieces shared by the benchmark runner and its child processes. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Marks the one line of JSON a child process prints as its result. */
export const RESULT_MARK = 'BENCH_RESULT ';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface LayerRef {
  /** Member name exactly as stored in the outer archive. */
  member: string;
  compression: Compression;
  entries: number;
}

/** What one measured run reports. Times in milliseconds, memory in bytes. */
export interface Measurement {
  ms: number;
  entries: number;
  /** Peak resident memory of the process (or, in the browser, of the renderer process). */
  peakRss: number | null;
  /** Extra figures by name (worker heap, long tasks, process wall time…). */
  extra: Record<string, number | null>;
  error?: string;
}

export function printResult(value: unknown): void {
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(value)}\n`);
}

export function parseResult<T>(stdout: string): T | null {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  return line ? (JSON.parse(line.slice(RESULT_MARK.length)) as T) : null;
}

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Max RSS (bytes) of the process tree's largest member, from GNU time when available. */
  maxRss: number | null;
  /** User + system CPU time of the process and its children (ms), from GNU time when available. */
  cpuMs: number | null;
}

/** The 1-minute load average: other work on the machine makes wall times unreliable. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const TIME_MARK = '__BENCH_TIME__';

/** Runs a command (under GNU time when present, for its peak memory), collecting its output. */
export function run(
  cmd: string,
  args: string[],
  options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessRun> {
  const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', `${TIME_MARK} %e %M %U %S`, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: options.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.length > 1 << 20) stdout = stdout.slice(-(1 << 19));
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      let maxRss: number | null = null;
      let cpuMs: number | null = null;
      const m = new RegExp(`${TIME_MARK} ([\\d.]+) (\\d+) ([\\d.]+) ([\\d.]+)`).exec(stderr);
      if (m) {
        maxRss = Number(m[2]) * 1024;
        cpuMs = (Number(m[3]) + Number(m[4])) * 1000;
        stderr = stderr.replace(m[0], '').trim();
      }
      resolve({ code, stdout, stderr, wallMs, maxRss, cpuMs });
    });
  });
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${Math.round(ms)} ms`;
}

export function fmtMB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  return `${Math.round(bytes / 1e6)} MB`;
}

export function fmtRatio(ours: number | null | undefined, peer: number | null | undefined): string {
  if (!ours || !peer || !Number.isFinite(ours) || !Number.isFinite(peer)) return '–';
  return `${(ours / peer).toFixed(2)}×`;
}
