import type { ByteSource } from '../bytes/byteSource';
import { type SequentialReader, StreamReader, WindowedReader } from '../bytes/reader';
import { decompressChunks, decompressedReader } from '../compress/decompress';
import { fitToBudget, SeekPointRecorder, type SeekPoints } from '../compress/seekPoints';
import { type Compression, looksLikeTar, sniffCompression } from '../compress/sniff';
import { messageOf } from '../errors';
import { DEFAULT_EXPANSION_LIMIT, type ExpansionLimit } from '../limits';
import { EntryTable } from '../tar/entryTable';
import type { TarEntry } from '../tar/types';
import type { WalkState } from '../tar/walker';
import { emptyConfig } from './config';
import { ArchiveDirectory, cleanMemberName } from './directory';
import { FormatContext, type FormatReader } from './formats/context';
import { dockerArchiveReader } from './formats/dockerArchive';
import { dockerLegacyReader } from './formats/dockerLegacy';
import { ociLayoutReader } from './formats/ociLayout';
import { diffIdsOf, type KnownLayers, reuseKnownLayer } from './knownLayers';
import { layerWarnings } from './layerChecks';
import {
  checkAbort,
  indexLayer,
  type LayerIndexHooks,
  type LayerIndexResult,
  type LayerJob,
  type LayerPool,
  readTail,
  indexTar as walkIndex,
} from './layerIndex';
import { buildLayerTree } from './layerTree';
import { classifyMember, MEMBER_HEAD_BYTES, notALayer } from './memberKind';
import type { ArchiveFormat, Image, ImageArchive, LayerBlob, OpenProgress } from './model';

export interface OpenOptions {
  onProgress?(progress: OpenProgress): void;
  /** Called once images and the layer tree are known, before the layers are indexed. */
  onImages?(archive: ImageArchive): void;
  onLayerIndexed?(blobKey: string, archive: ImageArchive): void;
  signal?: AbortSignal;
  /** The decompression-bomb bound (default DEFAULT_EXPANSION_LIMIT in core/limits). */
  expansionLimit?: ExpansionLimit;
  /**
   * Where compressed layers are decoded in parallel (a pool of workers); without it, or for the
   * layers it does not accept, they are read here one after another. The result is the same.
   */
  layerPool?: LayerPool;
  /**
   * Keep seek points in compressed layers (compress/seekPoints.ts), so a file near a layer's end
   * is read without decoding all before it: default true. gzip layers are then decoded with our
   * own inflater instead of the platform's; zstd layers get one at each frame start (none in a
   * single-frame layer).
   */
  seekPoints?: boolean;
  /**
   * Index gzip layers with the platform's decoder and leave their seek points to
   * `recordLaterSeekPoints` (laterSeekPoints.ts), which decodes them again afterwards: the index
   * is there sooner, and the points follow. zstd layers still get theirs while indexed (free).
   */
  gzipSeekPointsLater?: boolean;
  /**
   * Layers stored in fewer bytes than this get no seek points (default SEEK_POINTS_FROM): the
   * platform's decoder reads them faster, and any file of theirs is a fraction of a second away.
   */
  seekPointsFrom?: number;
  /**
   * Layers already indexed in another archive, by diff ID (knownLayers.ts): a matching
   * uncompressed layer takes that table instead of being read.
   */
  knownLayers?: KnownLayers;
}

/** 32 MiB stored: about 60 MB of tar, a quarter of a second to its end with the platform's decoder. */
export const SEEK_POINTS_FROM = 32 * 1024 * 1024;

/** The archive could not be read at all (not a tar, or broken before anything useful). */
export class ArchiveReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveReadError';
  }
}

/** Most specific first: a Docker 25+ save has both index.json and manifest.json. */
const READERS: FormatReader[] = [ociLayoutReader, dockerArchiveReader, dockerLegacyReader];

/** All metadata kept from a streamed archive together: real images need kilobytes. */
const MAX_KEPT_METADATA = 64 * 1024 * 1024;

