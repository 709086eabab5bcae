/**
 * The message protocol between the page and the archive worker. The worker owns the model (the
 * archive, its entry tables and file systems); the page sends small queries and gets small answers
 * (a window of rows, one file's details), never whole listings.
 *
 * Every message carries `v: PROTOCOL_VERSION`; a side that receives another version answers with
 * an error instead of guessing (a cached old worker next to a new page, for instance).
 */
import type { Compression } from '../core/compress/sniff';
import type { ContentKind, DiffLine, HexPage, TextPage } from '../core/content';
import type { FileNodeInfo } from '../core/fs';
import type { LinkFailure, LinkStep } from '../core/fs/links';
import type { SearchHit, SearchPage, SearchQuery } from '../core/fs/search';
import type { ArchiveFormat, HistoryStep, Image, LayerTreeNode, OpenProgress } from '../core/image/model';
import type { VerifyProgress } from '../core/image/verify';
import type { RiskyFiles } from '../core/packages/risky';
import type {
  DatabaseVersion,
  Ecosystem,
  LayerPackageCounts,
  PackageChange,
  PackageHistoryStep,
} from '../core/packages/types';
import type { SecretFinding, SecretReport, SecretScanProgress } from '../core/secrets';
import type { EntryType } from '../core/tar/types';
import type { StoredIndex } from '../storage/indexStore';
import type {
  ChangeNote,
  CountedChange,
  DiffType,
  ImageAnalysis,
  LayerChangeCounts,
  ViewMode,
} from './fsApi';

/** 2: archives from a URL (`SourceSpec` 'url', the 'download' event) and Verify. */
/** 3: looking inside: contents, search, size map, export. */
/** 4: saved indexes (`remember` on a file, `fromSavedIndex` on done, the 'savedIndexes' message). */
export const PROTOCOL_VERSION = 4;

/** The counting rule (core/fs/changeRule.ts), for labelling rows and history as the counts count them. */
export { countedAs, historyCountedAs } from '../core/fs/changeRule';
export type {
  ChangeNote,
  CountedChange,
  DiffType,
  ImageAnalysis,
  LayerChangeCounts,
  OpenProgress,
  VerifyProgress,
  ViewMode,
};

/**
 * Where the archive comes from. A File is passed by reference: nothing is copied. A URL (http or
 * https, allowing cross-origin reads) is read by the worker with Range requests, or downloaded
 * whole when the server ignores Range.
 */
export type SourceSpec =
  | {
      kind: 'file';
      file: Blob;
      name: string;
      /** File.lastModified (0 when unknown): part of the saved index's key. */
      lastModified?: number;
      /** Use and keep a saved index of this file ("Remember indexes on this device"). */
      remember?: boolean;
    }
  | { kind: 'url'; url: string };

/** Asks about the saved indexes, outside any session: list them, or forget one (key) or all (null). */
export type SavedIndexRequest = { action: 'list' } | { action: 'forget'; key: string | null };

export type { StoredIndex } from '../storage/indexStore';

/** The outcome of Verify: small, every mismatch one line naming the member. */
export interface VerifyResult {
  /** Every digest or diff ID mismatch, one line each, naming the member. Empty when all match. */
  problems: string[];
  layersChecked: number;
  /** Layers that could not be hashed (missing or unreadable blobs), named by member. */
  layersSkipped: string[];
  configsChecked: number;
  bytesHashed: number;
  elapsedMs: number;
}

// ----------------------------------------------------------------------------------------------
// Summaries: what the page keeps about an archive (small: no entry lists).

export type BlobState = 'pending' | 'indexed' | 'failed';

export interface BlobSummary {
  key: string;
  member: string;
  digest: string | null;
  compression: Compression;
  storedSize: number;
  state: BlobState;
  /** Tar entries (as `tar -tf` counts them) once indexed. */
  entries: number | null;
  /** Sum of regular-file sizes, once indexed. */
  sizeBytes: number | null;
  error: string | null;
}

export type ImageSummary = Image;
export type { HistoryStep, LayerTreeNode };

