/**
 * Builds the command line into dist-cli/: the sources bundled by esbuild into plain ES modules for
 * Node 20, one chunk per subcommand (main.ts imports each lazily), so a command starts without
 * TypeScript and loads only its own code. `npm pack` runs it (prepack), after the app's build.
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
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: '#!/usr/bin/env node' },
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
chmodSync(`${outdir}/main.js`, 0o755);
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`dist-cli: ${outputs.length} modules, ${(total / 1024).toFixed(0)} KiB`);
