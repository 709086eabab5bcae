/**
 * Our time to a full index in headless Chromium. A tiny static server on 127.0.0.1 serves the
 * built app (dist/) and the core-only harness; each run launches a fresh browser, hands the file to
 * the input labelled "Open image archive" and waits for the status region to say "Indexed".
 *
 * Times come from inside the page (performance.now() at the input's change event and when the
 * status first contains "Indexed"), so Playwright's round trips are not counted. Memory: the peak
 * RSS of the renderer process (the page and its workers live there; its high-water mark is reset
 * once the page has loaded) and, through CDP, the worker's JS heap, polled. Main-thread long tasks
 * come from a PerformanceObserver injected before the page's own scripts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright-core';
import type { Measurement } from './common';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.tar': 'application/x-tar',
};

/** Serves `mounts` (URL prefix → directory) on 127.0.0.1 with an ephemeral port. */
export async function startServer(
  mounts: Record<string, string>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(mounts)
      .sort((a, b) => b.length - a.length)
      .find((p) => path === p.replace(/\/$/, '') || path.startsWith(p));
    if (prefix === undefined) {
      res.writeHead(404).end();
      return;
    }
    const root = resolve(mounts[prefix]);
    let file = normalize(join(root, path.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      // Single-page app fallback.
      file = join(root, 'index.html');
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const ROOT = resolve(import.meta.dirname, '..', '..');
export const HARNESS_DIR = join(ROOT, '.cache', 'bench', 'harness');
const ZSTDDEC = join(
  ROOT,
  '.cache',
  'bench',
  'zstd-exp',
  'node_modules',
  'zstddec',
  'dist',
  'zstddec-stream.mjs',
);

/** Bundles the core-only harness (page + worker) with esbuild into .cache/bench/harness/. */
export async function buildHarness(): Promise<string> {
  const { build } = await import('esbuild');
  const dir = join(ROOT, 'scripts', 'bench', 'harness');
  await build({
    entryPoints: { page: join(dir, 'page.ts'), worker: join(dir, 'worker.ts') },
    outdir: HARNESS_DIR,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: false,
    keepNames: true,
    sourcemap: true,
    alias: { 'bench-zstddec': existsSync(ZSTDDEC) ? ZSTDDEC : join(dir, 'noZstddec.ts') },
    logLevel: 'warning',
  });
  writeFileSync(
    join(HARNESS_DIR, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench harness</title></head><body><script type="module" src="./page.js"></script></body></html>\n',
  );
  return HARNESS_DIR;
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/ holds a build of the current app. Returns a reason when there is no app to
 * measure yet (no index.html, or a build that fails), so the caller can skip with a clear message.
 */
export function ensureAppBuild(rebuild: 'auto' | 'always' | 'never'): { dist: string } | { skip: string } {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(ROOT, 'index.html'))) {
    return {
      skip: 'the browser app is not there yet (no index.html at the repo root): only the core harness is measured',
    };
  }
  const built = existsSync(join(dist, 'index.html')) ? statSync(join(dist, 'index.html')).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'index.html')).mtimeMs);
  if (rebuild === 'always' || (rebuild === 'auto' && built < sources)) {
    console.error('bench: building the app (npm run build)…');
    const r = spawnSync('npm', ['run', '-s', 'build'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.status !== 0) {
      return {
        skip: `npm run build failed, so the app cannot be measured:\n${(r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n')}`,
      };
    }
  }
  if (!existsSync(join(dist, 'index.html'))) return { skip: 'dist/index.html is missing after the build' };
  // Serve a private copy: another build (an e2e run, a developer) may rewrite dist/ mid-benchmark.
  const snapshot = join(ROOT, '.cache', 'bench', 'app-dist');
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(dist, snapshot, { recursive: true });
  return { dist: snapshot };
}

/** Runs before the page's own scripts: timestamps and long tasks, read back after the run. */
const INIT_SCRIPT = `(() => {
  const b = { changeAt: null, firstLayerAt: null, treeAt: null, indexedAt: null, status: '', error: '', longTasks: [] };
  Object.defineProperty(window, '__bench', { value: b });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const start = (e) => {
    if (b.changeAt === null && (e.type === 'drop' || (e.target && e.target.type === 'file'))) b.changeAt = performance.now();
  };
  document.addEventListener('change', start, true);
  document.addEventListener('input', start, true);
  document.addEventListener('drop', start, true);
  const check = () => {
    if (b.changeAt === null) return;
    if (b.firstLayerAt === null && document.querySelector('[role=listbox] [role=option]')) b.firstLayerAt = performance.now();
    if (b.treeAt === null && document.querySelector('[role=tree] [role=treeitem]')) b.treeAt = performance.now();
    if (b.indexedAt === null) {
      for (const el of document.querySelectorAll('[role=status]')) {
        const t = el.textContent || '';
        if (t.includes('Indexed')) { b.indexedAt = performance.now(); b.status = t; break; }
      }
    }
    const alert = document.querySelector('[role=alert]');
    if (alert && alert.textContent && alert.textContent.trim()) b.error = alert.textContent.trim();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`;

interface PageBench {
  changeAt: number | null;
  firstLayerAt: number | null;
  treeAt: number | null;
  indexedAt: number | null;
  status: string;
  error: string;
  longTasks: [number, number][];
}

/** Renderer processes of a browser, from /proc (children of the browser process). */
export function rendererPids(browserPid: number): number[] {
  const pids: number[] = [];
  const walk = (pid: number): void => {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
    } catch {
      return;
    }
    for (const c of children.map(Number)) {
      try {
        if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('--type=renderer')) pids.push(c);
      } catch {
        /* gone */
      }
      walk(c);
    }
  };
  walk(browserPid);
  return pids;
}

