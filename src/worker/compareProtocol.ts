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
  PathState,
  TopLevelSummary,
} from '../core/compare/index';
import type { DiffLine, HexPage } from '../core/content';
import type { SourceSpec } from './protocol';

export const COMPARE_PROTOCOL_VERSION = 1;

export type {
  ConfigDifference,
  DifferenceCounts,
  DiffLine,
  HexPage,
  HistoryRow,
  LayerSharing,
  PathChangeKind,
  PathComparison,
  PathState,
  TopLevelSummary,
};

export interface ComparePlace {
  /** Where the archive is; for B, null means A's archive (opened once, its blobs shared). */
  source: SourceSpec | null;
  image: number;
  /** The merged view at this layer; null for the image's top layer. */
  layer: number | null;
}

export interface CompareSettings {
  includeTimes: boolean;
  exclude: string[];
  includeUnchanged: boolean;
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
  found: number;
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
  /** Only found when the comparison ran with includeUnchanged. */
  unchanged: boolean;
  /** Case-insensitive substring of the path. */
  filter: string;
}

/** A result row, or a directory shown only to place the rows below it (`context`). */
export type CompareRow =
  | (PathComparison & { depth: number; context?: undefined })
  | { path: string; depth: number; context: true };

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
  /** The path's result row; null for a path that does not differ (or is not in either side). */
  comparison: PathComparison | null;
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
  fileDiff: { args: { path: string; page: number; linesPerPage: number }; result: FileDiffPage };
  hex: { args: { path: string; side: 'a' | 'b'; page: number; rows: number }; result: HexPage | null };
}

export type CompareQueryKind = keyof CompareQueryMap;
export type CompareQuery = {
  [K in CompareQueryKind]: { kind: K; args: CompareQueryMap[K]['args'] };
}[CompareQueryKind];

export type ToCompareWorker =
  | { v: number; type: 'start'; run: number; a: ComparePlace; b: ComparePlace; settings: CompareSettings }
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
