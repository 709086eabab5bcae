import { mapHistory, parseImageConfig } from '../config';
import { field, isObject, jsonParseReason, str, strList } from '../json';
import { chainIds, sha256Hex } from '../layerTree';
import type { Image, ImageLayer } from '../model';
import { addReferences, familiarReference } from '../reference';
import { digestFromBlobPath, type FormatContext, type FormatReader } from './context';

function bytesToHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256OfBytes(bytes: Uint8Array): Promise<string> {
  return `sha256:${bytesToHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))}`;
}

/**
 * Builds an Image from a config blob and the members holding its layers, in the order of
 * `rootfs.diff_ids`. Shared by the docker-archive reader and the OCI reader.
 */
export async function imageFromConfig(
  ctx: FormatContext,
  configName: string,
  layerMembers: { member: string; digest: string | null }[],
  tags: string[],
  manifestDigest: string | null,
  label: string,
): Promise<Image> {
  const configBytes = await ctx.dir.readBytes(configName);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(configBytes));
  } catch (error) {
    throw new Error(
      `config ${JSON.stringify(configName)} of ${label} is not valid JSON: ${jsonParseReason(error)}`,
    );
  }
  const parsed = parseImageConfig(json);
  let diffIds = parsed.diffIds;
  if (diffIds.length !== layerMembers.length) {
    ctx.warn(
      `${label}: the config lists ${diffIds.length} diff IDs for ${layerMembers.length} layers; layers are matched by position`,
    );
  }
  diffIds = layerMembers.map((_, i) => diffIds[i] ?? `unknown:${label}:${i}`);
  const chains = await chainIds(diffIds);
  const history = mapHistory(parsed.history, layerMembers.length, (m) => ctx.warn(`${label}: ${m}`));
  // Each layer's step found by index: a scan of the history per layer was 10,000 x 300,000.
  const stepOfLayer = new Map<number, (typeof history)[number]>();
  for (const h of history)
    if (h.layerIndex !== null && !stepOfLayer.has(h.layerIndex)) stepOfLayer.set(h.layerIndex, h);
  const layers: ImageLayer[] = layerMembers.map((lm, index) => {
    const step = stepOfLayer.get(index);
    return {
      index,
      blob: ctx.blobFor(lm.member, lm.digest),
      diffId: diffIds[index].startsWith('unknown:') ? null : diffIds[index],
      chainId: chains[index],
      createdBy: step ? step.createdBy : null,
      created: step ? step.created : null,
      comment: step ? step.comment : null,
    };
  });
  return {
    tags,
    id: await sha256OfBytes(configBytes),
    manifestDigest,
    configName,
    platform: parsed.platform,
    created: parsed.created,
    author: parsed.author,
    config: parsed.config,
    layers,
    history,
  };
}

function familiarTags(repoTags: string[]): string[] {
  const tags: string[] = [];
  addReferences(tags, repoTags.map(familiarReference));
  return tags;
}

/** Docker 1.10–24 `docker save`, podman/skopeo docker-archive, Jib and kaniko tarballs: a manifest.json. */
export const dockerArchiveReader: FormatReader = {
  format: 'docker-archive',
  detect: (dir) => dir.has('manifest.json'),
  async read(ctx) {
    const manifest = await ctx.dir.readJson('manifest.json');
    if (!Array.isArray(manifest)) {
      throw new Error(
        `manifest.json is ${manifest === null ? 'null' : typeof manifest}, not a list of images`,
      );
    }
    const images: Image[] = [];
    for (const [i, entry] of manifest.entries()) {
      const label = `manifest.json entry ${i}`;
      if (!isObject(entry)) {
        ctx.error(`${label} is not an object`);
        continue;
      }
      const configName = str(field(entry, 'Config'));
      if (!configName) {
        ctx.error(`${label} has no Config`);
        continue;
      }
      const layerNames = strList(field(entry, 'Layers'));
      try {
        // `LayerSources` describes the registry's (usually gzip) blob, not the tar stored here, so
        // it is no digest of the member; only a member named by its digest gives one.
        const members = layerNames.map((member) => ({ member, digest: digestFromBlobPath(member) }));
        images.push(
          await imageFromConfig(
            ctx,
            configName,
            members,
            familiarTags(strList(field(entry, 'RepoTags'))),
            null,
            label,
          ),
        );
      } catch (error) {
        ctx.error(`${label}: ${(error as Error).message}`);
      }
    }
    return images;
  },
};

export { sha256Hex };
