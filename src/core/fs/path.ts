/**
 * Path handling shared by the filesystem model and the analysis. Tar names come in many shapes
 * for the same path (`./etc/`, `etc`, `/etc`, `etc//x/../`), and every view must agree on one.
 */

// Name cleaning lives with the tar reader, so that reading an archive can check names too.
export { cleanRelative, climbsOutOfRoot, pathSegments } from '../tar/names';

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
