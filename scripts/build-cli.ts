/**
 * Builds the command line into dist-cli/: the sources bundled by esbuild for Node 20, so a command
 * starts without TypeScript. One CommonJS file, `cli.cjs`, run by `main.cjs` (scripts/cli/launcher.cjs)
 * from V8's code cache, which one warm-up run of `inspect` on a made-up archive writes here; plus
 * the pool's worker script: each
 * module that main.ts or a command imports lazily (every subcommand, the archive readers) stays
 * behind an init function esbuild writes, so it is evaluated only when it is used. One CommonJS
 * file, not ES module chunks: Node 20's ES module loader (resolving, linking and a facade per
 * built-in module for each of nine chunks) made `inspect <trivial archive> --json` 170 ms against
 * 140 ms for the one file (medians of 15 each, `node -e 0` 110 ms; README, "Start-up").
 * `npm pack` runs it (prepack), after the app's build.
 *   npx tsx scripts/build-cli.ts
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist-cli`;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  // the layer pool's worker thread is a script of its own (src/cli/pool/nodePool.ts finds it)
  entryPoints: { cli: 'src/cli/main.ts', 'pool-worker': 'src/cli/pool/layerWorker.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  // ILX_NO_MINIFY=1 keeps the names, for a readable `node --cpu-prof dist-cli/main.cjs …` profile
  minify: process.env.ILX_NO_MINIFY !== '1',
  // the sources find files beside themselves by import.meta.url (the app, package.json, the pool's
  // script): in CommonJS that is the bundle's own address, in dist-cli/
  banner: {
    js: `#!/usr/bin/env node\nconst importMetaUrl = require('node:url').pathToFileURL(__filename).href;`,
  },
  define: { 'import.meta.url': 'importMetaUrl' },
  legalComments: 'linked',
  // fflate's Node entry loads worker_threads at start-up for async APIs we never call; its browser
  // build is the same code without that (about 10 ms of every command's start).
  // hash-wasm's `main` is a UMD bundle of every algorithm it has (250 KB, all evaluated at load);
  // its ES module build lets esbuild keep the three we use (xxhash64, sha256, crc32).
  alias: {
    fflate: `${root}node_modules/fflate/esm/browser.js`,
    'hash-wasm': `${root}node_modules/hash-wasm/dist/index.esm.js`,
  },
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(`${root}scripts/cli/launcher.cjs`, `${outdir}/main.cjs`);
chmodSync(`${outdir}/main.cjs`, 0o755);
writeCodeCache();
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.cjs'));
const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`dist-cli: ${outputs.length} files, ${(total / 1024).toFixed(0)} KiB`);

/**
 * Runs `inspect --json` once on a one-file tar made here, with the launcher told to write V8's
 * code cache of the bundle as the run ends: the cache then holds what a command compiles.
 */
function writeCodeCache(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ilx-code-cache-'));
  try {
    const archive = join(dir, 'one-file.tar');
    writeFileSync(archive, oneFileTar('hello.txt', 'hello\n'));
    execFileSync(process.execPath, [`${outdir}/main.cjs`, 'inspect', archive, '--json'], {
      env: { ...process.env, ILX_WRITE_CODE_CACHE: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (!existsSync(`${outdir}/cli.cjs.cache`)) throw new Error('the code cache was not written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A ustar archive of one regular file: its header, its content padded to 512 bytes, the end. */
function oneFileTar(name: string, content: string): Uint8Array {
  const body = new TextEncoder().encode(content);
  const header = new Uint8Array(512);
  const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  const sum = header.reduce((total, byte) => total + byte, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const tar = new Uint8Array(512 + Math.ceil(body.length / 512) * 512 + 1024);
  tar.set(header, 0);
  tar.set(body, 512);
  return tar;
}