class ProgressTracker {
  readonly state: OpenProgress;
  private last = 0;
  constructor(
    totalBytes: number,
    private readonly sink: OpenOptions['onProgress'],
  ) {
    this.state = { phase: 'scanning', bytesRead: 0, totalBytes, layersDone: 0, layersTotal: 0, entries: 0 };
  }
  report(force = false): void {
    if (!this.sink) return;
    const now = Date.now();
    if (!force && now - this.last < 50) return;
    this.last = now;
    this.sink({ ...this.state });
  }
  /** indexLayer's hooks: bytes as they are read, entries as they are found. */
  layerHooks(signal: AbortSignal | undefined): LayerIndexHooks {
    return {
      signal,
      onBytes: (n) => {
        this.state.bytesRead += n;
        this.report();
      },
      onEntry: () => {
        this.state.entries++;
      },
    };
  }
  /** indexTar's hooks: count entries, and now and then take the position and report. */
  hooks(position?: () => number): { onCount: () => void; onTick: () => void } {
    return {
      onCount: () => {
        this.state.entries++;
      },
      onTick: () => {
        if (position) this.state.bytesRead = position();
        this.report();
      },
    };
  }
}

/** layerIndex's indexTar, counting entries and reporting progress as it goes. */
function indexTar(
  reader: SequentialReader,
  table: EntryTable,
  progress: ProgressTracker,
  signal: AbortSignal | undefined,
  onEntry?: (entry: TarEntry, reader: SequentialReader) => Promise<void>,
  position?: () => number,
  state?: WalkState,
): Promise<string | null> {
  return walkIndex(reader, table, signal, { ...progress.hooks(position), onEntry }, state);
}

function notATar(name: string, why: string): ArchiveReadError {
  return new ArchiveReadError(`${name} is not a tar archive: no tar header at byte 0 (${why})`);
}

function rootfsImage(name: string): Image {
  return {
    tags: [],
    id: `rootfs:${name}`,
    manifestDigest: null,
    configName: null,
    platform: 'unknown/unknown',
    created: null,
    author: null,
    config: emptyConfig(),
    layers: [
      { index: 0, blob: '', diffId: null, chainId: 'rootfs', createdBy: null, created: null, comment: null },
    ],
    history: [],
  };
}

/** A reader that serves `head` first and then `remaining` more bytes of `parent`. */
function continuing(head: Uint8Array, parent: SequentialReader, remaining: number): StreamReader {
  let sentHead = false;
  let left = remaining;
  return new StreamReader(async () => {
    if (!sentHead) {
      sentHead = true;
      if (head.length) return head;
    }
    if (left <= 0) return null;
    const part = await parent.read(Math.min(left, 1 << 20));
    if (part.length === 0) return null;
    left -= part.length;
    return part;
  });
}

interface ScanResult {
  dir: ArchiveDirectory;
  table: EntryTable;
  scanError: string | null;
  walk: WalkState;
  warnings: string[];
  /**
   * Members that looked like layers, read during the scan itself (streaming mode only), and members
   * that did not (with the reason, should a manifest name one of them as a layer).
   */
  streamed: Map<string, { compression: Compression; entries: EntryTable; error: string | null }>;
  /** Seek points of a compressed outer stream that looked like one rootfs layer (see rootfsLooking). */
  outerPoints?: SeekPoints | null;
}

/**
 * Whether a tar's first member names no part of a saved image (`blobs/`, `index.json`,
 * `manifest.json`, `repositories`, `<id>/`, `<id>.json`, `oci-layout`): then a compressed archive
 * is probably one rootfs layer (`docker export | gzip`), worth keeping seek points for. A wrong
 * guess costs time or points, never bytes.
 */
function rootfsLooking(head: Uint8Array): boolean {
  const name = cleanMemberName(new TextDecoder().decode(head.subarray(0, 100)).replace(/\0.*$/s, ''));
  return !/^(blobs(\/|$)|oci-layout$|index\.json$|manifest\.json$|repositories$|[0-9a-f]{64}(\/|\.json$|$))/.test(
    name,
  );
}

async function scanRandomAccess(
  source: ByteSource,
  progress: ProgressTracker,
  signal?: AbortSignal,
): Promise<ScanResult> {
  const dir = new ArchiveDirectory(source);
  const table = new EntryTable();
  // the walk keeps nothing of a window past the next read: one window's memory serves them all
  const reader = new WindowedReader(source, 0, source.size, undefined, true);
  const walk: WalkState = { sawEndBlock: false };
  const scanError = await indexTar(
    reader,
    table,
    progress,
    signal,
    async (entry) => {
      dir.add({
        name: cleanMemberName(entry.name),
        storedName: entry.name,
        type: entry.type,
        size: entry.storedSize,
        dataOffset: entry.dataOffset,
        linkTarget: entry.linkTarget,
      });
    },
    () => reader.position,
    walk,
  );
  progress.state.bytesRead = reader.position;
  return { dir, table, scanError, walk, streamed: new Map(), warnings: [] };
}

