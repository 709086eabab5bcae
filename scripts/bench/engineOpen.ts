/**
 * From the command to **Indexed**, through a container engine: times
 *   (a) `image-layer-explorer <image> --no-open` (dist-cli/, so run `npm run build && npm run build:cli`
 *       first) until headless Chromium, opened on the printed address, shows "Indexed N entries";
 *   (b) the engine's save alone, as `docker save -o` / `podman save -o` do it (the same
 *       `GET /images/{name}/get`), into a file;
 * as medians of the runs, with their ratio. The image is loaded into the engine first when an
 * archive is given (`POST /images/load`, what `docker load` sends).
 *   CONTAINER_HOST=unix:///path/podman.sock npx tsx scripts/bench/engineOpen.ts --engine podman \
 *     [--load image.tar] <image> [runs]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { candidateEngines, type EngineName, findImage, saveImage } from '../../src/cli/serve/engine';
import { CHROMIUM } from './browser';

const ROOT = resolve(import.meta.dirname, '..', '..');
const { values, positionals } = parseArgs({
  options: { engine: { type: 'string' }, load: { type: 'string' } },
  allowPositionals: true,
});
const [reference, runsText = '3'] = positionals;
if (!reference)
  throw new Error('usage: engineOpen.ts [--engine docker|podman] [--load image.tar] <image> [runs]');
const runs = Number(runsText);
const engines = candidateEngines(values.engine as EngineName | undefined);

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function loadIntoEngine(archive: string): Promise<void> {
  const engine = engines[0];
  await new Promise<void>((done, reject) => {
    const req = request(
      {
        socketPath: engine.socketPath,
        host: engine.host,
        port: engine.port,
        method: 'POST',
        path: '/images/load?quiet=1',
        headers: { 'content-type': 'application/x-tar' },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? done() : reject(new Error(`load: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    createReadStream(archive).pipe(req);
  });
}

/** (a) the whole way: process start to "Indexed N entries" in the page. */
async function commandToIndexed(): Promise<{ ms: number; entries: number; bytes: number }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM ?? undefined,
    headless: true,
    args: ['--no-sandbox'],
  });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist-cli/main.cjs'),
      reference,
      '--no-open',
      ...(values.engine ? ['--engine', values.engine] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const url = await new Promise<string>((done, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('http://'));
        if (line) done(line.trim());
      });
      void exited.then(() => reject(new Error(`the command exited:\n${err}`)));
    });
    const page = await browser.newPage();
    await page.goto(url);
    const status = page.getByRole('status');
    await status.filter({ hasText: /Indexed \d+ entries/ }).waitFor({ timeout: 600_000 });
    const ms = performance.now() - started;
    const entries = Number(/Indexed (\d+) entries/.exec((await status.textContent()) ?? '')?.[1]);
    const bytes = Number(/Saved (\d+) bytes/.exec(err)?.[1]);
    return { ms, entries, bytes };
  } finally {
    child.kill('SIGINT');
    await exited;
    await browser.close();
  }
}

/** (b) the engine's save alone into a file, as `docker save -o` does. */
async function saveAlone(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ilx-bench-save-'));
  try {
    const started = performance.now();
    const found = await findImage(reference, engines);
    await saveImage(found, reference, join(dir, 'image.tar'));
    return performance.now() - started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** (c) the engine's own command, `docker save -o` or `podman save -o`, when its client is installed. */
const client = engines[0].name;
const clientInstalled = spawnSync(client, ['--version'], { stdio: 'ignore' }).status === 0;
function clientSave(): number | null {
  if (!clientInstalled) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ilx-bench-save-'));
  try {
    const started = performance.now();
    const run = spawnSync(client, ['save', '-o', join(dir, 'image.tar'), reference], { stdio: 'ignore' });
    return run.status === 0 ? performance.now() - started : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.load) {
  console.log(`loading ${values.load} (${statSync(values.load).size} bytes) into ${engines[0].name}…`);
  await loadIntoEngine(values.load);
}
const ours: number[] = [];
const save: number[] = [];
const clientRuns: number[] = [];
let last = { entries: 0, bytes: 0 };
for (let i = 0; i < runs; i++) {
  save.push(await saveAlone());
  const clientMs = clientSave();
  if (clientMs !== null) clientRuns.push(clientMs);
  const run = await commandToIndexed();
  ours.push(run.ms);
  last = run;
}
const a = median(ours);
const b = median(save);
console.log(
  `${reference} through ${engines.map((e) => e.name).join('/')}: ${last.bytes} bytes saved, ${last.entries} entries`,
);
console.log(`  command to Indexed:  ${(a / 1000).toFixed(2)} s (median of ${runs})`);
console.log(`  engine save alone:   ${(b / 1000).toFixed(2)} s (median of ${runs}, as docker save -o)`);
console.log(`  ratio:               ${(a / b).toFixed(2)}×`);
if (clientRuns.length) {
  const c = median(clientRuns);
  console.log(
    `  ${client} save -o:      ${(c / 1000).toFixed(2)} s (median of ${clientRuns.length}, the engine's own client)`,
  );
  console.log(`  ratio to it:         ${(a / c).toFixed(2)}×`);
}
