/**
 * Looking inside an image from the worker: a file's contents in pages (text lines, hex rows, raw
 * bytes for image previews and downloads), searches over every layer pulled page by page, a
 * size-limited hierarchy for the size map, and tar exports pulled chunk by chunk. One per session;
 * everything it keeps is bounded (a shared block cache, a few pagers, open searches and exports).
 */
import {
  BlockCache,
  type ByteRange,
  type ContentKind,
  decodeWindows1252,
  diffLines,
  escapeControls,
  openFileBytes,
  readHexPage,
  SNIFF_BYTES,
  sniffContent,
  splitLines,
  type TextDiff,
  TextPager,
} from '../core/content';
import { messageOf } from '../core/errors';
import { planExport, writeTar } from '../core/export';
import { ImageFileSystem, resolvePath } from '../core/fs';
import { compileQuery, SearchCursor } from '../core/fs/search';
import { ContentReader } from '../core/image/content';
import type { ImageArchive } from '../core/image/model';
import { toRow } from './fileView';
import type { FileSystemView } from './fsApi';
import type { ContentInfo, QueryMap, SizeNode, TextDiffPage } from './protocol';

/** Pagers (with their line checkpoints) kept per session. */
const MAX_OPEN_FILES = 8;
/** Bytes one `fileBytes` answer may carry. */
export const MAX_BYTES_PER_QUERY = 4 * 1024 * 1024;
/** Searches and exports left open by a page that stopped pulling are dropped beyond these. */
const MAX_SEARCHES = 4;
const MAX_EXPORTS = 4;
/** Each version a diff compares is read whole: bigger ones are not compared. */
export const MAX_DIFF_BYTES = 4 * 1024 * 1024;
/** Diffs kept for paging. */
const MAX_DIFFS = 4;
/** Bytes gathered into one export chunk. */
const EXPORT_CHUNK = 1 << 20;

interface OpenFile {
  bytes: ByteRange;
  kind: ContentKind;
  pager: TextPager | null;
}

function imageFs(fs: FileSystemView): ImageFileSystem {
  if (!(fs instanceof ImageFileSystem)) throw new Error('contents are not available for this file system');
  return fs;
}

function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number, drop?: (value: V) => void): void {
  map.set(key, value);
  while (map.size > max) {
    const [oldestKey, oldest] = map.entries().next().value as [K, V];
    map.delete(oldestKey);
    drop?.(oldest);
  }
}

export class Inside {
  private readonly reader: ContentReader;
  private readonly cache = new BlockCache();
  private readonly files = new Map<string, OpenFile>();
  private readonly searches = new Map<number, SearchCursor>();
  private readonly exports = new Map<number, AsyncGenerator<Uint8Array>>();
  private readonly diffs = new Map<
    string,
    { current: number | null; previous: number | null; diff: TextDiff | null; unavailable: string | null }
  >();
  private nextId = 1;

  constructor(
    private readonly archive: ImageArchive,
    private readonly fsFor: (image: number) => Promise<FileSystemView>,
  ) {
    this.reader = new ContentReader(archive);
  }

  /** What `path` is at the layer (merged view), links followed, and how its contents can be shown. */
  async content(a: QueryMap['content']['args']): Promise<ContentInfo> {
    const fs = imageFs(await this.fsFor(a.image));
    const resolved = resolvePath(fs, a.layer, a.path);
    const base: ContentInfo = {
      path: a.path,
      resolvedPath: resolved.path,
      steps: resolved.steps,
      failure: null,
      node: null,
      size: 0,
      kind: null,
      note: null,
    };
    if (!resolved.ok) return { ...base, failure: { reason: resolved.reason, message: resolved.message } };
    const node = toRow(resolved.node, 0, false);
    if (node.type === 'dir') return { ...base, node, note: 'a directory' };
    if (!resolved.content) return { ...base, node, note: `a ${node.type}, which has no contents to show` };
    try {
      const file = await this.open(a.image, a.layer, a.path);
      return { ...base, node, size: file.bytes.size, kind: file.kind };
    } catch (error) {
      return { ...base, node, note: messageOf(error) };
    }
  }

  private async open(image: number, layer: number, path: string): Promise<OpenFile> {
    const key = `${image}\n${layer}\n${path}`;
    const known = this.files.get(key);
    if (known) {
      this.files.delete(key);
      this.files.set(key, known);
      return known;
    }
    const fs = imageFs(await this.fsFor(image));
    const resolved = resolvePath(fs, layer, path);
    if (!resolved.ok) throw new Error(resolved.message);
    if (!resolved.content) throw new Error(`${resolved.path} has no contents`);
    const bytes = openFileBytes(this.reader, this.archive, image, resolved.content, this.cache);
    const head = await bytes.read(0, SNIFF_BYTES);
    const name = resolved.path.slice(resolved.path.lastIndexOf('/') + 1);
    const kind = sniffContent(head, name, bytes.size);
    const pager = kind.view === 'text' ? new TextPager(bytes, kind.encoding) : null;
    const file = { bytes, kind, pager };
    remember(this.files, key, file, MAX_OPEN_FILES);
    return file;
  }

