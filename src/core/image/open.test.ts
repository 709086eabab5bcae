import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  archivesBuiltInCode,
  dockerArchive,
  ociArchive,
  sha256,
  type TestImage,
  zstdStored,
} from '../../testing/archives';
import { buildTar } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { ArchiveReadError, openArchive, totalEntries } from './open';

const base: TestImage = {
  tags: ['base:1'],
  layers: [
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', content: 'root:x:0:0\n' },
      { name: 'bin/', type: 'dir' },
      { name: 'bin/sh', content: 'ELF' },
    ],
  ],
};
const app: TestImage = {
  tags: ['app:1', 'app:latest'],
  layers: [
    base.layers[0],
    [
      { name: 'opt/app/', type: 'dir' },
      { name: `opt/app/${'long-name-'.repeat(15)}ü.txt`, content: 'x' },
    ],
    [{ name: 'etc/.wh.passwd' }],
  ],
  history: [
    { createdBy: '/bin/sh -c #(nop) ADD file:abc in /' },
    { createdBy: '/bin/sh -c #(nop)  ENV A=b', emptyLayer: true },
    { createdBy: '/bin/sh -c mkdir /opt/app' },
    { createdBy: '/bin/sh -c rm /etc/passwd' },
    { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true },
  ],
};

async function open(bytes: Uint8Array, name = 'test.tar') {
  return openArchive(new MemorySource(bytes, name));
}

