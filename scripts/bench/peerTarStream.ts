/**
 * Child process, the Node peer: lists every layer of an archive the way a Node developer would with
 * `tar-stream`: one pass over the outer tar, each layer member piped through a decompressor
 * (node:zlib for gzip; fzstd for zstd, since Node 20's zlib has no zstd) into a second extractor
 * that counts entries and drains their bodies.
 *
 *   node --import tsx scripts/bench/peerTarStream.ts <archive> '<json LayerRef[]>'
 */
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { extract } from 'tar-stream';
import { type Compression, type LayerRef, printResult } from './common';

class ZstdTransform extends Transform {
  private readonly decoder = new Decompress((chunk) => {
    if (chunk.length) this.push(chunk);
  });
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.decoder.push(chunk, false);
      cb();
    } catch (error) {
      cb(error as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      cb();
    } catch (error) {
      cb(error as Error);
    }
  }
}

/** tar-stream's streams are streamx streams; Node's pipeline drives them through the same interface. */
type AnyReadable = NodeJS.ReadableStream;
type AnyWritable = NodeJS.WritableStream;

async function countEntries(body: AnyReadable, compression: Compression): Promise<number> {
  const inner = extract();
  let n = 0;
  const counting = (async () => {
    for await (const entry of inner) {
      n++;
      entry.resume();
    }
  })();
  const sink = inner as unknown as AnyWritable;
  const piping =
    compression === 'gzip'
      ? pipeline(body, createGunzip(), sink)
      : compression === 'zstd'
        ? pipeline(body, new ZstdTransform(), sink)
        : pipeline(body, sink);
  await Promise.all([piping, counting]);
  return n;
}

const [path, layersJson] = process.argv.slice(2);
if (!path || !layersJson) throw new Error('usage: peerTarStream.ts <archive> <layers json>');
const layers = new Map((JSON.parse(layersJson) as LayerRef[]).map((l) => [l.member, l]));
const cpu0 = process.cpuUsage();
const started = performance.now();
const outer = extract();
let entries = 0;
const listing = (async () => {
  for await (const entry of outer) {
    const layer = layers.get(entry.header.name);
    if (layer) entries += await countEntries(entry as unknown as AnyReadable, layer.compression);
    else entry.resume();
  }
})();
await Promise.all([
  pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), outer as unknown as AnyWritable),
  listing,
]);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
printResult({
  ms,
  cpuMs: (cpu.user + cpu.system) / 1000,
  entries,
  maxRss: process.resourceUsage().maxRSS * 1024,
});
