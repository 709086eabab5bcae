/**
 * Comparisons against an independent oracle: both images unpacked to disk by GNU tar with
 * whiteouts applied in layer order (src/testing/unpackImage.ts), walked with lstat and compared
 * byte for byte. Built-in-code archives always; the shared real images when ../shared exists,
 * with the layer members taken from its facts.json rather than from our reader.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFileSource } from '../../cli/nodeFileSource';
import { dockerArchive } from '../../testing/archives';
import { SHARED, sharedExists } from '../../testing/gnuTar';
import type { BuildEntry } from '../../testing/tarBuilder';
import { diskDiff, type LayerMember, snapshotTree, unpackImage } from '../../testing/unpackImage';
import type { Compression } from '../compress/sniff';
import type { ImageArchive } from '../image/model';
import { openArchive } from '../image/open';
import { compareImageMetadata, openSide, openSides, TreeComparison } from '.';

const work = mkdtempSync(join(tmpdir(), 'compare-oracle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Place {
  file: string;
  archive: ImageArchive;
  image: number;
  layer: number;
  outer: Compression;
  members: LayerMember[];
}

async function ours(a: Place, b: Place, trustDiffIds = true): Promise<[string, string, string][]> {
  const whereA = { archive: a.archive, imageIndex: a.image, layer: a.layer };
  const whereB = { archive: b.archive, imageIndex: b.image, layer: b.layer };
  const [sideA, sideB] = await openSides(whereA, whereB, { trustDiffIds });
  const comparison = new TreeComparison(sideA, sideB, { trustDiffIds });
  const results = await comparison.all();
  // The same with both filesystems built: one stack holding the other must not change the answer.
  const apart = new TreeComparison(
    await openSide(a.archive, a.image, a.layer),
    await openSide(b.archive, b.image, b.layer),
    { trustDiffIds },
  );
  expect(await apart.all()).toEqual(results);
  expect(comparison.warnings).toEqual([]);
  return results.map((r) => [r.path, r.change, r.what.join(',')]);
}

let unpacked = 0;
function oracle(a: Place, b: Place): [string, string, string][] {
  const dirs = [a, b].map((place) => {
    const dir = join(work, `tree-${unpacked++}`);
    unpackImage(place.file, place.outer, place.members.slice(0, place.layer + 1), dir, join(work, 'scratch'));
    return dir;
  });
  return diskDiff(dirs[0], dirs[1]);
}

/** A place whose layer members come from our own reader (for archives built in code). */
async function placeOf(file: string, image: number, layer?: number): Promise<Place> {
  const archive = await openArchive(new NodeFileSource(file));
  const img = archive.images[image];
  return {
    file,
    archive,
    image,
    layer: layer ?? img.layers.length - 1,
    outer: archive.outerCompression,
    members: img.layers.map((l) => {
      const blob = archive.blobs.get(l.blob)!;
      return { member: blob.member, compression: blob.compression };
    }),
  };
}

describe('comparisons agree with GNU tar unpacking both images', () => {
  it('an archive built in code with every kind of difference', async () => {
    const base: BuildEntry[] = [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/conf', content: 'one\n' },
      { name: 'etc/same', content: 'same\n' },
      { name: 'opt/', type: 'dir' },
      { name: 'opt/app/', type: 'dir' },
      { name: 'opt/app/a', content: 'a' },
      { name: 'opt/app/b', content: 'b' },
      { name: 'srv/', type: 'dir' },
      { name: 'srv/tool', content: 'tool', mode: 0o755 },
      { name: 'srv/link', type: 'symlink', linkTarget: 'tool' },
      { name: 'srv/dir/', type: 'dir' },
      { name: 'srv/dir/x', content: 'x' },
      { name: 'srv/file', content: 'f' },
      { name: 'srv/owned', content: 'o' },
      { name: 'srv/gone', content: 'gone' },
    ];
    const bytes = dockerArchive([
      { tags: ['a:1'], layers: [base, [{ name: 'etc/same', content: 'same\n', mtime: 5 }]] },
      {
        tags: ['b:1'],
        layers: [
          base,
          [
            { name: 'etc/conf', content: 'two\n' },
            { name: 'etc/same', content: 'same\n', mtime: 9 },
            { name: 'opt/app/', type: 'dir' },
            { name: 'opt/app/.wh..wh..opq' },
            { name: 'opt/app/c', content: 'c' },
            { name: 'srv/tool', content: 'tool', mode: 0o4755 },
            { name: 'srv/link', type: 'symlink', linkTarget: 'file' },
            { name: 'srv/dir', content: 'now a file' },
            { name: 'srv/file/', type: 'dir' },
            { name: 'srv/file/y', content: 'y' },
            { name: 'srv/owned', content: 'o', uid: 1234, gid: 99 },
            { name: 'srv/.wh.gone' },
            { name: 'srv/hard', type: 'hardlink', linkTarget: 'srv/tool' },
            { name: 'var/new/', type: 'dir', mode: 0o700 },
            { name: 'var/new/z', content: 'zzz' },
          ],
        ],
      },
    ]);
    const file = join(work, 'built.tar');
    writeFileSync(file, bytes);
    const a = await placeOf(file, 0);
    const b = await placeOf(file, 1);
    const expected = oracle(a, b);
    expect(expected.length).toBeGreaterThan(10);
    expect(await ours(a, b)).toEqual(expected);
  });
});