/**
 * A compressed outer archive (`docker save | gzip`) can only be read forwards, so one pass keeps
 * the metadata JSON and indexes every layer member as it goes by; nothing is read twice.
 */
async function scanStream(
  source: ByteSource,
  compression: Compression,
  progress: ProgressTracker,
  expansion: ExpansionLimit,
  signal?: AbortSignal,
  seekPointsFrom = Number.POSITIVE_INFINITY,
): Promise<ScanResult> {
  const dir = new ArchiveDirectory(null);
  const table = new EntryTable();
  const streamed: ScanResult['streamed'] = new Map();
  const warnings: string[] = [];
  let compressedRead = 0;
  let recorder: SeekPointRecorder | undefined;
  if (source.size >= seekPointsFrom && rootfsLooking(await firstBytesInside(source, compression, expansion)))
    recorder = new SeekPointRecorder();
  const decompressed = decompressedReader(source, 0, source.size, compression, {
    onInput: (n) => {
      compressedRead += n;
    },
    onWarning: (message) => warnings.push(`archive ${source.name}: ${message}`),
    expansion,
    seekPoints: recorder,
  });
  // What is inside the compression must be a tar too, refused with the same words as a plain file.
  let head: Uint8Array;
  try {
    head = (await decompressed.read(MEMBER_HEAD_BYTES)).slice();
  } catch (error) {
    throw new ArchiveReadError(`${source.name}: ${messageOf(error)}`);
  }
  if (!looksLikeTar(head)) throw notATar(source.name, `and not inside its ${compression} compression either`);
  const reader = continuing(head, decompressed, Number.POSITIVE_INFINITY);
  const walk: WalkState = { sawEndBlock: false };
  let keptBytes = 0;
  const scanError = await indexTar(
    reader,
    table,
    progress,
    signal,
    async (entry, outer) => {
      const name = cleanMemberName(entry.name);
      dir.add({
        name,
        storedName: entry.name,
        type: entry.type,
        size: entry.storedSize,
        // counted in decompressed bytes of the outer archive: content reads decompress up to it
        dataOffset: entry.dataOffset,
        linkTarget: entry.linkTarget,
      });
      if (entry.type !== 'file' || entry.storedSize === 0) return;
      const head = (await outer.read(Math.min(MEMBER_HEAD_BYTES, entry.storedSize))).slice();
      const rest = entry.storedSize - head.length;
      const kind = classifyMember(head, entry.storedSize);
      const refused = notALayer(name, kind);
      if (kind.kind !== 'layer' || refused) {
        streamed.set(name, { compression: 'none', entries: new EntryTable(), error: refused });
      }
      if (kind.kind === 'metadata') {
        if (keptBytes + entry.storedSize > MAX_KEPT_METADATA) {
          warnings.push(
            `member ${JSON.stringify(name)} was not kept: over ${MAX_KEPT_METADATA} bytes of metadata already`,
          );
          return;
        }
        keptBytes += entry.storedSize;
        const body = new Uint8Array(entry.storedSize);
        body.set(head);
        let filled = head.length;
        while (filled < entry.storedSize) {
          const part = await outer.read(Math.min(entry.storedSize - filled, 1 << 20));
          if (part.length === 0) break;
          body.set(part, filled);
          filled += part.length;
        }
        dir.bodies.set(name, body.subarray(0, filled));
      }
      if (kind.kind !== 'layer' || refused) return;
      const layerCompression = kind.compression as Compression;
      const inner = continuing(head, outer, rest);
      const layerReader: SequentialReader =
        layerCompression === 'none'
          ? inner
          : decompressChunks(
              async function* () {
                for (;;) {
                  const part = await inner.read(1 << 20);
                  if (part.length === 0) return;
                  yield part.slice();
                }
              },
              layerCompression,
              false,
              0,
              {
                onWarning: (message) => warnings.push(`layer ${JSON.stringify(name)}: ${message}`),
                expansion,
              },
            );
      const entries = new EntryTable();
      const error = await indexTar(layerReader, entries, progress, signal);
      if (!error && layerCompression !== 'none') await readTail(layerReader);
      layerReader.close?.();
      streamed.set(name, {
        compression: layerCompression,
        entries,
        error: error ? `layer ${JSON.stringify(name)}: ${error}` : null,
      });
      progress.state.layersDone++;
    },
    () => compressedRead,
    walk,
  );
  progress.state.bytesRead = compressedRead;
  return { dir, table, scanError, walk, streamed, warnings, outerPoints: recorder?.result() };
}

