import { field, isObject, type JsonObject, objList, str, strList, strMap } from '../json';
import type { Image } from '../model';
import { addReferences, familiarReference, familiarRefName } from '../reference';
import type { FormatReader } from './context';
import { dockerArchiveReader, imageFromConfig } from './dockerArchive';

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const IMAGE_CONFIG_TYPES = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

/**
 * Filesystem layers as the OCI and Docker specs name them, compressed or not, distributable or
 * not. Any other layer type (an SBOM, a signature, `application/vnd.example.build-type+json`)
 * makes its manifest an artifact: its "layers" are not tars and have no place in a filesystem.
 */
const FILESYSTEM_LAYER_TYPE =
  /^application\/vnd\.(oci\.image\.layer(\.nondistributable)?\.v1\.tar|docker\.image\.rootfs\.(foreign\.)?diff\.tar)([.+](gzip|zstd))?$/;

function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

function describePlatform(descriptor: JsonObject): string {
  const p = field(descriptor, 'platform');
  if (!isObject(p)) return '';
  const parts = [str(field(p, 'os')), str(field(p, 'architecture')), str(field(p, 'variant'))].filter(
    Boolean,
  );
  return parts.length ? ` (${parts.join('/')})` : '';
}

/**
 * OCI image layouts (skopeo, podman, buildah, umoci, buildkit) and the Docker 25+ / containerd
 * exports that put an OCI layout and a manifest.json side by side. Walks index.json through
 * nested indexes; every platform whose manifest is present becomes an image, the rest are noted.
 */
export const ociLayoutReader: FormatReader = {
  format: 'oci-layout',
  detect: (dir) =>
    dir.has('index.json') && (dir.has('oci-layout') || dir.names().some((n) => n.startsWith('blobs/'))),
  async read(ctx) {
    const index = await ctx.dir.readJson('index.json');
    if (!isObject(index)) throw new Error('index.json is not a JSON object');
    // Docker 25+ writes the tags into manifest.json as well: keep them, keyed by config blob.
    const repoTagsByConfig = new Map<string, string[]>();
    if (ctx.dir.has('manifest.json')) {
      try {
        const manifest = await ctx.dir.readJson('manifest.json');
        for (const entry of Array.isArray(manifest) ? manifest : []) {
          const config = str(field(entry, 'Config'));
          if (config) {
            const tags: string[] = [];
            addReferences(tags, strList(field(entry, 'RepoTags')).map(familiarReference));
            repoTagsByConfig.set(config.replace(/^\.\//, ''), tags);
          }
        }
      } catch (error) {
        ctx.warn(`manifest.json beside index.json was ignored: ${(error as Error).message}`);
      }
    }
    const images: Image[] = [];
    const seenManifests = new Map<string, Image>();
    const seenIndexes = new Set<string>();
    const visit = async (
      descriptors: JsonObject[],
      inheritedTags: string[],
      depth: number,
      where: string,
    ) => {
      if (depth > 8) {
        ctx.error(`${where}: indexes nested more than 8 deep`);
        return;
      }
      for (const d of descriptors) {
        const mediaType = str(field(d, 'mediaType')) ?? '';
        const digest = str(field(d, 'digest'));
        const annotations = strMap(field(d, 'annotations'));
        const containerdName = annotations['io.containerd.image.name'];
        const refName = annotations['org.opencontainers.image.ref.name'];
        const tags = containerdName
          ? [familiarReference(containerdName)]
          : refName
            ? [familiarRefName(refName)]
            : [];
        const effectiveTags = tags.length ? tags : inheritedTags;
        if (!digest) {
          ctx.warn(`${where}: a descriptor without a digest was skipped`);
          continue;
        }
        const path = blobPath(digest);
        if (annotations['vnd.docker.reference.type'] === 'attestation-manifest') {
          ctx.warn(`skipped attestation manifest ${digest}`);
          continue;
        }
        if (!ctx.dir.has(path)) {
          const isIndex = INDEX_TYPES.has(mediaType);
          ctx.warn(
            `${isIndex ? 'index' : 'manifest'} ${digest}${describePlatform(d)} is not in the archive (skipped)`,
          );
          continue;
        }
        let blob: unknown;
        try {
          blob = await ctx.dir.readJson(path);
        } catch (error) {
          ctx.error(`${where}: ${(error as Error).message}`);
          continue;
        }
        const actualType = mediaType || str(field(blob, 'mediaType')) || '';
        if (
          INDEX_TYPES.has(actualType) ||
          (!MANIFEST_TYPES.has(actualType) && Array.isArray(field(blob, 'manifests')))
        ) {
          // An index listed again is read once: repetition must not multiply the work.
          if (seenIndexes.has(digest)) continue;
          seenIndexes.add(digest);
          await visit(objList(field(blob, 'manifests')), effectiveTags, depth + 1, `index ${digest}`);
          continue;
        }
        const already = seenManifests.get(digest);
        if (already) {
          // The same manifest listed again under another name: one image, several tags.
          addReferences(already.tags, effectiveTags);
          continue;
        }
        const config = field(blob, 'config');
        const configType = str(field(config, 'mediaType')) ?? '';
        const configDigest = str(field(config, 'digest'));
        if (
          !configDigest ||
          (configType && !IMAGE_CONFIG_TYPES.has(configType)) ||
          str(field(blob, 'artifactType'))
        ) {
          ctx.warn(`skipped artifact ${digest} (config type ${configType || 'none'})`);
          continue;
        }
        const layerDescriptors = objList(field(blob, 'layers'));
        const foreign = layerDescriptors
          .map((l) => str(field(l, 'mediaType')) ?? '')
          .find((type) => type !== '' && !FILESYSTEM_LAYER_TYPE.test(type));
        if (foreign !== undefined) {
          ctx.warn(`skipped artifact ${digest}: a layer of media type ${foreign} is not a filesystem layer`);
          continue;
        }
        const configPath = blobPath(configDigest);
        const layers = layerDescriptors.map((l) => {
          const layerDigest = str(field(l, 'digest')) ?? '';
          return { member: blobPath(layerDigest), digest: layerDigest || null };
        });
        const label = `manifest ${digest}${describePlatform(d)}`;
        try {
          const image = await imageFromConfig(
            ctx,
            configPath,
            layers,
            [...(repoTagsByConfig.get(configPath) ?? effectiveTags)],
            digest,
            label,
          );
          images.push(image);
          seenManifests.set(digest, image);
        } catch (error) {
          ctx.error(`${label}: ${(error as Error).message}`);
        }
      }
    };
    const manifests = objList(field(index, 'manifests'));
    if (manifests.length === 0 && ctx.dir.has('manifest.json')) {
      // Docker 25+ can save `"manifests": null` and still name the image in manifest.json, which
      // Docker itself reads back: so do we.
      ctx.warn('index.json lists no manifests; the images were read from manifest.json');
      return dockerArchiveReader.read(ctx);
    }
    if (manifests.length === 0) ctx.warn('index.json lists no manifests');
    await visit(manifests, [], 0, 'index.json');
    return images;
  },
};
