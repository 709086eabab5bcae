import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type BuildEntry, buildTar } from './tarBuilder';

/** Test-only helpers that assemble whole image archives in memory from layer entry lists. */

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A zstd frame made of raw (stored) blocks: valid zstd that any decoder reads, written without
 * a zstd encoder (Node 20 has none).
 */
export function zstdStored(data: Uint8Array): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0x00]; // magic, frame header descriptor: no size, no checksum
  // window descriptor: exponent 10 => 1 KiB << (10) ... use 8 MiB window (exponent 13)
  parts.push(13 << 3);
  const out: Uint8Array[] = [Uint8Array.from(parts)];
  const max = 128 * 1024;
  if (data.length === 0) out.push(Uint8Array.from([0x01, 0x00, 0x00]));
  for (let off = 0; off < data.length; off += max) {
    const block = data.subarray(off, Math.min(data.length, off + max));
    const last = off + max >= data.length ? 1 : 0;
    const header = (block.length << 3) | (0 << 1) | last;
    out.push(Uint8Array.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block);
  }
  let total = 0;
  for (const p of out) total += p.length;
  const frame = new Uint8Array(total);
  let pos = 0;
  for (const p of out) {
    frame.set(p, pos);
    pos += p.length;
  }
  return frame;
}

export interface TestImage {
  tags: string[];
  layers: BuildEntry[][];
  /** history steps; a step with emptyLayer has no layer */
  history?: { createdBy: string; emptyLayer?: boolean }[];
  config?: Record<string, unknown>;
}

function configFor(image: TestImage, diffIds: string[]): Uint8Array {
  const history =
    image.history ??
    image.layers.map((_, i) => ({ createdBy: `/bin/sh -c #(nop) STEP ${i}`, emptyLayer: false }));
  return new TextEncoder().encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: {
        Env: ['PATH=/usr/bin'],
        Cmd: ['sh'],
        WorkingDir: '/',
        Labels: { a: 'b' },
        ...(image.config ?? {}),
      },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: history.map((h) => ({
        created_by: h.createdBy,
        ...(h.emptyLayer ? { empty_layer: true } : {}),
      })),
    }),
  );
}

/** Docker 1.10–24 `docker save` layout: `<id>/layer.tar`, `<config>.json`, manifest.json. */
export function dockerArchive(images: TestImage[], options: { symlinkShared?: boolean } = {}): Uint8Array {
  const entries: BuildEntry[] = [];
  const written = new Map<string, string>();
  const manifest: unknown[] = [];
  for (const image of images) {
    const layerPaths: string[] = [];
    const diffIds: string[] = [];
    for (const layer of image.layers) {
      const tar = buildTar(layer);
      const diffId = sha256(tar);
      diffIds.push(diffId);
      const dir = diffId.slice(7);
      const path = `${dir}/layer.tar`;
      if (!written.has(diffId)) {
        entries.push({ name: `${dir}/`, type: 'dir' }, { name: path, content: tar });
        written.set(diffId, path);
      } else if (options.symlinkShared) {
        const linkDir = sha256(`${dir}-${images.indexOf(image)}`).slice(7);
        entries.push({ name: `${linkDir}/`, type: 'dir' });
        entries.push({ name: `${linkDir}/layer.tar`, type: 'symlink', linkTarget: `../${path}` });
        layerPaths.push(`${linkDir}/layer.tar`);
        continue;
      }
      layerPaths.push(path);
    }
    const config = configFor(image, diffIds);
    const configName = `${sha256(config).slice(7)}.json`;
    entries.push({ name: configName, content: config });
    manifest.push({ Config: configName, RepoTags: image.tags, Layers: layerPaths });
  }
  entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  return buildTar(entries);
}

