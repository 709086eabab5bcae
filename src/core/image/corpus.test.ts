import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeFileSource } from '../../cli/nodeFileSource';
import { archivesUnder, gnuList, SHARED, sharedExists } from '../../testing/gnuTar';
import type { ImageArchive } from './model';
import { openArchive } from './open';
import { familiarReference, familiarRefName } from './reference';

/**
 * Every archive in ../shared/fixtures: real images from Docker, skopeo, podman, umoci and buildah,
 * and other projects' test data and tar edge cases. Each layer must list exactly what GNU tar
 * lists, or fail with a clear error where GNU tar fails too.
 */
const REAL = join(SHARED, 'fixtures/real');
const PEERS = join(SHARED, 'fixtures/peers');
const MODERN = join(SHARED, 'fixtures/modern');

interface FactLayer {
  member: string;
  compression: string;
  entries: number;
  diff_id: string;
  digest?: string;
  symlink_to: string | null;
}
interface Fact {
  file: string;
  ref: string | string[] | null;
  config_digest: string;
  diff_ids: string[];
  layers: FactLayer[];
}

async function tryOpen(path: string): Promise<ImageArchive | Error> {
  const source = new NodeFileSource(path);
  try {
    return await openArchive(source);
  } catch (error) {
    return error as Error;
  } finally {
    source.close();
  }
}

