/**
 * Path handling shared by the filesystem model and the analysis. Tar names come in many shapes
 * for the same path (`./etc/`, `etc`, `/etc`, `etc//x/../`), and every view must agree on one.
 */

/**
 * Segments of a tar member name as a rooted path: `./`, leading and trailing `/`, empty and `.`
 * segments are dropped and `..` climbs, never above the root (an extractor refuses to leave it).
 * The root itself is the empty array.
 */
export function pathSegments(name: string): string[] {
  const out: string[] = [];
  let start = 0;
  const n = name.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || name.charCodeAt(i) === 47 /* '/' */) {
      if (i > start) {
        const segment = name.slice(start, i);
        if (segment === '..') out.pop();
        else if (segment !== '.') out.push(segment);
      }
      start = i + 1;
    }
  }
  return out;
}

/** The cleaned relative form ('etc/passwd', '' for the root), the key paths are interned by. */
export function cleanRelative(name: string): string {
  // Most names are already clean apart from a leading './' or a trailing '/'; avoid the split then.
  let s = name;
  if (s.startsWith('./')) s = s.slice(2);
  while (s.startsWith('/')) s = s.slice(1);
  if (s.endsWith('/')) s = s.replace(/\/+$/, '');
  if (s === '.' || s === '') return '';
  if (!s.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(s)) return s;
  return pathSegments(s).join('/');
}

/** '/etc/passwd' from 'etc/passwd'; '/' for the root. */
export function absolute(relative: string): string {
  return `/${relative}`;
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** aufs keeps its own bookkeeping under names with this prefix (`.wh..wh.plnk`, `.wh..wh.aufs`). */
export const AUFS_META_PREFIX = '.wh..wh.';

export type NameKind =
  | { kind: 'path' }
  | { kind: 'opaque' }
  | { kind: 'whiteout'; target: string }
  | { kind: 'ignored' };

/**
 * What a cleaned relative name means in a layer: an ordinary path, an opaque marker for its
 * parent, a whiteout of a sibling, or aufs metadata that no runtime shows.
 */
export function classifyName(relative: string): NameKind {
  if (relative === '') return { kind: 'ignored' };
  const slash = relative.lastIndexOf('/');
  const base = relative.slice(slash + 1);
  if (base === OPAQUE_MARKER)
    return hasAufsSegment(relative.slice(0, slash + 1)) ? { kind: 'ignored' } : { kind: 'opaque' };
  if (hasAufsSegment(relative)) return { kind: 'ignored' };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') return { kind: 'ignored' };
    return { kind: 'whiteout', target: slash < 0 ? name : `${relative.slice(0, slash)}/${name}` };
  }
  return { kind: 'path' };
}

function hasAufsSegment(relative: string): boolean {
  return relative.startsWith(AUFS_META_PREFIX) || relative.includes(`/${AUFS_META_PREFIX}`);
}

/** Parent of a cleaned relative path ('' for top-level names and for the root). */
export function parentOf(relative: string): string {
  const slash = relative.lastIndexOf('/');
  return slash < 0 ? '' : relative.slice(0, slash);
}
