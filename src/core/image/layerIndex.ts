import type { ByteSource } from '../bytes/byteSource';
import { type SequentialReader, WindowedReader } from '../bytes/reader';
import { decompressedReader } from '../compress/decompress';
import { SeekPointRecorder, type SeekPoints, seekPointBuffers } from '../compress/seekPoints';
import type { Compression } from '../compress/sniff';
import { messageOf } from '../errors';
import type { ExpansionLimit } from '../limits';
import { AsciiNames } from '../tar/asciiNames';
import { type EntryColumns, EntryTable } from '../tar/entryTable';
import type { TarEntry } from '../tar/types';
import { type WalkState, walkTarEach } from '../tar/walker';

/** How often (in entries) a walk checks for cancellation and reports progress. */
export const PROGRESS_EVERY = 4096;

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('Opening was cancelled', 'AbortError');
}

/**
 * Reads every entry header of a tar into a table. Errors end the walk but keep what was read:
 * the caller gets the error message back and the entries stay usable.
 */
export async function indexTar(
  reader: SequentialReader,
  table: EntryTable,
  signal: AbortSignal | undefined,
  hooks: {
    /** Each entry as it is added (the streaming scan reads members' bodies from here). */
    onEntry?: (entry: TarEntry, reader: SequentialReader) => Promise<void>;
    /** Every PROGRESS_EVERY entries, after the cancellation check. */
    onTick?: () => void;
    /** Every entry: the running count across layers. */
    onCount?: () => void;
  } = {},
  state?: WalkState,
): Promise<string | null> {
  const { onEntry, onTick, onCount } = hooks;
  const visit = (entry: TarEntry): Promise<void> | undefined => {
    table.add(entry);
    onCount?.();
    if (table.count % PROGRESS_EVERY === 0) {
      checkAbort(signal);
      onTick?.();
    }
    return onEntry?.(entry, reader);
  };
  try {
    // names go into the table as bytes, unless a hook wants the entries themselves
    await walkTarEach(reader, visit, state, { nameBytes: onEntry === undefined });
    return null;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    if (signal?.aborted) throw signal.reason;
    return messageOf(error);
  }
}

/** Decompressed bytes read past a layer's end-of-archive blocks, to find what follows the stream. */
const TAIL_BYTES = 1024 * 1024;

/**
 * Reads on past the end of a compressed layer's tar (its padding, usually a few kilobytes), so
 * that trailing garbage after the compressed stream is found and warned about while indexing,
 * as `cat` and `export` would otherwise be the first to meet it.
 */
export async function readTail(reader: SequentialReader): Promise<void> {
  try {
    await reader.skip(TAIL_BYTES);
  } catch {
    // past the tar: whatever is wrong there does not touch the entries
  }
}

/** Which bytes of the archive hold one layer blob, and how they are compressed (sniffed already). */
export interface LayerJob {
  /** The archive member, for messages. */
  member: string;
  dataOffset: number;
  size: number;
  compression: Compression;
  expansion: ExpansionLimit;
  /** Keep seek points while decoding (compress/seekPoints.ts): big compressed layers only. */
  seekPoints?: boolean;
}

/**
 * One layer's index: a plain record, so that it crosses a worker boundary as it is (see
 * packLayerIndex) and fields added later flow through the pool unchanged.
 */
export interface LayerIndexResult {
  compression: Compression;
  entries: EntryTable;
  /** Why the layer was not read to its end, prefixed with the member's name; null when it was. */
  error: string | null;
  /** In the order they were met, each prefixed with the member's name. */
  warnings: string[];
  /** Where decoding can start again, when the job asked for them. */
  seekPoints?: SeekPoints | null;
}

export interface LayerIndexHooks {
  signal?: AbortSignal;
  /** Archive bytes consumed since the last call (compressed bytes for a compressed layer). */
  onBytes?: (bytes: number) => void;
  /** Called for every entry indexed. */
  onEntry?: () => void;
}

/**
 * Indexes one layer blob: the pure per-layer step that the owner of the model runs itself or hands
 * to a pool worker (which runs exactly this on its own ByteSource over the same file).
 */
