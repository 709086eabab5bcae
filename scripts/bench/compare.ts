/**
 * The comparison benchmark: our `diff` core against `diff -r` on the two images unpacked to
 * disk, in the same run (unpacking is not timed for the peer; our time includes reading both
 * archives).
 *
 *   npx tsx scripts/bench/compare.ts [<archiveA> <archiveB>] [--small] [--runs N] [--no-browser]
 *
 * Without archives it compares the benchmark's docker-s100.tar (scripts/make-big.ts) with a
 * variant of it written once under .cache/bench/: the same layers plus one that rewrites 2,000
 * files with other bytes of the same size (so contents must be read), removes 500 and adds 500.
 * `--small` does the same with a small generated image (3,000 files), to check that the
 * benchmark works without taking minutes; its figures mean nothing.
 *
 * Beside the Node figure, the browser's comparison worker on the built app (browserCompare.ts):
 * A opened as the page's archive, B through Open second archive, time from Run comparison to the
 * first difference shown and to done, and that worker's JS heap. `--no-browser` leaves it out.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { ImageFileSystem } from '../../src/core/fs';
import { ContentReader } from '../../src/core/image/content';
import { openArchive } from '../../src/core/image/open';
import { dockerArchive } from '../../src/testing/archives';
import { type BuildEntry, buildTar } from '../../src/testing/tarBuilder';
import { unpackImage } from '../../src/testing/unpackImage';
import { CACHE_DIR, ensureArchive, ROOT } from '../make-big';
import { CHROMIUM, ensureAppBuild, startServer } from './browser';
import { type BrowserCompareResult, measureCompareInBrowser } from './browserCompare';
import { fmtMB, fmtMs, fmtRatio, loadAverage, median, parseResult, run } from './common';
import type { OursCompareResult } from './oursCompare';

const VARIANT_VERSION = 1;
/**
 * The second browser measurement clicks Compare this long after Indexed: by then the explorer's
 * worker has built its file system, analysed the image and handed its index over, as it has when
 * a person has looked at the image before comparing. The first clicks at once.
 */
const SETTLE_MS = 3000;

function sh(command: string): void {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${command}: ${r.stderr.toString()}`);
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A small docker-archive image: 3,000 files in 30 directories, a few KB each. */
function writeSmall(path: string): void {
  const entries: BuildEntry[] = [];
  for (let d = 0; d < 30; d++) {
    entries.push({ name: `srv/d${d}/`, type: 'dir' });
    for (let f = 0; f < 100; f++)
      entries.push({ name: `srv/d${d}/f${f}.txt`, content: `${d}/${f}\n`.repeat(200 + f) });
  }
  writeFileSync(path, dockerArchive([{ tags: ['small:1'], layers: [entries] }]));
}

/**
 * Writes `out`: the first image of the docker-archive `source` with one more layer that
 * rewrites `changes` files with other bytes of the same size, removes `changes / 4` and adds
 * `changes / 4`. The other layers are copied as they are (same diff IDs).
 */
async function writeVariant(source: string, out: string, changes: number): Promise<void> {
  const archive = await openArchive(new NodeFileSource(source));
  const fs = await ImageFileSystem.build(archive, 0);
  const top = archive.images[0].layers.length - 1;
  const files: { path: string; size: number }[] = [];
  fs.walk(top, 'merged', (node) => {
    if (node.type === 'file' && node.size > 0 && node.size <= 64 * 1024)
      files.push({ path: node.path, size: node.size });
  });
  const wanted = Math.min(files.length, changes + Math.floor(changes / 4));
  const step = Math.max(1, Math.floor(files.length / wanted));
  const picked = files.filter((_, i) => i % step === 0).slice(0, wanted);
  const reader = new ContentReader(archive);
  const entries: BuildEntry[] = [];
  for (const [i, file] of picked.entries()) {
    const name = file.path.slice(1);
    if (i < changes) {
      const ref = fs.contentSource(top, 'merged', file.path)!;
      const bytes = await reader.read(archive.images[0].layers[ref.layer].blob, ref.entryIndex);
      bytes[0] ^= 0xff;
      const info = fs.node(top, 'merged', file.path)!;
      entries.push({ name, content: bytes, mode: info.mode, uid: info.uid, gid: info.gid });
    } else {
      const slash = name.lastIndexOf('/');
      entries.push({ name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}` });
    }
  }
  for (let i = 0; i < Math.floor(changes / 4); i++)
    entries.push({ name: `variant/new-${i}.txt`, content: `new ${i}\n` });
  const layer = buildTar(entries);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;

  const tmp = `${out}.d`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  sh(`tar -xf ${quote(source)} -C ${quote(tmp)}`);
  const manifest = JSON.parse(readFileSync(join(tmp, 'manifest.json'), 'utf8'));
  const first = manifest[0];
  const config = JSON.parse(readFileSync(join(tmp, first.Config), 'utf8'));
  config.rootfs.diff_ids.push(diffId);
  config.history = [...(config.history ?? []), { created_by: '/bin/sh -c change some files' }];
  const configBytes = JSON.stringify(config);
  const configName = `${createHash('sha256').update(configBytes).digest('hex')}.json`;
  writeFileSync(join(tmp, configName), configBytes);
  mkdirSync(join(tmp, diffId.slice(7)), { recursive: true });
  writeFileSync(join(tmp, diffId.slice(7), 'layer.tar'), layer);
  writeFileSync(
    join(tmp, 'manifest.json'),
    JSON.stringify([
      {
        Config: configName,
        RepoTags: ['variant:1'],
        Layers: [...first.Layers, `${diffId.slice(7)}/layer.tar`],
      },
    ]),
  );
  sh(
    `cd ${quote(tmp)} && tar -cf ${quote(`${out}.partial`)} -- * && mv ${quote(`${out}.partial`)} ${quote(out)}`,
  );
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(`${out}.meta.json`, JSON.stringify({ version: VARIANT_VERSION, source, changes }));
}

