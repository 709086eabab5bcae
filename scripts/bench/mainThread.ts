/**
 * Where the main thread's long tasks come from while the app indexes an archive:
 *
 *   npx tsx scripts/bench/mainThread.ts <archive> [dist-dir]
 *
 * Records a Chromium trace (tasks and the V8 sampling profiler) from handing the file to the input
 * until "Indexed", then prints each main-thread task over 50 ms with the functions that took its
 * time (self time, and inclusive time of the app's own functions). Build dist/ without minifying
 * (`npx vite build --minify false --outDir /tmp/dist-plain`) to read the names.
 */
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, startServer } from './browser';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: {
    name?: string;
    data?: {
      startTime?: number;
      cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] };
      timeDeltas?: number[];
    };
  };
}
interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const LONG_US = 50_000;
/** Trace events that say what kind of work a task did (they nest: read them as overlapping). */
const PHASES = new Set([
  'FunctionCall',
  'EventDispatch',
  'TimerFire',
  'FireAnimationFrame',
  'RunMicrotasks',
  'UpdateLayoutTree',
  'Layout',
  'PrePaint',
  'Paint',
  'Layerize',
  'UpdateLayer',
  'HitTest',
  'MajorGC',
  'MinorGC',
  'V8.GC_SCAVENGER',
  'V8.GC_MARK_COMPACTOR',
  'ParseHTML',
  'v8.compile',
  'v8.compileModule',
  'EvaluateScript',
  'v8.evaluateModule',
]);

