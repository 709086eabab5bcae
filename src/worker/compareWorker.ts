/// <reference lib="webworker" />
/**
 * The comparison worker's entry: wires CompareEngine to the worker's port. The page makes one
 * per archive shown (a worker of its own, so a long comparison never delays the explorer's
 * queries; it keeps what it read between runs, and ending it frees both archives' models at once).
 */
import { BlobSource } from '../core/bytes/byteSource';
import { HttpRangeSource } from '../core/bytes/httpSource';
import { openArchive } from '../core/image/open';
import { OpfsIndexStore } from '../storage/indexStore';
import { CompareEngine } from './compareEngine';
import type { FromCompareWorker } from './compareProtocol';

declare const self: DedicatedWorkerGlobalScope;

const engine = new CompareEngine({
  post: (message: FromCompareWorker) => self.postMessage(message),
  makeSource: async (spec, signal) => {
    if (spec.kind === 'file') return new BlobSource(spec.file, spec.name);
    const url = new URL(spec.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`${spec.url}: only http and https addresses can be opened`);
    return HttpRangeSource.open(url.href, { signal });
  },
  openArchive: (source, signal, knownLayers) => openArchive(source, { signal, knownLayers }),
  now: () => performance.now(),
  indexStore: OpfsIndexStore.available() ? new OpfsIndexStore() : undefined,
});

self.addEventListener('message', (event: MessageEvent<unknown>) => engine.handle(event.data));
