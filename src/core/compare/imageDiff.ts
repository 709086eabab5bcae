/**
 * What differs between two images beyond their files: the runtime config, which layers they
 * share (by diff ID) and which are their own, and their build histories aligned step by step.
 */
import { diffLines } from '../content/textDiff';
import type { HistoryStep, Image, ImageConfig } from '../image/model';

export interface ConfigDifference {
  /** `Cmd`, `Entrypoint`, `WorkingDir`, `User`, `ExposedPorts`, `Volumes`, `StopSignal`, `platform`; `Env.NAME` and `Labels.key` per variable and label. */
  field: string;
  /** null: the field or variable is absent on that side. */
  a: string | string[] | null;
  b: string | string[] | null;
}

export interface LayerRef {
  /** Index of the layer in its image. */
  index: number;
  diffId: string | null;
  createdBy: string | null;
}

export interface LayerSharing {
  /** Layers of A whose diff ID is also among B's, with B's index for each. */
  shared: (LayerRef & { indexB: number })[];
  onlyA: LayerRef[];
  onlyB: LayerRef[];
}

export interface HistoryRow {
  /** 'same': the step is in both; 'a' / 'b': only that side has it. */
  side: 'same' | 'a' | 'b';
  /** Index into the image's history on each side that has the step. */
  indexA: number | null;
  indexB: number | null;
  createdBy: string;
  emptyLayer: boolean;
}

/** The fields that differ, Env and Labels per variable, in a fixed field order. */
export function diffConfig(a: Image, b: Image): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  const ca: ImageConfig = a.config;
  const cb: ImageConfig = b.config;
  const envA = envMap(ca.Env);
  const envB = envMap(cb.Env);
  for (const name of sortedUnion(envA.keys(), envB.keys())) {
    const va = envA.get(name) ?? null;
    const vb = envB.get(name) ?? null;
    if (va !== vb) out.push({ field: `Env.${name}`, a: va, b: vb });
  }
  for (const field of ['Cmd', 'Entrypoint'] as const) {
    if (!sameList(ca[field], cb[field])) out.push({ field, a: ca[field], b: cb[field] });
  }
  for (const field of ['WorkingDir', 'User', 'StopSignal'] as const) {
    if (ca[field] !== cb[field]) out.push({ field, a: ca[field], b: cb[field] });
  }
  for (const field of ['ExposedPorts', 'Volumes'] as const) {
    const la = [...ca[field]].sort();
    const lb = [...cb[field]].sort();
    if (!sameList(la, lb)) out.push({ field, a: la, b: lb });
  }
  for (const key of sortedUnion(Object.keys(ca.Labels), Object.keys(cb.Labels))) {
    const va = Object.hasOwn(ca.Labels, key) ? ca.Labels[key] : null;
    const vb = Object.hasOwn(cb.Labels, key) ? cb.Labels[key] : null;
    if (va !== vb) out.push({ field: `Labels.${key}`, a: va, b: vb });
  }
  if (a.platform !== b.platform) out.push({ field: 'platform', a: a.platform, b: b.platform });
  return out;
}

/**
 * Layers 0..upToA of A against 0..upToB of B by diff ID (legacy archives have none: their
 * layers are matched by blob when both images come from one archive, `sameArchive`).
 */
export function shareLayers(
  a: Image,
  upToA: number,
  b: Image,
  upToB: number,
  sameArchive: boolean,
): LayerSharing {
  const keyOf = (layer: Image['layers'][number]): string | null =>
    layer.diffId ?? (sameArchive ? `blob:${layer.blob}` : null);
  const layersA = a.layers.slice(0, upToA + 1);
  const layersB = b.layers.slice(0, upToB + 1);
  const inB = new Map<string, number>();
  for (const layer of layersB) {
    const key = keyOf(layer);
    if (key !== null && !inB.has(key)) inB.set(key, layer.index);
  }
  const used = new Set<number>();
  const sharing: LayerSharing = { shared: [], onlyA: [], onlyB: [] };
  for (const layer of layersA) {
    const key = keyOf(layer);
    const indexB = key === null ? undefined : inB.get(key);
    const ref = { index: layer.index, diffId: layer.diffId, createdBy: layer.createdBy };
    if (indexB !== undefined && !used.has(indexB)) {
      used.add(indexB);
      sharing.shared.push({ ...ref, indexB });
    } else sharing.onlyA.push(ref);
  }
  for (const layer of layersB) {
    if (!used.has(layer.index))
      sharing.onlyB.push({ index: layer.index, diffId: layer.diffId, createdBy: layer.createdBy });
  }
  return sharing;
}

/**
 * The two histories aligned as `diff` aligns lines: steps with the same command and the same
 * layer-or-not pair up, the rest are one side's own. Only steps up to the compared layers.
 */
export function alignHistory(a: Image, upToA: number, b: Image, upToB: number): HistoryRow[] {
  const stepsA = stepsUpTo(a.history, upToA, a.layers.length);
  const stepsB = stepsUpTo(b.history, upToB, b.layers.length);
  const keyOf = (step: HistoryStep): string => `${step.emptyLayer ? 'E' : 'L'} ${step.createdBy}`;
  const diff = diffLines(stepsA.map(keyOf), stepsB.map(keyOf), {
    context: Number.MAX_SAFE_INTEGER,
    maxEdits: 4000,
  });
  const rows: HistoryRow[] = [];
  if (diff.tooDifferent) {
    for (const [i, step] of stepsA.entries()) rows.push(row('a', i, null, step));
    for (const [j, step] of stepsB.entries()) rows.push(row('b', null, j, step));
    return rows;
  }
  if (diff.lines.length === 0) {
    // No edits: every step pairs with the same step of B.
    for (const [i, step] of stepsA.entries()) rows.push(row('same', i, i, step));
    return rows;
  }
  for (const line of diff.lines) {
    if (line.kind === 'hunk') continue;
    const i = line.oldNumber === null ? null : line.oldNumber - 1;
    const j = line.newNumber === null ? null : line.newNumber - 1;
    const step = i !== null ? stepsA[i] : stepsB[j!];
    rows.push(row(line.kind === 'context' ? 'same' : line.kind === 'removed' ? 'a' : 'b', i, j, step));
  }
  return rows;
}

function row(
  side: HistoryRow['side'],
  indexA: number | null,
  indexB: number | null,
  step: HistoryStep,
): HistoryRow {
  return { side, indexA, indexB, createdBy: step.createdBy, emptyLayer: step.emptyLayer };
}

/** The steps up to the one that made layer `upTo`, with the empty ones after it when it is the top. */
function stepsUpTo(history: readonly HistoryStep[], upTo: number, layerCount: number): HistoryStep[] {
  if (upTo >= layerCount - 1) return [...history];
  const end = history.findIndex((step) => step.layerIndex === upTo);
  return end < 0 ? [...history] : history.slice(0, end + 1);
}

function envMap(env: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of env) {
    const eq = item.indexOf('=');
    // A later duplicate wins, as the runtime applies them.
    if (eq < 0) map.set(item, '');
    else map.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return map;
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
