export { buildImageFileSystem } from './build';
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
export type {
  ContentHasher,
  ContentRef,
  DiffType,
  FileNodeInfo,
  LayerChangeCounts,
  LayerChangeDetail,
  ViewMode,
} from './types';
