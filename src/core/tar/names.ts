/**
 * Tar member names as rooted paths. Tar names come in many shapes for the same path (`./etc/`,
 * `etc`, `/etc`, `etc//x/../`), and every view must agree on one; the file system model
 * re-exports these from core/fs/path.
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

/**
 * Whether a tar member name climbs out of the root (`../../etc/passwd`, `/data/../../x`): the
 * cleaning above keeps it inside, where an extractor refuses the entry and Docker the layer.
 */
export function climbsOutOfRoot(name: string): boolean {
  if (!name.includes('..')) return false;
  let depth = 0;
  for (const segment of name.split('/')) {
    if (segment === '..') {
      if (--depth < 0) return true;
    } else if (segment !== '' && segment !== '.') depth++;
  }
  return false;
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