/** CPU time (user + system, ms) of a process and all its descendants, from /proc. */
function treeCpuMs(root: number): number {
  let total = 0;
  const visit = (pid: number): void => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      for (const c of children) visit(Number(c));
    } catch {
      /* gone */
    }
  };
  visit(root);
  return total;
}

export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Talks to every dedicated worker of a page through CDP (non-flattened auto-attach, so it works
 * beside Playwright's own session): polls their JS heap and, on request, CPU-profiles them.
 */
export class WorkerProbe {
  peakUsed = 0;
  peakBacking = 0;
  samples = 0;
  private sessions = new Set<string>();
  private nextId = 1;
  private pending = new Map<number, (result: unknown) => void>();
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly cdp: CDPSession,
    private readonly profile: boolean,
    /** Which workers to watch, by their CDP target info (default: all). */
    private readonly watch: (target: { type: string; url: string; title: string }) => boolean = () => true,
  ) {}

  private send(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    const done = new Promise<unknown>((res) => this.pending.set(id, res));
    this.cdp
      .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
      .catch(() => {
        this.sessions.delete(sessionId);
        this.pending.get(id)?.(null);
        this.pending.delete(id);
      });
    return done;
  }

  async start(): Promise<void> {
    this.cdp.on(
      'Target.attachedToTarget',
      (e: { sessionId: string; targetInfo: { type: string; url: string; title: string } }) => {
        if (e.targetInfo.type !== 'worker' || !this.watch(e.targetInfo)) {
          // waitForDebuggerOnStart paused it too (the service worker, another worker): let it run,
          // or the page waits for it forever
          if (this.profile) void this.send(e.sessionId, 'Runtime.runIfWaitingForDebugger');
          return;
        }
        this.sessions.add(e.sessionId);
        if (this.profile) {
          void (async () => {
            await this.send(e.sessionId, 'Profiler.enable');
            await this.send(e.sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
            await this.send(e.sessionId, 'Profiler.start');
            await this.send(e.sessionId, 'Runtime.runIfWaitingForDebugger');
          })();
        }
      },
    );
    this.cdp.on('Target.detachedFromTarget', (e: { sessionId: string }) => {
      this.sessions.delete(e.sessionId);
    });
    this.cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
      const msg = JSON.parse(e.message) as {
        id?: number;
        result?: { usedSize?: number; backingStorageSize?: number };
      };
      if (msg.result?.usedSize !== undefined) {
        this.samples++;
        this.peakUsed = Math.max(this.peakUsed, msg.result.usedSize);
        this.peakBacking = Math.max(
          this.peakBacking,
          msg.result.usedSize + (msg.result.backingStorageSize ?? 0),
        );
      }
      if (msg.id !== undefined) {
        this.pending.get(msg.id)?.(msg.result ?? null);
        this.pending.delete(msg.id);
      }
    });
    await this.cdp.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: this.profile,
      flatten: false,
    });
    this.timer = setInterval(() => {
      for (const sessionId of this.sessions) void this.send(sessionId, 'Runtime.getHeapUsage');
    }, 50);
  }

  /** Stops polling; with profiling on, returns each live worker's CPU profile. */
  async stop(): Promise<unknown[]> {
    if (this.timer) clearInterval(this.timer);
    if (!this.profile) return [];
    const profiles: unknown[] = [];
    for (const sessionId of this.sessions) {
      const r = (await this.send(sessionId, 'Profiler.stop')) as { profile?: unknown } | null;
      if (r?.profile) profiles.push(r.profile);
    }
    return profiles;
  }
}

