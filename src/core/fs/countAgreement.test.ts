/**
 * Issue 17: a layer's counts, its Changes rows and the path history agree, by the one rule of
 * changeRule.ts, on every real archive of ../shared/fixtures/real, the built-in sample (when
 * `npm run sample` has written it) and every archive the tests build in code.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '../../cli/nodeFileSource';
import { archivesBuiltInCode } from '../../testing/archives';
import { countAgreement } from '../../testing/countAgreement';
import { MemorySource } from '../bytes/byteSource';
import { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import { openArchive } from '../image/open';
import { ImageFileSystem } from './imageFileSystem';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REAL = `${ROOT}../shared/fixtures/real/`;
const SAMPLE = `${ROOT}public/sample/sample.tar`;

async function checkAll(archive: ImageArchive): Promise<number> {
  const reader = new ContentReader(archive);
  let layers = 0;
  for (let index = 0; index < archive.images.length; index++) {
    const image = archive.images[index];
    const fs = await ImageFileSystem.build(archive, index, (layer, entry) =>
      reader.hash(image.layers[layer].blob, entry),
    );
    for (const layer of countAgreement(fs)) {
      const where = `${archive.name} image ${index} layer ${layer.layer}`;
      expect(layer.rows, `${where}: Changes rows`).toEqual(layer.counts);
      expect(layer.history, `${where}: path history`).toEqual(layer.counts);
      expect(layer.unexplained, where).toEqual([]);
      layers++;
    }
  }
  return layers;
}

const realFiles = existsSync(REAL) ? readdirSync(REAL).filter((f) => /\.tar(\.gz)?$/.test(f)) : [];

describe('counts, Changes rows and path history agree', () => {
  it.skipIf(realFiles.length === 0).each(realFiles)('%s', async (file) => {
    expect(await checkAll(await openArchive(new NodeFileSource(`${REAL}${file}`)))).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(SAMPLE))('the built-in sample', async () => {
    expect(await checkAll(await openArchive(new NodeFileSource(SAMPLE)))).toBeGreaterThan(0);
  });

  it.each(archivesBuiltInCode().map((a) => [a.name, a.bytes] as const))(
    '%s (built in code)',
    async (name, bytes) => {
      await checkAll(await openArchive(new MemorySource(bytes, name)));
    },
  );
});
