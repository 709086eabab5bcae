import { emptyConfig, platformOf, runtimeConfig } from '../config';
import { field, isObject, str, strList } from '../json';
import type { HistoryStep, Image, ImageLayer } from '../model';
import { addReferences, familiarReference } from '../reference';
import type { FormatReader } from './context';

/**
 * The pre-1.10 `docker save` format: one directory per v1 layer id with `json` (holding `parent`)
 * and `layer.tar`, and `repositories` naming the tagged tips. There are no diff IDs; the v1 ids
 * already identify a layer together with everything below it, so they serve as chain IDs.
 */
export const dockerLegacyReader: FormatReader = {
  format: 'docker-legacy',
  detect: (dir) => dir.has('repositories') || dir.names().some((n) => /^[a-f0-9]{64}\/json$/.test(n)),
  async read(ctx) {
    const v1 = new Map<string, unknown>();
    for (const name of ctx.dir.names()) {
      const m = /^([^/]+)\/json$/.exec(name);
      if (!m) continue;
      try {
        v1.set(m[1], await ctx.dir.readJson(name));
      } catch (error) {
        ctx.error((error as Error).message);
      }
    }
    const tips = new Map<string, string[]>();
    if (ctx.dir.has('repositories')) {
      const repos = await ctx.dir.readJson('repositories');
      if (isObject(repos)) {
        for (const [repo, tags] of Object.entries(repos)) {
          if (!isObject(tags)) continue;
          for (const [tag, id] of Object.entries(tags)) {
            if (typeof id !== 'string') continue;
            const list = tips.get(id) ?? [];
            addReferences(list, [familiarReference(`${repo}:${tag}`)]);
            tips.set(id, list);
          }
        }
      }
    }
    if (tips.size === 0) {
      const parents = new Set([...v1.values()].map((j) => str(field(j, 'parent'))).filter(Boolean));
      for (const id of v1.keys()) if (!parents.has(id)) tips.set(id, []);
      if (tips.size === 0 && v1.size > 0) {
        ctx.error(
          `legacy layers ${[...v1.keys()].join(', ')} are each other's parents: the parent chain loops and has no top layer`,
        );
      }
    }
    const images: Image[] = [];
    for (const [tip, tags] of tips) {
      const chain: string[] = [];
      const seen = new Set<string>();
      let id: string | null = tip;
      while (id) {
        if (seen.has(id)) {
          ctx.error(`legacy parent chain of ${tip} loops at ${id}`);
          break;
        }
        seen.add(id);
        chain.unshift(id);
        const json = v1.get(id);
        if (json === undefined) {
          ctx.error(`legacy layer ${id} (in the parent chain of ${tip}) has no ${id}/json`);
          break;
        }
        id = str(field(json, 'parent'));
      }
      const history: HistoryStep[] = [];
      const layers: ImageLayer[] = chain.map((layerId, index) => {
        const json = v1.get(layerId);
        const cmd = strList(field(field(json, 'container_config'), 'Cmd')).join(' ');
        const created = str(field(json, 'created'));
        const comment = str(field(json, 'comment'));
        history.push({ createdBy: cmd, created, comment, emptyLayer: false, layerIndex: index });
        const member = `${layerId}/layer.tar`;
        return {
          index,
          blob: ctx.blobFor(member, null),
          diffId: null,
          chainId: `sha256:${layerId}`,
          createdBy: cmd || null,
          created,
          comment,
        };
      });
      const top = v1.get(chain[chain.length - 1] ?? tip);
      images.push({
        tags,
        id: `sha256:${tip}`,
        manifestDigest: null,
        configName: null,
        platform: platformOf(top),
        created: str(field(top, 'created')),
        author: str(field(top, 'author')),
        config: top ? runtimeConfig(field(top, 'config')) : emptyConfig(),
        layers,
        history,
      });
    }
    return images;
  },
};