export interface BrowserRunOptions {
  url: string;
  file: string;
  timeoutMs?: number;
  /** After indexing, open the largest directory and count rendered tree rows (app only). */
  countRows?: boolean;
  /** CPU-profile the page's workers and write their .cpuprofile files here. */
  profileDir?: string;
  /** After "Indexed", also wait for the first row of the Files tree (app only). */
  waitTree?: boolean;
  /**
   * Open the file once, wait until its index is saved on the device, reload the page and measure
   * the second open (app only: the saved index).
   */
  reopen?: boolean;
  /** Runs in the page after it loads, before the file is handed over (e.g. the read floor's ranges). */
  beforeOpen?: (page: Page) => Promise<void>;
}

/** Opens the file once and waits for its saved index to be written, then reloads the page. */
async function openOnceAndReload(page: Page, file: string): Promise<void> {
  await page.getByLabel('Open image archive').setInputFiles(file);
  await page.waitForFunction(
    () => {
      const b = (window as unknown as { __bench: PageBench }).__bench;
      return b.indexedAt !== null || b.error !== '';
    },
    undefined,
    { timeout: 15 * 60_000, polling: 100 },
  );
  // Polled from here: waitForFunction takes the Promise an async predicate returns as its (truthy)
  // answer, so it would reload before the index is written.
  const savedBy = Date.now() + 5 * 60_000;
  while (
    !(await page.evaluate(async () => {
      try {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('saved-indexes');
        // the name exists from the write's start; its bytes only once the write is committed
        for await (const name of dir.keys())
          if (name.endsWith('.idx') && (await (await dir.getFileHandle(name)).getFile()).size > 0)
            return true;
      } catch {
        /* not written yet */
      }
      return false;
    }))
  ) {
    if (Date.now() > savedBy) throw new Error('the saved index was not written within 5 minutes');
    await page.waitForTimeout(200);
  }
  await page.reload({ waitUntil: 'load' });
  await page.getByLabel('Open image archive').waitFor({ state: 'attached', timeout: 15_000 });
  await page.waitForTimeout(1000);
}

/** Best effort: expands tree rows until one has many children, then counts DOM treeitems. */
async function countTreeRows(page: Page): Promise<number | null> {
  try {
    const tree = page.getByRole('tree', { name: 'Files' });
    await tree.locator('[role=treeitem]').first().waitFor({ timeout: 60_000 });
    for (let depth = 0; depth < 4; depth++) {
      const collapsed = tree.locator('[role=treeitem][aria-expanded=false]');
      if ((await collapsed.count()) === 0) break;
      await collapsed.last().click();
      await page.waitForTimeout(300);
    }
    await tree.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await page.waitForTimeout(300);
    return await page.locator('[role=treeitem]').count();
  } catch {
    return null;
  }
}

