/**
 * Which paths are package databases, and the dispatcher that hands each to its reader. A path
 * belongs to a group (one database: dpkg's status with its info lists, one site-packages
 * directory, one node_modules directory, the rpm database wherever it lives) and has a role: the
 * database itself (`db`), or a list of one package's files beside it (`list`).
 */
import { parseApkInstalled } from './apk';
import { parseDpkgStatus } from './dpkg';
import { parseNpmPackageJson } from './npm';
import { parsePythonMetadata } from './python';
import { parseRpmBerkeleyDb, parseRpmNdb, parseRpmSqlite } from './rpm';
import type { Ecosystem, ParsedDatabase } from './types';

export type DatabaseFormat =
  | 'dpkg-status'
  | 'dpkg-status.d'
  | 'apk-installed'
  | 'rpm-sqlite'
  | 'rpm-sqlite-wal'
  | 'rpm-bdb'
  | 'rpm-ndb'
  | 'python-metadata'
  | 'npm-package'
  | 'dpkg-list'
  | 'python-record'
  | 'python-egg-files';

export interface DatabasePath {
  ecosystem: Ecosystem;
  format: DatabaseFormat;
  /** The group's path: what `databases` lists (the rpm group's is settled by which file is there). */
  group: string;
  role: 'db' | 'list';
}

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_STATUS_D = '/var/lib/dpkg/status.d';
export const DPKG_INFO = '/var/lib/dpkg/info/';
export const RPM_GROUP = 'rpm';

/**
 * rpm's databases by preference: where rpm 4.16+ and Fedora 36+ put them first, then SUSE's ndb
 * (`/var/lib/rpm` is a link to /usr/lib/sysimage/rpm there), the legacy Berkeley DB last.
 */
export const RPM_DATABASES: readonly string[] = [
  '/usr/lib/sysimage/rpm/rpmdb.sqlite',
  '/var/lib/rpm/rpmdb.sqlite',
  '/usr/lib/sysimage/rpm/Packages.db',
  '/var/lib/rpm/Packages.db',
  '/usr/lib/sysimage/rpm/Packages',
  '/var/lib/rpm/Packages',
];

function rpmFormat(path: string): DatabaseFormat {
  if (path.endsWith('.sqlite')) return 'rpm-sqlite';
  return path.endsWith('.db') ? 'rpm-ndb' : 'rpm-bdb';
}

const APK_INSTALLED = new Set(['/lib/apk/db/installed', '/usr/lib/apk/db/installed']);
const DIST_INFO = /^(.*)\/[^/]+\.dist-info\/(METADATA|RECORD)$/;
/**
 * setuptools' older layout: `name.egg-info/PKG-INFO` (core metadata) with pip's
 * `installed-files.txt` beside it, or a single `name-1.0.egg-info` file that is the PKG-INFO itself
 * (distutils, and Debian's python3-* packages).
 */
const EGG_INFO = /^(.*)\/[^/]+\.egg-info(\/PKG-INFO|\/installed-files\.txt)?$/;
const NODE_PACKAGE = /^(.*\/node_modules)\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/;

/** The database role of an absolute path, or null: called for every path of every layer, so cheap. */
export function databasePath(path: string): DatabasePath | null {
  const last = path.charCodeAt(path.length - 1);
  // Fast rejections first: almost no path is a database.
  if (path.endsWith('/package.json')) {
    const m = NODE_PACKAGE.exec(path);
    return m ? { ecosystem: 'npm', format: 'npm-package', group: m[1], role: 'db' } : null;
  }
  if (last === 0x41 /* A */ || last === 0x44 /* D */) {
    const m = DIST_INFO.exec(path);
    if (!m) return null;
    return m[2] === 'METADATA'
      ? { ecosystem: 'python', format: 'python-metadata', group: m[1], role: 'db' }
      : { ecosystem: 'python', format: 'python-record', group: m[1], role: 'list' };
  }
  if (
    (last === 0x4f /* O */ || last === 0x6f /* o */ || last === 0x74) /* t */ &&
    path.includes('.egg-info')
  ) {
    const m = EGG_INFO.exec(path);
    if (!m) return null;
    return m[2] === '/installed-files.txt'
      ? { ecosystem: 'python', format: 'python-egg-files', group: m[1], role: 'list' }
      : { ecosystem: 'python', format: 'python-metadata', group: m[1], role: 'db' };
  }
  if (path.startsWith('/var/lib/dpkg/')) {
    if (path === DPKG_STATUS)
      return { ecosystem: 'deb', format: 'dpkg-status', group: DPKG_STATUS, role: 'db' };
    if (path.startsWith(DPKG_INFO) && path.endsWith('.list') && !path.includes('/', DPKG_INFO.length))
      return { ecosystem: 'deb', format: 'dpkg-list', group: DPKG_STATUS, role: 'list' };
    if (
      path.startsWith(`${DPKG_STATUS_D}/`) &&
      !path.includes('/', DPKG_STATUS_D.length + 1) &&
      !path.endsWith('.md5sums')
    )
      return { ecosystem: 'deb', format: 'dpkg-status.d', group: DPKG_STATUS_D, role: 'db' };
    return null;
  }
  if (APK_INSTALLED.has(path)) return { ecosystem: 'apk', format: 'apk-installed', group: path, role: 'db' };
  if (path.endsWith('/rpmdb.sqlite-wal') && RPM_DATABASES.includes(path.slice(0, -4)))
    return { ecosystem: 'rpm', format: 'rpm-sqlite-wal', group: RPM_GROUP, role: 'list' };
  if (RPM_DATABASES.includes(path))
    return {
      ecosystem: 'rpm',
      format: rpmFormat(path),
      group: RPM_GROUP,
      role: 'db',
    };
  return null;
}

/** The largest database file read: RHEL 7's `Packages` runs to ~100 MB on big installs. */
export const MAX_DATABASE_BYTES = 256 * 1024 * 1024;
/** The largest manifest, list or one-package file read. */
export const MAX_SMALL_FILE_BYTES = 16 * 1024 * 1024;

export function sizeLimit(format: DatabaseFormat): number {
  return format === 'dpkg-status' || format === 'apk-installed' || format.startsWith('rpm-')
    ? MAX_DATABASE_BYTES
    : MAX_SMALL_FILE_BYTES;
}

/** Reads one database file (the dispatcher); `wal` only for rpmdb.sqlite. */
export function parseDatabase(
  format: DatabaseFormat,
  path: string,
  bytes: Uint8Array,
  wal: Uint8Array | null = null,
): ParsedDatabase {
  switch (format) {
    case 'dpkg-status':
    case 'dpkg-status.d':
      return parseDpkgStatus(bytes);
    case 'apk-installed':
      return parseApkInstalled(bytes);
    case 'rpm-sqlite':
      return parseRpmSqlite(bytes, wal);
    case 'rpm-bdb':
      return parseRpmBerkeleyDb(bytes);
    case 'rpm-ndb':
      return parseRpmNdb(bytes);
    case 'python-metadata':
      return parsePythonMetadata(bytes);
    case 'npm-package': {
      const parts = path.split('/');
      const dir = parts[parts.length - 2];
      const scope = parts[parts.length - 3];
      return parseNpmPackageJson(bytes, scope?.startsWith('@') ? `${scope}/${dir}` : dir);
    }
    default:
      return { packages: [], problems: [] };
  }
}
