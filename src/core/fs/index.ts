export { buildImageFileSystem, imageChangeCounts } from './build';
export { countedAs, historyCountedAs } from './changeRule';
export { ImageFileSystem } from './imageFileSystem';
export {
  type LinkFailure,
  type LinkFileSystem,
  type LinkStep,
  MAX_LINK_HOPS,
  type Resolution,
  type ResolvedPath,
  type ResolveFailure,
  type ResolveOptions,
  resolvePath,
} from './links';
export { cleanRelative, pathSegments } from './path';
export {
  type Change,
  type CompiledQuery,
  compileQuery,
  type PathHistoryStep,
  pathHistory,
  type SearchableFileSystem,
  SearchCursor,
  type SearchHit,
  type SearchPage,
  type SearchProgress,
  type SearchQuery,
  searchPages,
} from './search';
export type { BuildPause } from './stacking';
export type {
  ChangeNote,
  ContentHasher,
  ContentRef,
  CountedChange,
  DiffType,
  FileNodeInfo,
  InternedPaths,
  LayerChangeCounts,
  LayerChangeDetail,
  PathChange,
  ViewMode,
} from './types';
