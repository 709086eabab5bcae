/**
 * The model against a deliberately naive reference: the same stacking rules written as plain
 * map operations on whole paths, run on random layer sequences (duplicates, conflicts, whiteouts
 * and opaque markers in any order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countAgreement } from '../../testing/countAgreement';
import { testArchive } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { countedAs } from './changeRule';
import { ImageFileSystem } from './imageFileSystem';
import { cleanRelative } from './path';
import type { DiffType, FileNodeInfo, ViewMode } from './types';

interface RefNode {
  type: 'file' | 'dir' | 'symlink';
  size: number;
  mode: number;
  link: string;
  content: string;
}

type RefState = Map<string, RefNode>;

interface RefLayer {
  /** Paths the layer wrote or implied, with their change. */
  own: Map<string, DiffType>;
  /** Lower paths it removed (whiteouts, opaque directories), subtrees included. */
  removed: Set<string>;
  counts: { added: number; modified: number; removed: number; rewritten: number; replaced: number };
}

const IMPLICIT: RefNode = { type: 'dir', size: 0, mode: 0o755, link: '', content: '' };

function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

function isUnder(path: string, dir: string): boolean {
  return dir === '' ? path !== '' : path.startsWith(`${dir}/`);
}

function nodeOf(e: BuildEntry): RefNode {
  const type = e.type === 'dir' ? 'dir' : e.type === 'symlink' ? 'symlink' : 'file';
  const content = type === 'file' ? String(e.content ?? '') : '';
  return {
    type,
    size: content.length,
    mode: e.mode ?? (type === 'dir' ? 0o755 : 0o644),
    link: e.linkTarget ?? '',
    content,
  };
}

function same(a: RefNode, b: RefNode): boolean {
  return a.type === b.type && a.mode === b.mode && a.link === b.link && a.content === b.content;
}

