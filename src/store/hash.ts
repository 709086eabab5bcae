/**
 * The URL hash records where the user is: `#image=1&layer=4&mode=merged&path=%2Fetc%2Fpasswd`.
 * A reload or a shared link, once the same archive is opened, returns to the same place. For an
 * archive read from an http(s) address the hash starts with `url=<address>`, and the link opens it.
 */
import type { ViewMode } from '../worker/protocol';

/**
 * An absolute http(s) address of an archive, resolved against `base` (so `?url=sample/sample.tar`
 * works next to the page); null for anything else (javascript:, data:, blob:, file:, garbage).
 */
export function archiveUrl(value: string | null | undefined, base?: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(value, base);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    // credentials in a shared link would leak into the hash, the title and the status line
    if (url.username || url.password) return null;
    url.hash = '';
    return url.href;
  } catch {
    return null;
  }
}

export interface DeepLink {
  /** The remote archive's address (absolute http or https). */
  url?: string;
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
  const url = archiveUrl(params.get('url'));
  if (url) link.url = url;
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
  if (link.url !== undefined) params.set('url', link.url);
  if (link.image !== undefined) params.set('image', String(link.image));
  if (link.layer !== undefined) params.set('layer', String(link.layer));
  if (link.mode !== undefined) params.set('mode', link.mode);
  if (link.path !== undefined) params.set('path', link.path);
  const s = params.toString().replace(/%2F/g, '/');
  return s ? `#${s}` : '';
}

export function isEmptyLink(link: DeepLink): boolean {
  return (
    link.url === undefined &&
    link.image === undefined &&
    link.layer === undefined &&
    link.mode === undefined &&
    link.path === undefined
  );
}
