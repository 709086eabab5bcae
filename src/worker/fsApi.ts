/**
 * What the worker needs from src/core/fs and src/core/analysis, written structurally so the view
 * logic can be tested with a small fake. `ImageFileSystem` must keep satisfying `FileSystemView`
 * (checked below at compile time).
 */
import type {
  ChangeNote,
  ContentRef,
  CountedChange,
  DiffType,
  FileNodeInfo,
  ImageFileSystem,
  LayerChangeCounts,
  PathChange,
  ViewMode,
} from '../core/fs';

export { countedAs, historyCountedAs } from '../core/fs/changeRule';
export type { ChangeNote, CountedChange, DiffType, FileNodeInfo, LayerChangeCounts, PathChange, ViewMode };

export interface FileSystemView {
  readonly layerCount: number;
  counts(layer: number): LayerChangeCounts;
  children(
    layer: number,
    mode: ViewMode,
    dirPath: string,
    offset?: number,
    limit?: number,
  ): { total: number; items: FileNodeInfo[] };
  node(layer: number, mode: ViewMode, path: string): FileNodeInfo | null;
  timeline(path: string): PathChange[];
  walk(layer: number, mode: ViewMode, visit: (node: FileNodeInfo) => void): void;
  /** The tar entry behind a path in a view (its owner names live in that entry's table). */
  entryOf(layer: number, mode: ViewMode, path: string): ContentRef | null;
}

export type { ImageAnalysis } from '../core/analysis';

type Assert<T extends true> = T;
export type FsSatisfiesView = Assert<ImageFileSystem extends FileSystemView ? true : false>;