function applyReference(state: RefState, entries: BuildEntry[]): RefLayer {
  const written = new Map<string, RefNode>();
  const whiteouts: string[] = [];
  const opaques: string[] = [];
  const implyDirs = (paths: string[]): void => {
    for (const p of paths) if (written.has(p) && written.get(p)!.type !== 'dir') written.delete(p);
  };
  for (const e of entries) {
    const rel = cleanRelative(e.name);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (base === '.wh..wh..opq') {
      implyDirs([...ancestors(rel)]);
      opaques.push(parent);
    } else if (base.startsWith('.wh.')) {
      implyDirs(ancestors(rel));
      whiteouts.push(parent ? `${parent}/${base.slice(4)}` : base.slice(4));
    } else {
      implyDirs(ancestors(rel));
      const node = nodeOf(e);
      if (node.type !== 'dir') {
        for (const k of [...written.keys()]) if (isUnder(k, rel)) written.delete(k);
        for (const list of [whiteouts, opaques]) {
          for (let i = list.length - 1; i >= 0; i--) {
            const marker = list[i];
            const markerDir =
              list === opaques
                ? marker
                : marker.includes('/')
                  ? marker.slice(0, marker.lastIndexOf('/'))
                  : '';
            if (markerDir === rel || isUnder(markerDir, rel)) list.splice(i, 1);
          }
        }
      }
      written.set(rel, node);
    }
  }
  const layerSet = new Set<string>(written.keys());
  for (const p of written.keys()) for (const a of ancestors(p)) layerSet.add(a);
  for (const t of whiteouts) for (const a of ancestors(t)) layerSet.add(a);
  for (const d of opaques) if (d !== '') for (const a of [...ancestors(d), d]) layerSet.add(a);
  const staysDir = (p: string): boolean =>
    layerSet.has(p) && (!written.has(p) || written.get(p)!.type === 'dir');

  const removed = new Set<string>();
  const counts = { added: 0, modified: 0, removed: 0, rewritten: 0, replaced: 0 };
  const allOpaques = [...opaques];
  for (const t of new Set(whiteouts)) {
    if (!state.has(t)) continue;
    if (layerSet.has(t)) {
      if (staysDir(t)) allOpaques.push(t);
      continue;
    }
    for (const k of [...state.keys()]) {
      if (k === t || isUnder(k, t)) {
        state.delete(k);
        removed.add(k);
      }
    }
    counts.removed++;
  }
  const applied = [...new Set(allOpaques)].filter((d) => !(written.has(d) && written.get(d)!.type !== 'dir'));
  // changeRule.ts: a lower directory made opaque is replaced (unless it is below another one);
  // what it hid goes with it. The root has no row: what it hid counts as removed.
  const replaced = new Set<string>();
  const hidden = new Set<string>();
  for (const d of applied) {
    if (d !== '' && state.get(d)?.type !== 'dir') continue;
    if (d !== '' && staysDir(d) && !applied.some((x) => isUnder(d, x))) replaced.add(d);
    for (const k of [...state.keys()]) {
      if (isUnder(k, d) && !layerSet.has(k)) {
        state.delete(k);
        hidden.add(k);
      }
    }
  }
  for (const k of hidden) {
    // Below a path the layer replaces with a file or link, nothing is listed: the
    // replacement is the change shown.
    if (ancestors(k).some((a) => written.has(a) && written.get(a)!.type !== 'dir')) continue;
    removed.add(k);
    const up = k.includes('/') ? k.slice(0, k.lastIndexOf('/')) : '';
    if (!hidden.has(up) && ![...replaced].some((r) => isUnder(k, r))) counts.removed++;
  }
  const own = new Map<string, DiffType>();
  const ordered = [...layerSet].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const p of ordered) {
    const before = state.get(p);
    const node = written.get(p);
    // Below an opaque directory, what the layer writes is new: the lower paths were hidden.
    const fresh = applied.some((d) => isUnder(p, d));
    if (node) {
      if (before?.type === 'dir' && node.type !== 'dir')
        for (const k of [...state.keys()]) if (isUnder(k, p)) state.delete(k);
      own.set(p, before && !fresh ? (same(before, node) ? 'unmodified' : 'modified') : 'added');
      state.set(p, node);
    } else if (before?.type === 'dir') {
      own.set(p, fresh ? 'added' : 'unmodified');
      if (fresh) state.set(p, IMPLICIT);
    } else {
      own.set(p, before && !fresh ? 'modified' : 'added');
      state.set(p, IMPLICIT);
    }
  }
  for (const [p, change] of own) {
    if (replaced.has(p)) continue;
    if (change === 'added') counts.added++;
    if (change === 'modified') counts.modified++;
    if (change === 'unmodified' && written.has(p) && written.get(p)!.type !== 'dir') counts.rewritten++;
  }
  counts.replaced = replaced.size;
  return { own, removed, counts };
}

