/**
 * Builds the command line into dist-cli/: the sources bundled by esbuild for Node 20, so a command
 * starts without TypeScript. One CommonJS file, `main.cjs`, plus the pool's worker script: each
 * module that main.ts or a command imports lazily (every subcommand, the archive readers) stays
 * behind an init function esbuild writes, so it is evaluated only when it is used. One CommonJS
 * file, not ES module chunks: Node 20's ES module loader (resolving, linking and a facade per
 * built-in module for each of nine chunks) made `inspect <trivial archive> --json` 170 ms against
 * 140 ms for the one file (medians of 15 each, `node -e 0` 110 ms; README, "Start-up").
 * `npm pack` runs it (prepack), after the app's build.
 *   npx tsx scripts/build-cli.ts
 */
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist-cli`;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  // the layer pool's worker thread is a script of its own (src/cli/pool/nodePool.ts finds it)
  entryPoints: { main: 'src/cli/main.ts', 'pool-worker': 'src/cli/pool/layerWorker.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  minify: true,
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
chmodSync(`${outdir}/main.cjs`, 0o755);
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.cjs'));
const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`dist-cli: ${outputs.length} files, ${(total / 1024).toFixed(0)} KiB`);