/** Unpacks image 0 of a docker-archive with GNU tar, whiteouts applied, for the peer. */
async function unpack(archivePath: string, target: string): Promise<void> {
  const archive = await openArchive(new NodeFileSource(archivePath));
  const members = archive.images[0].layers.map((l) => {
    const blob = archive.blobs.get(l.blob)!;
    return { member: blob.member, compression: blob.compression };
  });
  unpackImage(archivePath, archive.outerCompression, members, target, `${target}.scratch`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const small = argv.includes('--small');
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Math.max(1, Number(argv[runsAt + 1])) : 3;
  const positional = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--runs');
  mkdirSync(CACHE_DIR, { recursive: true });
  let pathA: string;
  let pathB: string;
  if (positional.length === 2) [pathA, pathB] = positional;
  else {
    if (small) {
      pathA = join(CACHE_DIR, 'compare-small-a.tar');
      writeSmall(pathA);
    } else {
      const meta = await ensureArchive('docker', 's100');
      if (!meta) throw new Error('could not make docker-s100.tar');
      pathA = meta.file;
    }
    pathB = pathA.replace(/\.tar$/, '-variant.tar');
    const changes = small ? 300 : 2000;
    let fresh = false;
    try {
      fresh =
        JSON.parse(readFileSync(`${pathB}.meta.json`, 'utf8')).version === VARIANT_VERSION &&
        existsSync(pathB);
    } catch {}
    if (!fresh || small) {
      console.error(`compare bench: writing ${pathB}…`);
      await writeVariant(pathA, pathB, changes);
    }
  }
  const treeA = join(CACHE_DIR, 'compare-tree-a');
  const treeB = join(CACHE_DIR, 'compare-tree-b');
  console.error('compare bench: unpacking both images with GNU tar for the peer (not timed)…');
  await unpack(pathA, treeA);
  await unpack(pathB, treeB);

  const ours: OursCompareResult[] = [];
  const peer: { ms: number; rss: number | null }[] = [];
  const load: number[] = [loadAverage()];
  for (let i = 0; i < runs; i++) {
    const r = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/bench/oursCompare.ts'), pathA, pathB],
      {
        cwd: ROOT,
      },
    );
    const res = parseResult<OursCompareResult>(r.stdout);
    if (!res) throw new Error(`ours failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    ours.push(res);
    const p = await run('bash', [
      '-c',
      `diff -r --no-dereference ${quote(treeA)} ${quote(treeB)} > /dev/null; test $? -le 1`,
    ]);
    if (p.code !== 0) throw new Error(`diff -r failed: ${p.stderr.slice(-500)}`);
    peer.push({ ms: p.wallMs, rss: p.maxRss });
    load.push(loadAverage());
  }
  rmSync(treeA, { recursive: true, force: true });
  rmSync(treeB, { recursive: true, force: true });

  const browser: BrowserCompareResult[] = [];
  /** The same, with Compare clicked once the explorer's own work after reading is over. */
  const settled: BrowserCompareResult[] = [];
  let browserSkip: string | null = argv.includes('--no-browser') ? 'left out (--no-browser)' : null;
  if (!browserSkip && !CHROMIUM) browserSkip = 'no chromium at /usr/bin/chromium';
  const app = browserSkip ? null : ensureAppBuild('auto');
  if (app && 'skip' in app) browserSkip = app.skip;
  if (app && 'dist' in app) {
    const server = await startServer({ '/': app.dist });
    try {
      for (let i = 0; i < runs; i++) {
        console.error(`compare bench: the browser's comparison worker, run ${i + 1} of ${runs}…`);
        const r = await measureCompareInBrowser({ url: `${server.url}/`, fileA: pathA, fileB: pathB });
        if (r.error) throw new Error(`the browser comparison failed: ${r.error}`);
        browser.push(r);
        const later = await measureCompareInBrowser({
          url: `${server.url}/`,
          fileA: pathA,
          fileB: pathB,
          settleMs: SETTLE_MS,
        });
        if (later.error) throw new Error(`the browser comparison failed: ${later.error}`);
        settled.push(later);
        load.push(loadAverage());
      }
    } finally {
      await server.close();
    }
  }
  const oursMs = median(ours.map((r) => r.ms));
  const peerMs = median(peer.map((r) => r.ms));
  console.log(
    `compare: ${pathA} against ${pathB} (${runs} run${runs === 1 ? '' : 's'}, load ${load.map((l) => l.toFixed(1)).join('–')})`,
  );
  console.log(`  paths compared ${ours[0].pathsCompared}, differences ${ours[0].differences}`);
  console.log(
    `  ours, Node        ${fmtMs(oursMs)}  (open ${fmtMs(median(ours.map((r) => r.openMs)))}, first differences at ${fmtMs(median(ours.map((r) => r.firstMs ?? Number.NaN)))}, peak RSS ${fmtMB(Math.max(...ours.map((r) => r.maxRss)))})`,
  );
  console.log(
    `  diff -r           ${fmtMs(peerMs)}  (trees unpacked beforehand; peak RSS ${fmtMB(Math.max(...peer.map((r) => r.rss ?? 0)))})`,
  );
  console.log(`  ours / diff -r    ${fmtRatio(oursMs, peerMs)}`);
  if (browser.length > 0) {
    const med = (pick: (r: BrowserCompareResult) => number | null) =>
      median(browser.map((r) => pick(r) ?? Number.NaN));
    const peak = (pick: (r: BrowserCompareResult) => number | null) =>
      Math.max(...browser.map((r) => pick(r) ?? 0));
    console.log(
      `  ours, Chromium    ${fmtMs(med((r) => r.ms))}  (Run comparison to the first difference shown ${fmtMs(med((r) => r.firstMs))}; comparison worker's JS heap peak ${fmtMB(peak((r) => r.workerHeapPeak))}, with buffers ${fmtMB(peak((r) => r.workerHeapWithBuffersPeak))}; B's manifest listed ${fmtMs(med((r) => r.bListedMs))} after it was handed over, its first difference shown ${fmtMs(med((r) => r.handedToFirstMs))} after)`,
    );
    const later = (pick: (r: BrowserCompareResult) => number | null) =>
      median(settled.map((r) => pick(r) ?? Number.NaN));
    console.log(
      `  ours, Chromium, Compare ${SETTLE_MS / 1000} s after Indexed (the explorer's own work done)  ${fmtMs(later((r) => r.ms))}  (Run to the first difference shown ${fmtMs(later((r) => r.firstMs))})`,
    );
    console.log(`  the page said     ${browser[browser.length - 1].status}`);
    const phases = browser[browser.length - 1].phases.map((p) => `${fmtMs(p.ms)} ${p.text}`);
    console.log(`  its progress line ${phases.join(' | ')}`);
    console.log(
      `  Chromium / diff -r ${fmtRatio(
        med((r) => r.ms),
        peerMs,
      )}`,
    );
  } else console.log(`  ours, Chromium    not measured: ${browserSkip}`);
}

await main();
