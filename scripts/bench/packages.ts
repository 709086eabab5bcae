/**
 * Times the packages analysis of an archive in Node, after indexing and after the file system is
 * built (what the worker does once an image is ready), and the risky-files scan of the top layer;
 * prints the phases as one JSON line per run.
 *
 *   npx tsx scripts/bench/packages.ts <archive> [runs]
 */
import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { buildImageFileSystem } from '../../src/core/fs';
import { ContentReader } from '../../src/core/image/content';
import { openArchive, totalEntries } from '../../src/core/image/open';
import { findRiskyFiles, imageFileReader, imagePackages } from '../../src/core/packages';

const [path, runsArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: npx tsx scripts/bench/packages.ts <archive> [runs]');
  process.exit(2);
}
for (let run = 0; run < Number(runsArg ?? 3); run++) {
  const t0 = performance.now();
  const archive = await openArchive(new NodeFileSource(path));
  const t1 = performance.now();
  const fs = await buildImageFileSystem(archive, 0);
  const t2 = performance.now();
  const reader = new ContentReader(archive);
  const result = await imagePackages(archive, 0, fs, reader);
  const t3 = performance.now();
  const risky = await findRiskyFiles(fs, fs.layerCount - 1, imageFileReader(archive, 0, reader));
  const t4 = performance.now();
  const byEcosystem: Record<string, number> = {};
  for (const pkg of result.packages) byEcosystem[pkg.ecosystem] = (byEcosystem[pkg.ecosystem] ?? 0) + 1;
  console.log(
    JSON.stringify({
      entries: totalEntries(archive),
      indexMs: Math.round(t1 - t0),
      fileSystemMs: Math.round(t2 - t1),
      packagesMs: Math.round(t3 - t2),
      riskyMs: Math.round(t4 - t3),
      packages: byEcosystem,
      ownedFiles: result.packages.reduce((n, pkg) => n + pkg.files.length, 0),
      warnings: result.warnings.length,
      risky: risky.counts,
    }),
  );
}
