/** What the package readers give and what the per-layer history of an image's packages is made of. */

export type Ecosystem = 'deb' | 'apk' | 'rpm' | 'python' | 'npm';
export const ECOSYSTEMS: readonly Ecosystem[] = ['deb', 'apk', 'rpm', 'python', 'npm'];

export type PackageChange = 'added' | 'upgraded' | 'downgraded' | 'removed';
export const PACKAGE_CHANGES: readonly PackageChange[] = ['added', 'upgraded', 'downgraded', 'removed'];

/** One package as a database lists it. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** '' when the database does not say (python, npm, a `noarch`-less rpm key). */
  arch: string;
  /** Installed size in bytes, as the database states it; null when it does not. */
  sizeBytes: number | null;
  /** Absolute paths the database says the package owns (apk `R:` lines, rpm file lists). */
  files: string[];
}

/** A problem reading a database: the file and the byte offset where reading stopped or skipped. */
export interface DatabaseProblem {
  offset: number;
  message: string;
}

export interface ParsedDatabase {
  packages: InstalledPackage[];
  problems: DatabaseProblem[];
}

export interface PackageHistoryStep {
  layer: number;
  change: PackageChange;
  version: string;
}

/** A package across the layers of one image. */
export interface ImagePackage {
  /** Stable within one analysis: the row's handle for queries. */
  id: number;
  ecosystem: Ecosystem;
  name: string;
  /** The version in the final image, or the last one it had before it was removed. */
  version: string;
  arch: string;
  sizeBytes: number | null;
  present: boolean;
  history: PackageHistoryStep[];
  /** Where the package is recorded: the database file or directory (`/var/lib/dpkg/status`, a site-packages dir). */
  database: string;
  /** Owned files, absolute (as of the last layer the package was in). */
  files: string[];
  /** npm: the package's directory; its files are what is below it (a package.json lists none). */
  root: string | null;
}

export interface DatabaseVersion {
  path: string;
  layer: number;
  ecosystem: Ecosystem;
  count: number;
}

export interface LayerPackageCounts {
  added: number;
  upgraded: number;
  downgraded: number;
  removed: number;
}

export interface ImagePackages {
  packages: ImagePackage[];
  databases: DatabaseVersion[];
  /** Each names the file and the byte offset (`<path> at byte <n>: <what>`). */
  warnings: string[];
  /** Per layer of the image: what it did to packages. */
  layers: LayerPackageCounts[];
}
