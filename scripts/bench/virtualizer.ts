/**
 * The Files tree's virtual scrolling against @tanstack/react-virtual, at 100k rows, in headless
 * Chromium (issue 17):
 *
 *   npx tsx scripts/bench/virtualizer.ts [rows=100000] [runs=3]
 *
 * Bundles scripts/bench/virtualizer/page.tsx (the app's FileRowView and CSS, 100k synthetic rows)
 * with esbuild, then per implementation and run: a fresh page, 300 animation frames scrolled 240 px
 * (10 rows) each, then 300 frames of 2400 px (a fling). Reports frame times (median, p95, max),
 * frames over 16.7 ms and 33 ms, long animation frames, frames after which blank space showed,
 * and the most rows in the DOM.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, startServer } from './browser';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.cache', 'bench', 'virtualizer');

interface FrameResult {
  frames: number[];
  blank: number;
  maxDomRows: number;
  loafs: number[];
}

async function bundle(): Promise<void> {
  const { build } = await import('esbuild');
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: { page: join(ROOT, 'scripts', 'bench', 'virtualizer', 'page.tsx') },
    outdir: OUT,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.svg': 'dataurl' },
    logLevel: 'warning',
  });
  writeFileSync(
    join(OUT, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>virtualizer bench</title><link rel="stylesheet" href="./page.css"></head><body><div id="root"></div><script type="module" src="./page.js"></script></body></html>\n',
  );
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};
const median = (xs: number[]): number => quantile(xs, 0.5);

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 100_000);
  const runs = Number(process.argv[3] ?? 3);
  await bundle();
  const server = await startServer({ '/': OUT });
  const browser = await chromium.launch({
    executablePath: CHROMIUM ?? undefined,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-timer-throttling'],
  });
  const table: string[] = [];
  try {
    for (const [label, step] of [
      ['10 rows a frame', 240],
      ['100 rows a frame (fling)', 2400],
    ] as const) {
      for (const impl of ['ours', 'tanstack'] as const) {
        const all: FrameResult[] = [];
        for (let r = 0; r < runs; r++) {
          const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
          await page.goto(`${server.url}/?impl=${impl}&rows=${rows}`, { waitUntil: 'load' });
          await page.waitForSelector('[role="treeitem"]', { state: 'attached' });
          await page.evaluate(() => window.benchRun(30, 240)); // warm-up
          all.push(await page.evaluate(([n, s]) => window.benchRun(n, s), [300, step] as const));
          await page.close();
        }
        const frames = all.flatMap((a) => a.frames);
        const loafs = all.flatMap((a) => a.loafs);
        table.push(
          `| ${label} | ${impl === 'ours' ? 'ours (hand-written)' : '@tanstack/react-virtual'} | ${median(frames).toFixed(1)} | ${quantile(frames, 0.95).toFixed(1)} | ${Math.max(...frames).toFixed(1)} | ${frames.filter((f) => f > 17.5).length} | ${frames.filter((f) => f > 34).length} | ${loafs.length} | ${all.reduce((s, a) => s + a.blank, 0)} | ${Math.max(...all.map((a) => a.maxDomRows))} |`,
        );
        console.error(`${label} ${impl}: done`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(
    `${rows.toLocaleString('en')} rows, ${runs} runs × 300 frames each, headless Chromium (frame times in ms)\n`,
  );
  console.log(
    '| scroll | virtualiser | median | p95 | max | frames > 16.7 ms | frames > 33 ms | long animation frames | frames showing blank space | most rows in the DOM |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const line of table) console.log(line);
}

await main();
