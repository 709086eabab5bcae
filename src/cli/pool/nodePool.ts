import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LayerWorkerPool } from '../../pool/pool';
import type { FromPoolWorker } from '../../pool/protocol';

/** More workers than this gain nothing on the layer counts images have, and each holds a decoder. */
export const MAX_POOL = 8;

/**
 * The pool's size: `--pool <n>` or ILX_POOL (0 = no pool: every layer read on the main thread),
 * else one worker per core the process may use, at most MAX_POOL.
 */
export function defaultPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.ILX_POOL;
  if (set !== undefined && set !== '') {
    const n = Number(set);
    if (Number.isInteger(n) && n >= 0) return Math.min(n, MAX_POOL);
  }
  return Math.min(availableParallelism(), MAX_POOL);
}

/**
 * How a worker is started. Built (dist-cli), its script is the bundle's own entry
 * `pool-worker.cjs`, beside main.cjs. From the sources (tsx,
 * vitest) a worker thread gets no TypeScript loader of its own on Node 20, so a few lines of
 * JavaScript load the .ts entry through tsx's API.
 */
function workerStart(): { script: string | URL; eval: boolean; data: Record<string, string> } {
  // the benchmark runs our core from the sources but its workers from the build, as users get them
  const built = process.env.ILX_POOL_WORKER;
  if (built) return { script: pathToFileURL(built), eval: false, data: {} };
  if (import.meta.url.endsWith('.ts')) {
    const require = createRequire(import.meta.url);
    return {
      script: `const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then(({ tsImport }) => tsImport(workerData.entry, workerData.entry));`,
      eval: true,
      data: {
        // the ESM build: tsx's CommonJS API registers its hooks by a path that is not there
        tsxApi: pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'))
          .href,
        entry: new URL('./layerWorker.ts', import.meta.url).href,
      },
    };
  }
  for (const relative of ['./pool-worker.cjs', '../pool-worker.cjs']) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(fileURLToPath(url))) return { script: url, eval: false, data: {} };
  }
  throw new Error('pool-worker.cjs is missing beside the built command line (npm run build:cli)');
}

/** Compressed layers of the archive at `path` decoded on `size` worker threads. */
export function nodeLayerPool(path: string, size: number): LayerWorkerPool {
  let start: ReturnType<typeof workerStart> | null = null;
  return new LayerWorkerPool({
    size,
    spawn: () => {
      // found when the first worker starts: an archive without two compressed layers never looks
      start ??= workerStart();
      const worker = new Worker(start.script, {
        eval: start.eval,
        workerData: { ...start.data, path },
        // not the parent's `--import tsx`: it fails in a worker thread on Node 20
        execArgv: [],
      });
      return {
        post: (message) => worker.postMessage(message),
        listen: (onMessage, onFailure) => {
          worker.on('message', (message: FromPoolWorker) => onMessage(message));
          worker.on('error', onFailure);
          worker.on('exit', (code) => {
            if (code !== 0) onFailure(new Error(`a layer pool worker exited with code ${code}`));
          });
        },
        terminate: () => void worker.terminate(),
      };
    },
  });
}