export async function measureInBrowser(options: BrowserRunOptions): Promise<Measurement> {
  if (!CHROMIUM) throw new Error('no chromium at /usr/bin/chromium');
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: LAUNCH_ARGS,
    headless: true,
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(INIT_SCRIPT);
    const cdp = await context.newCDPSession(page);
    const probe = new WorkerProbe(cdp, Boolean(options.profileDir));
    await probe.start();
    await page.goto(options.url, { waitUntil: 'load' });
    const input = page.getByLabel('Open image archive');
    await input.waitFor({ state: 'attached', timeout: 15_000 });
    // A person takes longer than this to choose a file; the page uses idle time after loading
    // (the worker starts, fonts are resolved) and the measurement should not land inside it.
    await page.waitForTimeout(1000);
    if (options.reopen) await openOnceAndReload(page, options.file);
    if (options.beforeOpen) await options.beforeOpen(page);

    const browserPid = findBrowserPid();
    const renderers = browserPid ? rendererPids(browserPid) : [];
    for (const pid of renderers) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      } catch {
        /* not permitted: the peak then includes page load */
      }
    }
    const baseline = Math.max(0, ...renderers.map((p) => statusKb(p, 'VmRSS'))) * 1024;

    const cpuBefore = browserPid ? treeCpuMs(browserPid) : Number.NaN;
    await input.setInputFiles(options.file);
    // An uncaught page error (the app crashed) ends the wait at once instead of at the timeout.
    let pageError = '';
    const crashed = new Promise<void>((res) => {
      page.on('pageerror', (e) => {
        pageError ||= `uncaught page error: ${e.message}`;
        res();
      });
      page.on('crash', () => {
        pageError ||= 'the page crashed';
        res();
      });
    });
    await Promise.race([
      page.waitForFunction(
        () => {
          const b = (window as unknown as { __bench: PageBench }).__bench;
          return b.indexedAt !== null || b.error !== '';
        },
        undefined,
        { timeout: options.timeoutMs ?? 15 * 60_000, polling: 100 },
      ),
      crashed,
    ]);
    const cpuMs = browserPid ? treeCpuMs(browserPid) - cpuBefore : Number.NaN;
    const indexedPeak = Math.max(0, ...renderers.map((p) => statusKb(p, 'VmHWM'))) * 1024;
    if (options.waitTree) {
      // The app may still be building its file model after "Indexed": wait for the first file row too.
      await page
        .waitForFunction(
          () => (window as unknown as { __bench: PageBench }).__bench.treeAt !== null,
          undefined,
          {
            timeout: 5 * 60_000,
            polling: 100,
          },
        )
        .catch(() => undefined);
    }
    const profiles = await probe.stop();
    profiles.forEach((profile, i) => {
      if (options.profileDir)
        writeFileSync(join(options.profileDir, `worker-${i}.cpuprofile`), JSON.stringify(profile));
    });
    const b = await page.evaluate(() => (window as unknown as { __bench: PageBench }).__bench);
    const peak = Math.max(0, ...renderers.map((p) => statusKb(p, 'VmHWM'))) * 1024;
    // a re-open's status says "from the index saved on this device" when the saved index was used
    if (options.reopen) process.stderr.write(`bench: re-open: the page said ${JSON.stringify(b.status)}\n`);
    const rows = options.countRows && !b.error ? await countTreeRows(page) : null;
    const changeAt = b.changeAt ?? 0;
    const end = b.indexedAt ?? Number.POSITIVE_INFINITY;
    // The task that delivers the change event is Playwright's (it sets the files, then dispatches):
    // only its part from the event on is ours.
    const ours = b.longTasks.map(([s, d]): [number, number] =>
      s < changeAt ? [changeAt, s + d - changeAt] : [s, d],
    );
    const long = ours.filter(([s, d]) => d > 50 && s <= end);
    const treeEnd = b.treeAt ?? end;
    const longToTree = ours.filter(([s, d]) => d > 50 && s <= treeEnd);
    const m = /Indexed\s+([\d,.\s\u00a0\u202f]+)\s+entr/.exec(b.status);
    const entries = m ? Number(m[1].replace(/[^\d]/g, '')) : Number.NaN;
    return {
      ms: b.indexedAt !== null ? b.indexedAt - changeAt : Number.NaN,
      entries,
      peakRss: peak || null,
      extra: {
        baselineRss: baseline || null,
        workerHeapPeak: probe.samples ? probe.peakUsed : null,
        workerHeapWithBuffersPeak: probe.samples ? probe.peakBacking : null,
        longTasks: long.length,
        longestTaskMs: long.length ? Math.max(...long.map(([, d]) => d)) : 0,
        longTasksToTree: longToTree.length,
        longestTaskToTreeMs: longToTree.length ? Math.max(...longToTree.map(([, d]) => d)) : 0,
        peakRssAtIndexed: indexedPeak || null,
        cpuMs: Number.isFinite(cpuMs) ? cpuMs : null,
        firstLayerMs: b.firstLayerAt !== null ? b.firstLayerAt - changeAt : null,
        firstTreeRowMs: b.treeAt !== null ? b.treeAt - changeAt : null,
        treeRows: rows,
      },
      error:
        b.error ||
        pageError ||
        // a re-open that read the archive again measured the first open, not the saved index
        (options.reopen && !b.status.includes('saved on this device')
          ? `the re-open did not use the saved index: the page said ${JSON.stringify(b.status)}`
          : undefined),
    };
  } finally {
    await browser.close();
  }
}

/** The newest chromium browser process started by us (the one without --type=). */
export function findBrowserPid(): number | null {
  let best: { pid: number; start: number } | null = null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmd.includes('chromium') || cmd.includes('--type=') || !cmd.includes('--remote-debugging-pipe'))
        continue;
      if (Number(readFileSync(`/proc/${name}/status`, 'utf8').match(/PPid:\s+(\d+)/)?.[1]) !== process.pid)
        continue;
      const start = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
      if (!best || start > best.start) best = { pid: Number(name), start };
    } catch {
      /* gone */
    }
  }
  return best?.pid ?? null;
}
