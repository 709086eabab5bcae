/**
 * The comparison in headless Chromium, on the built app: A is opened as the page's archive
 * (indexed, as a person would have it open), B through **Open second archive**, then **Run
 * comparison**. Times come from inside the page (performance.now() at the click and when the
 * tree first shows a difference, and when the progress line says done), so Playwright's round
 * trips are not counted. Memory: the comparison worker's JS heap (with its buffers), polled
 * through CDP, only that worker (it is named `archive-compare`).
 */
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, LAUNCH_ARGS, WorkerProbe } from './browser';

export interface BrowserCompareResult {
  /** From the click on Run comparison to the first difference shown in the tree. */
  firstMs: number | null;
  /** From the click to the progress line's `done`. */
  ms: number | null;
  /** From B handed to the input to Image B listing its images (its manifest read). */
  bListedMs: number | null;
  /** From B handed to the input to the first difference shown (the listing and the click included). */
  handedToFirstMs: number | null;
  /** The comparison worker's peak JS heap, and with its array buffers. */
  workerHeapPeak: number | null;
  workerHeapWithBuffersPeak: number | null;
  heapSamples: number;
  /** The progress line at the end ("N added, … compared in …"). */
  status: string;
  /** The progress line's states (and each text while opening), with their times from the click: where the time went. */
  phases: { ms: number; text: string }[];
  error?: string;
}

/** Runs before the page's scripts: the click's time, the first difference, done. */
const INIT_SCRIPT = `(() => {
  const b = { handedAt: null, listedAt: null, runAt: null, firstAt: null, doneAt: null, status: '', error: '', phases: [] };
  Object.defineProperty(window, '__cmpBench', { value: b });
  document.addEventListener('click', (e) => {
    const t = e.target && e.target.closest && e.target.closest('button');
    if (t && t.textContent && t.textContent.trim() === 'Run comparison') b.runAt = performance.now();
  }, true);
  document.addEventListener('change', (e) => {
    if (e.target && e.target.type === 'file' && e.target.closest('.cmp-side')) b.handedAt = performance.now();
  }, true);
  const labelled = (name) => {
    for (const l of document.querySelectorAll('label.cmp-field')) {
      const span = l.querySelector('span');
      if (span && span.textContent === name) return l.querySelector('select');
    }
    return null;
  };
  const check = () => {
    if (b.handedAt !== null && b.listedAt === null) {
      const archive = labelled('Archive B');
      const images = labelled('Image B');
      if (archive && archive.value === 'other' && images && images.options.length > 0) b.listedAt = performance.now();
    }
    if (b.runAt === null) return;
    if (b.firstAt === null && document.querySelector('[role=tree][aria-label=Differences] .cmp-badge')) b.firstAt = performance.now();
    const line = document.querySelector('[aria-label="Comparison progress"] [data-state]');
    if (line && b.doneAt === null) {
      const state = line.getAttribute('data-state');
      const text = (line.textContent || '').trim();
      const last = b.phases[b.phases.length - 1];
      if (!last || last.state !== state || (state === 'opening' && last.text !== text))
        b.phases.push({ at: performance.now(), state, text: text.slice(0, 80) });
      if (state === 'done') { b.doneAt = performance.now(); b.status = line.textContent || ''; }
      else if (state === 'failed') { b.error = line.textContent || 'failed'; }
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`;

interface PageState {
  handedAt: number | null;
  listedAt: number | null;
  runAt: number | null;
  firstAt: number | null;
  doneAt: number | null;
  status: string;
  error: string;
  phases: { at: number; state: string; text: string }[];
}

export async function measureCompareInBrowser(options: {
  url: string;
  fileA: string;
  fileB: string;
  timeoutMs?: number;
  /** Waits this long after Indexed before clicking Compare (0: at once). */
  settleMs?: number;
}): Promise<BrowserCompareResult> {
  if (!CHROMIUM) throw new Error('no chromium at /usr/bin/chromium');
  const timeout = options.timeoutMs ?? 20 * 60_000;
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: LAUNCH_ARGS,
    headless: true,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(INIT_SCRIPT);
    const cdp = await context.newCDPSession(page);
    const probe = new WorkerProbe(
      cdp,
      false,
      (t) => t.title === 'archive-compare' || /compareWorker/.test(t.url),
    );
    await probe.start();
    await page.goto(options.url, { waitUntil: 'load' });
    await page.getByLabel('Open image archive').setInputFiles(options.fileA);
    await page
      .getByRole('status')
      .filter({ hasText: /Indexed \d+ entries/ })
      .waitFor({ timeout });
    if (options.settleMs) await page.waitForTimeout(options.settleMs);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const pane = page.getByRole('region', { name: 'Compare', exact: true });
    await pane.getByLabel('Open second archive').setInputFiles(options.fileB);
    const imageB = pane.getByRole('combobox', { name: /^Image B/ });
    // B's manifest read: Archive B names it and Image B lists its images.
    await page.waitForFunction(
      () => (window as unknown as { __cmpBench: PageState }).__cmpBench.listedAt !== null,
      undefined,
      { timeout, polling: 50 },
    );
    await imageB.selectOption({ index: 0 });
    await pane.getByRole('button', { name: 'Run comparison' }).click();
    await page.waitForFunction(
      () => {
        const b = (window as unknown as { __cmpBench: PageState }).__cmpBench;
        return b.doneAt !== null || b.error !== '';
      },
      undefined,
      { timeout, polling: 100 },
    );
    await probe.stop();
    const b = await page.evaluate(() => (window as unknown as { __cmpBench: PageState }).__cmpBench);
    const run = b.runAt ?? Number.NaN;
    return {
      firstMs: b.firstAt !== null ? b.firstAt - run : null,
      ms: b.doneAt !== null ? b.doneAt - run : null,
      bListedMs: b.listedAt !== null && b.handedAt !== null ? b.listedAt - b.handedAt : null,
      handedToFirstMs: b.firstAt !== null && b.handedAt !== null ? b.firstAt - b.handedAt : null,
      workerHeapPeak: probe.samples ? probe.peakUsed : null,
      workerHeapWithBuffersPeak: probe.samples ? probe.peakBacking : null,
      heapSamples: probe.samples,
      status: b.status.trim(),
      phases: b.phases.map((p) => ({ ms: Math.round(p.at - run), text: `${p.state}: ${p.text}` })),
      error: b.error || undefined,
    };
  } finally {
    await browser.close();
  }
}
