/// <reference lib="webworker" />
/**
 * Worker entry: reads the archive through the core and answers the page's queries. All logic is in
 * Engine; this file only wires it to the worker's message port.
 */
import { analyzeImage } from '../core/analysis';
import { BlobSource } from '../core/bytes/byteSource';
import { HttpRangeSource } from '../core/bytes/httpSource';
import { buildImageFileSystem } from '../core/fs';
import { laterSeekPointJobs, recordLaterSeekPoints } from '../core/image/laterSeekPoints';
import { indexLayer } from '../core/image/layerIndex';
import { openArchive } from '../core/image/open';
import { verifyArchive } from '../core/image/verify';
import { warmKeyHashes } from '../core/persist/archiveKey';
import { OpfsIndexStore } from '../storage/indexStore';
import { Engine } from './engine';
import { browserLayerPool, poolSizeFrom } from './layerPool';
import type { FromWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

/** `?seek=0` on the page turns seek points off (to compare), like `?pool=n` sizes the pool. */
function seekPointsWanted(): boolean {
  return !/(?:^|\s)seek=0(?:\s|$)/.test(self.name);
}

const indexStore = OpfsIndexStore.available() ? new OpfsIndexStore() : null;

const engine = new Engine({
  post: (message: FromWorker, transfer?: Transferable[]) => self.postMessage(message, transfer ?? []),
  makeSource: async (spec, hooks) => {
    if (spec.kind === 'file') return new BlobSource(spec.file, spec.name);
    // the page checks this too; the worker never fetches anything but http(s)
    const url = new URL(spec.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`${spec.url}: only http and https addresses can be opened`);
    // Cancel stops the probe and a full download; once open, the source stays readable (what was
    // read stays explorable and verifiable after Cancel), so its own signal is never aborted.
    const opening = new AbortController();
    const stop = () => opening.abort(hooks.signal.reason);
    hooks.signal.addEventListener('abort', stop, { once: true });
    try {
      return await HttpRangeSource.open(url.href, { signal: opening.signal, onDownload: hooks.onDownload });
    } finally {
      hooks.signal.removeEventListener('abort', stop);
    }
  },
  openArchive: async (source, hooks) => {
    // compressed layers of a dropped file are decoded by a pool of workers (see layerPool.ts)
    const size = poolSizeFrom(self.name, navigator.hardwareConcurrency);
    const layerPool =
      source instanceof BlobSource && size > 0 ? browserLayerPool(source.blob, source.name, size) : undefined;
    try {
      // gzip layers of a local file are indexed with the platform's decoder and their points
      // follow (recordSeekPoints); an address is read once, so its points are kept as it goes
      return await openArchive(source, {
        ...hooks,
        layerPool,
        seekPoints: seekPointsWanted(),
        gzipSeekPointsLater: source instanceof BlobSource,
      });
    } finally {
      layerPool?.close();
      // what the last open's pool did, for e2e/pool.spec.ts and the benchmark to check it ran
      (self as { layerPoolStats?: unknown }).layerPoolStats = { size, ...(layerPool?.stats ?? {}) };
    }
  },
  // the same model as the CLI: rewrites of the same size are compared by content
  buildFs: (archive, image, pause) => buildImageFileSystem(archive, image, pause),
  analyze: (archive, image) => analyzeImage(archive, image),
  verify: (archive, onProgress, signal) => verifyArchive(archive, onProgress, signal),
  recordSeekPoints: async (archive, signal) => {
    const source = archive.source;
    if (!(source instanceof BlobSource) || !seekPointsWanted() || laterSeekPointJobs(archive).length === 0)
      return 0;
    if (poolSizeFrom(self.name, navigator.hardwareConcurrency) === 0)
      return recordLaterSeekPoints(archive, (job) => indexLayer(source, job, { signal }), signal);
    // one background worker: the other core stays with the page and this worker's answers
    const pool = browserLayerPool(source.blob, source.name, 1);
    try {
      return await recordLaterSeekPoints(archive, (job) => pool.index(job, { signal }), signal);
    } finally {
      pool.close();
    }
  },
  now: () => performance.now(),
  ...(indexStore ? { indexStore } : {}),
});

self.addEventListener('message', (event: MessageEvent<unknown>) => engine.handle(event.data));

// while the page waits for a file, so that a re-open neither compiles them nor looks for the folder
setTimeout(() => {
  void warmKeyHashes().catch(() => undefined);
  void indexStore?.prepare().catch(() => undefined);
}, 0);