/** The first tar header inside a compressed archive (or what there is of it). */
async function firstBytesInside(
  source: ByteSource,
  compression: Compression,
  expansion: ExpansionLimit,
): Promise<Uint8Array> {
  const reader = decompressedReader(source, 0, Math.min(source.size, 64 * 1024), compression, { expansion });
  try {
    return (await reader.read(512)).slice();
  } catch {
    return new Uint8Array(0);
  } finally {
    reader.close?.();
  }
}

/**
 * Why a `Layers` entry names no layer although the member exists: it is a directory, a FIFO or
 * a device. Read as a layer it would be an empty one, which is a layer that is not there.
 */
function notAFileMember(name: string, dir: ArchiveDirectory): string | null {
  const member = dir.resolve(name);
  if (!member || member.type === 'file') return null;
  return `layer ${JSON.stringify(name)} names a ${member.type === 'dir' ? 'directory' : member.type} in the archive, not a layer tar`;
}

/**
 * What of a blob the owner decides before reading it: a member that is missing, not a file or not
 * a layer gets its error here; a layer gets the job that indexes it (null: nothing to read).
 */
async function layerJob(
  source: ByteSource,
  dir: ArchiveDirectory,
  blob: LayerBlob,
  expansion: ExpansionLimit,
  seekPointsFrom = SEEK_POINTS_FROM,
  gzipLater = false,
): Promise<LayerJob | null> {
  const member = dir.resolve(blob.member);
  if (!member) {
    blob.error = dir.explainMissing(blob.member);
    return null;
  }
  const notAFile = notAFileMember(blob.member, dir);
  if (notAFile) {
    blob.error = notAFile;
    return null;
  }
  blob.entries = new EntryTable();
  if (member.size === 0) return null; // legacy saves write empty layer.tar files for metadata-only steps
  const head = await source.read(member.dataOffset, Math.min(MEMBER_HEAD_BYTES, member.size));
  const kind = classifyMember(head, member.size);
  const refused = notALayer(blob.member, kind);
  if (kind.kind !== 'layer' || refused) {
    blob.error = refused;
    return null;
  }
  const compression = kind.compression as Compression;
  blob.compression = compression;
  return {
    member: blob.member,
    dataOffset: member.dataOffset,
    size: member.size,
    compression,
    expansion,
    seekPoints: keepsSeekPoints(compression, member.size, seekPointsFrom, gzipLater),
  };
}

/** Whether a layer's seek points are recorded while it is indexed. */
function keepsSeekPoints(compression: Compression, size: number, from: number, gzipLater: boolean): boolean {
  return compression !== 'none' && size >= from && !(gzipLater && compression === 'gzip');
}

/** A layer's index into its blob: the same fields whoever read it (extra ones ride along). */
function applyLayerIndex(blob: LayerBlob, result: LayerIndexResult, warn: (message: string) => void): void {
  const { entries, error, warnings, compression, ...extra } = result;
  for (const warning of warnings) warn(warning);
  Object.assign(blob, extra);
  blob.compression = compression;
  blob.entries = entries;
  if (error) blob.error = error;
}

/**
 * Opens any saved-image archive: sniffs the outer compression, lists the members, hands them to
 * the format reader that recognises them (or treats the whole tar as one rootfs layer), then
 * indexes each distinct layer blob once. Problems are recorded in `errors` and whatever was read
 * stays in the result; only an archive with nothing readable at all throws.
 */