  async textPage(a: QueryMap['textPage']['args']): Promise<QueryMap['textPage']['result']> {
    const file = await this.open(a.image, a.layer, a.path);
    const pager = file.pager ?? new TextPager(file.bytes, 'utf-8');
    return pager.page(a.firstLine, Math.min(a.count, 2000));
  }

  async hexPage(a: QueryMap['hexPage']['args']): Promise<QueryMap['hexPage']['result']> {
    const file = await this.open(a.image, a.layer, a.path);
    return readHexPage(file.bytes, a.page, Math.min(a.rows, 1024));
  }

  async textDiff(a: QueryMap['textDiff']['args']): Promise<TextDiffPage> {
    const key = `${a.image}\n${a.layer}\n${a.path}`;
    let known = this.diffs.get(key);
    if (!known) {
      known = await this.computeDiff(a.image, a.layer, a.path);
      remember(this.diffs, key, known, MAX_DIFFS);
    }
    const perPage = Math.max(1, Math.min(a.linesPerPage, 2000));
    const lines = known.diff?.lines ?? [];
    const pageCount = Math.max(1, Math.ceil(lines.length / perPage));
    const page = Math.max(0, Math.min(Math.floor(a.page), pageCount - 1));
    return {
      currentLayer: known.current,
      previousLayer: known.previous,
      unavailable: known.unavailable,
      added: known.diff?.added ?? 0,
      removed: known.diff?.removed ?? 0,
      page,
      pageCount,
      totalLines: lines.length,
      lines: lines.slice(page * perPage, (page + 1) * perPage),
    };
  }

  private async computeDiff(
    image: number,
    layer: number,
    path: string,
  ): Promise<{
    current: number | null;
    previous: number | null;
    diff: TextDiff | null;
    unavailable: string | null;
  }> {
    const fs = imageFs(await this.fsFor(image));
    const now = resolvePath(fs, layer, path);
    if (!now.ok || !now.content)
      return { current: null, previous: null, diff: null, unavailable: 'it has no contents' };
    const current = now.node.layer;
    if (current === 0) return { current, previous: null, diff: null, unavailable: 'layer 0 wrote it first' };
    const previous = current - 1;
    const before = resolvePath(fs, previous, path);
    if (!before.ok || !before.content)
      return { current, previous, diff: null, unavailable: `layer ${current} added it: no earlier version` };
    const texts: string[][] = [];
    for (const ref of [before.content, now.content]) {
      const bytes = openFileBytes(this.reader, this.archive, image, ref, this.cache);
      if (bytes.size > MAX_DIFF_BYTES)
        return { current, previous, diff: null, unavailable: 'a version is over 4 MiB, too big to compare' };
      const all = await bytes.read(0, bytes.size);
      const kind = sniffContent(all.subarray(0, SNIFF_BYTES), path, bytes.size);
      if (kind.view !== 'text')
        return { current, previous, diff: null, unavailable: 'a version is not text' };
      const text = kind.encoding === 'utf-8' ? new TextDecoder('utf-8').decode(all) : decodeWindows1252(all);
      texts.push(splitLines(text).map(escapeControls));
    }
    const diff = diffLines(texts[0], texts[1]);
    if (diff.tooDifferent)
      return {
        current,
        previous,
        diff: null,
        unavailable: 'the versions differ in too many lines to show as a diff',
      };
    return { current, previous, diff, unavailable: null };
  }

  async fileBytes(a: QueryMap['fileBytes']['args']): Promise<QueryMap['fileBytes']['result']> {
    const file = await this.open(a.image, a.layer, a.path);
    const bytes = await file.bytes.read(a.offset, Math.min(a.length, MAX_BYTES_PER_QUERY));
    // a copy of its own, so the page can take its buffer (transferred, not cloned)
    return { size: file.bytes.size, bytes: bytes.slice() };
  }

  async searchStart(a: QueryMap['searchStart']['args']): Promise<QueryMap['searchStart']['result']> {
    const compiled = compileQuery(a.query);
    if (!compiled.ok) return { id: 0, error: compiled.error };
    const fs = await this.fsFor(a.image);
    const id = this.nextId++;
    remember(this.searches, id, new SearchCursor(fs, a.query), MAX_SEARCHES);
    return { id, error: null };
  }

