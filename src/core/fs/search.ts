/**
 * Searching every layer of an image for paths, and the history of one path. The search walks
 * each layer's own changes, so a file a later layer deleted is still found where it was added
 * (and where it was removed). It runs as a resumable cursor with a work budget per step, so a
 * worker answers in pages, stays responsive and cancels by dropping the cursor.
 */
import type { Image } from '../image/model';
import type { EntryType } from '../tar/types';
import type { ImageFileSystem } from './imageFileSystem';
import type { ChangeNote, CountedChange, DiffType, FileNodeInfo } from './types';

export type Change = Exclude<DiffType, 'unmodified'>;

export interface SearchQuery {
  /** A substring, or a regular expression when `regex` is set. */
  text: string;
  regex?: boolean;
  /** Default false: `passwd` finds `PASSWD`. */
  caseSensitive?: boolean;
  /**
   * What is matched: the last segment (`name`) or the whole absolute path (`path`). The default
   * `auto` matches paths when the query has a `/` in it (`etc/ssl`), else names, so a
   * directory's name does not make everything below it a hit.
   */
  target?: 'auto' | 'name' | 'path';
  /** Which changes count as hits; default all three. */
  changes?: readonly Change[];
  /**
   * The first layer searched (default 0). Images of one archive that share their lower layers
   * search those once: another image starts above the layers it shares with one searched before.
   */
  fromLayer?: number;
}

export interface SearchHit {
  path: string;
  name: string;
  layer: number;
  change: Change;
  type: EntryType;
  /** Bytes: the file's size, a directory's subtree size (for a removed one: what went away). */
  size: number;
}

export interface SearchProgress {
  /** The layer being searched next (== layerCount when done). */
  layer: number;
  layerCount: number;
  /** Entries looked at so far. */
  visited: number;
  hits: number;
}

export interface SearchPage {
  hits: SearchHit[];
  done: boolean;
  progress: SearchProgress;
}

export type CompiledQuery =
  | { ok: true; matches(name: string, path: string): boolean }
  | { ok: false; error: string };

