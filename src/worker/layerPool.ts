import { LayerWorkerPool } from '../pool/pool';
import type { FromPoolWorker } from '../pool/protocol';
import { isOwnScriptUrl } from '../trustedTypes';

/** More workers than this gain nothing on the layer counts images have, and each holds a decoder. */
export const MAX_POOL = 8;
/**
 * The default stops lower: every worker holds its decoder's window and read buffers in the same
 * renderer process, whose growth while reading is kept under 300 MB (npm run bench).
 */
export const DEFAULT_MAX_POOL = 4;

/**
 * The pool's size from the engine worker's name (`pool=<n>`, which the page sets from its own
 * `?pool=<n>`, at most MAX_POOL; 0 = every layer decoded in the engine worker), else one worker
 * per core, at most DEFAULT_MAX_POOL.
 */
export function poolSizeFrom(workerName: string, cores: number | undefined): number {
  const asked = /(?:^|\s)pool=(\d+)(?:\s|$)/.exec(workerName);
  if (asked) return Math.min(Number(asked[1]), MAX_POOL);
  return Math.max(1, Math.min(cores ?? 1, DEFAULT_MAX_POOL));
}

interface ScriptUrlPolicies {
  createPolicy(name: string, options: { createScriptURL: (input: string) => string }): unknown;
}

let policyMade = false;

/**
 * The engine worker inherits the page's CSP (`require-trusted-types-for 'script'; trusted-types
 * default`), so it needs the page's own rule before it may start a worker: script URLs of this
 * site only (src/trustedTypes.ts).
 */
function allowOwnWorkerScripts(): void {
  const factory = (globalThis as { trustedTypes?: ScriptUrlPolicies }).trustedTypes;
  if (policyMade || !factory) return;
  policyMade = true;
  factory.createPolicy('default', {
    createScriptURL: (input) => {
      if (isOwnScriptUrl(input, self.location.href, self.location.origin)) return input;
      throw new TypeError(`refused to load a script from another site: ${input}`);
    },
  });
}

/** Compressed layers of `file` decoded in `size` workers, each reading its own slices of the file. */
export function browserLayerPool(file: Blob, name: string, size: number): LayerWorkerPool {
  return new LayerWorkerPool({
    size,
    spawn: () => {
      allowOwnWorkerScripts();
      const worker = new Worker(new URL('./layerPoolWorker.ts', import.meta.url), {
        type: 'module',
        name: 'layer-pool',
      });
      worker.postMessage({ file, name });
      return {
        post: (message) => worker.postMessage(message),
        listen: (onMessage, onFailure) => {
          worker.addEventListener('message', (e: MessageEvent<FromPoolWorker>) => onMessage(e.data));
          worker.addEventListener('error', (e) => {
            e.preventDefault();
            onFailure(new Error(e.message || 'a layer pool worker failed to start'));
          });
          worker.addEventListener('messageerror', () =>
            onFailure(new Error('a layer pool message could not be read')),
          );
        },
        terminate: () => worker.terminate(),
      };
    },
  });
}
