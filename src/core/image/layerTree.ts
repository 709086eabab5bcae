import type { Image, LayerTreeNode } from './model';

const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Chain IDs as the OCI spec defines them: the first layer's is its diff ID, each next one is
 * sha256(previous chain ID + " " + diff ID). Two images share a layer node exactly when their
 * chain IDs agree, which is how `docker images --tree` drew shared history.
 */
export async function chainIds(diffIds: string[]): Promise<string[]> {
  const out: string[] = [];
  let previous: string | null = null;
  for (const diffId of diffIds) {
    const chain: string = previous === null ? diffId : `sha256:${await sha256Hex(`${previous} ${diffId}`)}`;
    out.push(chain);
    previous = chain;
  }
  return out;
}

/** One node per chain ID across all images; tags sit on the node where an image ends. */
export function buildLayerTree(images: Image[]): LayerTreeNode[] {
  const nodes = new Map<string, LayerTreeNode>();
  images.forEach((image, imageIndex) => {
    let parent: string | null = null;
    for (const layer of image.layers) {
      let node = nodes.get(layer.chainId);
      if (!node) {
        node = {
          chainId: layer.chainId,
          diffId: layer.diffId,
          parent,
          tags: [],
          blob: layer.blob,
          images: [],
        };
        nodes.set(layer.chainId, node);
      }
      if (!node.images.includes(imageIndex)) node.images.push(imageIndex);
      parent = layer.chainId;
    }
    const tip = parent !== null ? nodes.get(parent) : undefined;
    if (tip) for (const tag of image.tags) if (!tip.tags.includes(tag)) tip.tags.push(tag);
  });
  return [...nodes.values()];
}