/** An OCI image layout tar with layers compressed as asked; tags go into ref.name annotations. */
export function ociArchive(
  images: TestImage[],
  compression: 'none' | 'gzip' | 'zstd' = 'gzip',
  /** Compresses a layer's tar another way (several gzip members or zstd frames, say). */
  compressLayer?: (tar: Uint8Array) => Uint8Array,
): Uint8Array {
  const blobs = new Map<string, Uint8Array>();
  const put = (bytes: Uint8Array): string => {
    const digest = sha256(bytes);
    blobs.set(digest, bytes);
    return digest;
  };
  const descriptors: unknown[] = [];
  for (const image of images) {
    const layers: unknown[] = [];
    const diffIds: string[] = [];
    for (const layer of image.layers) {
      const tar = buildTar(layer);
      diffIds.push(sha256(tar));
      const stored = compressLayer
        ? compressLayer(tar)
        : compression === 'gzip'
          ? gzipSync(tar)
          : compression === 'zstd'
            ? zstdStored(tar)
            : tar;
      const suffix = compression === 'none' ? '' : `+${compression}`;
      layers.push({
        mediaType: `application/vnd.oci.image.layer.v1.tar${suffix}`,
        digest: put(stored),
        size: stored.length,
      });
    }
    const config = configFor(image, diffIds);
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: put(config),
          size: config.length,
        },
        layers,
      }),
    );
    for (const tag of image.tags.length ? image.tags : [null]) {
      descriptors.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: put(manifest),
        size: manifest.length,
        ...(tag ? { annotations: { 'org.opencontainers.image.ref.name': tag } } : {}),
      });
    }
  }
  const entries: BuildEntry[] = [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests: descriptors }) },
    { name: 'blobs/', type: 'dir' },
    { name: 'blobs/sha256/', type: 'dir' },
  ];
  for (const [digest, bytes] of blobs)
    entries.push({ name: `blobs/sha256/${digest.slice(7)}`, content: bytes });
  return buildTar(entries);
}

const encode = (text: string) => new TextEncoder().encode(text);

const baseImage: TestImage = {
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
const appImage: TestImage = {
  tags: ['app:1', 'docker.io/library/app:1', 'app:latest'],
  layers: [
    baseImage.layers[0],
    [
      { name: 'opt/app/', type: 'dir' },
      { name: `opt/app/${'long-name-'.repeat(15)}ü.txt`, content: 'x' },
    ],
    [{ name: 'etc/.wh.passwd' }, { name: 'opt/.wh..wh..opq' }],
  ],
  history: [
    { createdBy: '/bin/sh -c #(nop) ADD file:abc in /' },
    { createdBy: '|1 TOKEN=x /bin/sh -c mkdir /opt/app' },
    { createdBy: '/bin/sh -c #(nop)  ENV A=b', emptyLayer: true },
    { createdBy: 'RUN /bin/sh -c rm /etc/passwd # buildkit' },
  ],
};

/** A docker-archive whose members have names no tool would guess: only their content says what they are. */
function dockerArchiveWithOddNames(): Uint8Array {
  const one = buildTar(baseImage.layers[0]);
  const two = buildTar(appImage.layers[1]);
  const config = encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(one), sha256(two)] },
      history: [{ created_by: 'one' }, { created_by: 'two' }],
    }),
  );
  return buildTar([
    { name: 'layers/', type: 'dir' },
    { name: 'layers/one', content: one },
    { name: 'layers/two', content: two },
    { name: 'settings', content: config },
    {
      name: 'manifest.json',
      content: JSON.stringify([
        { Config: 'settings', RepoTags: ['odd:1'], Layers: ['layers/one', 'layers/two'] },
      ]),
    },
  ]);
}

/** A pre-1.10 save: `repositories`, `<id>/json` with the parent chain, `<id>/layer.tar` (one of them empty). */
function legacyArchive(): Uint8Array {
  const id1 = 'a'.repeat(64);
  const id2 = 'b'.repeat(64);
  const id3 = 'c'.repeat(64);
  return buildTar([
    { name: 'repositories', content: JSON.stringify({ old: { v1: id3 } }) },
    {
      name: `${id1}/json`,
      content: JSON.stringify({ id: id1, container_config: { Cmd: ['/bin/sh', '-c', 'one'] } }),
    },
    { name: `${id1}/layer.tar`, content: buildTar([{ name: 'a', content: '1' }]) },
    { name: `${id2}/json`, content: JSON.stringify({ id: id2, parent: id1 }) },
    { name: `${id2}/layer.tar`, content: new Uint8Array(0) },
    {
      name: `${id3}/json`,
      content: JSON.stringify({ id: id3, parent: id2, os: 'linux', architecture: 'amd64' }),
    },
    { name: `${id3}/layer.tar`, content: buildTar([{ name: 'b', content: '2' }]) },
  ]);
}

