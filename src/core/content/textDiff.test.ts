import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, formatUnified, splitLines } from './textDiff';

function haveDiff(): boolean {
  try {
    execFileSync('diff', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** GNU diff's hunks for the same texts (its header lines dropped). */
function gnuDiff(a: string, b: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'textdiff-'));
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-U3', join(dir, 'a'), join(dir, 'b')]);
    return '';
  } catch (error) {
    const out = String((error as { stdout: Buffer }).stdout);
    return out.split('\n').slice(2).join('\n').replace(/\n$/, '');
  }
}

/** Applies the diff's lines to the old text: it must give the new one. */
function apply(a: string[], lines: ReturnType<typeof diffLines>['lines']): string[] {
  const out: string[] = [];
  let at = 0;
  for (const l of lines) {
    if (l.kind === 'hunk') continue;
    const old = l.oldNumber !== null ? l.oldNumber - 1 : null;
    if (old !== null) while (at < old) out.push(a[at++]);
    if (l.kind === 'context') out.push(a[at++]);
    else if (l.kind === 'removed') at++;
    else out.push(l.text);
  }
  while (at < a.length) out.push(a[at++]);
  return out;
}

describe('diffLines', () => {
  it('gives hunks with three lines of context and numbers on both sides', () => {
    const a = splitLines('one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n');
    const b = splitLines('one\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\nnine\n');
    const diff = diffLines(a, b);
    expect(diff).toMatchObject({ added: 2, removed: 1, tooDifferent: false });
    expect(formatUnified(diff)).toBe(
      [
        '@@ -1,8 +1,9 @@',
        ' one',
        ' two',
        ' three',
        '-four',
        '+FOUR',
        ' five',
        ' six',
        ' seven',
        ' eight',
        '+nine',
      ].join('\n'),
    );
    expect(diff.lines.find((l) => l.kind === 'added')).toEqual({
      kind: 'added',
      oldNumber: null,
      newNumber: 4,
      text: 'FOUR',
    });
  });

  it('identical texts have no hunks; an empty old text is all added', () => {
    expect(diffLines(['a'], ['a']).lines).toEqual([]);
    expect(formatUnified(diffLines([], ['x', 'y']))).toBe('@@ -0,0 +1,2 @@\n+x\n+y');
  });

  it('gives up past maxEdits instead of running long', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`);
    expect(diffLines(a, b, { maxEdits: 100 }).tooDifferent).toBe(true);
  });

  it('always turns the old text into the new one, with the fewest edits', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (a, b) => {
        const diff = diffLines(a, b);
        expect(apply(a, diff.lines)).toEqual(b);
        // Minimal: edits = |a| + |b| - 2·LCS.
        const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
        for (let i = a.length - 1; i >= 0; i--)
          for (let j = b.length - 1; j >= 0; j--)
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        expect(diff.added + diff.removed).toBe(a.length + b.length - 2 * lcs[0][0]);
      }),
      { numRuns: 500 },
    );
  });

  it.skipIf(!haveDiff())('has the hunk headers GNU diff -U3 has', () => {
    const a = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[2] = 'changed 2';
    b.splice(20, 2);
    b.splice(35, 0, 'inserted');
    const text = (lines: string[]) => `${lines.join('\n')}\n`;
    const ours = formatUnified(diffLines(a, b));
    const headers = (s: string) => s.split('\n').filter((l) => l.startsWith('@@'));
    expect(headers(ours)).toEqual(headers(gnuDiff(text(a), text(b))));
    expect(ours).toBe(gnuDiff(text(a), text(b)));
  });
});