const names = fc.constantFrom('a', 'b', 'c');
const pathArb = fc.array(names, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const entryArb: fc.Arbitrary<BuildEntry> = fc.oneof(
  fc
    .record({
      path: pathArb,
      content: fc.constantFrom('', 'x', 'y', 'xy'),
      mode: fc.constantFrom(0o644, 0o4755),
      dotSlash: fc.boolean(),
    })
    .map(({ path, content, mode, dotSlash }) => ({ name: `${dotSlash ? './' : ''}${path}`, content, mode })),
  fc.record({ path: pathArb, mode: fc.constantFrom(0o755, 0o700) }).map(({ path, mode }) => ({
    name: `${path}/`,
    type: 'dir' as const,
    mode,
  })),
  fc.record({ path: pathArb, target: fc.constantFrom('a', '../b') }).map(({ path, target }) => ({
    name: path,
    type: 'symlink' as const,
    linkTarget: target,
  })),
  pathArb.map((path) => {
    const slash = path.lastIndexOf('/');
    return { name: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, content: '' };
  }),
  fc
    .option(pathArb, { nil: undefined })
    .map((path) => ({ name: `${path ? `${path}/` : ''}.wh..wh..opq`, content: '' })),
);
const imageArb = fc.array(fc.array(entryArb, { maxLength: 7 }), { minLength: 1, maxLength: 4 });

function rel(info: FileNodeInfo): string {
  return info.path.slice(1);
}

function collect(fs: ImageFileSystem, layer: number, mode: ViewMode): FileNodeInfo[] {
  const out: FileNodeInfo[] = [];
  fs.walk(layer, mode, (n) => out.push(n));
  return out;
}

/** Internal consistency: children() agrees with walk(), counts and sizes add up. */
function checkConsistency(fs: ImageFileSystem, layer: number, mode: ViewMode, nodes: FileNodeInfo[]): void {
  const byParent = new Map<string, FileNodeInfo[]>();
  for (const n of nodes) {
    const parent = n.path.slice(0, n.path.lastIndexOf('/')) || '/';
    const list = byParent.get(parent) ?? [];
    list.push(n);
    byParent.set(parent, list);
  }
  for (const dir of [fs.node(layer, mode, '/')!, ...nodes.filter((n) => n.type === 'dir')]) {
    const kids = byParent.get(dir.path) ?? [];
    const listed = fs.children(layer, mode, dir.path);
    expect(listed.items.map((k) => k.path)).toEqual(kids.map((k) => k.path));
    expect(listed.total).toBe(kids.length);
    expect(dir.childCount).toBe(kids.length);
    if (mode === 'merged') {
      const below = nodes.filter((n) => n.path.startsWith(dir.path === '/' ? '/' : `${dir.path}/`));
      expect(dir.subtreeSize).toBe(below.reduce((sum, n) => sum + (n.type === 'dir' ? 0 : n.size), 0));
    }
  }
  for (const n of nodes) expect(fs.node(layer, mode, n.path)).toEqual(n);
}

describe('ImageFileSystem against a naive reference', () => {
  it('agrees on merged views, own changes, removals and counts for random images', async () => {
    await fc.assert(
      fc.asyncProperty(imageArb, async (layers) => {
        const test = await testArchive(layers);
        const fs = await ImageFileSystem.build(test.archive, 0, test.contentHash);
        const state: RefState = new Map();
        for (let layer = 0; layer < layers.length; layer++) {
          const ref = applyReference(state, layers[layer]);
          const merged = collect(fs, layer, 'merged');
          expect(merged.map((n) => `${rel(n)} ${n.type} ${n.size} ${n.change}`).sort()).toEqual(
            [...state.entries()]
              .map(([p, node]) => `${p} ${node.type} ${node.size} ${ref.own.get(p) ?? 'unmodified'}`)
              .sort(),
          );
          const changes = collect(fs, layer, 'changes');
          expect(
            changes
              .filter((n) => n.change !== 'removed')
              .map((n) => `${rel(n)} ${n.change}`)
              .sort(),
          ).toEqual([...ref.own.entries()].map(([p, change]) => `${p} ${change}`).sort());
          expect(
            changes
              .filter((n) => n.change === 'removed')
              .map(rel)
              .sort(),
          ).toEqual([...ref.removed].sort());
          expect(fs.counts(layer)).toMatchObject(ref.counts);
          // A merged row's note and "changed below" mark are what the layer's own Changes rows say
          // (the merged view reads them from the events, without building the layer's view).
          const rows = new Map(changes.map((n) => [n.path, n]));
          for (const n of merged) {
            const row = rows.get(n.path);
            const note = row?.note === 'rewritten' || row?.note === 'replaced' ? row.note : undefined;
            const below = changes.some(
              (c) => c.path.startsWith(`${n.path}/`) && countedAs(c.change, c.note) !== null,
            );
            expect([n.path, n.note, n.subtreeChanged === true]).toEqual([
              n.path,
              note,
              n.type === 'dir' && row !== undefined && below,
            ]);
          }
          checkConsistency(fs, layer, 'merged', merged);
          checkConsistency(fs, layer, 'changes', changes);
        }
        for (const layer of countAgreement(fs)) {
          expect(layer.rows).toEqual(layer.counts);
          expect(layer.history).toEqual(layer.counts);
          expect(layer.unexplained).toEqual([]);
        }
      }),
      { numRuns: Number(process.env.FS_PROPERTY_RUNS ?? 300) },
    );
  });
});
