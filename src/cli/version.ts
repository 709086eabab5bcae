import { readFile } from 'node:fs/promises';

/**
 * The package's version, from the package.json above this module: src/cli/ when run from the
 * sources, dist-cli/ in the installed package. Read only for `--version`, so start-up pays nothing.
 */
export async function packageVersion(): Promise<string> {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'image-layer-explorer' && pkg.version) return pkg.version;
    } catch {
      // not there: the next folder up
    }
  }
  return 'unknown';
}
