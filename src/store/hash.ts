/**
 * The URL hash records where the user is: `#image=1&layer=4&mode=merged&path=%2Fetc%2Fpasswd`.
 * A reload or a shared link, once the same archive is opened, returns to the same place.
 */
import type { ViewMode } from '../worker/protocol';

export interface DeepLink {
  image?: number;
  layer?: number;
  mode?: ViewMode;
  path?: string;
}

function int(value: string | null): number | undefined {
  if (value === null || !/^\d{1,6}$/.test(value)) return undefined;
  return Number(value);
}

export function parseHash(hash: string): DeepLink {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const link: DeepLink = {};
  const image = int(params.get('image'));
  const layer = int(params.get('layer'));
  const mode = params.get('mode');
  const path = params.get('path');
  if (image !== undefined) link.image = image;
  if (layer !== undefined) link.layer = layer;
  if (mode === 'changes' || mode === 'merged') link.mode = mode;
  if (path?.startsWith('/')) link.path = path;
  return link;
}

export function formatHash(link: DeepLink): string {
  const params = new URLSearchParams();
  if (link.image !== undefined) params.set('image', String(link.image));
  if (link.layer !== undefined) params.set('layer', String(link.layer));
  if (link.mode !== undefined) params.set('mode', link.mode);
  if (link.path !== undefined) params.set('path', link.path);
  const s = params.toString().replace(/%2F/g, '/');
  return s ? `#${s}` : '';
}

export function isEmptyLink(link: DeepLink): boolean {
  return (
    link.image === undefined && link.layer === undefined && link.mode === undefined && link.path === undefined
  );
}
