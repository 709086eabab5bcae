/**
 * Compares two merged filesystems path by path: a walk of both trees at once, each directory's
 * children merged by name, so results come out in path order (parents before children,
 * siblings by name — the order `ls --merged` lists) while the walk goes on. Contents that need
 * reading are settled a window at a time, sorted by where they are in their layers, so results
 * stream without reading a compressed layer backwards for every file.
 */
import { ContentDigests, type DigestJob, provablySame } from './contentDigest';
import { compileGlobs, type PathMatcher } from './glob';
import { type CompareSide, childrenOf, type SideEntry } from './side';
import {
  CHANGE_ASPECTS,
  type ChangeAspect,
  type CompareOptions,
  type DifferenceCounts,
  type PathComparison,
  type TopLevelSummary,
} from './types';

/** Paths walked before a window's contents are settled and its results handed out. */
const WINDOW_PATHS = 4000;
/** Contents to read before a window is settled early. */
const WINDOW_READS = 256;
/** A window is handed out at the latest after this long, so the first results show at once. */
const WINDOW_MS = 150;
/**
 * The first window is settled after this many contents: each costs two reads of file bytes (in
 * Chromium 10-15 ms a pair), so a full first window of same-size files would keep the first
 * results back for a second, and 8 of them kept them back about 120 ms.
 */
const FIRST_WINDOW_READS = 1;

interface Pending {
  result: PathComparison;
  /** Set while the contents of a path on both sides must be compared. */
  contents?: { a: DigestJob; b: DigestJob };
}

interface Frame {
  a: SideEntry[];
  b: SideEntry[];
  i: number;
  j: number;
}

export function emptyCounts(): DifferenceCounts {
  return { added: 0, removed: 0, changed: 0, bytesAdded: 0, bytesRemoved: 0 };
}

export class TreeComparison {
  readonly totals = emptyCounts();
  /** Contents that could not be read to compare them (those paths count as changed). */
  readonly warnings: string[] = [];
  /** Paths of both sides visited (excluded ones not counted). */
  pathsCompared = 0;
  private readonly byTop = new Map<string, TopLevelSummary>();
  private readonly matcher: PathMatcher;
  private readonly digests: ContentDigests;

  constructor(
    private readonly a: CompareSide,
    private readonly b: CompareSide,
    private readonly options: CompareOptions = {},
  ) {
    this.matcher = compileGlobs(options.exclude ?? []);
    this.digests = new ContentDigests(options.signal);
  }

  /** Counts per top-level entry of the root, sorted by path. */
  topLevel(): TopLevelSummary[] {
    return [...this.byTop.values()].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }

