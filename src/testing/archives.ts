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
export function ociArchive(images: TestImage[], compression: 'none' | 'gzip' | 'zstd' = 'gzip'): Uint8Array {
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
      const stored = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? zstdStored(tar) : tar;
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
