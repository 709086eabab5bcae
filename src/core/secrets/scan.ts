/**
 * The secret scan of one image: its config (Env, Labels, every history step's command) and every
 * file of every layer — also files a later layer deleted or overwrote and files under a directory
 * a later layer replaced, since their bytes are still in the archive for anyone to extract.
 *
 * Each layer is read once, front to back, through one forward reader (a compressed layer is
 * decompressed once); a file is held in memory only while it is scanned, and files over
 * `maxFileBytes` or holding a NUL byte (binaries) are skipped and counted.
 */
import { messageOf } from '../errors';
import type { ContentRef, PathChange, ViewMode } from '../fs';
import { cleanRelative } from '../fs/path';
import { ContentReader } from '../image/content';
import type { Image, ImageArchive } from '../image/model';
import { fileRoleOf } from './fileRoles';
import { scanText } from './textScan';

export type SecretWhere = 'file' | 'env' | 'label' | 'history';

export interface SecretFinding {
  rule: string;
  title: string;
  where: SecretWhere;
  /** Absolute path of the file; null for config findings. */
  path: string | null;
  /** The layer whose tar holds the file, or the layer a history step made; null for Env and Labels. */
  layer: number | null;
  /** 1-based line in the file (or in a multi-line command); null for Env and Labels. */
  line: number | null;
  /** First and last characters only: never the whole secret. */
  preview: string;
  visibleInFinalImage: boolean;
  /** The layer whose whiteout or overwrite hides the file in the final image; null when visible. */
  hiddenByLayer: number | null;
  /** How that layer hid it: a whiteout or a replaced directory ('deleted'), or a new version. */
  hiddenHow: 'deleted' | 'overwritten' | null;
  /** The command of `layer` (or of the history step). */
  command: string | null;
  /** Index in the image's history, for history findings (and the step that made `layer`). */
  historyIndex: number | null;
  /** The whole secret, for an explicit Reveal; never printed by the command line. */
  secret: string;
}

export interface SecretScanProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** The layer being read. */
  layer: number | null;
  findings: number;
}

export interface SecretReport {
  findings: SecretFinding[];
  /** Files scanned, their bytes, and files skipped (binary, over the size bound, unreadable). */
  scanned: { files: number; bytes: number; skipped: number };
  skippedBinary: number;
  skippedLarge: number;
  skippedUnreadable: number;
  maxFileBytes: number;
  /** Findings beyond `maxFindings`, counted but not kept. */
  findingsDropped: number;
  /** Layers that could not be read (in whole or part), naming the layer. */
  warnings: string[];
  cancelled: boolean;
}

/** What the scan asks of the image's file system (ImageFileSystem has it). */
export interface VisibilityModel {
  entryOf(layer: number, mode: ViewMode, path: string): ContentRef | null;
  timeline(path: string): PathChange[];
}

