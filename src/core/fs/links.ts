/**
 * Following symlinks and hardlinks inside an image, the way the kernel resolves a path in the
 * container: in the merged view at one layer, with the image root as `/` (an absolute target
 * never leaves the image), symlinked directories followed in the middle of a path, and loops
 * reported instead of spinning.
 */
import { MAX_LINK_HOPS } from '../limits';
import type { ImageFileSystem } from './imageFileSystem';
import { pathSegments } from './path';
import type { ContentRef, FileNodeInfo } from './types';

/** Re-exported: callers of resolvePath pass or compare against the hop limit. */
export { MAX_LINK_HOPS };

/** What resolution needs from the filesystem; structural so a worker-side fake can stand in. */
export type LinkFileSystem = Pick<ImageFileSystem, 'node' | 'contentSource'>;

export interface LinkStep {
  /** The link that was followed (absolute, as reached). */
  path: string;
  kind: 'symlink' | 'hardlink';
  /** Its target as stored (symlinks) or the absolute linked path (hardlinks). */
  target: string;
  /** The layer whose entry the link is: links are often resolved across layers. */
  layer: number;
}

export interface ResolvedPath {
  ok: true;
  /** The final path: no symlink left in it; for a hardlink, the file it is linked to. */
  path: string;
  node: FileNodeInfo;
  /** Where the bytes are (regular files and hardlinks), else null (directories, devices…). */
  content: ContentRef | null;
  /** Every link followed, in order; empty when the path named the target directly. */
  steps: LinkStep[];
}

export type LinkFailure =
  /** The path itself is not in the view (no link was involved). */
  | 'missing'
  /** A link was followed to a path that is not in the view. */
  | 'dangling'
  /** A symlink leads back to itself. */
  | 'loop'
  /** More than the hop limit without provably looping (e.g. `a -> a/b`). */
  | 'too-many-links'
  /** A file (or device…) stands where the path needs a directory. */
  | 'not-a-directory';

export interface ResolveFailure {
  ok: false;
  reason: LinkFailure;
  /** One sentence naming the path, the layer and the links involved. */
  message: string;
  /** The path that could not be found or followed. */
  path: string;
  steps: LinkStep[];
}

export type Resolution = ResolvedPath | ResolveFailure;

export interface ResolveOptions {
  /** Follow a symlink in the last segment too (default true; false gives the link itself, like lstat). */
  followFinal?: boolean;
  /** Resolve a final hardlink to the path it links to (default true). */
  followHardlinks?: boolean;
  maxHops?: number;
}