describe('openArchive', () => {
  it('reads a docker-archive with several images sharing layers, once per blob', async () => {
    const archive = await open(dockerArchive([base, app], { symlinkShared: true }));
    expect(archive.format).toBe('docker-archive');
    expect(archive.errors).toEqual([]);
    expect(archive.images.map((i) => i.tags)).toEqual([['base:1'], ['app:1', 'app:latest']]);
    expect(archive.blobs.size).toBe(3); // the symlinked layer.tar resolves to the stored copy
    expect(archive.images[0].layers[0].blob).toBe(archive.images[1].layers[0].blob);
    expect(totalEntries(archive)).toBe(4 + 2 + 1);
    const [root, ...rest] = archive.layerTree;
    expect(root.parent).toBeNull();
    expect(root.tags).toEqual(['base:1']);
    expect(root.images).toEqual([0, 1]);
    expect(rest.at(-1)?.tags).toEqual(['app:1', 'app:latest']);
    expect(archive.images[1].layers.map((l) => l.createdBy)).toEqual([
      '/bin/sh -c #(nop) ADD file:abc in /',
      '/bin/sh -c mkdir /opt/app',
      '/bin/sh -c rm /etc/passwd',
    ]);
    expect(archive.images[1].history.map((h) => h.layerIndex)).toEqual([0, null, 1, 2, null]);
    expect(archive.images[1].config.Env).toEqual(['PATH=/usr/bin']);
    expect(archive.images[1].platform).toBe('linux/amd64');
  });

  it('computes chain IDs as the OCI spec defines them', async () => {
    const archive = await open(dockerArchive([app]));
    const diffIds = app.layers.map((l) => sha256(buildTar(l)));
    const chain1 = sha256(`${diffIds[0]} ${diffIds[1]}`);
    expect(archive.images[0].layers.map((l) => l.diffId)).toEqual(diffIds);
    expect(archive.images[0].layers[1].chainId).toBe(chain1);
    expect(archive.images[0].layers[2].chainId).toBe(sha256(`${chain1} ${diffIds[2]}`));
  });

  for (const compression of ['none', 'gzip', 'zstd'] as const) {
    it(`reads an OCI layout with ${compression} layers, sniffing compression from the bytes`, async () => {
      const archive = await open(ociArchive([base, app], compression));
      expect(archive.format).toBe('oci-layout');
      expect(archive.errors).toEqual([]);
      expect(archive.images.map((i) => i.tags)).toEqual([['base:1'], ['app:1', 'app:latest']]);
      expect([...archive.blobs.values()].map((b) => b.compression)).toEqual([
        compression,
        compression,
        compression,
      ]);
      const blob = archive.blobs.get(archive.images[1].layers[1].blob);
      expect(blob?.digest).toBe(`sha256:${blob?.member.slice('blobs/sha256/'.length)}`);
      const names = archive.blobs.get(archive.images[1].layers[1].blob)?.entries?.allNames();
      expect(names).toEqual(['opt/app/', `opt/app/${'long-name-'.repeat(15)}ü.txt`]);
    });
  }

  it('opens a whole archive wrapped in gzip or zstd like the archive inside', async () => {
    const plain = dockerArchive([base, app]);
    for (const wrapped of [gzipSync(plain), zstdStored(plain)]) {
      const archive = await open(wrapped);
      expect(archive.errors).toEqual([]);
      expect(archive.outerCompression).not.toBe('none');
      expect(archive.images.map((i) => i.tags)).toEqual([['base:1'], ['app:1', 'app:latest']]);
      expect(totalEntries(archive)).toBe(7);
    }
  });

  it('opens any other tar as a one-layer rootfs', async () => {
    const archive = await open(
      buildTar([
        { name: './', type: 'dir' },
        { name: './hello', content: 'hi' },
      ]),
    );
    expect(archive.format).toBe('rootfs');
    expect(archive.images).toHaveLength(1);
    expect(archive.images[0].layers).toHaveLength(1);
    expect(archive.blobs.get('')?.entries?.allNames()).toEqual(['./', './hello']);
  });

  it('reads Jib-style lowercase keys and ./-prefixed member names', async () => {
    const layer = buildTar([
      { name: 'app/', type: 'dir' },
      { name: 'app/Main.class', content: 'cafe' },
    ]);
    const config = JSON.stringify({
      os: 'linux',
      architecture: 'arm64',
      rootfs: { diff_ids: [sha256(layer)] },
      history: [{ created_by: 'jib' }],
    });
    const bytes = buildTar([
      { name: './config.json', content: config },
      { name: './layer1.tar.gz', content: gzipSync(layer) },
      {
        name: './manifest.json',
        content: JSON.stringify([{ config: 'config.json', repoTags: ['jib:1'], layers: ['layer1.tar.gz'] }]),
      },
    ]);
    const archive = await open(bytes);
    expect(archive.format).toBe('docker-archive');
    expect(archive.errors).toEqual([]);
    expect(archive.images[0].tags).toEqual(['jib:1']);
    expect(archive.images[0].platform).toBe('linux/arm64');
    expect([...archive.blobs.values()][0].compression).toBe('gzip');
  });

  it('reads the legacy format through the parent chain', async () => {
    const l1 = buildTar([{ name: 'a', content: '1' }]);
    const l2 = buildTar([{ name: 'b', content: '2' }]);
    const id1 = 'a'.repeat(64);
    const id2 = 'b'.repeat(64);
    const bytes = buildTar([
      { name: 'repositories', content: JSON.stringify({ old: { v1: id2 } }) },
      {
        name: `${id1}/json`,
        content: JSON.stringify({ id: id1, container_config: { Cmd: ['/bin/sh', '-c', 'one'] } }),
      },
      { name: `${id1}/layer.tar`, content: l1 },
      {
        name: `${id2}/json`,
        content: JSON.stringify({
          id: id2,
          parent: id1,
          config: { Cmd: ['sh'] },
          os: 'linux',
          architecture: 'amd64',
        }),
      },
      { name: `${id2}/layer.tar`, content: l2 },
    ]);
    const archive = await open(bytes);
    expect(archive.format).toBe('docker-legacy');
    expect(archive.images[0].tags).toEqual(['old:v1']);
    expect(archive.images[0].layers.map((l) => l.createdBy)).toEqual(['/bin/sh -c one', null]);
    expect(archive.images[0].config.Cmd).toEqual(['sh']);
    expect(totalEntries(archive)).toBe(2);
  });

  it('reports a legacy parent cycle and keeps going', async () => {
    const id1 = '1'.repeat(64);
    const id2 = '2'.repeat(64);
    const bytes = buildTar([
      { name: 'repositories', content: JSON.stringify({ loop: { x: id2 } }) },
      { name: `${id1}/json`, content: JSON.stringify({ id: id1, parent: id2 }) },
      { name: `${id1}/layer.tar`, content: buildTar([]) },
      { name: `${id2}/json`, content: JSON.stringify({ id: id2, parent: id1 }) },
      { name: `${id2}/layer.tar`, content: buildTar([]) },
    ]);
    const archive = await open(bytes);
    expect(archive.errors).toEqual([`legacy parent chain of ${id2} loops at ${id2}`]);
    expect(archive.images[0].layers).toHaveLength(2);
  });

  it('names a missing layer blob and keeps the rest of the image', async () => {
    const bytes = dockerArchive([app]);
    const manifestJson = JSON.stringify([{ Config: 'nope.json', RepoTags: ['x:1'], Layers: [] }]);
    const broken = buildTar([{ name: 'manifest.json', content: manifestJson }]);
    const a = await open(broken);
    expect(a.errors).toEqual(['manifest.json entry 0: member "nope.json" is not in the archive']);
    const ok = await open(bytes);
    expect(ok.errors).toEqual([]);
  });

  it('refuses what is not an archive with a precise message', async () => {
    await expect(open(new TextEncoder().encode('hello world'.repeat(100)), 'notes.txt')).rejects.toThrow(
      new ArchiveReadError(
        'notes.txt is not a tar archive: no tar header at byte 0 (and it is not gzip or zstd compressed)',
      ),
    );
    await expect(open(new Uint8Array(0), 'empty.tar')).rejects.toThrow('empty.tar is empty (0 bytes)');
  });

  it('keeps what was read from a truncated archive and says where it stopped', async () => {
    const bytes = dockerArchive([base, app]);
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    const archive = await open(cut, 'cut.tar');
    expect(archive.errors.length).toBeGreaterThan(0);
    expect(archive.errors[0]).toMatch(
      /^archive cut\.tar: unexpected end of archive: \d+ bytes of ".+" missing at byte \d+/,
    );
  });

  it('reports progress and honours cancellation', async () => {
    const phases: string[] = [];
    const archive = await openArchive(new MemorySource(dockerArchive([base, app])), {
      onProgress: (p) => phases.push(p.phase),
    });
    expect(phases[0]).toBe('scanning');
    expect(phases.at(-1)).toBe('done');
    expect(archive.images).toHaveLength(2);
    const controller = new AbortController();
    controller.abort();
    await expect(
      openArchive(new MemorySource(dockerArchive([base])), { signal: controller.signal }),
    ).rejects.toThrow();
  });

  describe('archives real tools write that once failed', () => {
    const built = new Map(archivesBuiltInCode().map((a) => [a.name, a.bytes]));
    const openBuilt = (name: string) => open(built.get(name) ?? new Uint8Array(0), name);

    it('reads a Docker 25+ save whose index.json lists no manifests from its manifest.json', async () => {
      const archive = await openBuilt('docker-null-index.tar');
      expect(archive.errors).toEqual([]);
      expect(archive.format).toBe('oci-layout');
      expect(archive.images).toHaveLength(1);
      expect(archive.images[0].layers).toHaveLength(1);
      expect(archive.warnings).toEqual([
        'index.json lists no manifests; the images were read from manifest.json',
      ]);
      expect(totalEntries(archive)).toBe(4);
    });

    it('skips an artifact whose layers are not filesystem layers, and reads the image beside it', async () => {
      const archive = await openBuilt('oci-artifact.tar');
      expect(archive.errors).toEqual([]);
      expect(archive.images.map((i) => i.tags)).toEqual([['base:1']]);
      expect(archive.warnings).toHaveLength(1);
      expect(archive.warnings[0]).toMatch(
        /^skipped artifact sha256:[0-9a-f]{64}: a layer of media type application\/vnd\.example\.build-type\+json is not a filesystem layer$/,
      );
    });

    it('finds layers by content, whatever their member names', async () => {
      const archive = await openBuilt('docker-archive-odd-names.tar');
      expect(archive.errors).toEqual([]);
      expect(archive.images[0].layers.map((l) => archive.blobs.get(l.blob)?.entries?.count)).toEqual([4, 2]);
    });

    it('refuses a JSON member named as a layer, saying what it is', async () => {
      const archive = await openBuilt('docker-archive-json-layer.tar');
      expect(archive.errors).toEqual([
        'layer "not-a-layer.json" is not a tar: no tar header at byte 0 (it is JSON)',
      ]);
    });

    it('lists an image named in two spellings once, in the short form', async () => {
      const archive = await openBuilt('docker-archive.tar');
      expect(archive.images.map((i) => i.tags)).toEqual([['base:1'], ['app:1', 'app:latest']]);
    });
  });
});
