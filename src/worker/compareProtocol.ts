/**
 * The protocol of the comparison worker: a worker of its own that opens the two archives (or
 * one archive, once, when A and B are images or layers of the same one), walks the two merged
 * filesystems and answers pages of the result. Cancelling ends the run; the page may also end
 * the worker. Every message carries `v: COMPARE_PROTOCOL_VERSION`.
 */
import type {
  ConfigDifference,
  DifferenceCounts,
  HistoryRow,
  LayerSharing,
  PathChangeKind,
  PathComparison,
  PathDifference,
  PathState,
  TopLevelSummary,
} from '../core/compare/index';
import type { DiffLine, HexPage } from '../core/content';
import type { SourceSpec } from './protocol';

export const COMPARE_PROTOCOL_VERSION = 2;

export type {
  ConfigDifference,
  DifferenceCounts,
  DiffLine,
  HexPage,
  HistoryRow,
  LayerSharing,
  PathChangeKind,
  PathComparison,
  PathDifference,
  PathState,
  TopLevelSummary,
};

export interface ComparePlace {
  /** Where the archive is; for B, null means A's archive (opened once, its blobs shared). */
  source: SourceSpec | null;
  image: number;
  /** The merged view at this layer; null for the image's top layer. */
  layer: number | null;
  /**
   * The page's own finished index of `source` (core/persist's saved-index form, from the
   * explorer's `indexBytes` query): taken instead of reading the archive again.
   */
  index?: Uint8Array;
  /**
   * The page's name for `source` (the same archive always gets the same one): what the worker
   * read ahead for it (`prepare`) or kept from the last run is used again. Without it the
   * archive is read for this run alone.
   */
  sourceId?: number;
}

export interface CompareSettings {
  includeTimes: boolean;
  exclude: string[];
  /**
   * Ignored since protocol 2: the worker always keeps the unchanged paths (as bare paths), and
   * the rows filter `unchanged` shows or hides them without a second walk.
   */
  includeUnchanged?: boolean;
}

export interface CompareSideInfo {
  archive: string;
  image: number;
  /** The first tag, or the image id. */
  label: string;
  layer: number;
  layerCount: number;
}

export interface CompareMeta {
  a: CompareSideInfo;
  b: CompareSideInfo;
  config: ConfigDifference[];
  layers: LayerSharing;
  history: HistoryRow[];
}

export interface CompareProgress {
  pathsCompared: number;
  /** Differences found. */
  found: number;
  /** Paths on both sides that do not differ (kept, shown when the rows filter asks). */
  unchanged: number;
  totals: DifferenceCounts;
}

export interface CompareDone extends CompareProgress {
  byDirectory: TopLevelSummary[];
  warnings: string[];
  elapsedMs: number;
  /** Milliseconds from the start to the first differences. */
  firstMs: number | null;
}

export interface RowFilter {
  added: boolean;
  removed: boolean;
  changed: boolean;
  /** Paths that do not differ: kept by every run, shown on demand. */
  unchanged: boolean;
  /** Case-insensitive substring of the path. */
  filter: string;
  fold: CompareFold;
}

/** Which folders are open: all (`open`) or none, except the listed paths. */
export interface CompareFold {
  open: boolean;
  except: string[];
}

interface TreeBits {
  depth: number;
  /** Rows directly below it with this filter (0: not a folder). */
  children: number;
  /** A folder whose rows are shown. */
  expanded: boolean;
}

/**
 * A row of the result tree: a difference, a path that does not differ, or a directory shown only
 * to place the rows below it (`context`).
 */
export type CompareRow =
  | (PathDifference & TreeBits & { context?: undefined })
  | ({ path: string; change: 'unchanged'; context?: undefined } & TreeBits)
  | ({ path: string; context: true; change?: undefined } & TreeBits);

export interface ComparePage {
  total: number;
  offset: number;
  rows: CompareRow[];
  /** False while the walk goes on: more rows may come. */
  complete: boolean;
}

export interface SideContent {
  size: number;
  digest: string | null;
  text: boolean;
}

export interface FileDiffPage {
  path: string;
  /** The path's difference; null for a path that does not differ (or is not in either side). */
  comparison: PathDifference | null;
  a: SideContent | null;
  b: SideContent | null;
  /** Why there is no text diff (not text, too big, only on one side…); null when there is one. */
  unavailable: string | null;
  added: number;
  removed: number;
  page: number;
  pageCount: number;
  totalLines: number;
  lines: DiffLine[];
}

export interface CompareQueryMap {
  rows: { args: RowFilter & { offset: number; limit: number }; result: ComparePage };
  /** The index of a path's row among the rows shown, -1 when not shown. */
  locate: { args: RowFilter & { path: string }; result: { index: number } };
  fileDiff: { args: { path: string; page: number; linesPerPage: number }; result: FileDiffPage };
  hex: { args: { path: string; side: 'a' | 'b'; page: number; rows: number }; result: HexPage | null };
}

export type CompareQueryKind = keyof CompareQueryMap;
export type CompareQuery = {
  [K in CompareQueryKind]: { kind: K; args: CompareQueryMap[K]['args'] };
}[CompareQueryKind];

export type ToCompareWorker =
  | { v: number; type: 'start'; run: number; a: ComparePlace; b: ComparePlace; settings: CompareSettings }
  /**
   * Read ahead what a run of these places needs (both archives, both images' file systems),
   * while the person is still choosing, so that Run starts walking at once.
   */
  | { v: number; type: 'prepare'; a: ComparePlace; b: ComparePlace }
  | { v: number; type: 'cancel'; run: number }
  | { v: number; type: 'query'; id: number; run: number; query: CompareQuery };

export type CompareEvent =
  | { type: 'opening'; phase: string }
  | { type: 'meta'; meta: CompareMeta }
  | { type: 'progress'; progress: CompareProgress }
  | { type: 'done'; done: CompareDone }
  | { type: 'failed'; message: string }
  | { type: 'cancelled' };

export type FromCompareWorker =
  | ({ v: number; run: number } & CompareEvent)
  | { v: number; type: 'result'; id: number; ok: true; result: CompareQueryMap[CompareQueryKind]['result'] }
  | { v: number; type: 'result'; id: number; ok: false; error: string };