/** A query as a predicate, or why it is not one (an invalid regular expression). */
export function compileQuery(query: SearchQuery): CompiledQuery {
  const target =
    query.target === 'name' || query.target === 'path'
      ? query.target
      : query.text.includes('/')
        ? 'path'
        : 'name';
  const pick = (name: string, path: string): string => (target === 'name' ? name : path);
  if (query.regex) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(query.text, query.caseSensitive ? 'u' : 'iu');
    } catch (error) {
      return {
        ok: false,
        error: `invalid regular expression: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    return { ok: true, matches: (name, path) => pattern.test(pick(name, path)) };
  }
  if (query.caseSensitive) {
    const needle = query.text;
    return { ok: true, matches: (name, path) => pick(name, path).includes(needle) };
  }
  const needle = query.text.toLowerCase();
  return { ok: true, matches: (name, path) => pick(name, path).toLowerCase().includes(needle) };
}

/** What the search needs from the filesystem (structural, so a worker's fake can stand in). */
export type SearchableFileSystem = Pick<ImageFileSystem, 'layerCount' | 'children'>;

interface DirFrame {
  path: string;
  /** Index of the next child to look at. */
  next: number;
  total: number;
  /** Subdirectories met so far, searched after this directory's own children. */
  subdirs: string[];
}

/** Children fetched per call: `children` walks a directory from its start to the page it returns. */
const CHILD_BATCH = 1024;

/**
 * A search in progress: layer by layer (bottom first), each layer's changes directory by
 * directory. Call `next` for each page; nothing runs between calls.
 */
export class SearchCursor {
  private readonly matches: (name: string, path: string) => boolean;
  private readonly wanted: ReadonlySet<DiffType>;
  private layer = 0;
  private stack: DirFrame[] = [];
  private visited = 0;
  private hitCount = 0;

  /** Throws a RangeError for an invalid query; use `compileQuery` first to show the error. */
  constructor(
    private readonly fs: SearchableFileSystem,
    query: SearchQuery,
  ) {
    const compiled = compileQuery(query);
    if (!compiled.ok) throw new RangeError(compiled.error);
    this.matches = compiled.matches;
    this.wanted = new Set(query.changes ?? ['added', 'modified', 'removed']);
    const from = Math.floor(query.fromLayer ?? 0);
    this.layer = Number.isFinite(from) ? Math.max(0, Math.min(from, fs.layerCount)) : 0;
    this.startLayer();
  }

  get done(): boolean {
    return this.layer >= this.fs.layerCount;
  }

  get progress(): SearchProgress {
    return { layer: this.layer, layerCount: this.fs.layerCount, visited: this.visited, hits: this.hitCount };
  }

  private startLayer(): void {
    this.stack = this.layer < this.fs.layerCount ? [{ path: '/', next: 0, total: -1, subdirs: [] }] : [];
  }

  /**
   * Up to `maxHits` more hits, looking at no more than `maxVisits` entries (so a call returns
   * quickly even when little matches). `done` says the search is complete.
   */
  next(maxHits = 100, maxVisits = 20_000): SearchPage {
    const hits: SearchHit[] = [];
    let budget = maxVisits;
    while (!this.done && hits.length < maxHits && budget > 0) {
      const frame = this.stack[this.stack.length - 1];
      if (!frame) {
        this.layer++;
        this.startLayer();
        continue;
      }
      if (frame.total >= 0 && frame.next >= frame.total) {
        this.stack.pop();
        for (let i = frame.subdirs.length - 1; i >= 0; i--)
          this.stack.push({ path: frame.subdirs[i], next: 0, total: -1, subdirs: [] });
        continue;
      }
      const { total, items } = this.fs.children(
        this.layer,
        'changes',
        frame.path,
        frame.next,
        Math.min(CHILD_BATCH, budget),
      );
      frame.total = total;
      if (items.length === 0) {
        frame.next = total;
        budget--; // an empty directory still costs a call
        continue;
      }
      let looked = 0;
      while (looked < items.length && hits.length < maxHits) this.visit(items[looked++], frame, hits);
      frame.next += looked;
      budget -= looked;
      this.visited += looked;
    }
    this.hitCount += hits.length;
    return { hits, done: this.done, progress: this.progress };
  }

  private visit(node: FileNodeInfo, frame: DirFrame, hits: SearchHit[]): void {
    if (node.childCount > 0) frame.subdirs.push(node.path);
    if (node.change === 'unmodified' || !this.wanted.has(node.change)) return;
    if (!this.matches(node.name, node.path)) return;
    hits.push({
      path: node.path,
      name: node.name,
      layer: this.layer,
      change: node.change,
      type: node.type,
      size: node.subtreeSize,
    });
  }
}

/**
 * The same search as pages (an async generator, for a worker that posts each page). Stops when
 * `signal` aborts or the consumer stops pulling; between pages it yields to the event loop.
 */
export async function* searchPages(
  fs: SearchableFileSystem,
  query: SearchQuery,
  options: { pageSize?: number; signal?: AbortSignal } = {},
): AsyncGenerator<SearchPage> {
  const cursor = new SearchCursor(fs, query);
  const pageSize = options.pageSize ?? 100;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = cursor.next(pageSize);
    if (page.hits.length > 0 || page.done) yield page;
    if (page.done) return;
    // A macrotask, not a microtask: a worker must get to its message queue (and a cancel) between pages.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

export interface PathHistoryStep {
  layer: number;
  change: CountedChange;
  /** The path went with a removed or replaced directory above it (see changeRule.ts). */
  note?: ChangeNote;
  /** The step that made the layer (`RUN …`, `COPY …`), null when the history does not say. */
  createdBy: string | null;
  created: string | null;
  comment: string | null;
  /** The path as that layer left it; for a removal, what was removed. */
  node: FileNodeInfo | null;
}

/** Every layer that added, modified or removed `path`, with the command that made the layer. */
export function pathHistory(
  fs: Pick<ImageFileSystem, 'timeline' | 'node'>,
  image: Image,
  path: string,
): PathHistoryStep[] {
  return fs.timeline(path).map(({ layer, change, note }) => {
    const step = image.layers[layer];
    return {
      layer,
      change,
      ...(note ? { note } : {}),
      createdBy: step?.createdBy ?? null,
      created: step?.created ?? null,
      comment: step?.comment ?? null,
      node: fs.node(layer, 'changes', path),
    };
  });
}
