/**
 * Child process: compares two images with our core in Node (what `diff` does before it prints)
 * and prints one result line: time to open both archives, to the first differences, to the end,
 * the counts, and peak RSS.
 *
 *   node --import tsx scripts/bench/oursCompare.ts <archiveA> <archiveB>
 */
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { openSides, TreeComparison } from '../../src/core/compare';
import { openArchive } from '../../src/core/image/open';
import { printResult } from './common';

export interface OursCompareResult {
  ms: number;
  openMs: number;
  /** From the start until the first batch of differences was handed out. */
  firstMs: number | null;
  cpuMs: number;
  pathsCompared: number;
  differences: number;
  maxRss: number;
}

const [pathA, pathB] = process.argv.slice(2);
if (!pathA || !pathB) throw new Error('usage: oursCompare.ts <archiveA> <archiveB>');
const cpu0 = process.cpuUsage();
const started = performance.now();
const archiveA = await openArchive(new NodeFileSource(pathA));
const archiveB = pathB === pathA ? archiveA : await openArchive(new NodeFileSource(pathB));
// as `diff` does: one filesystem when one image's layers are the first layers of the other
const [a, b] = await openSides(
  { archive: archiveA, imageIndex: 0, layer: archiveA.images[0].layers.length - 1 },
  { archive: archiveB, imageIndex: 0, layer: archiveB.images[0].layers.length - 1 },
);
const openMs = performance.now() - started;
const comparison = new TreeComparison(a, b);
let firstMs: number | null = null;
let differences = 0;
for await (const batch of comparison.batches()) {
  firstMs ??= performance.now() - started;
  differences += batch.length;
}
const cpu = process.cpuUsage(cpu0);
const result: OursCompareResult = {
  ms: performance.now() - started,
  openMs,
  firstMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  pathsCompared: comparison.pathsCompared,
  differences,
  maxRss: process.resourceUsage().maxRSS * 1024,
};
printResult(result);
