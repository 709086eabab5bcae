/**
 * Packages across the layers of one image: every layer's own changes are looked through for
 * package databases (and the lists of files beside them); each database version a layer wrote is
 * read once, and the packages it lists are compared with those before it, so each package gets
 * the layer that installed it and each layer that upgraded, downgraded or removed it.
 *
 * Bounded: database files above a size are skipped with a warning, the number of database files
 * followed and the bytes read in all have caps, and a file that cannot be parsed gives a warning
 * with its path and byte offset while the rest goes on.
 */
import type { ContentRef, FileNodeInfo, ViewMode } from '../fs/types';
import {
  type DatabaseFormat,
  type DatabasePath,
  DPKG_INFO,
  databasePath,
  parseDatabase,
  RPM_DATABASES,
  RPM_GROUP,
  sizeLimit,
} from './databases';
import { dpkgListNames, parseDpkgList } from './dpkg';
import { normalizePythonName, parseEggInstalledFiles, parsePythonRecord } from './python';
import type {
  DatabaseVersion,
  Ecosystem,
  ImagePackage,
  ImagePackages,
  InstalledPackage,
  LayerPackageCounts,
  PackageChange,
} from './types';
import { compareVersions } from './versions';

/** The part of ImageFileSystem this needs (tests may give less). */
export interface PackageFileSystem {
  readonly layerCount: number;
  walk(layer: number, mode: ViewMode, visit: (node: FileNodeInfo) => void): void;
  contentSource(layer: number, mode: ViewMode, path: string): ContentRef | null;
}

export interface PackageAnalysisInput {
  fs: PackageFileSystem;
  /** Up to `limit` bytes of a file; `size` is the file's whole size (to tell a cut read). */
  read(ref: ContentRef, limit: number): Promise<{ bytes: Uint8Array; size: number }>;
  /** A hint: these files of one layer are read next, in this order (the reader may fetch them at once). */
  prefetch?(refs: readonly ContentRef[]): Promise<void>;
  signal?: AbortSignal;
}

export const MAX_DATABASE_FILES = 200_000;
export const MAX_BYTES_READ = 1024 * 1024 * 1024;

interface PathEvent {
  path: string;
  kind: DatabasePath;
  ref: ContentRef | null;
}

interface ReadFile {
  ref: ContentRef;
  /** Packages (db role) or owned files (list role); null when the file could not be read. */
  packages: InstalledPackage[] | null;
  files: string[] | null;
  size: number | null;
}

interface Group {
  ecosystem: Ecosystem;
  path: string;
  dbFiles: Map<string, ReadFile>;
  lists: Map<string, ReadFile>;
  /** Packages of the group as of the last layer it changed, by key within the group. */
  current: Map<string, InstalledPackage & { root: string | null }>;
}

interface Tracked {
  pkg: ImagePackage;
}

const refKey = (ref: ContentRef) => `${ref.layer}:${ref.entryIndex}`;