export interface ArchiveSummary {
  format: ArchiveFormat;
  name: string;
  /** Bytes of the archive file. */
  size: number;
  outerCompression: Compression;
  images: ImageSummary[];
  blobs: BlobSummary[];
  layerTree: LayerTreeNode[];
  warnings: string[];
  errors: string[];
}

/** Per image, once all its layers are indexed and its file system is built. */
export interface ImageStats {
  image: number;
  /** One per layer of the image. */
  counts: LayerChangeCounts[];
  /** Analysis with `inefficientFiles` cut to the first MAX_INEFFICIENT (see `inefficientTotal`). */
  analysis: ImageAnalysis | null;
  inefficientTotal: number;
  error: string | null;
}

export const MAX_INEFFICIENT = 200;

// ----------------------------------------------------------------------------------------------
// Files.

/** One path in a view: the core's FileNodeInfo, plain data that crosses the boundary as it is. */
export type FileNode = FileNodeInfo;

export interface FileRow extends FileNode {
  /** 0 for entries of the root directory. */
  depth: number;
  expanded: boolean;
}

export type SortKey = 'name' | 'size';

export interface ChangeFilter {
  added: boolean;
  modified: boolean;
  removed: boolean;
  unmodified: boolean;
}

/** Everything that decides which rows the Files tree shows, in which order. */
export interface FileViewSpec {
  image: number;
  layer: number;
  mode: ViewMode;
  sort: SortKey;
  /** Path filter: a case-insensitive substring of the full path, or a regular expression. */
  filter: string;
  regex: boolean;
  changes: ChangeFilter;
  /** Directories are expanded by default when true; `toggled` lists the exceptions either way. */
  expandAll: boolean;
  toggled: string[];
}

export interface RowsPage {
  /** Rows in the whole flattened view. */
  total: number;
  offset: number;
  rows: FileRow[];
  /** Entries that match the filters themselves (ancestors kept for shape excluded); null without filters. */
  matches: number | null;
  /** Set when the regular expression does not compile (the filter is then ignored). */
  filterError: string | null;
  /** False while the image's layers are still being indexed. */
  ready: boolean;
}

export interface TimelineStep {
  layer: number;
  /** Identical rewrites are `rewritten`; a directory made opaque is `replaced` (changeRule.ts). */
  change: CountedChange;
  /** A removal that went with a removed or replaced directory above the path. */
  note?: ChangeNote;
  command: string | null;
  /** The entry as that layer wrote it (null for a removal). */
  node: FileNode | null;
}

export interface FileDetails {
  /** The path at the asked layer and mode; null where it does not exist (removed, not yet added). */
  node: FileNode | null;
  /** Whether the asked layer's Changes list has a row for the path (its own change, or a directory leading to one). */
  inChanges: boolean;
  /** Whether the path exists in the merged filesystem at the asked layer. */
  inMerged: boolean;
  timeline: TimelineStep[];
  owner: { uname: string; gname: string } | null;
}

// ----------------------------------------------------------------------------------------------
// Queries: kind → arguments and result.

export interface QueryMap {
  /** One page of a directory's children, as the file system lists them. */
  children: {
    args: { image: number; layer: number; mode: ViewMode; path: string; offset: number; limit: number };
    result: { total: number; items: FileNode[] };
  };
  /** A window of the flattened, filtered, sorted tree rows. */
  rows: { args: { view: FileViewSpec; offset: number; limit: number }; result: RowsPage };
  /** Index of a path among the flattened rows (-1 when hidden by a collapsed ancestor or a filter). */
  locate: { args: { view: FileViewSpec; path: string }; result: { index: number; total: number } };
  /** One path at a layer with every layer that touched it; null for a path no layer has. */
  details: {
    args: { image: number; layer: number; mode: ViewMode; path: string };
    result: FileDetails | null;
  };
  /** Change counts per layer and the efficiency analysis (builds the file system if needed). */
  imageStats: { args: { image: number }; result: ImageStats };
  /**
   * Hashes every layer blob and config with SHA-256 and compares with the manifests and configs
   * (once reading is done); 'verifyProgress' events report progress meanwhile.
   */
  verify: { args: Record<string, never>; result: VerifyResult };
  /**
   * The finished index in core/persist's saved-index form, for the comparison's worker to take
   * instead of reading the archive again (the bytes are transferred, not copied). Refused until
   * the archive is read to its end.
   */
  indexBytes: { args: Record<string, never>; result: { bytes: Uint8Array } };

