/// <reference lib="webworker" />
/**
 * A browser pool worker, started by the engine worker (src/worker/layerPool.ts): it is given the
 * archive's File once, reads its own slices of it and indexes the compressed layers it is sent.
 */
import { BlobSource } from '../core/bytes/byteSource';
import type { ToPoolWorker } from '../pool/protocol';
import { serveLayerJobs } from '../pool/serve';

declare const self: DedicatedWorkerGlobalScope;

self.addEventListener(
  'message',
  (event: MessageEvent<{ file: Blob; name: string }>) => {
    serveLayerJobs(
      {
        post: (message, transfer) => self.postMessage(message, transfer),
        listen: (onMessage) =>
          self.addEventListener('message', (e: MessageEvent<ToPoolWorker>) => onMessage(e.data)),
      },
      new BlobSource(event.data.file, event.data.name),
    );
  },
  { once: true },
);