export async function openArchive(source: ByteSource, options: OpenOptions = {}): Promise<ImageArchive> {
  const { signal } = options;
  const expansion = options.expansionLimit ?? DEFAULT_EXPANSION_LIMIT;
  const progress = new ProgressTracker(source.size, options.onProgress);
  progress.report(true);
  if (source.size === 0) throw new ArchiveReadError(`${source.name} is empty (0 bytes)`);
  const head = await source.read(0, Math.min(1024, source.size));
  const outer = sniffCompression(head);
  if (outer === 'bzip2' || outer === 'xz') {
    throw new ArchiveReadError(
      `${source.name} is ${outer}-compressed; decompress it first (only gzip and zstd are read)`,
    );
  }
  if (outer === 'none' && !looksLikeTar(head))
    throw notATar(source.name, 'and it is not gzip or zstd compressed');
  const scan =
    outer === 'none'
      ? await scanRandomAccess(source, progress, signal)
      : await scanStream(
          source,
          outer,
          progress,
          expansion,
          signal,
          options.seekPoints === false
            ? Number.POSITIVE_INFINITY
            : (options.seekPointsFrom ?? SEEK_POINTS_FROM),
        );
  checkAbort(signal);
  if (scan.table.count === 0 && scan.scanError) {
    throw new ArchiveReadError(`${source.name}: ${scan.scanError}`);
  }

  const ctx = new FormatContext(scan.dir);
  if (scan.scanError) ctx.error(`archive ${source.name}: ${scan.scanError}; the members before it were kept`);
  else if (!scan.walk.sawEndBlock) {
    ctx.warn(`archive ${source.name} ends without the end-of-archive blocks: it may be truncated`);
  }
  for (const warning of scan.warnings) ctx.warn(warning);
  let format: ArchiveFormat = 'rootfs';
  let images: Image[] = [];
  for (const reader of READERS) {
    if (!reader.detect(scan.dir)) continue;
    try {
      images = await reader.read(ctx);
      format = reader.format;
      if (images.length === 0 && ctx.errors.length === 0) {
        ctx.error(
          `${format}: no image could be read${ctx.warnings.length ? ` (${ctx.warnings.join('; ')})` : ''}`,
        );
      }
    } catch (error) {
      ctx.error(`${reader.format}: ${messageOf(error)}`);
      format = reader.format;
    }
    break;
  }

  const archive: ImageArchive = {
    source,
    format,
    name: source.name,
    outerCompression: outer,
    images,
    blobs: ctx.blobs,
    layerTree: [],
    warnings: ctx.warnings,
    errors: ctx.errors,
    expansionLimit: expansion,
  };
  if (format === 'rootfs') {
    archive.images = [rootfsImage(source.name)];
    archive.blobs.set('', {
      member: '',
      storedName: '',
      dataOffset: 0,
      digest: null,
      compression: outer,
      storedSize: source.size,
      entries: scan.table,
      error: scan.scanError,
      ...(scan.outerPoints !== undefined ? { seekPoints: scan.outerPoints } : {}),
    });
  }
  if (format === 'rootfs') for (const w of layerWarnings(scan.table)) ctx.warn(`${source.name}: ${w}`);
  archive.layerTree = buildLayerTree(archive.images);
  progress.state.phase = 'indexing';
  progress.state.layersTotal = archive.blobs.size;
  progress.state.layersDone = format === 'rootfs' ? 1 : 0;
  if (format !== 'rootfs') {
    progress.state.entries = 0;
    progress.state.bytesRead = 0;
  }
  options.onImages?.(archive);
  progress.report(true);

  if (format !== 'rootfs') {
    const warn = (message: string): void => ctx.warn(message);
    const seekPointsFrom =
      options.seekPoints === false ? Number.POSITIVE_INFINITY : (options.seekPointsFrom ?? SEEK_POINTS_FROM);
    const gzipLater = options.gzipSeekPointsLater === true;
    const pooled =
      outer === 'none' && options.layerPool
        ? await sendToPool(
            source,
            scan.dir,
            archive,
            expansion,
            options.layerPool,
            progress,
            signal,
            seekPointsFrom,
            gzipLater,
          )
        : new Map<string, Promise<LayerIndexResult>>();
    const diffIds = options.knownLayers ? diffIdsOf(archive) : null;
    for (const [key, blob] of archive.blobs) {
      checkAbort(signal);
      if (blob.error === null) {
        const fromPool = pooled.get(key);
        if (fromPool) {
          let result: LayerIndexResult;
          try {
            result = await fromPool;
            progress.state.entries += result.entries.count;
          } catch (error) {
            checkAbort(signal);
            // the pool itself failed (a worker that would not start): read the layer here instead
            const job = await layerJob(source, scan.dir, blob, expansion, seekPointsFrom, gzipLater);
            result = job
              ? await indexLayer(source, job, progress.layerHooks(signal))
              : {
                  compression: blob.compression,
                  entries: new EntryTable(),
                  error: `layer ${JSON.stringify(blob.member)}: ${messageOf(error)}`,
                  warnings: [],
                };
          }
          applyLayerIndex(blob, result, warn);
        } else if (outer === 'none') {
          const job = await layerJob(source, scan.dir, blob, expansion, seekPointsFrom, gzipLater);
          const reused =
            job && options.knownLayers
              ? await reuseKnownLayer(source, job, diffIds?.get(key), options.knownLayers)
              : null;
          if (reused) progress.state.entries += reused.entries.count;
          if (job)
            applyLayerIndex(
              blob,
              reused ?? (await indexLayer(source, job, progress.layerHooks(signal))),
              warn,
            );
        } else {
          const streamed = scan.streamed.get(blob.member);
          if (streamed) {
            blob.entries = streamed.entries;
            blob.compression = streamed.compression;
            blob.error = streamed.error;
            progress.state.entries += streamed.entries.count;
          } else if (notAFileMember(blob.member, scan.dir)) {
            blob.error = notAFileMember(blob.member, scan.dir);
          } else if (blob.storedSize === 0) {
            blob.entries = new EntryTable(); // an empty layer.tar, as in the random-access scan
          } else {
            blob.error = `layer ${JSON.stringify(blob.member)} is not a regular file in the archive`;
          }
        }
        if (blob.error) ctx.error(blob.error);
        if (blob.entries)
          for (const w of layerWarnings(blob.entries)) ctx.warn(`layer ${JSON.stringify(blob.member)}: ${w}`);
      }
      progress.state.layersDone++;
      options.onLayerIndexed?.(key, archive);
      progress.report(true);
    }
  }
  // the archive's points stay within MAX_POINT_BYTES_PER_ARCHIVE, however many layers (once, not per layer)
  fitToBudget([...archive.blobs.values()]);
  progress.state.phase = 'done';
  progress.state.bytesRead = source.size;
  progress.report(true);
  return archive;
}