  // Looking inside (contents, search, size map, export). Paths are read in the merged view at the
  // layer, links followed; every answer is one page, never a whole file or listing.
  /** What a path is, where its links lead (or why they do not) and how its contents can be shown. */
  content: { args: FileRef; result: ContentInfo };
  /** Lines [firstLine, firstLine + count) of a text file (at most 2000). */
  textPage: { args: FileRef & { firstLine: number; count: number }; result: TextPage };
  /**
   * The file (merged view at the layer, links followed) against its previous version: the same
   * path just below the layer that wrote the version shown. Unified, 3 lines of context, computed
   * here and paged (`linesPerPage` display lines, at most 2000).
   */
  textDiff: { args: FileRef & { page: number; linesPerPage: number }; result: TextDiffPage };
  /** Page `page` of `rows` hex rows (16 bytes each, at most 1024 rows). */
  hexPage: { args: FileRef & { page: number; rows: number }; result: HexPage };
  /** Up to `length` bytes (at most 4 MiB) from `offset`; `bytes` is transferred, not copied. */
  fileBytes: {
    args: FileRef & { offset: number; length: number };
    result: { size: number; bytes: Uint8Array };
  };
  /** Starts a search of every layer's changes; `error` for an invalid regular expression (id 0). */
  searchStart: { args: { image: number; query: SearchQuery }; result: { id: number; error: string | null } };
  /** The next hits of a search (looks at a bounded number of entries per call); `done` ends it. */
  searchNext: { args: { id: number; maxHits: number }; result: SearchPage };
  searchCancel: { args: { id: number }; result: Record<string, never> };
  /** The merged filesystem below `path` at a layer: biggest children first, size-limited. */
  sizeMap: {
    args: {
      image: number;
      layer: number;
      path: string;
      depth: number;
      maxChildren: number;
      maxNodes: number;
    };
    result: SizeNode;
  };
  /** Plans a tar of a layer's changes or its merged view (or one directory of it). */
  exportStart: {
    args: { image: number; layer: number; mode: ViewMode; path: string };
    result: { id: number; suggestedName: string; entries: number; contentBytes: number; warnings: string[] };
  };
  /** The next piece of the tar (about 1 MiB, transferred), null once it is complete. */
  exportNext: { args: { id: number }; result: { chunk: Uint8Array | null } };
  exportCancel: { args: { id: number }; result: Record<string, never> };

  // Packages and risky files (added in version 3 without a bump: an older worker answers
  // "unknown query", which the Packages view shows as an error, and nothing else changed).
  /** Computes the image's packages once (after indexing): counts per layer, databases, warnings. */
  packageSummary: { args: { image: number }; result: PackageSummary };
  /** A page of the packages, filtered and sorted. */
  packageRows: { args: PackageRowsArgs; result: { total: number; offset: number; rows: PackageRow[] } };
  /** One package: its history with each layer's command, and its files (first MAX_PACKAGE_FILES) with their layers. */
  packageDetail: { args: { image: number; id: number }; result: PackageDetail };
  /** The packages that own a path. */
  fileOwners: { args: { image: number; path: string }; result: PackageRow[] };
  /** setuid/setgid executables, world-writable paths, unknown owners, in the merged view at the layer. */
  riskyFiles: { args: { image: number; layer: number }; result: RiskyFilesResult };
  // Secrets: a scan of every file of every layer and the config, pulled a time slice at a time.
  /** Starts the secret scan of an image once its layers are indexed. */
  secretsStart: { args: { image: number }; result: { id: number } };
  /** Scans for about `budgetMs` (at most 1000), then answers with the findings made since the last answer. */
  secretsNext: { args: { id: number; budgetMs: number }; result: SecretsPage };
  secretsCancel: { args: { id: number }; result: Record<string, never> };
  /** The whole secret of finding `index` of a scan: only asked for by an explicit Reveal. */
  secretReveal: { args: { id: number; index: number }; result: { secret: string } };
}

export type { DatabaseVersion, Ecosystem, LayerPackageCounts, PackageChange, PackageHistoryStep };
export type RiskyFilesResult = RiskyFiles;