interface Fact {
  file: string;
  ref: string[] | string | null;
  layers: { member: string; compression: Compression; symlink_to: string | null }[];
}

const facts: Fact[] = sharedExists
  ? JSON.parse(readFileSync(join(SHARED, 'fixtures/real/facts.json'), 'utf8'))
  : [];

async function realPlace(file: string, ref: string, layer?: number): Promise<Place> {
  const path = join(SHARED, 'fixtures/real', file);
  const fact = facts.find(
    (f) => f.file === file && (Array.isArray(f.ref) ? f.ref.includes(ref) : f.ref === ref),
  );
  if (!fact) throw new Error(`no facts for ${ref} in ${file}`);
  const archive = await openArchive(new NodeFileSource(path));
  const image = archive.images.findIndex((img) => img.tags.includes(ref));
  expect(image).toBeGreaterThanOrEqual(0);
  return {
    file: path,
    archive,
    image,
    layer: layer ?? fact.layers.length - 1,
    outer: file.endsWith('.gz') ? 'gzip' : 'none',
    members: fact.layers.map((l) => ({ member: l.symlink_to ?? l.member, compression: l.compression })),
  };
}

describe.skipIf(!sharedExists)(
  'comparisons of the shared real images agree with GNU tar',
  { timeout: 180_000 },
  () => {
    it('app:1 against app:2', async () => {
      const a = await realPlace('app-1.docker.tar', 'app:1');
      const b = await realPlace('app-2.docker.tar', 'app:2');
      const expected = oracle(a, b);
      expect(expected.length).toBeGreaterThan(0);
      expect(await ours(a, b)).toEqual(expected);
      const meta = compareImageMetadata(
        await openSide(a.archive, a.image, a.layer),
        await openSide(b.archive, b.image, b.layer),
      );
      expect(meta.config.map((d) => d.field)).toContain('Env.APP_VERSION');
      expect(meta.layers.shared.length).toBe(7);
    });

    it('tool:1 against base:1', async () => {
      const a = await realPlace('tool-1.docker.tar', 'tool:1');
      const b = await realPlace('base-1.docker.tar', 'base:1');
      const expected = oracle(a, b);
      expect(expected.length).toBeGreaterThan(0);
      expect(await ours(a, b)).toEqual(expected);
    });

    it('each layer of app:2 against the next', { timeout: 240_000 }, async () => {
      const top = await realPlace('app-2.docker.tar', 'app:2');
      // The oracle unpacks the image once, keeping a copy of the tree before each layer.
      const tree = join(work, 'layers-now');
      const snapshots: string[] = [];
      unpackImage(top.file, top.outer, top.members, tree, join(work, 'scratch'), (index) => {
        const copy = join(work, `layers-at-${index}`);
        snapshotTree(tree, copy);
        snapshots.push(copy);
      });
      for (let layer = 0; layer < top.members.length - 1; layer++) {
        const a = { ...top, layer };
        const b = { ...top, layer: layer + 1 };
        const expected = diskDiff(snapshots[layer], snapshots[layer + 1]);
        expect(await ours(a, b), `layer ${layer} against ${layer + 1}`).toEqual(expected);
      }
    });

    it('a gzip-wrapped archive against the same image uncompressed: no differences', async () => {
      const a = await realPlace('app-1.docker.tar.gz', 'app:1');
      const b = await realPlace('app-1.docker.tar', 'app:1');
      expect(oracle(a, b)).toEqual([]);
      expect(await ours(a, b)).toEqual([]);
    });

    it('a docker save against its OCI copies (gzip, zstd): no differences', async () => {
      const a = await realPlace('app-1.docker.tar', 'app:1');
      for (const file of ['app-1.oci.tar', 'app-1.oci-zstd.tar']) {
        const b = await realPlace(file, 'app:1');
        expect(oracle(a, b), file).toEqual([]);
        expect(await ours(a, b), file).toEqual([]);
        // The same without taking equal diff IDs for equal bytes: every same-size file is read and hashed.
        expect(await ours(a, b, false), file).toEqual([]);
      }
    });
  },
);