/**
 * Hands every compressed layer the pool accepts to it at once (it runs as many as it has workers);
 * the caller awaits them in layer order. A rejected job is awaited there too, so nothing is lost.
 */
async function sendToPool(
  source: ByteSource,
  dir: ArchiveDirectory,
  archive: ImageArchive,
  expansion: ExpansionLimit,
  pool: LayerPool,
  progress: ProgressTracker,
  signal: AbortSignal | undefined,
  seekPointsFrom: number,
  gzipLater: boolean,
): Promise<Map<string, Promise<LayerIndexResult>>> {
  const jobs: [string, LayerJob][] = [];
  for (const [key, blob] of archive.blobs) {
    if (blob.error !== null) continue;
    const member = dir.resolve(blob.member);
    // Only what would be read: the owner itself decides (and words) every other case, in order.
    if (member?.type !== 'file' || member.size === 0) continue;
    const head = await source.read(member.dataOffset, Math.min(MEMBER_HEAD_BYTES, member.size));
    const kind = classifyMember(head, member.size);
    if (kind.kind !== 'layer' || notALayer(blob.member, kind) || kind.compression === 'none') continue;
    const compression = kind.compression as Compression;
    const job: LayerJob = {
      member: blob.member,
      dataOffset: member.dataOffset,
      size: member.size,
      compression,
      expansion,
      seekPoints: keepsSeekPoints(compression, member.size, seekPointsFrom, gzipLater),
    };
    if (pool.accepts(job)) jobs.push([key, job]);
  }
  const sent = new Map<string, Promise<LayerIndexResult>>();
  if (jobs.length < (pool.minLayers ?? 1)) return sent;
  for (const [key, job] of jobs) {
    const result = pool.index(job, { ...progress.layerHooks(signal), onEntry: undefined });
    result.catch(() => undefined); // awaited in order later; not an unhandled rejection meanwhile
    sent.set(key, result);
  }
  return sent;
}

export function totalEntries(archive: ImageArchive): number {
  let total = 0;
  for (const blob of archive.blobs.values()) total += blob.entries?.count ?? 0;
  return total;
}