export interface PackageSummary {
  total: number;
  present: number;
  byEcosystem: Partial<Record<Ecosystem, number>>;
  /** Per layer of the image. */
  layers: LayerPackageCounts[];
  databases: DatabaseVersion[];
  warnings: string[];
  /** The worker's time to read the databases, after the file system was built. */
  elapsedMs: number;
}

export type PackageSortKey = 'name' | 'version' | 'layer' | 'size' | 'ecosystem';

export interface PackageRowsArgs {
  image: number;
  /** Empty: every ecosystem. */
  ecosystems: Ecosystem[];
  /** A change in the package's history (in `layer` when set), or whether it is in the final image. */
  change: PackageChange | 'present' | 'gone' | 'all';
  /** Packages whose history has this layer; null for all. */
  layer: number | null;
  /** Case-insensitive substring of the name. */
  name: string;
  sort: PackageSortKey;
  descending: boolean;
  offset: number;
  limit: number;
}

export interface PackageRow {
  id: number;
  ecosystem: Ecosystem;
  name: string;
  version: string;
  arch: string;
  sizeBytes: number | null;
  present: boolean;
  /** The layer that first installed it. */
  installedIn: number | null;
  lastChange: PackageHistoryStep | null;
  changes: PackageChange[];
  changedIn: number[];
  database: string;
  fileCount: number;
}

export interface PackageDetail {
  row: PackageRow;
  history: (PackageHistoryStep & { command: string | null })[];
  /** `layer`: the layer that last wrote the file in the final image; null when it is not there. */
  files: { path: string; layer: number | null; type: EntryType | null }[];
  fileCount: number;
  /** npm: the package's directory. */
  root: string | null;
}

/** A finding as the page gets it: its preview, never the secret (see secretReveal). */
export type SecretFindingView = Omit<SecretFinding, 'secret'> & { index: number };
export type { SecretScanProgress };

export interface SecretsPage {
  /** Null before the first file. */
  progress: SecretScanProgress | null;
  /** The findings made since the previous answer, in order. */
  findings: SecretFindingView[];
  /** The scan ended and every finding was sent. */
  done: boolean;
  /** Once the scan ended: what was scanned and skipped. */
  summary: Omit<SecretReport, 'findings'> | null;
}

export type {
  ContentKind,
  DiffLine,
  HexPage,
  LinkFailure,
  LinkStep,
  SearchHit,
  SearchPage,
  SearchQuery,
  TextPage,
};

export interface TextDiffPage {
  /** The layer that wrote the version shown. */
  currentLayer: number | null;
  /** The layer whose merged view holds the version compared with (currentLayer − 1). */
  previousLayer: number | null;
  /** Why there is no diff (no earlier version, not text, too big, too different); null when there is one. */
  unavailable: string | null;
  added: number;
  removed: number;
  page: number;
  pageCount: number;
  /** Display lines of the whole diff (hunk headers included). */
  totalLines: number;
  lines: DiffLine[];
}

export interface FileRef {
  image: number;
  layer: number;
  path: string;
}

export interface ContentInfo {
  /** As asked. */
  path: string;
  /** Where the links led (the target), or the path that could not be found or followed. */
  resolvedPath: string;
  steps: LinkStep[];
  /** A dangling link, a loop, a missing path… with a sentence naming it. */
  failure: { reason: LinkFailure; message: string } | null;
  /** The target, when there is one. */
  node: FileNode | null;
  size: number;
  /** How to show the contents; null when there are none (directories, devices, failures). */
  kind: ContentKind | null;
  /** Why there are no contents to show, when there is a target. */
  note: string | null;
}

/** One rectangle of the size map. */
export interface SizeNode {
  path: string;
  name: string;
  type: EntryType;
  /** Bytes (a directory's subtree). */
  size: number;
  /** The layer that last wrote it. */
  layer: number;
  childCount: number;
  /** The biggest children, when this level was expanded; null below the depth asked for. */
  children: SizeNode[] | null;
  /** The children left out, summed. */
  otherSize: number;
  otherCount: number;
}

