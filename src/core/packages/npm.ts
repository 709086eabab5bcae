/** Node packages: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`. */
import { decodeText } from './textLines';
import type { ParsedDatabase } from './types';

export function parseNpmPackageJson(bytes: Uint8Array, dirName: string): ParsedDatabase {
  let value: unknown;
  try {
    value = JSON.parse(decodeText(bytes));
  } catch (error) {
    // The parser's message may quote the file; the offset is where it gave up, when it says.
    const at = /position (\d+)/.exec(String(error));
    return { packages: [], problems: [{ offset: at ? Number(at[1]) : 0, message: 'not valid JSON' }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { packages: [], problems: [{ offset: 0, message: 'package.json is not an object' }] };
  const record = value as Record<string, unknown>;
  const name = typeof record.name === 'string' && record.name ? record.name : dirName;
  // A package.json without a version is a folder's settings (`{"type": "module"}`), not a package.
  if (typeof record.version !== 'string' || !record.version) return { packages: [], problems: [] };
  return {
    packages: [{ name, version: record.version, arch: '', sizeBytes: null, files: [] }],
    problems: [],
  };
}