/** Docker 25+ can write `"manifests": null` in index.json and name the image in manifest.json only. */
function dockerNullIndex(): Uint8Array {
  const layer = buildTar(baseImage.layers[0]);
  const config = encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
      history: [{ created_by: 'ADD rootfs' }],
    }),
  );
  const blob = (bytes: Uint8Array) => `blobs/sha256/${sha256(bytes).slice(7)}`;
  return buildTar([
    { name: 'blobs/', type: 'dir' },
    { name: 'blobs/sha256/', type: 'dir' },
    { name: blob(layer), content: layer },
    { name: blob(config), content: config },
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    {
      name: 'index.json',
      content: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null}',
    },
    {
      name: 'manifest.json',
      content: JSON.stringify([{ Config: blob(config), RepoTags: null, Layers: [blob(layer)] }]),
    },
  ]);
}

/** An OCI layout beside one image holds an artifact whose "layers" are small JSON blobs, not tars. */
function ociWithArtifact(): Uint8Array {
  const layer = buildTar(baseImage.layers[0]);
  const note = encode('{"built":"yes"}');
  const config = encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  const empty = encode('{}');
  const manifest = (layerType: string, layerBytes: Uint8Array, configBytes: Uint8Array) =>
    encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256(configBytes),
          size: configBytes.length,
        },
        layers: [{ mediaType: layerType, digest: sha256(layerBytes), size: layerBytes.length }],
      }),
    );
  const image = manifest('application/vnd.oci.image.layer.v1.tar', layer, config);
  const artifact = manifest('application/vnd.example.build-type+json', note, empty);
  const blob = (bytes: Uint8Array): BuildEntry => ({
    name: `blobs/sha256/${sha256(bytes).slice(7)}`,
    content: bytes,
  });
  const descriptor = (bytes: Uint8Array, ref: string) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256(bytes),
    size: bytes.length,
    annotations: { 'org.opencontainers.image.ref.name': ref },
  });
  return buildTar([
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    blob(layer),
    blob(note),
    blob(config),
    blob(empty),
    blob(image),
    blob(artifact),
    {
      name: 'index.json',
      content: JSON.stringify({
        schemaVersion: 2,
        manifests: [descriptor(image, 'docker.io/library/base:1'), descriptor(artifact, 'build-info')],
      }),
    },
  ]);
}

/** A manifest naming a JSON member as a layer: both scans must refuse it the same way. */
function dockerArchiveWithJsonLayer(): Uint8Array {
  const config = encode(
    JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { diff_ids: ['sha256:00'] } }),
  );
  return buildTar([
    { name: 'c.json', content: config },
    { name: 'not-a-layer.json', content: '{"hello":"world"}' },
    {
      name: 'manifest.json',
      content: JSON.stringify([{ Config: 'c.json', RepoTags: ['bad:1'], Layers: ['not-a-layer.json'] }]),
    },
  ]);
}

/**
 * Every kind of archive the tests build in code, named: each format, shared and symlinked layers,
 * compressed layers, odd member names, empty layers, artifacts, whiteouts and a plain rootfs.
 */
export function archivesBuiltInCode(): { name: string; bytes: Uint8Array }[] {
  return [
    { name: 'docker-archive.tar', bytes: dockerArchive([baseImage, appImage]) },
    {
      name: 'docker-archive-symlinks.tar',
      bytes: dockerArchive([baseImage, appImage], { symlinkShared: true }),
    },
    { name: 'docker-archive-odd-names.tar', bytes: dockerArchiveWithOddNames() },
    { name: 'docker-archive-json-layer.tar', bytes: dockerArchiveWithJsonLayer() },
    { name: 'docker-legacy.tar', bytes: legacyArchive() },
    { name: 'docker-null-index.tar', bytes: dockerNullIndex() },
    { name: 'oci-none.tar', bytes: ociArchive([baseImage, appImage], 'none') },
    { name: 'oci-gzip.tar', bytes: ociArchive([baseImage, appImage], 'gzip') },
    { name: 'oci-zstd.tar', bytes: ociArchive([baseImage, appImage], 'zstd') },
    { name: 'oci-artifact.tar', bytes: ociWithArtifact() },
    { name: 'rootfs.tar', bytes: buildTar(appImage.layers[1]) },
  ];
}