export type QueryKind = keyof QueryMap;
export type QueryArgs<K extends QueryKind> = QueryMap[K]['args'];
export type QueryResult<K extends QueryKind> = QueryMap[K]['result'];
export type Query = { [K in QueryKind]: { kind: K; args: QueryArgs<K> } }[QueryKind];

// ----------------------------------------------------------------------------------------------
// Messages.

export type ToWorker =
  | { v: number; type: 'open'; session: number; source: SourceSpec }
  | { v: number; type: 'cancel'; session: number }
  | { v: number; type: 'query'; id: number; session: number; query: Query }
  | { v: number; type: 'savedIndexes'; id: number; request: SavedIndexRequest }
  /**
   * The page asks the worker to put its background work and heavy queries off (`held`), or lets
   * go: a comparison is starting beside it (worker/backgroundHold.ts). Lapses by itself.
   */
  | { v: number; type: 'hold'; held: boolean };

export type SessionEvent =
  | { type: 'progress'; progress: OpenProgress }
  /** A server without Range support: the whole archive is being downloaded first. */
  | { type: 'download'; received: number; total: number | null }
  | { type: 'verifyProgress'; progress: VerifyProgress }
  /** Images, layers and the layer tree are known; layers are about to be indexed. */
  | { type: 'archive'; archive: ArchiveSummary }
  /** One distinct layer blob was indexed (or failed); `errors` is the archive's list so far. */
  | { type: 'blob'; blob: BlobSummary; errors: string[] }
  /** Every layer of this image is indexed: its files can be queried. */
  | { type: 'imageReady'; image: number }
  | { type: 'imageStats'; stats: ImageStats }
  /**
   * Right after `done`: the finished index in the saved-index form (transferred), for a
   * comparison to take instead of reading the archive again (src/store/handedIndex.ts).
   */
  | { type: 'indexReady'; bytes: Uint8Array }
  /** Every layer is indexed. `entries` is the total of all layers' tar entries. */
  | {
      type: 'done';
      archive: ArchiveSummary;
      entries: number;
      elapsedMs: number;
      /** The index came from this device's saved copy (contents are still read from the archive). */
      fromSavedIndex?: boolean;
      /** This archive's saved index, when it was restored or is being kept. */
      savedIndexKey?: string;
    }
  /** Reading stopped early; what was read (if anything) stays queryable. */
  | { type: 'failed'; message: string; archive: ArchiveSummary | null; entries: number }
  | { type: 'cancelled'; archive: ArchiveSummary | null; entries: number };

export type FromWorker =
  | ({ v: number; session: number } & SessionEvent)
  | { v: number; type: 'result'; id: number; ok: true; result: QueryResult<QueryKind> }
  | { v: number; type: 'result'; id: number; ok: false; error: string }
  | { v: number; type: 'protocolError'; error: string }
  | { v: number; type: 'savedIndexes'; id: number; ok: true; stored: StoredIndex[] }
  | { v: number; type: 'savedIndexes'; id: number; ok: false; error: string };

export function isFromWorker(data: unknown): data is FromWorker {
  return typeof data === 'object' && data !== null && 'v' in data && 'type' in data;
}

/*
 * Paths and view keys as both sides compute them: the page keys its cache of rows by the same
 * string the worker keys its views by.
 */

export const ROOT = '/';

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? ROOT : path.slice(0, i);
}

/** '/a/b/c' → ['/a', '/a/b'] */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/', 1);
  while (i > 0) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

export const ALL_CHANGES: ChangeFilter = { added: true, modified: true, removed: true, unmodified: true };

export function changeFilterActive(c: ChangeFilter): boolean {
  return !(c.added && c.modified && c.removed && c.unmodified);
}

export function contextKey(spec: FileViewSpec): string {
  const c = spec.changes ?? ALL_CHANGES;
  return [
    spec.image,
    spec.layer,
    spec.mode,
    spec.sort,
    spec.regex ? 'r' : 's',
    spec.filter,
    +c.added,
    +c.modified,
    +c.removed,
    +c.unmodified,
  ].join('\u0000');
}

export function viewKey(spec: FileViewSpec): string {
  return `${contextKey(spec)}\u0001${spec.expandAll ? 1 : 0}\u0001${[...spec.toggled].sort().join('\u0000')}`;
}