function join(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

/** `a → b → a`: the steps from the first visit of the looping link back to it. */
function describeChain(steps: readonly LinkStep[], from = 0): string {
  const shown = steps.slice(from).map((step) => step.path);
  return shown.join(' → ');
}

/** The first link met twice (`a -> a/b` grows the path each time, so no state repeats exactly). */
function firstRepeat(steps: readonly LinkStep[]): { first: number; second: number } | null {
  const firstSeen = new Map<string, number>();
  for (let i = 0; i < steps.length; i++) {
    const earlier = firstSeen.get(steps[i].path);
    if (earlier !== undefined) return { first: earlier, second: i };
    firstSeen.set(steps[i].path, i);
  }
  return null;
}

/**
 * Resolves `path` as seen in the merged view at `layer`: every symlink in the path is followed
 * (the last one too, unless `followFinal` is false), relative targets against the link's
 * directory, absolute ones against the image root, `..` never above the root. A final hardlink
 * leads to the file it shares (its bytes are found even when that path was removed later).
 */
export function resolvePath(
  fs: LinkFileSystem,
  layer: number,
  path: string,
  options: ResolveOptions = {},
): Resolution {
  const followFinal = options.followFinal ?? true;
  const maxHops = options.maxHops ?? MAX_LINK_HOPS;
  const steps: LinkStep[] = [];
  /** Each symlink expansion as `link\0rest-of-path`: meeting one twice is a proven loop. */
  const expansions = new Map<string, number>();
  const resolved: string[] = [];
  // Segments still to walk, last segment first so pop() takes the next one.
  const pending = pathSegments(path).reverse();
  const fail = (reason: LinkFailure, failedPath: string, message: string): ResolveFailure => ({
    ok: false,
    reason,
    message,
    path: failedPath,
    steps,
  });

  while (pending.length > 0) {
    const segment = pending.pop()!;
    if (segment === '.' || segment === '') continue;
    if (segment === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join([...resolved, segment]);
    const node = fs.node(layer, 'merged', candidate);
    if (!node) {
      if (steps.length === 0) {
        const wanted = join(pathSegments(path));
        const where = wanted === candidate ? '' : `${wanted}: `;
        return fail('missing', candidate, `${where}${candidate} does not exist at layer ${layer}`);
      }
      const last = steps[steps.length - 1];
      return fail(
        'dangling',
        candidate,
        `dangling link at layer ${layer}: ${describeChain(steps)} → ${JSON.stringify(last.target)} leads to ${candidate}, which does not exist`,
      );
    }
    const isLast = pending.length === 0;
    if (node.type === 'symlink' && (!isLast || followFinal)) {
      const key = `${candidate}\0${pending.join('/')}`;
      const firstVisit = expansions.get(key);
      steps.push({ path: candidate, kind: 'symlink', target: node.linkTarget, layer: node.layer });
      if (firstVisit !== undefined) {
        return fail('loop', candidate, `symlink loop at layer ${layer}: ${describeChain(steps, firstVisit)}`);
      }
      expansions.set(key, steps.length - 1);
      if (steps.length > maxHops) {
        const repeat = firstRepeat(steps);
        if (repeat)
          return fail(
            'loop',
            candidate,
            `symlink loop at layer ${layer}: ${describeChain(steps.slice(0, repeat.second + 1), repeat.first)} (and so on)`,
          );
        return fail(
          'too-many-links',
          candidate,
          `too many levels of symbolic links (more than ${maxHops}) resolving ${join(pathSegments(path))} at layer ${layer}: ${describeChain(steps.slice(0, 6))} → …`,
        );
      }
      if (node.linkTarget.startsWith('/')) resolved.length = 0;
      const targetSegments = node.linkTarget.split('/').filter((s) => s !== '');
      for (let i = targetSegments.length - 1; i >= 0; i--) pending.push(targetSegments[i]);
      continue;
    }
    if (!isLast && node.type !== 'dir') {
      const rest = join([...resolved, segment, ...[...pending].reverse()]);
      return fail(
        'not-a-directory',
        candidate,
        `${rest}: ${candidate} is a ${node.type === 'file' ? 'file' : node.type}, not a directory, at layer ${layer}`,
      );
    }
    resolved.push(segment);
  }

  const finalPath = join(resolved);
  const node = fs.node(layer, 'merged', finalPath);
  if (!node) return fail('missing', finalPath, `${finalPath} does not exist at layer ${layer}`);
  if (node.type !== 'hardlink' || options.followHardlinks === false) {
    return {
      ok: true,
      path: finalPath,
      node,
      content:
        node.type === 'hardlink' || node.type === 'file'
          ? fs.contentSource(layer, 'merged', finalPath)
          : null,
      steps,
    };
  }
  return followHardlink(fs, layer, finalPath, node, steps, maxHops);
}

/**
 * The bytes of a hardlink are the file it was linked to when its layer was written (the
 * filesystem resolved that already, even if a later layer removed the path). The path reported
 * is the linked file's when it still holds those bytes, else the hardlink's own.
 */
function followHardlink(
  fs: LinkFileSystem,
  layer: number,
  linkPath: string,
  linkNode: FileNodeInfo,
  steps: LinkStep[],
  maxHops: number,
): Resolution {
  const content = fs.contentSource(layer, 'merged', linkPath);
  let path = linkPath;
  let node = linkNode;
  const seen = new Set<string>([linkPath]);
  while (node.type === 'hardlink' && steps.length <= maxHops) {
    steps.push({ path, kind: 'hardlink', target: node.linkTarget, layer: node.layer });
    const next = node.linkTarget;
    const target = seen.has(next) ? null : fs.node(layer, 'merged', next);
    const targetContent = target ? fs.contentSource(layer, 'merged', next) : null;
    const same =
      target &&
      content &&
      targetContent &&
      targetContent.layer === content.layer &&
      targetContent.entryIndex === content.entryIndex;
    if (!target || !same) break;
    seen.add(next);
    path = next;
    node = target;
  }
  if (!content) {
    return {
      ok: false,
      reason: 'dangling',
      path: linkNode.linkTarget,
      message: `dangling hardlink at layer ${layer}: ${linkPath} links to ${linkNode.linkTarget}, which was not in the image when layer ${linkNode.layer} linked it`,
      steps,
    };
  }
  return { ok: true, path, node, content, steps };
}