  /** The results in path order, a batch at a time; throws the signal's reason when cancelled. */
  async *batches(): AsyncGenerator<PathComparison[]> {
    const { signal } = this.options;
    const stack: Frame[] = [{ a: childrenOf(this.a, '/'), b: childrenOf(this.b, '/'), i: 0, j: 0 }];
    let window: Pending[] = [];
    let reads = 0;
    let readsPerWindow = FIRST_WINDOW_READS;
    let windowStart = Date.now();
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const ea = frame.a[frame.i];
      const eb = frame.b[frame.j];
      if (!ea && !eb) {
        stack.pop();
        continue;
      }
      let left: SideEntry | undefined;
      let right: SideEntry | undefined;
      if (ea && (!eb || ea.name < eb.name)) {
        left = ea;
        frame.i++;
      } else if (eb && (!ea || eb.name < ea.name)) {
        right = eb;
        frame.j++;
      } else {
        left = ea;
        right = eb;
        frame.i++;
        frame.j++;
      }
      const path = (left ?? right)!.path;
      if (this.matcher.excludes(path)) continue;
      this.pathsCompared++;
      const pending = this.comparePath(left, right);
      window.push(pending);
      if (pending.contents) reads++;
      const below: Frame = { a: [], b: [], i: 0, j: 0 };
      if (left?.isDir) below.a = childrenOf(this.a, path);
      if (right?.isDir) below.b = childrenOf(this.b, path);
      if (below.a.length > 0 || below.b.length > 0) stack.push(below);

      if (window.length >= WINDOW_PATHS || reads >= readsPerWindow || Date.now() - windowStart >= WINDOW_MS) {
        signal?.throwIfAborted();
        const out = await this.settle(window);
        window = [];
        reads = 0;
        readsPerWindow = WINDOW_READS;
        windowStart = Date.now();
        if (out.length > 0) yield out;
      }
    }
    signal?.throwIfAborted();
    const out = await this.settle(window);
    if (out.length > 0) yield out;
  }

  /** Every result at once (for the command line and tests). */
  async all(): Promise<PathComparison[]> {
    const out: PathComparison[] = [];
    for await (const batch of this.batches()) for (const item of batch) out.push(item);
    return out;
  }

  private comparePath(left: SideEntry | undefined, right: SideEntry | undefined): Pending {
    if (!right) return { result: { path: left!.path, change: 'removed', what: [], a: left!.state, b: null } };
    if (!left) return { result: { path: right.path, change: 'added', what: [], a: null, b: right.state } };
    const what = new Set<ChangeAspect>();
    const sa = left.state;
    const sb = right.state;
    if (left.kind !== right.kind) what.add('type');
    // Linux ignores a symlink's permission bits and extraction does not keep them.
    if (sa.mode !== sb.mode && !(sa.type === 'symlink' && sb.type === 'symlink')) what.add('mode');
    if (sa.uid !== sb.uid) what.add('uid');
    if (sa.gid !== sb.gid) what.add('gid');
    if (sa.size !== sb.size) what.add('size');
    const linked = left.kind === 'symlink' || left.kind === 'hardlink';
    if (left.kind === right.kind && linked && sa.linkTarget !== sb.linkTarget) what.add('linkTarget');
    if (this.options.includeTimes && left.mtime !== right.mtime) what.add('mtime');
    let contents: Pending['contents'];
    if (left.kind === 'file' && right.kind === 'file') {
      if (sa.size !== sb.size) what.add('content');
      else if (sa.size > 0) {
        const same =
          left.content &&
          right.content &&
          provablySame(this.a, left.content, this.b, right.content, this.options.trustDiffIds ?? true);
        if (!same && left.content && right.content) {
          contents = {
            a: { side: this.a, location: left.content, size: sa.size },
            b: { side: this.b, location: right.content, size: sb.size },
          };
        }
      }
    }
    return {
      result: {
        path: left.path,
        change: 'changed',
        what: CHANGE_ASPECTS.filter((aspect) => what.has(aspect)),
        a: sa,
        b: sb,
      },
      contents,
    };
  }

  private async settle(window: Pending[]): Promise<PathComparison[]> {
    const jobs = window.flatMap((p) => (p.contents ? [p.contents.a, p.contents.b] : []));
    if (jobs.length > 0) {
      await this.digests.digestAll(jobs, (job, reason) =>
        this.warnings.push(`could not read ${job.location.entryName} to compare it: ${reason}`),
      );
    }
    const out: PathComparison[] = [];
    for (const pending of window) {
      const { result, contents } = pending;
      if (contents) {
        const da = this.digests.known(contents.a.side, contents.a.location);
        const db = this.digests.known(contents.b.side, contents.b.location);
        // Unreadable contents are not proven equal: they count as changed.
        if (da === undefined || db === undefined || da !== db) {
          const what = new Set<ChangeAspect>(result.what);
          what.add('content');
          result.what = CHANGE_ASPECTS.filter((aspect) => what.has(aspect));
        }
      }
      if (result.change === 'changed' && result.what.length === 0) {
        if (this.options.includeUnchanged)
          out.push({ path: result.path, change: 'unchanged', what: [], a: result.a!, b: result.b! });
        continue;
      }
      this.count(result);
      out.push(result);
    }
    return out;
  }

  private count(result: PathComparison): void {
    const top = `/${result.path.split('/')[1]}`;
    let summary = this.byTop.get(top);
    if (!summary) {
      summary = { path: top, ...emptyCounts() };
      this.byTop.set(top, summary);
    }
    for (const counts of [this.totals, summary]) {
      // A hardlink's bytes are its file's: counting them again would count them twice.
      const fileA = result.a?.type === 'file' ? result.a.size : 0;
      const fileB = result.b?.type === 'file' ? result.b.size : 0;
      if (result.change === 'added') {
        counts.added++;
        counts.bytesAdded += fileB;
      } else if (result.change === 'removed') {
        counts.removed++;
        counts.bytesRemoved += fileA;
      } else if (result.change === 'changed') {
        counts.changed++;
        if (result.what.includes('content') || result.what.includes('type')) {
          counts.bytesAdded += fileB;
          counts.bytesRemoved += fileA;
        }
      }
    }
  }
}
