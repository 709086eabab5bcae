/**
 * `imageChangeCounts` (what `inspect` prints) skips the read model, so it must count exactly what
 * the model's layers count, and the analysis sharing its interned paths must equal the analysis on
 * its own: on random images (the generator of stacking.property.test.ts's kind),
 * on every archive the tests build in code, and on ../shared/fixtures/real when present.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '../../cli/nodeFileSource';
import { archivesBuiltInCode } from '../../testing/archives';
import { testArchive } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { analyzeImage } from '../analysis';
import { MemorySource } from '../bytes/byteSource';
import type { ImageArchive } from '../image/model';
import { openArchive } from '../image/open';
import { buildImageFileSystem, imageChangeCounts } from './build';
import { ImageFileSystem } from './imageFileSystem';
import { stackLayerCounts } from './stacking';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REAL = `${ROOT}../shared/fixtures/real/`;
const realFiles = existsSync(REAL) ? readdirSync(REAL).filter((f) => /\.tar(\.gz)?$/.test(f)) : [];

async function expectSameCounts(archive: ImageArchive): Promise<number> {
  let layers = 0;
  for (let index = 0; index < archive.images.length; index++) {
    const fs = await buildImageFileSystem(archive, index);
    const { counts, paths } = await imageChangeCounts(archive, index);
    // The analysis going on from the counting's paths gives what it gives on its own.
    expect(analyzeImage(archive, index, paths), `${archive.name} image ${index}`).toEqual(
      analyzeImage(archive, index),
    );
    expect(counts.length).toBe(archive.images[index].layers.length);
    counts.forEach((c, layer) => {
      expect(c, `${archive.name} image ${index} layer ${layer}`).toEqual(fs.counts(layer));
      layers++;
    });
  }
  return layers;
}

const segment = fc.constantFrom('a', 'b', 'c');
const pathArb = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const entryArb: fc.Arbitrary<BuildEntry> = fc.oneof(
  fc
    .record({ path: pathArb, content: fc.constantFrom('', 'x', 'y'), mode: fc.constantFrom(0o644, 0o755) })
    .map(({ path, content, mode }) => ({ name: path, content, mode })),
  pathArb.map((path) => ({ name: `${path}/`, type: 'dir' as const })),
  fc
    .record({ path: pathArb, target: fc.constantFrom('a', '../b') })
    .map(({ path, target }) => ({ name: path, type: 'symlink' as const, linkTarget: target })),
  pathArb.map((path) => {
    const slash = path.lastIndexOf('/');
    return { name: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, content: '' };
  }),
  fc
    .option(pathArb, { nil: undefined })
    .map((path) => ({ name: `${path ? `${path}/` : ''}.wh..wh..opq`, content: '' })),
  // aufs bookkeeping, a whiteout of `.` and names dive cuts short: stacked and analysed apart
  fc
    .constantFrom('.wh..wh.plnk/x', 'a/.wh..wh.aufs', 'a/.wh..', 'b/.wh..wh..x/y', './')
    .map((name) => ({ name, content: '' })),
);

describe('change counts without the read model', () => {
  it('equal the model counts on random images (duplicates, whiteouts, opaque markers, rewrites)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(entryArb, { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        async (specs) => {
          const test = await testArchive(specs);
          const fs = await ImageFileSystem.build(test.archive, 0, test.contentHash);
          const layers = test.archive.images[0].layers.map((layer) => ({
            blobKey: layer.blob,
            table: test.archive.blobs.get(layer.blob)?.entries ?? null,
          }));
          const { counts, paths } = await stackLayerCounts(layers, test.contentHash);
          for (const [layer, c] of counts.entries()) expect(c).toEqual(fs.counts(layer));
          expect(analyzeImage(test.archive, 0, paths)).toEqual(analyzeImage(test.archive, 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each(archivesBuiltInCode().map((a) => [a.name, a.bytes] as const))(
    '%s (built in code)',
    async (name, bytes) => {
      await expectSameCounts(await openArchive(new MemorySource(bytes, name)));
    },
  );

  it.skipIf(realFiles.length === 0).each(realFiles)('%s', async (file) => {
    expect(await expectSameCounts(await openArchive(new NodeFileSource(`${REAL}${file}`)))).toBeGreaterThan(
      0,
    );
  });
});
