import type { ByteSource } from '../bytes/byteSource';
import type { SeekPoints } from '../compress/seekPoints';
import type { Compression } from '../compress/sniff';
import type { ExpansionLimit } from '../limits';
import type { EntryTable } from '../tar/entryTable';

export type ArchiveFormat = 'docker-legacy' | 'docker-archive' | 'oci-layout' | 'rootfs';

/**
 * One distinct layer blob in the archive. Images saved together share layers, so a blob is read
 * once and referenced by every image that uses it.
 */
export interface LayerBlob {
  /** The archive member that holds it, after following symlinks ('' for a rootfs archive: the archive itself). */
  member: string;
  /** The member's name exactly as stored in the archive. */
  storedName: string;
  /**
   * Where the blob's bytes start in the archive (counted in decompressed bytes when the whole
   * archive is compressed); -1 when the blob is missing.
   */
  dataOffset: number;
  /** sha256 digest of the stored (maybe compressed) blob when the archive names it, else null. */
  digest: string | null;
  compression: Compression;
  /** Bytes stored in the archive. */
  storedSize: number;
  /** The layer's tar entries once indexed; null while not yet read. */
  entries: EntryTable | null;
  /** Why the layer could not be read completely (entries read before the problem are kept). */
  error: string | null;
  /**
   * Where decoding can start part-way into a gzip layer (compress/seekPoints.ts), kept while it
   * was indexed, so a file's bytes are read from the nearest point before it; absent otherwise.
   */
  seekPoints?: SeekPoints | null;
}

export interface ImageLayer {
  index: number;
  /** Key into ImageArchive.blobs. */
  blob: string;
  diffId: string | null;
  chainId: string;
  createdBy: string | null;
  /** When this step ran, from the history (ISO 8601), if known. */
  created: string | null;
  comment: string | null;
}

export interface HistoryStep {
  createdBy: string;
  created: string | null;
  comment: string | null;
  emptyLayer: boolean;
  layerIndex: number | null;
}

export interface ImageConfig {
  Env: string[];
  Cmd: string[];
  Entrypoint: string[];
  WorkingDir: string;
  User: string;
  Labels: Record<string, string>;
  ExposedPorts: string[];
  Volumes: string[];
  StopSignal: string;
}

export interface Image {
  tags: string[];
  /** sha256 of the config blob ("sha256:..."), or for legacy archives the top layer's v1 id. */
  id: string;
  manifestDigest: string | null;
  /** The member holding the config (its name often is its digest), null when there is none. */
  configName: string | null;
  platform: string;
  created: string | null;
  author: string | null;
  config: ImageConfig;
  layers: ImageLayer[];
  history: HistoryStep[];
}

export interface LayerTreeNode {
  chainId: string;
  diffId: string | null;
  parent: string | null;
  tags: string[];
  /** Key into ImageArchive.blobs. */
  blob: string;
  /** Indexes (into ImageArchive.images) of the images that contain this node. */
  images: number[];
}

export interface ImageArchive {
  /** Where the bytes are, for reading file contents on demand. */
  source: ByteSource;
  format: ArchiveFormat;
  /** Name of the source (file name). */
  name: string;
  /** Compression of the whole archive (`docker save | gzip`), 'none' for a plain tar. */
  outerCompression: Compression;
  images: Image[];
  blobs: Map<string, LayerBlob>;
  layerTree: LayerTreeNode[];
  warnings: string[];
  /** Problems that stopped part of the archive from being read; what was read stays usable. */
  errors: string[];
  /** The decompression-bomb bound the archive was opened with, for reading contents too. */
  expansionLimit?: ExpansionLimit;
}

export interface OpenProgress {
  phase: 'scanning' | 'indexing' | 'done';
  /** Bytes of the archive consumed so far (compressed bytes for a compressed archive). */
  bytesRead: number;
  totalBytes: number;
  layersDone: number;
  layersTotal: number;
  /** Tar entries indexed so far across all layers. */
  entries: number;
}
