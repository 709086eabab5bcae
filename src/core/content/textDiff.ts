/**
 * A unified diff of two texts, line by line (Myers' O(ND) algorithm, the one `diff` and git use),
 * laid out as display lines so a viewer can page through it: hunk headers (`@@ -a,b +c,d @@`),
 * context, removed and added lines. The edit distance is bounded, so two unrelated big files cost
 * a bounded time and come back as `tooDifferent` instead of hanging the worker.
 */

export type DiffLineKind = 'hunk' | 'context' | 'removed' | 'added';

export interface DiffLine {
  kind: DiffLineKind;
  /** Line number in the old text (1-based); null for added lines and hunk headers. */
  oldNumber: number | null;
  /** Line number in the new text (1-based); null for removed lines and hunk headers. */
  newNumber: number | null;
  text: string;
}

export interface TextDiff {
  lines: DiffLine[];
  added: number;
  removed: number;
  /** Set when the texts differ by more edits than allowed: `lines` is empty then. */
  tooDifferent: boolean;
}

export interface DiffOptions {
  /** Unchanged lines shown around each change (as `diff -U`). */
  context?: number;
  /** Edits beyond which the diff gives up (bounds time and memory to about maxEdits² / 2). */
  maxEdits?: number;
}

/** Splits text into lines the way a viewer numbers them: `\n` or `\r\n` ends a line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = 0 | 1 | 2; // equal, removed, added

/** The edit script from `a` to `b` as one op per line, or null past `maxEdits`. */
function editScript(a: readonly string[], b: readonly string[], maxEdits: number): Op[] | null {
  // Common prefix and suffix first: most rewrites of a config file touch a few lines.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const trace: Int32Array[] = [];
  let v = new Int32Array(2 * max + 3);
  let found = n === 0 && m === 0 ? 0 : -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[start + x] === b[start + y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) return null;
  trace.push(v);
  // Walk back through the trace: each step is one removal or addition plus a snake of equals.
  const middle: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && prev[offset + k - 1] < prev[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = prev[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      middle.push(0);
      x--;
      y--;
    }
    middle.push(down ? 2 : 1);
    if (down) y--;
    else x--;
  }
  while (x > 0 && y > 0) {
    middle.push(0);
    x--;
    y--;
  }
  middle.reverse();
  const ops: Op[] = new Array<Op>(start).fill(0);
  for (const op of middle) ops.push(op);
  for (let i = endA; i < a.length; i++) ops.push(0);
  return ops;
}

export function diffLines(a: readonly string[], b: readonly string[], options: DiffOptions = {}): TextDiff {
  const context = options.context ?? 3;
  const ops = editScript(a, b, options.maxEdits ?? 20_000);
  if (!ops) return { lines: [], added: 0, removed: 0, tooDifferent: true };
  // Old and new line index before each op.
  const oldAt = new Int32Array(ops.length + 1);
  const newAt = new Int32Array(ops.length + 1);
  let added = 0;
  let removed = 0;
  for (let i = 0; i < ops.length; i++) {
    oldAt[i + 1] = oldAt[i] + (ops[i] === 2 ? 0 : 1);
    newAt[i + 1] = newAt[i] + (ops[i] === 1 ? 0 : 1);
    if (ops[i] === 1) removed++;
    if (ops[i] === 2) added++;
  }
  const lines: DiffLine[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i] === 0) {
      i++;
      continue;
    }
    // A hunk: from `context` equal lines before this change to `context` after the last change
    // that is at most 2 × context equal lines from the one before it.
    const from = Math.max(0, i - context);
    let end = i;
    let j = i;
    while (j < ops.length) {
      if (ops[j] !== 0) {
        end = j + 1;
        j++;
        continue;
      }
      let run = 0;
      while (j + run < ops.length && ops[j + run] === 0) run++;
      if (j + run >= ops.length || run > 2 * context) break;
      j += run;
    }
    const to = Math.min(ops.length, end + context);
    const oldCount = oldAt[to] - oldAt[from];
    const newCount = newAt[to] - newAt[from];
    const oldStart = oldCount === 0 ? oldAt[from] : oldAt[from] + 1;
    const newStart = newCount === 0 ? newAt[from] : newAt[from] + 1;
    lines.push({
      kind: 'hunk',
      oldNumber: null,
      newNumber: null,
      text: `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`,
    });
    for (let p = from; p < to; p++) {
      const op = ops[p];
      if (op === 0)
        lines.push({ kind: 'context', oldNumber: oldAt[p] + 1, newNumber: newAt[p] + 1, text: a[oldAt[p]] });
      else if (op === 1)
        lines.push({ kind: 'removed', oldNumber: oldAt[p] + 1, newNumber: null, text: a[oldAt[p]] });
      else lines.push({ kind: 'added', oldNumber: null, newNumber: newAt[p] + 1, text: b[newAt[p]] });
    }
    i = to;
  }
  return { lines, added, removed, tooDifferent: false };
}

/** `diff -u` style text of a diff (without the file header lines), for tests and copying. */
export function formatUnified(diff: TextDiff): string {
  return diff.lines
    .map((l) =>
      l.kind === 'hunk' ? l.text : `${l.kind === 'added' ? '+' : l.kind === 'removed' ? '-' : ' '}${l.text}`,
    )
    .join('\n');
}