export async function indexLayer(
  source: ByteSource,
  job: LayerJob,
  hooks: LayerIndexHooks = {},
): Promise<LayerIndexResult> {
  const { member, dataOffset, size, compression, expansion } = job;
  const { signal, onBytes, onEntry } = hooks;
  const label = `layer ${JSON.stringify(member)}`;
  const entries = new EntryTable();
  const warnings: string[] = [];
  const end = dataOffset + size;
  let reported = 0;
  const recorder = job.seekPoints && compression !== 'none' ? new SeekPointRecorder() : undefined;
  const reader: SequentialReader =
    compression === 'none'
      ? new WindowedReader(source, dataOffset, end, undefined, true)
      : decompressedReader(source, dataOffset, end, compression, {
          onInput: (n) => {
            reported += n;
            onBytes?.(n);
          },
          volatile: true, // indexing keeps nothing of the decompressed bytes but the entries it parses
          onWarning: (message) => warnings.push(`${label}: ${message}`),
          expansion,
          seekPoints: recorder,
        });
  const windowed = compression === 'none' ? (reader as WindowedReader) : null;
  const tick = windowed
    ? () => {
        const position = windowed.position;
        if (position > reported) onBytes?.(position - reported);
        reported = Math.max(reported, position);
      }
    : undefined;
  const error = await indexTar(reader, entries, signal, { onTick: tick, onCount: onEntry });
  if (!error && compression !== 'none') await readTail(reader);
  // The walk stops at the end-of-archive blocks: free the decoder now, not at garbage collection.
  reader.close?.();
  if (size > reported) onBytes?.(size - reported);
  const result: LayerIndexResult = {
    compression,
    entries,
    error: error ? `${label}: ${error}` : null,
    warnings,
  };
  if (recorder) result.seekPoints = recorder.result();
  return result;
}

/**
 * Indexes layers somewhere else (a pool of workers), one layer per worker at a time. The owner
 * of the model merges the results in layer order, so the archive comes out as if it had read
 * them itself.
 */
export interface LayerPool {
  /** Whether this job is worth sending (the pools take compressed layers: decoding is the cost). */
  accepts(job: LayerJob): boolean;
  /** Fewer accepted layers than this in an archive are all read by the owner (default 1). */
  readonly minLayers?: number;
  index(job: LayerJob, hooks: LayerIndexHooks): Promise<LayerIndexResult>;
}

// ---------------------------------------------------------------- the wire form

/**
 * An EntryTable as it crosses to another thread: typed arrays that are transferred, not copied,
 * and the names as their ASCII bytes when every name is ASCII (nearly every layer), else as one
 * string; with their lengths, so 100k entries are a handful of objects. Bytes, because the string
 * form made a string of each name on one side and took each apart again on the other.
 */
export interface PackedColumns extends Omit<EntryColumns, 'names'> {
  /** Every name's bytes, one after another, when all are ASCII; else null (see nameText). */
  nameBytes: Uint8Array | null;
  /** The names joined, when nameBytes is null; else ''. */
  nameText: string;
  nameLengths: Uint32Array;
}

/** A LayerIndexResult for postMessage: any field besides `entries` passes as it is. */
export type PackedLayerIndex = Omit<LayerIndexResult, 'entries'> & { columns: PackedColumns };

export function packLayerIndex(result: LayerIndexResult): {
  packed: PackedLayerIndex;
  transfer: ArrayBuffer[];
} {
  const { entries, ...rest } = result;
  const columns = entries.columnsWithoutNames();
  const ascii = entries.asciiNameColumn();
  let names: Pick<PackedColumns, 'nameBytes' | 'nameText' | 'nameLengths'>;
  if (ascii) {
    // a copy of the used part only: the arena is sized for growth, and stays with the table
    names = { nameBytes: ascii.bytes.slice(), nameText: '', nameLengths: ascii.lengths };
  } else {
    const all = entries.allNames();
    const nameLengths = new Uint32Array(all.length);
    for (let i = 0; i < all.length; i++) nameLengths[i] = all[i].length;
    names = { nameBytes: null, nameText: all.join(''), nameLengths };
  }
  const packed: PackedLayerIndex = { ...rest, columns: { ...columns, ...names } };
  const c = packed.columns;
  const transfer = [
    c.types,
    c.sizes,
    c.modes,
    c.uids,
    c.gids,
    c.mtimes,
    c.dataOffsets,
    c.headerOffsets,
    c.ownerIds,
    c.nameLengths,
    ...(c.nameBytes ? [c.nameBytes] : []),
  ].map((a) => a.buffer as ArrayBuffer);
  if (rest.seekPoints) transfer.push(...seekPointBuffers(rest.seekPoints));
  return { packed, transfer };
}

export function unpackLayerIndex(packed: PackedLayerIndex): LayerIndexResult {
  const { columns, ...rest } = packed;
  const { nameBytes, nameText, nameLengths, ...others } = columns;
  if (nameBytes) {
    const names = AsciiNames.fromAscii(nameBytes, nameLengths);
    return { ...rest, entries: EntryTable.fromColumnsAndNames(others, names) };
  }
  const names = new Array<string>(nameLengths.length);
  let at = 0;
  for (let i = 0; i < nameLengths.length; i++) {
    names[i] = nameText.slice(at, at + nameLengths[i]);
    at += nameLengths[i];
  }
  return { ...rest, entries: EntryTable.fromColumns({ ...others, names }) };
}
