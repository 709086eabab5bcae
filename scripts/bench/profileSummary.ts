/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof` or the browser harness' worker profile):
 * top functions by self time and by total (inclusive) time, and self time per source file.
 *
 *   npx tsx scripts/bench/profileSummary.ts <file.cpuprofile>… [--top N]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 13);
  const src = u.search(/\/(src|scripts)\//);
  if (src >= 0) return u.slice(src + 1);
  return u.replace(/^node:/, 'node:').replace(/^.*\/(.*)$/, '$1');
}

function key(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  const url = shortUrl(f.url);
  return url ? `${name}  ${url}:${f.lineNumber + 1}` : name;
}

export interface ProfileReport {
  totalMs: number;
  self: [string, number][];
  inclusive: [string, number][];
  byFile: [string, number][];
}

/** `window`: only samples taken within [start, end] (µs, the profile's own clock). */
export function summarizeProfile(profile: CpuProfile, top = 20, window?: [number, number]): ProfileReport {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window[0] || t > window[1])) continue;
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    const k = key(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    const file = shortUrl(node.callFrame.url) || node.callFrame.functionName || '(native)';
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n) break;
      const kk = key(n.callFrame);
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + dt);
    }
  }
  const sorted = (m: Map<string, number>): [string, number][] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs: total, self: sorted(self), inclusive: sorted(inclusive), byFile: sorted(byFile) };
}

export function formatProfile(title: string, r: ProfileReport): string {
  const pct = (ms: number): string => `${((100 * ms) / r.totalMs).toFixed(1).padStart(5)} %`;
  const rows = (list: [string, number][]): string =>
    list.map(([k, ms]) => `  ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${k}`).join('\n');
  return [
    `${title}: ${r.totalMs.toFixed(0)} ms sampled`,
    ' self time:',
    rows(r.self),
    ' total time (inclusive):',
    rows(r.inclusive),
    ' self time by file:',
    rows(r.byFile),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const topIdx = args.indexOf('--top');
  const top = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 20;
  for (const file of args) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    process.stdout.write(`${formatProfile(file, summarizeProfile(profile, top))}\n\n`);
  }
}
