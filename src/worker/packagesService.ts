/**
 * The worker's side of the Packages view and the risky-files list: each image's packages are
 * computed once (after its layers are indexed) and kept; the page asks for pages of rows, one
 * package's files, a file's owners and a layer's risky files, never the whole list at once.
 */
import { ImageFileSystem } from '../core/fs';
import { ContentReader } from '../core/image/content';
import type { ImageArchive } from '../core/image/model';
import { findRiskyFiles, imageFileReader, imagePackages, PackageOwnership } from '../core/packages';
import type { ImagePackage, ImagePackages } from '../core/packages/types';
import type { FileSystemView } from './fsApi';
import type {
  PackageDetail,
  PackageRow,
  PackageRowsArgs,
  PackageSummary,
  QueryMap,
  RiskyFilesResult,
} from './protocol';

interface Computed {
  result: ImagePackages;
  ownership: PackageOwnership;
  rows: PackageRow[];
  elapsedMs: number;
}

/** Files of one package sent at once: a package of 30,000 files is paged by nobody. */
export const MAX_PACKAGE_FILES = 2000;
const MAX_ROWS_PAGE = 500;

function toRow(pkg: ImagePackage): PackageRow {
  const first = pkg.history.find((step) => step.change === 'added') ?? null;
  const last = pkg.history[pkg.history.length - 1] ?? null;
  return {
    id: pkg.id,
    ecosystem: pkg.ecosystem,
    name: pkg.name,
    version: pkg.version,
    arch: pkg.arch,
    sizeBytes: pkg.sizeBytes,
    present: pkg.present,
    installedIn: first?.layer ?? null,
    lastChange: last,
    changes: pkg.history.map((step) => step.change),
    changedIn: pkg.history.map((step) => step.layer),
    database: pkg.database,
    fileCount: pkg.files.length,
  };
}

function compareRows(sort: PackageRowsArgs['sort']): (a: PackageRow, b: PackageRow) => number {
  const byName = (a: PackageRow, b: PackageRow) => a.name.localeCompare(b.name) || a.id - b.id;
  switch (sort) {
    case 'version':
      return (a, b) => a.version.localeCompare(b.version, undefined, { numeric: true }) || byName(a, b);
    case 'layer':
      return (a, b) => (a.lastChange?.layer ?? -1) - (b.lastChange?.layer ?? -1) || byName(a, b);
    case 'size':
      return (a, b) => (a.sizeBytes ?? -1) - (b.sizeBytes ?? -1) || byName(a, b);
    case 'ecosystem':
      return (a, b) => a.ecosystem.localeCompare(b.ecosystem) || byName(a, b);
    default:
      return byName;
  }
}

export class PackagesService {
  private readonly reader: ContentReader;
  private readonly computed = new Map<number, Promise<Computed>>();
  private readonly risky = new Map<string, Promise<RiskyFilesResult>>();

  constructor(
    private readonly archive: ImageArchive,
    private readonly fsFor: (image: number) => Promise<FileSystemView>,
    private readonly now: () => number,
  ) {
    // Its own reader: its forward cursors are not moved by a viewer reading elsewhere.
    this.reader = new ContentReader(archive);
  }

  private async fileSystem(image: number): Promise<ImageFileSystem> {
    const fs = await this.fsFor(image);
    if (!(fs instanceof ImageFileSystem)) throw new Error('packages are not available for this file system');
    return fs;
  }

  private compute(image: number): Promise<Computed> {
    let p = this.computed.get(image);
    if (!p) {
      p = (async () => {
        const fs = await this.fileSystem(image);
        const started = this.now();
        const result = await imagePackages(this.archive, image, fs, this.reader);
        return {
          result,
          ownership: new PackageOwnership(result.packages),
          rows: result.packages.map(toRow),
          elapsedMs: this.now() - started,
        };
      })();
      this.computed.set(image, p);
      // A failure is not kept: asking again tries again.
      p.catch(() => this.computed.delete(image));
    }
    return p;
  }

  async summary(a: QueryMap['packageSummary']['args']): Promise<PackageSummary> {
    const { result, rows, elapsedMs } = await this.compute(a.image);
    const byEcosystem: Record<string, number> = {};
    for (const row of rows) byEcosystem[row.ecosystem] = (byEcosystem[row.ecosystem] ?? 0) + 1;
    return {
      total: rows.length,
      present: rows.filter((row) => row.present).length,
      byEcosystem,
      layers: result.layers,
      databases: result.databases,
      warnings: result.warnings,
      elapsedMs,
    };
  }

  async rows(a: PackageRowsArgs): Promise<QueryMap['packageRows']['result']> {
    const { rows } = await this.compute(a.image);
    const needle = a.name.trim().toLowerCase();
    const matching = rows.filter((row) => {
      if (a.ecosystems.length > 0 && !a.ecosystems.includes(row.ecosystem)) return false;
      if (needle && !row.name.toLowerCase().includes(needle)) return false;
      if (a.layer !== null && !row.changedIn.includes(a.layer)) return false;
      if (a.change === 'present') return row.present;
      if (a.change === 'gone') return !row.present;
      if (a.change !== 'all') {
        return a.layer === null
          ? row.changes.includes(a.change)
          : row.changes.some((change, i) => change === a.change && row.changedIn[i] === a.layer);
      }
      return true;
    });
    const compare = compareRows(a.sort);
    matching.sort(a.descending ? (x, y) => compare(y, x) : compare);
    const offset = Math.max(0, a.offset);
    return {
      total: matching.length,
      offset,
      rows: matching.slice(offset, offset + Math.min(MAX_ROWS_PAGE, a.limit)),
    };
  }

  async detail(a: QueryMap['packageDetail']['args']): Promise<PackageDetail> {
    const { result, rows } = await this.compute(a.image);
    const pkg = result.packages[a.id];
    if (!pkg) throw new RangeError(`no package ${a.id}`);
    const fs = await this.fileSystem(a.image);
    const top = fs.layerCount - 1;
    const layers = this.archive.images[a.image].layers;
    return {
      row: rows[a.id],
      history: pkg.history.map((step) => ({ ...step, command: layers[step.layer]?.createdBy ?? null })),
      files: pkg.files.slice(0, MAX_PACKAGE_FILES).map((path) => {
        const node = fs.node(top, 'merged', path);
        return { path, layer: node ? node.layer : null, type: node ? node.type : null };
      }),
      fileCount: pkg.files.length,
      root: pkg.root,
    };
  }

  async owners(a: QueryMap['fileOwners']['args']): Promise<PackageRow[]> {
    const { ownership, rows } = await this.compute(a.image);
    return ownership.owners(a.path).map((id) => rows[id]);
  }

  riskyFiles(a: QueryMap['riskyFiles']['args']): Promise<RiskyFilesResult> {
    const key = `${a.image}:${a.layer}`;
    let p = this.risky.get(key);
    if (!p) {
      p = (async () => {
        const fs = await this.fileSystem(a.image);
        return findRiskyFiles(fs, a.layer, imageFileReader(this.archive, a.image, this.reader));
      })();
      this.risky.set(key, p);
      p.catch(() => this.risky.delete(key));
      while (this.risky.size > 8) this.risky.delete(this.risky.keys().next().value as string);
    }
    return p;
  }
}
