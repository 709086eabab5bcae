/** The harness worker: our core, as the app's worker will run it, over the dropped File. */
import { ZSTDDecoder } from 'bench-zstddec';
import { BlobSource } from '../../../src/core/bytes/byteSource';
import { openArchive, totalEntries } from '../../../src/core/image/open';
import { countLayer, findLayers } from '../experiment';
import type { FromWorker, ToWorker } from './protocol';

async function* blobStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return;
    yield r.value;
  }
}

const post = (message: FromWorker): void =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(message);

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  const started = performance.now();
  try {
    const source = new BlobSource(msg.file);
    if (msg.kind === 'open') {
      let last = 0;
      const archive = await openArchive(source, {
        onProgress: (p) => {
          if (performance.now() - last > 100) {
            last = performance.now();
            post({ kind: 'progress', entries: p.entries });
          }
        },
      });
      if (archive.errors.length) throw new Error(archive.errors.join('; '));
      post({ kind: 'done', entries: totalEntries(archive), ms: performance.now() - started });
    } else if (msg.kind === 'read') {
      let bytes = 0;
      if (msg.stream) {
        for await (const c of blobStream(msg.file.stream())) bytes += c.length;
      } else if (msg.sync) {
        // FileReaderSync: the same bytes without a promise or event-loop turn per read
        const reader = new FileReaderSync();
        for (let off = 0; off < msg.file.size; off += msg.chunk) {
          bytes += reader.readAsArrayBuffer(msg.file.slice(off, off + msg.chunk)).byteLength;
        }
      } else if (msg.inflight > 1) {
        const pending: Promise<ArrayBuffer>[] = [];
        let next = 0;
        const more = () => {
          while (pending.length < msg.inflight && next < msg.file.size) {
            pending.push(msg.file.slice(next, next + msg.chunk).arrayBuffer());
            next += msg.chunk;
          }
        };
        more();
        while (pending.length) {
          const first = pending.shift() as Promise<ArrayBuffer>;
          more();
          bytes += (await first).byteLength;
        }
      } else {
        for (let off = 0; off < msg.file.size; off += msg.chunk) {
          bytes += (await msg.file.slice(off, off + msg.chunk).arrayBuffer()).byteLength;
        }
      }
      post({ kind: 'done', entries: Math.round(bytes / 1e6), ms: performance.now() - started });
    } else if (msg.kind === 'ranges') {
      const { file, ranges } = msg;
      let bytes = 0;
      if (msg.method === 'sync') {
        const reader = new FileReaderSync();
        for (const [offset, length] of ranges)
          bytes += reader.readAsArrayBuffer(file.slice(offset, offset + length)).byteLength;
      } else if (msg.method === 'inflight') {
        const pending: Promise<ArrayBuffer>[] = [];
        let next = 0;
        const more = () => {
          while (pending.length < 4 && next < ranges.length) {
            const [offset, length] = ranges[next++];
            pending.push(file.slice(offset, offset + length).arrayBuffer());
          }
        };
        more();
        while (pending.length) {
          const first = pending.shift() as Promise<ArrayBuffer>;
          more();
          bytes += (await first).byteLength;
        }
      } else {
        for (const [offset, length] of ranges)
          bytes += (await file.slice(offset, offset + length).arrayBuffer()).byteLength;
      }
      if (bytes < 0) throw new Error('unreachable');
      post({ kind: 'done', entries: ranges.length, ms: performance.now() - started });
    } else if (msg.kind === 'find') {
      post({ kind: 'layers', layers: await findLayers(source) });
    } else {
      let zstd: ZSTDDecoder | undefined;
      if (msg.options.zstd === 'zstddec') {
        zstd = new ZSTDDecoder();
        await zstd.init();
      }
      const file = msg.file;
      const stream = msg.options.stream
        ? (start: number, end: number) => blobStream(file.slice(start, end).stream())
        : undefined;
      const nativeGunzip = msg.options.stream
        ? (start: number, end: number) =>
            blobStream(
              file
                .slice(start, end)
                .stream()
                .pipeThrough(
                  new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
                ),
            )
        : undefined;
      let entries = 0;
      for (const layer of msg.layers) {
        entries += await countLayer(source, layer, {
          window: msg.options.window,
          chunk: msg.options.chunk,
          zstd,
          stream,
          nativeGunzip,
          prefetch: msg.options.prefetch,
        });
        post({ kind: 'progress', entries });
      }
      post({ kind: 'done', entries, ms: performance.now() - started });
    }
  } catch (error) {
    post({ kind: 'error', message: error instanceof Error ? `${error.message}` : String(error) });
  }
};