export async function analyzePackages(input: PackageAnalysisInput): Promise<ImagePackages> {
  const { fs, signal } = input;
  const warnings: string[] = [];
  const databases: DatabaseVersion[] = [];
  const layers: LayerPackageCounts[] = [];
  const groups = new Map<string, Group>();
  const tracked = new Map<string, Tracked>();
  const parsedByRef = new Map<string, ReadFile>();
  let filesFollowed = 0;
  let bytesRead = 0;
  let capWarned = false;

  const readFile = async (event: PathEvent, layer: number, wal: ContentRef | null): Promise<ReadFile> => {
    const ref = event.ref!;
    const key = `${event.kind.format}:${refKey(ref)}:${wal ? refKey(wal) : ''}`;
    const cached = parsedByRef.get(key);
    if (cached) return cached;
    const where = `${event.path} (layer ${layer})`;
    const result: ReadFile = { ref, packages: null, files: null, size: null };
    parsedByRef.set(key, result);
    const limit = sizeLimit(event.kind.format);
    if (bytesRead > MAX_BYTES_READ) {
      warnings.push(
        `${where} at byte 0: not read, the package databases already took ${MAX_BYTES_READ} bytes`,
      );
      return result;
    }
    let bytes: Uint8Array;
    try {
      const got = await input.read(ref, limit + 1);
      if (got.size > limit) {
        warnings.push(
          `${where} at byte ${limit}: not read, ${got.size} bytes is more than the ${limit} read`,
        );
        return result;
      }
      bytes = got.bytes;
      result.size = got.size;
    } catch (error) {
      warnings.push(
        `${where} at byte 0: could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
      return result;
    }
    bytesRead += bytes.length;
    let walBytes: Uint8Array | null = null;
    if (wal) {
      try {
        const got = await input.read(wal, limit + 1);
        if (got.size <= limit) walBytes = got.bytes;
        bytesRead += got.bytes.length;
      } catch {
        walBytes = null;
      }
    }
    try {
      if (event.kind.role === 'list') {
        if (event.kind.format === 'dpkg-list') result.files = parseDpkgList(bytes);
        else if (event.kind.format === 'python-record') {
          const record = parsePythonRecord(bytes, event.kind.group);
          result.files = record.files;
          result.size = record.sizeBytes;
        } else if (event.kind.format === 'python-egg-files') {
          result.files = parseEggInstalledFiles(bytes, event.path.slice(0, event.path.lastIndexOf('/')));
        }
        return result;
      }
      const parsed = parseDatabase(event.kind.format, event.path, bytes, walBytes);
      result.packages = parsed.packages;
      for (const problem of parsed.problems.slice(0, 20))
        warnings.push(`${where} at byte ${problem.offset}: ${problem.message}`);
      if (parsed.problems.length > 20)
        warnings.push(`${where}: ${parsed.problems.length - 20} more problems like those`);
    } catch (error) {
      // A reader that throws is a bug, but one database must not take the others down with it.
      warnings.push(
        `${where} at byte 0: could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return result;
  };

  for (let layer = 0; layer < fs.layerCount; layer++) {
    signal?.throwIfAborted();
    const events: PathEvent[] = [];
    fs.walk(layer, 'changes', (node) => {
      const kind = databasePath(node.path);
      if (!kind) return;
      if (node.change === 'unmodified') return; // the same bytes again, or a directory leading on
      // A `name.egg-info` directory (not the lone file of that name) is read through its PKG-INFO.
      if (node.type === 'dir' && node.change !== 'removed') return;
      if (filesFollowed >= MAX_DATABASE_FILES) {
        if (!capWarned)
          warnings.push(
            `${node.path} (layer ${layer}) at byte 0: more than ${MAX_DATABASE_FILES} package files; the rest are not read`,
          );
        capWarned = true;
        return;
      }
      filesFollowed++;
      const ref =
        node.change === 'removed' || (node.type !== 'file' && node.type !== 'hardlink')
          ? null
          : fs.contentSource(layer, 'merged', node.path);
      events.push({ path: node.path, kind, ref });
    });
    const counts: LayerPackageCounts = { added: 0, upgraded: 0, downgraded: 0, removed: 0 };
    layers.push(counts);
    if (events.length === 0) continue;
    // In layer order, then entry order: a compressed layer is then decompressed once, forwards.
    events.sort((a, b) =>
      a.ref && b.ref ? a.ref.layer - b.ref.layer || a.ref.entryIndex - b.ref.entryIndex : a.ref ? -1 : 1,
    );
    const toRead = events.flatMap((event) =>
      event.ref && event.kind.format !== 'rpm-sqlite-wal' ? [event.ref] : [],
    );
    try {
      await input.prefetch?.(toRead);
    } catch {
      // Only a hint: each file is then read on its own, and its own error says what went wrong.
    }
    const dirty = new Map<string, boolean>();
    for (const event of events) {
      let group = groups.get(event.kind.group);
      if (!group) {
        group = {
          ecosystem: event.kind.ecosystem,
          path: event.kind.group,
          dbFiles: new Map(),
          lists: new Map(),
          current: new Map(),
        };
        groups.set(event.kind.group, group);
      }
      const target = event.kind.role === 'db' ? group.dbFiles : group.lists;
      if (event.kind.format === 'rpm-sqlite-wal') {
        // Read with its database below, not on its own.
        if (event.ref) target.set(event.path, { ref: event.ref, packages: null, files: null, size: null });
        else target.delete(event.path);
      } else if (!event.ref) target.delete(event.path);
      else target.set(event.path, await readFile(event, layer, null));
      dirty.set(
        group.path,
        (dirty.get(group.path) ?? false) ||
          event.kind.role === 'db' ||
          event.kind.format === 'rpm-sqlite-wal',
      );
    }
    for (const [groupPath, dbChanged] of dirty) {
      const group = groups.get(groupPath)!;
      const next = await groupPackages(group, layer, readFile);
      if (dbChanged)
        databases.push({ path: next.path, layer, ecosystem: group.ecosystem, count: next.packages.size });
      for (const [key, pkg] of next.packages) {
        const before = group.current.get(key);
        const id = `${group.ecosystem}\0${group.path}\0${key}`;
        let entry = tracked.get(id);
        let change: PackageChange | null = null;
        if (!before || !entry?.pkg.present) change = 'added';
        else if (before.version !== pkg.version)
          change =
            compareVersions(group.ecosystem, pkg.version, before.version) < 0 ? 'downgraded' : 'upgraded';
        if (!entry) {
          entry = {
            pkg: {
              id: tracked.size,
              ecosystem: group.ecosystem,
              name: pkg.name,
              version: pkg.version,
              arch: pkg.arch,
              sizeBytes: pkg.sizeBytes,
              present: true,
              history: [],
              database: next.path,
              files: pkg.files,
              root: pkg.root,
            },
          };
          tracked.set(id, entry);
        }
        Object.assign(entry.pkg, {
          name: pkg.name,
          version: pkg.version,
          sizeBytes: pkg.sizeBytes,
          present: true,
          database: next.path,
          files: pkg.files,
          root: pkg.root,
        });
        if (change) {
          entry.pkg.history.push({ layer, change, version: pkg.version });
          counts[change]++;
        }
      }
      for (const [key, pkg] of group.current) {
        if (next.packages.has(key)) continue;
        const entry = tracked.get(`${group.ecosystem}\0${group.path}\0${key}`);
        if (!entry) continue;
        entry.pkg.present = false;
        entry.pkg.history.push({ layer, change: 'removed', version: pkg.version });
        counts.removed++;
      }
      group.current = next.packages;
    }
  }
  const packages = [...tracked.values()].map((t) => t.pkg);
  packages.sort(
    (a, b) =>
      a.ecosystem.localeCompare(b.ecosystem) ||
      a.name.localeCompare(b.name) ||
      a.database.localeCompare(b.database),
  );
  packages.forEach((pkg, index) => {
    pkg.id = index;
  });
  return { packages, databases, warnings, layers };
}

/** The packages a group holds now, keyed within the group, with their files. */
async function groupPackages(
  group: Group,
  layer: number,
  readFile: (event: PathEvent, layer: number, wal: ContentRef | null) => Promise<ReadFile>,
): Promise<{ path: string; packages: Map<string, InstalledPackage & { root: string | null }> }> {
  const packages = new Map<string, InstalledPackage & { root: string | null }>();
  const put = (pkg: InstalledPackage, root: string | null) => {
    let key = `${group.ecosystem === 'python' ? normalizePythonName(pkg.name) : pkg.name}\0${pkg.arch}`;
    // rpm keeps several versions of install-only packages (kernels) side by side.
    if (packages.has(key)) key += `\0${pkg.version}`;
    packages.set(key, { ...pkg, root });
  };
  if (group.path === RPM_GROUP) {
    const path = RPM_DATABASES.find((p) => group.dbFiles.has(p));
    if (!path) return { path: RPM_DATABASES[1], packages };
    let file = group.dbFiles.get(path)!;
    const wal = group.lists.get(`${path}-wal`);
    if (wal && path.endsWith('.sqlite')) {
      const format: DatabaseFormat = 'rpm-sqlite';
      file = await readFile(
        { path, kind: { ecosystem: 'rpm', format, group: RPM_GROUP, role: 'db' }, ref: file.ref },
        layer,
        wal.ref,
      );
    }
    for (const pkg of file.packages ?? []) put(pkg, null);
    return { path, packages };
  }
  for (const [path, file] of group.dbFiles) {
    for (const pkg of file.packages ?? []) {
      let files = pkg.files;
      let sizeBytes = pkg.sizeBytes;
      let root: string | null = null;
      if (group.ecosystem === 'deb' && path.endsWith('/status')) {
        for (const listName of dpkgListNames(pkg.name, pkg.arch)) {
          const list = group.lists.get(DPKG_INFO + listName);
          if (list?.files) {
            files = list.files;
            break;
          }
        }
      } else if (group.ecosystem === 'python' && path.endsWith('/PKG-INFO')) {
        const installed = group.lists.get(`${path.slice(0, -'PKG-INFO'.length)}installed-files.txt`);
        if (installed?.files) files = installed.files;
      } else if (group.ecosystem === 'python' && path.endsWith('/METADATA')) {
        const record = group.lists.get(`${path.slice(0, -'METADATA'.length)}RECORD`);
        if (record?.files) {
          files = record.files;
          sizeBytes = record.size;
        }
      } else if (group.ecosystem === 'npm') {
        root = path.slice(0, -'/package.json'.length);
      }
      put({ ...pkg, files, sizeBytes }, root);
    }
  }
  return { path: group.path, packages };
}
