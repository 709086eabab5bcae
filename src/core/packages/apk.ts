/** Alpine's apk: `lib/apk/db/installed`, one stanza of `X:value` lines per package. */
import { offsetLines } from './textLines';
import type { DatabaseProblem, InstalledPackage, ParsedDatabase } from './types';

/**
 * `P:` name, `V:` version, `A:` arch, `I:` installed size in bytes; `F:` a directory (relative
 * to the root) and the `R:` lines after it the files in it, as apk-tools writes them
 * (src/database.c, apk_db_write_fdb).
 */
export function parseApkInstalled(bytes: Uint8Array): ParsedDatabase {
  const problems: DatabaseProblem[] = [];
  const packages: InstalledPackage[] = [];
  let current: InstalledPackage | null = null;
  let start = 0;
  let dir = '';
  const finish = () => {
    if (!current) return;
    if (!current.name || !current.version)
      problems.push({ offset: start, message: `a package without ${current.name ? 'V:' : 'P:'}` });
    else packages.push(current);
    current = null;
  };
  for (const line of offsetLines(bytes)) {
    if (line.text === '') {
      finish();
      continue;
    }
    if (line.text.length < 2 || line.text[1] !== ':') {
      problems.push({
        offset: line.offset,
        message: `not an "X:value" line: ${JSON.stringify(line.text.slice(0, 40))}`,
      });
      continue;
    }
    if (!current) {
      current = { name: '', version: '', arch: '', sizeBytes: null, files: [] };
      start = line.offset;
      dir = '';
    }
    const value = line.text.slice(2);
    switch (line.text[0]) {
      case 'P':
        current.name = value;
        break;
      case 'V':
        current.version = value;
        break;
      case 'A':
        current.arch = value;
        break;
      case 'I': {
        const size = Number(value);
        current.sizeBytes = Number.isFinite(size) ? size : null;
        break;
      }
      case 'F':
        dir = value.replace(/^\/+|\/+$/g, '');
        break;
      case 'R':
        current.files.push(dir ? `/${dir}/${value}` : `/${value}`);
        break;
    }
  }
  finish();
  return { packages, problems };
}