  searchNext(a: QueryMap['searchNext']['args']): QueryMap['searchNext']['result'] {
    const cursor = this.searches.get(a.id);
    if (!cursor) throw new Error('the search was cancelled');
    const page = cursor.next(Math.min(a.maxHits, 1000));
    if (page.done) this.searches.delete(a.id);
    return page;
  }

  searchCancel(a: QueryMap['searchCancel']['args']): QueryMap['searchCancel']['result'] {
    this.searches.delete(a.id);
    return {};
  }

  /**
   * The merged filesystem below `path` at a layer, for the size map: each directory's biggest
   * children (the rest summed into `otherSize`), `depth` levels deep, never more than `maxNodes`.
   */
  async sizeMap(a: QueryMap['sizeMap']['args']): Promise<QueryMap['sizeMap']['result']> {
    const fs = await this.fsFor(a.image);
    const rootInfo = fs.node(a.layer, 'merged', a.path);
    if (!rootInfo) throw new Error(`${a.path} is not in layer ${a.layer}`);
    const make = (n: {
      path: string;
      name: string;
      type: SizeNode['type'];
      subtreeSize: number;
      layer: number;
      childCount: number;
    }): SizeNode => ({
      path: n.path,
      name: n.name,
      type: n.type,
      size: n.subtreeSize,
      layer: n.layer,
      childCount: n.childCount,
      children: null,
      otherSize: 0,
      otherCount: 0,
    });
    const root = make(rootInfo);
    let budget = Math.max(1, Math.min(a.maxNodes, 5000));
    // breadth first, so the budget goes to the upper levels before the deep ones
    let level: SizeNode[] = [root];
    for (let d = 0; d < Math.max(1, Math.min(a.depth, 6)) && level.length && budget > 0; d++) {
      const next: SizeNode[] = [];
      for (const dir of level) {
        if (dir.type !== 'dir' || dir.childCount === 0 || budget <= 0) continue;
        const { items } = fs.children(a.layer, 'merged', dir.path, 0, Number.MAX_SAFE_INTEGER);
        const present = items.filter((n) => n.change !== 'removed');
        present.sort((x, y) => y.subtreeSize - x.subtreeSize || (x.name < y.name ? -1 : 1));
        const keep = present.slice(0, Math.min(a.maxChildren, budget));
        budget -= keep.length;
        dir.children = keep.map(make);
        for (const rest of present.slice(keep.length)) {
          dir.otherSize += rest.subtreeSize;
          dir.otherCount++;
        }
        next.push(...dir.children);
      }
      level = next;
    }
    return root;
  }

  async exportStart(a: QueryMap['exportStart']['args']): Promise<QueryMap['exportStart']['result']> {
    const fs = imageFs(await this.fsFor(a.image));
    const plan = planExport(this.archive, fs, a.image, { layer: a.layer, mode: a.mode, path: a.path });
    const id = this.nextId++;
    // a reader of its own: its cursors go forward through each layer while the viewer reads too
    const chunks = writeTar(plan, new ContentReader(this.archive), { chunkSize: EXPORT_CHUNK });
    remember(this.exports, id, chunks, MAX_EXPORTS, (old) => void old.return(undefined));
    return {
      id,
      suggestedName: plan.suggestedName,
      entries: plan.entryCount,
      contentBytes: plan.contentBytes,
      warnings: plan.warnings,
    };
  }

  /** The next piece of the tar (about a MiB), or null when it is complete. */
  async exportNext(a: QueryMap['exportNext']['args']): Promise<QueryMap['exportNext']['result']> {
    const chunks = this.exports.get(a.id);
    if (!chunks) throw new Error('the export was cancelled');
    const parts: Uint8Array[] = [];
    let length = 0;
    while (length < EXPORT_CHUNK) {
      const next = await chunks.next();
      if (next.done) break;
      parts.push(next.value);
      length += next.value.length;
    }
    if (length === 0) {
      this.exports.delete(a.id);
      return { chunk: null };
    }
    const chunk = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      chunk.set(part, at);
      at += part.length;
    }
    return { chunk };
  }

  async exportCancel(a: QueryMap['exportCancel']['args']): Promise<QueryMap['exportCancel']['result']> {
    const chunks = this.exports.get(a.id);
    this.exports.delete(a.id);
    await chunks?.return(undefined);
    return {};
  }
}

/** Buffers a result carries that can be transferred instead of copied. */
export function transferables(result: unknown): ArrayBuffer[] {
  if (typeof result !== 'object' || result === null) return [];
  const out: ArrayBuffer[] = [];
  for (const key of ['bytes', 'chunk'] as const) {
    const value = (result as Record<string, unknown>)[key];
    if (value instanceof Uint8Array && value.buffer instanceof ArrayBuffer && value.byteOffset === 0)
      out.push(value.buffer);
  }
  return out;
}
