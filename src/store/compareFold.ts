/**
 * The result tree's open folders in the hash (`cfold`), compactly: which state folders start in,
 * then the folders that differ from it, sorted, each written as how many leading names it
 * shares with the folder before it and the rest of its path:
 *
 *   cfold=c,0.etc,1.nginx,0.usr/share/doc     (all closed but /etc, /etc/nginx, /usr/share/doc)
 *
 * The default (every folder open) is left out. A name's `%` and `,` are escaped (`%25`, `%2C`).
 */
import type { CompareFold } from '../worker/compareProtocol';

/** Past this many characters the remaining folders are left out of the link (they stay at the default). */
export const MAX_FOLD_CHARS = 4000;
/** A link names at most this many folders; more is not a link someone made. */
const MAX_FOLD_PATHS = 2000;

function segmentsOf(path: string): string[] {
  return path.split('/').filter(Boolean);
}

const escapeName = (name: string) => name.replace(/%/g, '%25').replace(/,/g, '%2C');
const unescapeName = (name: string) => name.replace(/%2C/gi, ',').replace(/%25/g, '%');

/** The fold as a `cfold` value; undefined for the default (all open, no exceptions). */
export function formatFold(fold: CompareFold): string | undefined {
  if (fold.open && fold.except.length === 0) return undefined;
  let out = fold.open ? 'o' : 'c';
  let previous: string[] = [];
  for (const path of [...new Set(fold.except)].sort()) {
    const names = segmentsOf(path);
    if (names.length === 0) continue;
    let shared = 0;
    while (shared < previous.length && shared < names.length - 1 && previous[shared] === names[shared])
      shared++;
    const item = `,${shared}.${names.slice(shared).map(escapeName).join('/')}`;
    if (out.length + item.length > MAX_FOLD_CHARS) break;
    out += item;
    previous = names;
  }
  return out;
}

/** A `cfold` value back to the fold; undefined for anything malformed. */
export function parseFold(value: string | null): CompareFold | undefined {
  if (value === null) return undefined;
  const [mode, ...items] = value.split(',');
  if ((mode !== 'o' && mode !== 'c') || items.length > MAX_FOLD_PATHS) return undefined;
  const except: string[] = [];
  let previous: string[] = [];
  for (const item of items) {
    const m = /^(\d{1,4})\.(.+)$/.exec(item);
    if (!m) return undefined;
    const shared = Number(m[1]);
    const rest = m[2].split('/');
    if (shared > previous.length || rest.some((name) => name === '' || name === '.' || name === '..'))
      return undefined;
    const names = [...previous.slice(0, shared), ...rest.map(unescapeName)];
    except.push(`/${names.join('/')}`);
    previous = names;
  }
  return { open: mode === 'o', except };
}
