/**
 * A Node pool worker (worker_threads): opens the archive by path and indexes the compressed layers
 * its owner sends (see src/pool/serve.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromPoolWorker, ToPoolWorker } from '../../pool/protocol';
import { serveLayerJobs } from '../../pool/serve';
import { NodeFileSource } from '../nodeFileSource';

const port = parentPort;
if (!port) throw new Error('layerWorker.ts runs as a worker thread of the command line');
const { path } = workerData as { path: string };
serveLayerJobs(
  {
    post: (message: FromPoolWorker, transfer: ArrayBuffer[]) => port.postMessage(message, transfer),
    listen: (onMessage) => port.on('message', (message: ToPoolWorker) => onMessage(message)),
  },
  new NodeFileSource(path),
);
