/// <reference lib="webworker" />
/**
 * Worker entry: reads the archive through the core and answers the page's queries. All logic is in
 * Engine; this file only wires it to the worker's message port.
 */
import { analyzeImage } from '../core/analysis';
import { BlobSource } from '../core/bytes/byteSource';
import { buildImageFileSystem } from '../core/fs';
import { openArchive } from '../core/image/open';
import { Engine } from './engine';
import type { FromWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const engine = new Engine({
  post: (message: FromWorker) => self.postMessage(message),
  makeSource: (spec) => new BlobSource(spec.file, spec.name),
  openArchive: (source, hooks) => openArchive(source, hooks),
  // the same model as the CLI: rewrites of the same size are compared by content
  buildFs: (archive, image) => buildImageFileSystem(archive, image),
  analyze: (archive, image) => analyzeImage(archive, image),
  now: () => performance.now(),
});

self.addEventListener('message', (event: MessageEvent<unknown>) => engine.handle(event.data));
