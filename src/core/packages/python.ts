/**
 * Python's installed distributions: `*.dist-info/METADATA` (core metadata) and the `RECORD` beside
 * it; the older `*.egg-info/PKG-INFO` (or a lone `*.egg-info` file, the same core metadata) and
 * pip's `installed-files.txt` beside it.
 */
import { offsetLines, stanzas } from './textLines';
import type { DatabaseProblem, ParsedDatabase } from './types';

/** The METADATA headers up to the first blank line (the body after it is the description). */
export function parsePythonMetadata(bytes: Uint8Array): ParsedDatabase {
  const problems: DatabaseProblem[] = [];
  for (const stanza of stanzas(bytes, (offset, message) => problems.push({ offset, message }), {
    stopAtFirstBlank: true,
  })) {
    const name = stanza.fields.get('Name');
    const version = stanza.fields.get('Version');
    if (!name || !version) {
      problems.push({ offset: stanza.offset, message: `core metadata without ${name ? 'Version' : 'Name'}` });
      return { packages: [], problems };
    }
    return { packages: [{ name, version, arch: '', sizeBytes: null, files: [] }], problems };
  }
  problems.push({ offset: 0, message: 'empty core metadata' });
  return { packages: [], problems };
}

/** PEP 503's normalised name: runs of `-_.` are one `-`, lower case. */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Splits one CSV row (RFC 4180 quotes, as Python's csv module writes RECORD). */
function csvRow(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * RECORD: `path,hash,size` rows with paths relative to the directory holding the dist-info (a
 * `../../bin/x` climbs out of it). Returns absolute, cleaned paths and the sum of stated sizes.
 */
export function parsePythonRecord(
  bytes: Uint8Array,
  siteDir: string,
): { files: string[]; sizeBytes: number } {
  const files: string[] = [];
  let sizeBytes = 0;
  for (const line of offsetLines(bytes)) {
    if (!line.text) continue;
    const [path, , size] = csvRow(line.text);
    if (!path) continue;
    const absolute = cleanAbsolute(path.startsWith('/') ? path : `${siteDir}/${path}`);
    if (absolute) files.push(absolute);
    const n = Number(size);
    if (size && Number.isFinite(n)) sizeBytes += n;
  }
  return { files, sizeBytes };
}

/**
 * pip's `installed-files.txt` in an `.egg-info` directory: one path a line, relative to that
 * directory (`../pkg/__init__.py`). No sizes: the files' own sizes are not stated there.
 */
export function parseEggInstalledFiles(bytes: Uint8Array, eggInfoDir: string): string[] {
  const files: string[] = [];
  for (const line of offsetLines(bytes)) {
    const path = line.text.trim();
    if (!path) continue;
    const absolute = cleanAbsolute(path.startsWith('/') ? path : `${eggInfoDir}/${path}`);
    if (absolute) files.push(absolute);
  }
  return files;
}

/** `/a/b/../c` → `/a/c`; null for a path that climbs above the root. */
export function cleanAbsolute(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