describe.skipIf(!sharedExists)('shared fixtures', () => {
  const facts: Fact[] = sharedExists ? JSON.parse(readFileSync(join(REAL, 'facts.json'), 'utf8')) : [];
  const files = [...new Set(facts.map((f) => f.file))];

  it.each(files)('%s agrees with facts.json', async (file) => {
    const archive = await tryOpen(join(REAL, file));
    if (archive instanceof Error) throw archive;
    expect(archive.errors).toEqual([]);
    const expected = facts.filter((f) => f.file === file);
    // umoci lists one manifest under two names; facts list each name: group by config.
    const byConfig = new Map<string, Fact[]>();
    for (const f of expected) byConfig.set(f.config_digest, [...(byConfig.get(f.config_digest) ?? []), f]);
    expect(archive.images).toHaveLength(byConfig.size);
    for (const [configDigest, group] of byConfig) {
      const image = archive.images.find((i) => i.id === configDigest);
      expect(image, `image ${configDigest}`).toBeDefined();
      if (!image) continue;
      // facts.json keeps each tool's own spelling; we list the short form `docker images` shows,
      // once (RepoTags lists are full references, an OCI ref name may be just a tag).
      const refs = group.flatMap((f) =>
        f.ref === null ? [] : Array.isArray(f.ref) ? f.ref.map(familiarReference) : [familiarRefName(f.ref)],
      );
      expect([...image.tags].sort()).toEqual([...new Set(refs)].sort());
      const fact = group[0];
      expect(image.layers.map((l) => l.diffId)).toEqual(fact.diff_ids);
      fact.layers.forEach((fl, i) => {
        const blob = archive.blobs.get(image.layers[i].blob);
        expect(blob?.compression, `${file} layer ${i} compression`).toBe(fl.compression);
        expect(blob?.entries?.count, `${file} layer ${i} entries`).toBe(fl.entries);
        expect(blob?.member).toBe((fl.symlink_to ?? fl.member).replace(/^\.\//, ''));
        if (fl.digest) expect(blob?.digest).toBe(fl.digest);
      });
    }
  });

  /** Docker 26 with BuildKit, classic and containerd image stores: meta/<archive>.facts.json. */
  interface ModernFacts {
    file: string;
    images: {
      tags: string[] | null;
      config_digest: string;
      diff_ids: string[];
      layers: { member: string; compression: string; entries: number; stored_sha256: string }[];
    }[];
    attestations: unknown[];
  }
  const modernFacts: ModernFacts[] = sharedExists
    ? archivesUnder(MODERN).map((p) =>
        JSON.parse(readFileSync(join(MODERN, 'meta', `${basename(p)}.facts.json`), 'utf8')),
      )
    : [];
  it.each(modernFacts.map((f) => [f.file, f] as const))('%s agrees with its facts', async (file, fact) => {
    const archive = await tryOpen(join(MODERN, file));
    if (archive instanceof Error) throw archive;
    expect(archive.errors).toEqual([]);
    expect(archive.format).toBe('oci-layout');
    expect(archive.images).toHaveLength(fact.images.length);
    // Each attestation manifest is skipped with a warning that names it, never read as an image.
    expect(archive.warnings.filter((w) => w.startsWith('skipped attestation manifest'))).toHaveLength(
      fact.attestations.length,
    );
    for (const expected of fact.images) {
      const image = archive.images.find((i) => i.id === expected.config_digest);
      expect(image, `image ${expected.config_digest}`).toBeDefined();
      if (!image) continue;
      expect([...image.tags].sort()).toEqual([...(expected.tags ?? [])].sort());
      expect(image.layers.map((l) => l.diffId)).toEqual(expected.diff_ids);
      expected.layers.forEach((fl, i) => {
        const blob = archive.blobs.get(image.layers[i].blob);
        expect(blob?.member).toBe(fl.member);
        expect(blob?.compression, `${file} layer ${i} compression`).toBe(fl.compression);
        expect(blob?.entries?.count, `${file} layer ${i} entries`).toBe(fl.entries);
        expect(blob?.digest).toBe(fl.stored_sha256);
        expect(blob?.error).toBeNull();
      });
    }
  });

  it("reads go-containerregistry's Docker 25 save with `manifests: null` through its manifest.json", async () => {
    const archive = await tryOpen(join(PEERS, 'go-containerregistry/hello-world-v25.tar'));
    if (archive instanceof Error) throw archive;
    expect(archive.errors).toEqual([]);
    expect(archive.images).toHaveLength(1);
    expect(archive.images[0].layers.map((l) => archive.blobs.get(l.blob)?.entries?.count)).toEqual([1]);
  });

  it("skips regclient's artifacts whose layers are JSON, and reads every image", async () => {
    const archive = await tryOpen(join(PEERS, 'regclient/testrepo.tar'));
    if (archive instanceof Error) throw archive;
    expect(archive.errors).toEqual([]);
    expect(archive.images).toHaveLength(21);
    expect(archive.warnings.filter((w) => w.includes('is not a filesystem layer'))).toHaveLength(2);
  });

  const all = [...archivesUnder(REAL), ...archivesUnder(MODERN), ...archivesUnder(PEERS)];
  it.each(all.map((p) => [p.slice(SHARED.length + 1), p]))(
    '%s lists every layer as GNU tar does',
    async (_label, path) => {
      const archive = await tryOpen(path);
      if (archive instanceof Error) {
        const gnu = gnuList(path, 'none', null, 'none');
        expect(gnu.ok, `we refused ${basename(path)} (${archive.message}) but GNU tar read it`).toBe(false);
        expect(archive.message).toMatch(/at byte \d+|not a tar archive|is empty/);
        return;
      }
      for (const blob of archive.blobs.values()) {
        if (!blob.entries) continue;
        const gnu =
          archive.format === 'rootfs'
            ? gnuList(path, archive.outerCompression, null, 'none')
            : gnuList(path, archive.outerCompression, blob.storedName, blob.compression);
        if (blob.storedSize === 0 && archive.format !== 'rootfs') {
          // Legacy saves write a zero-byte layer.tar for metadata-only steps: an empty layer, not an error.
          expect(blob.entries.count).toBe(0);
          continue;
        }
        if (gnu.ok) {
          expect(blob.error, `${blob.member}: GNU tar read it`).toBeNull();
          expect(blob.entries.allNames()).toEqual(gnu.names);
        } else {
          expect(blob.error, `${blob.member}: GNU tar failed (${gnu.stderr.trim()}) but we did not`).toMatch(
            /at byte \d+/,
          );
          // What we kept before the problem is what GNU tar listed before it (GNU tar may list more after resyncing).
          expect(gnu.names.slice(0, blob.entries.count)).toEqual(blob.entries.allNames());
        }
      }
    },
  );
});
