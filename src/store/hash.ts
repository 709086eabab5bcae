/**
 * The URL hash records where the user is:
 * `#file=app.tar&size=1234&image=1&layer=4&mode=merged&changes=added,removed&filter=etc&path=/etc/passwd`.
 * A reload or a shared link, once the same archive is opened, returns to the same place, and until
 * then the welcome page names the archive to open (`file`, `size`). For an archive read from an
 * http(s) address the hash starts with `url=<address>`, and the link opens it; `sample` re-opens the
 * built-in sample.
 */
import type { CompareFold } from '../worker/compareProtocol';
import type { ChangeFilter, SortKey, ViewMode } from '../worker/protocol';
import { formatFold, parseFold } from './compareFold';

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

/** The change types a link may narrow the Files tree to, in the order the hash lists them. */
const CHANGE_TYPES = ['added', 'modified', 'removed', 'unmodified'] as const;

export interface DeepLink {
  /** The remote archive's address (absolute http or https). */
  url?: string;
  /** The built-in sample: a reload opens it again. */
  sample?: boolean;
  /** A local file's name and size, so that the welcome page can ask for that file again. */
  file?: string;
  size?: number;
  image?: number;
  layer?: number;
  mode?: ViewMode;
  /** Only when some change types are hidden (all shown is the default and is left out). */
  changes?: ChangeFilter;
  filter?: string;
  regex?: boolean;
  sort?: SortKey;
  path?: string;
  /** A comparison shown: `<image>.<layer|t>,<image>.<layer|t>[,other]` (src/store/compare.ts). */
  compare?: string;
  /** The path selected in the comparison. */
  comparePath?: string;
  /** The comparison's open folders, when not all are open (`cfold`, src/store/compareFold.ts). */
  compareFold?: CompareFold;
  /** Where a comparison's second archive (`,other`) came from: an address, or a file by its archive key. */
  compareB?: { url: string } | { file: string; size: number; key: string };
}

function int(value: string | null, digits = 6): number | undefined {
  if (value === null || !new RegExp(`^\\d{1,${digits}}$`).test(value)) return undefined;
  return Number(value);
}

/** `added,removed` → those shown, the rest hidden; undefined for anything that names none. */
export function parseChanges(value: string | null): ChangeFilter | undefined {
  if (value === null) return undefined;
  const named = new Set(value.split(','));
  const changes = { added: false, modified: false, removed: false, unmodified: false };
  let any = false;
  for (const type of CHANGE_TYPES) {
    if (named.has(type)) {
      changes[type] = true;
      any = true;
    }
  }
  // "none" is a real state of the chips (nothing shown), written as an empty list
  return any || value === '' ? changes : undefined;
}

export function formatChanges(changes: ChangeFilter): string | undefined {
  if (CHANGE_TYPES.every((t) => changes[t])) return undefined;
  return CHANGE_TYPES.filter((t) => changes[t]).join(',');
}

/** The longest file name kept from a link: a name is for people, not a channel for data. */
const MAX_FILE_NAME = 255;

export function parseHash(hash: string): DeepLink {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const link: DeepLink = {};
  const url = archiveUrl(params.get('url'));
  if (url) link.url = url;
  else if (params.has('sample')) link.sample = true;
  else {
    const file = params.get('file');
    if (file && file.length <= MAX_FILE_NAME) link.file = file;
    const size = int(params.get('size'), 16);
    if (link.file && size !== undefined) link.size = size;
  }
  const image = int(params.get('image'));
  const layer = int(params.get('layer'));
  const mode = params.get('mode');
  const changes = parseChanges(params.get('changes'));
  const filter = params.get('filter');
  const sort = params.get('sort');
  const path = params.get('path');
  if (image !== undefined) link.image = image;
  if (layer !== undefined) link.layer = layer;
  if (mode === 'changes' || mode === 'merged') link.mode = mode;
  if (changes) link.changes = changes;
  if (filter) link.filter = filter;
  if (filter && params.get('regex') === '1') link.regex = true;
  if (sort === 'name' || sort === 'size') link.sort = sort;
  if (path?.startsWith('/')) link.path = path;
  const compare = params.get('compare');
  if (compare && /^\d{1,6}\.(\d{1,6}|t),\d{1,6}\.(\d{1,6}|t)(,other)?$/.test(compare)) link.compare = compare;
  const comparePath = params.get('cpath');
  if (link.compare && comparePath?.startsWith('/')) link.comparePath = comparePath;
  const compareFold = link.compare ? parseFold(params.get('cfold')) : undefined;
  if (compareFold) link.compareFold = compareFold;
  if (link.compare?.endsWith(',other')) {
    const bUrl = archiveUrl(params.get('burl'));
    const bFile = params.get('bfile');
    const bSize = int(params.get('bsize'), 16);
    const bKey = params.get('bkey');
    if (bUrl) link.compareB = { url: bUrl };
    else if (
      bFile &&
      bFile.length <= MAX_FILE_NAME &&
      bSize !== undefined &&
      bKey &&
      /^[0-9a-f]{64}$/.test(bKey)
    )
      link.compareB = { file: bFile, size: bSize, key: bKey };
  }
  return link;
}

export function formatHash(link: DeepLink): string {
  const params = new URLSearchParams();
  if (link.url !== undefined) params.set('url', link.url);
  else if (link.sample) params.set('sample', '');
  else if (link.file !== undefined) {
    params.set('file', link.file);
    if (link.size !== undefined) params.set('size', String(link.size));
  }
  if (link.image !== undefined) params.set('image', String(link.image));
  if (link.layer !== undefined) params.set('layer', String(link.layer));
  if (link.mode !== undefined) params.set('mode', link.mode);
  const changes = link.changes && formatChanges(link.changes);
  if (changes !== undefined) params.set('changes', changes);
  if (link.filter) {
    params.set('filter', link.filter);
    if (link.regex) params.set('regex', '1');
  }
  if (link.sort !== undefined && link.sort !== 'name') params.set('sort', link.sort);
  if (link.path !== undefined) params.set('path', link.path);
  if (link.compare !== undefined) params.set('compare', link.compare);
  if (link.compare !== undefined && link.comparePath !== undefined) params.set('cpath', link.comparePath);
  const fold = link.compare !== undefined && link.compareFold ? formatFold(link.compareFold) : undefined;
  if (fold !== undefined) params.set('cfold', fold);
  const b = link.compare?.endsWith(',other') ? link.compareB : undefined;
  if (b && 'url' in b) params.set('burl', b.url);
  else if (b) {
    params.set('bfile', b.file);
    params.set('bsize', String(b.size));
    params.set('bkey', b.key);
  }
  const s = params
    .toString()
    .replace(/%2F/g, '/')
    .replace(/%2C/g, ',')
    .replace(/^sample=(&|$)/, 'sample$1');
  return s ? `#${s}` : '';
}

/** Whether a link says nothing: no archive, no place in one. */
export function isEmptyLink(link: DeepLink): boolean {
  return (
    link.url === undefined &&
    !link.sample &&
    link.file === undefined &&
    link.image === undefined &&
    link.layer === undefined &&
    link.mode === undefined &&
    link.changes === undefined &&
    link.filter === undefined &&
    link.sort === undefined &&
    link.path === undefined &&
    link.compare === undefined
  );
}

/** The archive a link was made for, as the welcome page names it; null when it names none. */
export function linkedArchive(link: DeepLink): { name: string; size: number | null } | null {
  if (link.file) return { name: link.file, size: link.size ?? null };
  return null;
}
