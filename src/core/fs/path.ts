/**
 * Path handling shared by the filesystem model and the analysis. Tar names come in many shapes
 * for the same path (`./etc/`, `etc`, `/etc`, `etc//x/../`), and every view must agree on one.
 */

import type { AsciiNames } from '../tar/asciiNames';

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

const SLASH = 0x2f;
const DOT = 0x2e;
const W = 0x77;
const H = 0x68;

/**
 * Where name i is an ordinary path that needs no cleaning beyond a leading './' or '/' and a
 * trailing '/' (nearly every name a tool writes): its clean span of the arena in `span`, and true.
 * Anything else (not ASCII, '//', a '.' or '..' segment, a segment starting '.wh.': whiteouts,
 * opaque markers, aufs metadata, the root itself) is false, for the general path through
 * cleanRelative and classifyName, which this must agree with.
 */
export function plainPathSpan(names: AsciiNames, i: number, span: Int32Array): boolean {
  if (names.isOther(i)) return false;
  const bytes = names.arena;
  let from = names.startOf(i);
  let to = names.endOf(i);
  if (to - from >= 2 && bytes[from] === DOT && bytes[from + 1] === SLASH) from += 2;
  while (from < to && bytes[from] === SLASH) from++;
  while (to > from && bytes[to - 1] === SLASH) to--;
  if (from === to) return false;
  for (let start = from, k = from; k <= to; k++) {
    if (k < to && bytes[k] !== SLASH) continue;
    const length = k - start;
    if (length === 0) return false;
    if (bytes[start] === DOT) {
      if (length === 1 || (length === 2 && bytes[start + 1] === DOT)) return false;
      if (length >= 4 && bytes[start + 1] === W && bytes[start + 2] === H && bytes[start + 3] === DOT)
        return false;
    }
    start = k + 1;
  }
  span[0] = from;
  span[1] = to;
  return true;
}
