export { buildImageFileSystem } from './build';
export { ImageFileSystem } from './imageFileSystem';
export { cleanRelative, pathSegments } from './path';
export type {
  ContentHasher,
  ContentRef,
  DiffType,
  FileNodeInfo,
  LayerChangeCounts,
  LayerChangeDetail,
  ViewMode,
} from './types';
