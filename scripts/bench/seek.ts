/**
 * Reading the last file of the largest gzip layer, before (decoded from the layer's start) and
 * after seek points (decoded from the last point before it), in Node and in a Chromium dedicated
 * worker running the same core over a File:
 *   npx tsx scripts/bench/seek.ts [archive] [--no-browser] [--compression zstd]
 * (default archive: .cache/bench/oci-gzip-s100.tar; --compression zstd takes the largest zstd
 * layer instead: a single-frame one shows what reading from its start costs). Prints one line per run and a JSON summary.
 * Also prints the index time of each way: seek points are kept by our own inflater, which the
 * index pass then uses instead of the platform's gzip decoder.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { CHROMIUM, startServer } from './browser';
import { measureSeek, type SeekResult } from './seek/common';

const ROOT = resolve(import.meta.dirname, '..', '..');
const { values, positionals } = parseArgs({
  options: { 'no-browser': { type: 'boolean' }, compression: { type: 'string', default: 'gzip' } },
  allowPositionals: true,
});
const archive = resolve(positionals[0] ?? join(ROOT, '.cache', 'bench', 'oci-gzip-s100.tar'));
if (!existsSync(archive)) throw new Error(`no archive at ${archive}`);
const compression = values.compression === 'zstd' ? 'zstd' : 'gzip';

function line(where: string, r: SeekResult): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return `${where.padEnd(8)} ${r.seekPoints ? 'after ' : 'before'}  open ${r.openMs.toFixed(0)} ms  last file ${JSON.stringify(r.file)} (${mb(r.fileBytes)} at ${mb(r.fileOffset)} of layer ${mb(r.layerStoredBytes)} stored): read ${r.readMs.toFixed(1)} ms, again ${r.rereadMs.toFixed(1)} ms  points ${r.points} (${mb(r.pointBytes)})`;
}

const results: { where: string; result: SeekResult }[] = [];
for (const seekPoints of [false, true]) {
  const result = await measureSeek(new NodeFileSource(archive), seekPoints, compression);
  results.push({ where: 'node', result });
  console.log(line('node', result));
}

async function inBrowser(): Promise<void> {
  if (!CHROMIUM) {
    console.log('browser: skipped (no chromium at /usr/bin/chromium)');
    return;
  }
  const { build } = await import('esbuild');
  const out = join(ROOT, '.cache', 'bench', 'seek-harness');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { worker: join(import.meta.dirname, 'seek', 'worker.ts') },
    outdir: out,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  });
  writeFileSync(
    join(out, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>seek bench</title></head><body><input type="file" aria-label="archive"></body></html>\n',
  );
  const server = await startServer({ '/': out });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    for (const seekPoints of [false, true]) {
      const page = await browser.newPage();
      await page.goto(`${server.url}/index.html`);
      await page.getByLabel('archive').setInputFiles(archive);
      const reply = await page.evaluate(
        ({ seekPoints, compression }) =>
          new Promise<{ ok: boolean; result?: SeekResult; message?: string }>((done) => {
            const input = document.querySelector('input') as HTMLInputElement;
            const worker = new Worker('./worker.js', { type: 'module' });
            worker.onmessage = (e) => done(e.data);
            worker.onerror = (e) => done({ ok: false, message: e.message });
            worker.postMessage({ file: input.files?.[0], seekPoints, compression });
          }),
        { seekPoints, compression },
      );
      await page.close();
      if (!reply.ok || !reply.result) throw new Error(`browser: ${reply.message}`);
      results.push({ where: 'chromium', result: reply.result });
      console.log(line('chromium', reply.result));
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
if (!values['no-browser']) await inBrowser();

const hashes = new Set(results.map((r) => r.result.hash));
if (hashes.size !== 1)
  throw new Error(`the last file's bytes differ between the runs: ${[...hashes].join(' ')}`);
console.log(JSON.stringify({ archive, results }, null, 1));