async function main(): Promise<void> {
  const [archive, distArg] = process.argv.slice(2);
  if (!archive) throw new Error('usage: mainThread.ts <archive> [dist-dir]');
  const dist = resolve(distArg ?? 'dist');
  const server = await startServer({ '/': dist });
  const browser = await chromium.launch({
    executablePath: CHROMIUM ?? undefined,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    const input = page.getByLabel('Open image archive');
    await input.waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    await browser.startTracing(page, {
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'v8.execute',
        'disabled-by-default-v8.cpu_profiler',
        'blink.user_timing',
      ],
    });
    const t0 = Date.now();
    await input.setInputFiles(resolve(archive));
    await page.getByRole('status').filter({ hasText: 'Indexed' }).first().waitFor({ timeout: 600_000 });
    const wall = Date.now() - t0;
    await page.waitForTimeout(300);
    const buffer = await browser.stopTracing();
    const events = (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
    report(events, wall);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** A thread's sampled profile, rebuilt: its Profile event gives the start, ProfileChunks the samples. */
function threadSamples(events: TraceEvent[], pid: number, tid: number) {
  const profile = events.find((e) => e.pid === pid && e.tid === tid && e.name === 'Profile');
  const nodes = new Map<number, ProfileNode>();
  const samples: { ts: number; node: number }[] = [];
  if (profile) {
    let ts = profile.args?.data?.startTime ?? profile.ts;
    for (const e of events) {
      if (e.name !== 'ProfileChunk' || e.id !== profile.id || e.pid !== profile.pid) continue;
      const cp = e.args?.data?.cpuProfile;
      for (const n of cp?.nodes ?? []) nodes.set(n.id, n);
      const deltas = e.args?.data?.timeDeltas ?? [];
      (cp?.samples ?? []).forEach((node, i) => {
        ts += deltas[i] ?? 0;
        samples.push({ ts, node });
      });
    }
  }
  return { nodes, samples };
}

/** What the worker did early on: its tasks until the first one that posts the image list. */
function reportWorkerStart(events: TraceEvent[], from: number): void {
  for (const w of events.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'DedicatedWorker thread',
  )) {
    const { nodes, samples } = threadSamples(events, w.pid, w.tid);
    const early = samples.filter((s) => s.ts >= from && s.ts < from + 600_000);
    if (early.length === 0) continue;
    console.log(`\nworker ${w.tid}: ${early.length} samples in the first 600 ms, by 100 ms:`);
    for (let slot = 0; slot < 6; slot++) {
      const inSlot = early.filter((s) => s.ts >= from + slot * 100_000 && s.ts < from + (slot + 1) * 100_000);
      const self = new Map<string, number>();
      for (const s of inSlot) {
        const n = nodes.get(s.node);
        if (!n) continue;
        const l = `${n.callFrame.functionName || '(anonymous)'}:${(n.callFrame.url ?? '').split('/').pop()}:${n.callFrame.lineNumber + 1}`;
        self.set(l, (self.get(l) ?? 0) + 1);
      }
      const top = [...self.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([k, v]) => `${v} ${k}`);
      console.log(`  ${slot * 100}-${(slot + 1) * 100} ms: ${inSlot.length} samples: ${top.join(', ')}`);
    }
  }
}

function report(events: TraceEvent[], wallMs: number): void {
  const main = events.find(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  );
  if (!main) throw new Error('no renderer main thread in the trace');
  const onMain = (e: TraceEvent) => e.pid === main.pid && e.tid === main.tid;
  const tasks = events
    .filter(
      (e) =>
        onMain(e) && e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask'),
    )
    .sort((a, b) => a.ts - b.ts);

  const { nodes, samples } = threadSamples(events, main.pid, main.tid);
  const label = (n: ProfileNode) => {
    const file = (n.callFrame.url ?? '').split('/').pop() || '';
    return `${n.callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ''}`;
  };

  const long = tasks.filter((t) => (t.dur ?? 0) > LONG_US);
  if (tasks.length) reportWorkerStart(events, tasks[0].ts);
  const busy = tasks.reduce((sum, t) => sum + (t.dur ?? 0), 0);
  console.log(
    `${tasks.length} main-thread tasks, ${(busy / 1000).toFixed(0)} ms busy of ${wallMs} ms to Indexed; ${long.length} over 50 ms; ${samples.length} samples`,
  );
  /** Time in each kind of work (PHASES) on the main thread within [from, to], the biggest first. */
  const phasesIn = (from: number, to: number, top: number): string => {
    const totals = new Map<string, number>();
    for (const e of events) {
      if (!onMain(e) || e.ph !== 'X' || !PHASES.has(e.name) || e.ts < from || e.ts > to) continue;
      totals.set(e.name, (totals.get(e.name) ?? 0) + (e.dur ?? 0));
    }
    return [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${name} ${(us / 1000).toFixed(0)} ms`)
      .join(', ');
  };
  // The whole run: what kept the main thread busy overall (it shares two cores with the worker).
  console.log(`phases over the run: ${phasesIn(tasks[0]?.ts ?? 0, Number.POSITIVE_INFINITY, 10)}`);
  const allSelf = new Map<string, number>();
  for (const s of samples) {
    const n = nodes.get(s.node);
    if (!n || s.ts < tasks[0].ts || n.callFrame.functionName === '(idle)') continue;
    allSelf.set(label(n), (allSelf.get(label(n)) ?? 0) + 1);
  }
  console.log(
    `busiest functions (samples): ${[...allSelf.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, count]) => `${count} ${name}`)
      .join(', ')}`,
  );
  for (const t of long) {
    const inside = samples.filter((s) => s.ts >= t.ts && s.ts <= t.ts + (t.dur ?? 0));
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    for (const s of inside) {
      const leaf = nodes.get(s.node);
      if (!leaf) continue;
      self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
      const seen = new Set<string>();
      for (
        let n: ProfileNode | undefined = leaf;
        n;
        n = n.parent === undefined ? undefined : nodes.get(n.parent)
      ) {
        if (!(n.callFrame.url ?? '').includes('/assets/')) continue;
        const l = label(n);
        if (seen.has(l)) continue;
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + 1);
      }
    }
    const top = (m: Map<string, number>, k: number) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, k)
        .map(([name, count]) => `${((100 * count) / Math.max(1, inside.length)).toFixed(0)}% ${name}`);
    console.log(
      `\ntask at +${((t.ts - tasks[0].ts) / 1000).toFixed(0)} ms: ${((t.dur ?? 0) / 1000).toFixed(0)} ms, ${inside.length} samples`,
    );
    console.log(`  phases:    ${phasesIn(t.ts, t.ts + (t.dur ?? 0), 8)}`);
    for (const e of events) {
      if (
        !onMain(e) ||
        e.name !== 'Layout' ||
        e.ts < t.ts ||
        e.ts > t.ts + (t.dur ?? 0) ||
        (e.dur ?? 0) < 5000
      )
        continue;
      const begin = (e.args as { beginData?: { dirtyObjects?: number; totalObjects?: number } } | undefined)
        ?.beginData;
      console.log(
        `  layout:    ${((e.dur ?? 0) / 1000).toFixed(0)} ms, ${begin?.dirtyObjects ?? '?'} of ${begin?.totalObjects ?? '?'} objects dirty`,
      );
    }
    console.log(`  self:      ${top(self, 8).join('\n             ')}`);
    console.log(`  inclusive: ${top(inclusive, 14).join('\n             ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
