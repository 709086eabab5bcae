/**
 * Child process: indexes one archive with our core in Node (openArchive over a NodeFileSource,
 * exactly what `inspect` does before it formats its output) and prints one result line: the time
 * to a full index, entries, peak RSS and the heap the index keeps (after a GC, with --expose-gc).
 *
 *   [ILX_POOL=<n>] node --expose-gc --import tsx scripts/bench/oursNode.ts <archive>
 *
 * Compressed layers are decoded by the CLI's pool of worker threads, sized as the CLI sizes it
 * (ILX_POOL, else one per core); the workers' start is inside the measured time. ILX_POOL_WORKER names
 * the built worker script (dist-cli/pool-worker.cjs), which the benchmark passes when it exists.
 */
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { defaultPoolSize, nodeLayerPool } from '../../src/cli/pool/nodePool';
import { openArchive, totalEntries } from '../../src/core/image/open';
import { type LayerRef, printResult } from './common';

export interface OursNodeResult {
  ms: number;
  /** CPU time (user + system, all threads) spent indexing. */
  cpuMs: number;
  /** Monotonic clock (µs) at the start and end of indexing: the same clock as a --cpu-prof profile's. */
  windowUs: [number, number];
  entries: number;
  maxRss: number;
  heapAfterGc: number | null;
  format: string;
  errors: string[];
  layers: LayerRef[];
  /** The pool's size, and what it did (workers started, layers it indexed). */
  pool: { size: number; started: number; indexed: number; failed: number };
}

const path = process.argv[2];
if (!path) throw new Error('usage: oursNode.ts <archive>');
const cpu0 = process.cpuUsage();
const startedUs = Number(process.hrtime.bigint() / 1000n);
const started = performance.now();
const source = new NodeFileSource(path);
const poolSize = defaultPoolSize();
const layerPool = poolSize > 0 ? nodeLayerPool(path, poolSize) : undefined;
const archive = await openArchive(source, { layerPool });
const ms = performance.now() - started;
layerPool?.close();
const cpu = process.cpuUsage(cpu0);
const endedUs = Number(process.hrtime.bigint() / 1000n);
source.close();
const gc = (globalThis as { gc?: () => void }).gc;
let heapAfterGc: number | null = null;
if (gc) {
  // Twice, a turn apart: ArrayBuffers freed by the first collection are swept after it.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  const m = process.memoryUsage();
  heapAfterGc = m.heapUsed + m.arrayBuffers;
}
const result: OursNodeResult = {
  ms,
  cpuMs: (cpu.user + cpu.system) / 1000,
  windowUs: [startedUs, endedUs],
  entries: totalEntries(archive),
  maxRss: process.resourceUsage().maxRSS * 1024,
  heapAfterGc,
  format: archive.format,
  errors: archive.errors,
  pool: { size: poolSize, started: 0, indexed: 0, failed: 0, ...layerPool?.stats },
  layers: [...archive.blobs.values()].map((b) => ({
    member: b.storedName,
    compression: b.compression,
    entries: b.entries?.count ?? 0,
  })),
};
// Keep the archive reachable until after the measurement, so the GC figure is the index's size.
if (archive.blobs.size < 0) console.log(archive);
printResult(result);