export interface SecretScanOptions {
  /** Files larger than this are skipped (and counted); default 8 MiB. */
  maxFileBytes?: number;
  /** Findings kept; past it they are only counted. Default 10,000. */
  maxFindings?: number;
  signal?: AbortSignal;
  /** The array the report's findings are pushed into, to read them while the scan runs. */
  sink?: SecretFinding[];
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_FINDINGS = 10_000;

/**
 * The secret with only its first and last characters: at most a quarter of it on each side, up
 * to four, and none of a secret shorter than six.
 */
export function redact(secret: string): string {
  const chars = Array.from(secret.replace(/\s+/g, ' ').trim());
  const n = chars.length;
  const keep = n >= 24 ? 4 : n >= 12 ? 2 : n >= 6 ? 1 : 0;
  if (keep === 0) return '…';
  return `${chars.slice(0, keep).join('')}…${chars.slice(n - keep).join('')}`;
}

/** Bytes of a file searched for a NUL before it is decoded. */
const BINARY_HEAD = 4096;

/** T_FILE in the entry table's type codes (tar regular files). */
const FILE_TYPE = 'file';

function layerCommand(image: Image, layer: number): string | null {
  const l = image.layers[layer];
  return l?.createdBy ?? l?.comment ?? null;
}

/** For each layer, the history step that made it (one pass: images may have 300k steps). */
function historyIndexByLayer(image: Image): Map<number, number> {
  const byLayer = new Map<number, number>();
  image.history.forEach((step, i) => {
    if (step.layerIndex !== null && !byLayer.has(step.layerIndex)) byLayer.set(step.layerIndex, i);
  });
  return byLayer;
}

/** Findings in the config: each Env entry, each Label, each history step's command. */
export function scanConfig(image: Image): SecretFinding[] {
  const out: SecretFinding[] = [];
  const add = (
    where: SecretWhere,
    text: string,
    layer: number | null,
    historyIndex: number | null,
    multiline: boolean,
  ) => {
    for (const m of scanText(text, null)) {
      out.push({
        rule: m.rule,
        title: m.title,
        where,
        path: null,
        layer,
        line: multiline ? m.line : null,
        preview: redact(m.secret),
        visibleInFinalImage: true,
        hiddenByLayer: null,
        hiddenHow: null,
        command: where === 'history' ? text : null,
        historyIndex,
        secret: m.secret,
      });
    }
  };
  for (const env of image.config.Env) add('env', env, null, null, false);
  for (const [key, value] of Object.entries(image.config.Labels))
    add('label', `${key}=${value}`, null, null, false);
  image.history.forEach((step, i) => {
    // BuildKit writes the build arguments a RUN had in scope into its command (`|1 NAME=value`).
    add('history', step.createdBy, step.layerIndex, i, step.createdBy.includes('\n'));
  });
  return out;
}

/**
 * Where the file the scan read (entry `entryIndex` of layer `layer`) stands in the final image:
 * visible, or hidden by a later entry of its own layer, a whiteout, a replaced directory or a
 * new version in a higher layer. Identical rewrites keep the same bytes visible.
 */
export function visibility(
  fs: VisibilityModel,
  layer: number,
  entryIndex: number,
  path: string,
): Pick<SecretFinding, 'visibleInFinalImage' | 'hiddenByLayer' | 'hiddenHow'> {
  const own = fs.entryOf(layer, 'changes', path);
  if (own && own.layer === layer && own.entryIndex !== entryIndex)
    return { visibleInFinalImage: false, hiddenByLayer: layer, hiddenHow: 'overwritten' };
  for (const step of fs.timeline(path)) {
    if (step.layer <= layer || step.change === 'rewritten') continue;
    const deleted = step.change === 'removed' || step.change === 'replaced';
    return {
      visibleInFinalImage: false,
      hiddenByLayer: step.layer,
      hiddenHow: deleted ? 'deleted' : 'overwritten',
    };
  }
  return { visibleInFinalImage: true, hiddenByLayer: null, hiddenHow: null };
}

interface Candidate {
  entryIndex: number;
  path: string;
  size: number;
}

/**
 * Scans image `imageIndex`: yields progress after every file, and returns the report (also when
 * `signal` aborts: then `cancelled` is set and the report holds what was found so far).
 */
export async function* scanImageSecrets(
  archive: ImageArchive,
  imageIndex: number,
  fs: VisibilityModel,
  options: SecretScanOptions = {},
): AsyncGenerator<SecretScanProgress, SecretReport> {
  const image = archive.images[imageIndex];
  if (!image) throw new RangeError(`no image ${imageIndex} in ${archive.name}`);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  const report: SecretReport = {
    findings: options.sink ?? [],
    scanned: { files: 0, bytes: 0, skipped: 0 },
    skippedBinary: 0,
    skippedLarge: 0,
    skippedUnreadable: 0,
    maxFileBytes,
    findingsDropped: 0,
    warnings: [],
    cancelled: false,
  };
  const keep = (finding: SecretFinding) => {
    if (report.findings.length < maxFindings) report.findings.push(finding);
    else report.findingsDropped++;
  };
  for (const finding of scanConfig(image)) keep(finding);

  // What each layer holds to read, so that progress has totals from the start.
  const perLayer: Candidate[][] = image.layers.map((layer) => {
    const table = archive.blobs.get(layer.blob)?.entries;
    const list: Candidate[] = [];
    if (!table) return list;
    for (let i = 0; i < table.count; i++) {
      if (table.type(i) !== FILE_TYPE || table.sizes[i] === 0) continue;
      const relative = cleanRelative(table.name(i));
      const base = relative.slice(relative.lastIndexOf('/') + 1);
      if (relative === '' || base.startsWith('.wh.')) continue;
      list.push({ entryIndex: i, path: `/${relative}`, size: table.storedSize(i) });
    }
    return list;
  });
  const progress: SecretScanProgress = {
    filesDone: 0,
    filesTotal: perLayer.reduce((n, list) => n + list.length, 0),
    bytesDone: 0,
    bytesTotal: perLayer.reduce(
      (n, list) => n + list.reduce((m, c) => m + (c.size <= maxFileBytes ? c.size : 0), 0),
      0,
    ),
    layer: null,
    findings: report.findings.length,
  };
  yield progress;

  const reader = new ContentReader(archive);
  const historyOf = historyIndexByLayer(image);
  const decoder = new TextDecoder('utf-8');
  for (let layer = 0; layer < image.layers.length; layer++) {
    const blobKey = image.layers[layer].blob;
    const blob = archive.blobs.get(blobKey);
    const list = perLayer[layer];
    if (!blob?.entries) {
      report.warnings.push(
        `layer ${layer} (${blob?.member || blobKey}) could not be read: its files were not scanned`,
      );
      continue;
    }
    if (blob.error)
      report.warnings.push(`layer ${layer} (${blob.member}) was read only in part: ${blob.error}`);
    if (list.length === 0) continue;
    progress.layer = layer;
    const command = layerCommand(image, layer);
    const historyIndex = historyOf.get(layer) ?? null;
    const stream = reader.layerReader(blobKey);
    try {
      for (let c = 0; c < list.length; c++) {
        if (options.signal?.aborted) {
          report.cancelled = true;
          return report;
        }
        const { entryIndex, path, size } = list[c];
        progress.filesDone++;
        if (size > maxFileBytes) {
          report.skippedLarge++;
          report.scanned.skipped++;
          yield progress;
          continue;
        }
        const offset = blob.entries.dataOffsets[entryIndex];
        let bytes: Uint8Array;
        try {
          await stream.skip(offset - stream.position);
          bytes = await stream.read(size);
          if (bytes.length < size)
            throw new Error(`the layer ends ${size - bytes.length} bytes before the end of ${path}`);
        } catch (error) {
          // What is left of the layer cannot be reached either: count it and go on with the next.
          const left = list.length - c;
          report.skippedUnreadable += left;
          report.scanned.skipped += left;
          progress.filesDone += left - 1;
          report.warnings.push(`layer ${layer}: reading stopped at ${path}: ${messageOf(error)}`);
          break;
        }
        progress.bytesDone += size;
        // A binary (a NUL byte anywhere) mostly shows one in its first bytes, before anything is
        // decoded; else the NUL is looked for in the decoded text, where the search is native and
        // fast (the decoder turns a NUL byte, and only it, into U+0000).
        const text = bytes.subarray(0, BINARY_HEAD).indexOf(0) >= 0 ? null : decoder.decode(bytes);
        if (text === null || (size > BINARY_HEAD && text.includes('\0'))) {
          report.skippedBinary++;
          report.scanned.skipped++;
          yield progress;
          continue;
        }
        report.scanned.files++;
        report.scanned.bytes += size;
        const matches = scanText(text, fileRoleOf(path));
        if (matches.length > 0) {
          const seen = visibility(fs, layer, entryIndex, path);
          for (const m of matches) {
            keep({
              rule: m.rule,
              title: m.title,
              where: 'file',
              path,
              layer,
              line: m.line,
              preview: redact(m.secret),
              ...seen,
              command,
              historyIndex,
              secret: m.secret,
            });
          }
          progress.findings = report.findings.length;
        }
        yield progress;
      }
    } finally {
      stream.close?.();
    }
  }
  progress.layer = null;
  return report;
}

/** Runs a scan to its end (the command line), calling `onProgress` now and then. */
export async function runSecretScan(
  scan: AsyncGenerator<SecretScanProgress, SecretReport>,
  onProgress?: (progress: SecretScanProgress) => void,
): Promise<SecretReport> {
  for (;;) {
    const step = await scan.next();
    if (step.done) return step.value;
    onProgress?.(step.value);
  }
}
