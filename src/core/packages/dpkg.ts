/** Debian's dpkg: `var/lib/dpkg/status`, the one-stanza files of `status.d/` (distroless) and `info/*.list`. */
import { offsetLines, stanzas } from './textLines';
import type { DatabaseProblem, InstalledPackage, ParsedDatabase } from './types';

/**
 * The packages of a status file that are installed. dpkg keeps removed-but-configured packages
 * (`deinstall ok config-files`) and ones mid-install in the same file; only `installed` counts.
 * distroless's `status.d` stanzas have no Status field: they are installed by being there.
 */
export function parseDpkgStatus(bytes: Uint8Array): ParsedDatabase {
  const problems: DatabaseProblem[] = [];
  const packages: InstalledPackage[] = [];
  for (const stanza of stanzas(bytes, (offset, message) => problems.push({ offset, message }))) {
    const name = stanza.fields.get('Package');
    const version = stanza.fields.get('Version');
    if (!name || !version) {
      problems.push({ offset: stanza.offset, message: `a stanza without ${name ? 'Version' : 'Package'}` });
      continue;
    }
    const status = stanza.fields.get('Status');
    if (status !== undefined && status.split(/\s+/)[2] !== 'installed') continue;
    const kib = Number(stanza.fields.get('Installed-Size'));
    packages.push({
      name,
      version,
      arch: stanza.fields.get('Architecture') ?? '',
      sizeBytes: Number.isFinite(kib) && stanza.fields.has('Installed-Size') ? kib * 1024 : null,
      files: [],
    });
  }
  return { packages, problems };
}

/** `info/<package>.list` or `info/<package>:<arch>.list`: one absolute path a line; `/.` is the root. */
export function parseDpkgList(bytes: Uint8Array): string[] {
  const files: string[] = [];
  for (const line of offsetLines(bytes)) {
    const path = line.text.trim();
    if (path.startsWith('/') && path !== '/.') files.push(path);
  }
  return files;
}

/** The `.list` file names under which dpkg records a package's files (with and without the arch). */
export function dpkgListNames(name: string, arch: string): string[] {
  return arch ? [`${name}:${arch}.list`, `${name}.list`] : [`${name}.list`];
}
