/**
 * Stacking interns most names straight from their bytes (plainPathSpan, PathInterner.internBytes):
 * the byte path must agree with the string path (cleanRelative, classifyName, intern) on every
 * name, the awkward ones included, and mixing both must build the same tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsciiNames } from '../tar/asciiNames';
import { classifyName, cleanRelative, plainPathSpan } from './path';
import { PathInterner } from './pathTree';

const SEGMENTS = [
  'a',
  'b',
  'etc',
  'usr',
  'x.txt',
  '.',
  '..',
  '',
  '.wh.a',
  '.wh..wh..opq',
  '.wh..wh.plnk',
  '.hidden',
  'é',
  'ü.txt',
  '.wh',
  'wh.',
];
const awkwardName = fc
  .tuple(
    fc.constantFrom('', './', '/', '//', './/'),
    fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 5 }),
    fc.constantFrom('', '/', '//'),
  )
  .map(([lead, segments, trail]) => `${lead}${segments.join('/')}${trail}`);

function columnOf(names: string[]): AsciiNames {
  const column = new AsciiNames();
  for (const name of names) column.push(name);
  return column;
}

function spellings(interner: PathInterner, paths: string[], nodes: number[]): string[] {
  const tree = interner.freeze();
  return nodes.map((node, i) => `${paths[i]} -> ${tree.path(node)} (${tree.count})`);
}

describe('the byte path of interning', () => {
  it('takes a name only when it is an ordinary path, spanning exactly its cleaned form', () => {
    fc.assert(
      fc.property(fc.array(awkwardName, { maxLength: 30 }), (names) => {
        const column = columnOf(names);
        const span = new Int32Array(2);
        names.forEach((name, i) => {
          const relative = cleanRelative(name);
          if (plainPathSpan(column, i, span)) {
            const text = String.fromCharCode(...column.arena.subarray(span[0], span[1]));
            expect(text).toBe(relative);
            expect(classifyName(relative).kind).toBe('path');
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it('takes the names tools write', () => {
    const names = ['./', './etc/', './etc/passwd', 'usr/bin/', '/usr/bin/env', 'a.b/.c/d..e'];
    const column = columnOf(names);
    const span = new Int32Array(2);
    expect(names.map((_, i) => plainPathSpan(column, i, span))).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('builds the same nodes as interning strings, mixed in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(awkwardName, fc.boolean()), { maxLength: 40 }), (draws) => {
        const names = draws.map(([name]) => name);
        const column = columnOf(names);
        const span = new Int32Array(2);
        const byStrings = new PathInterner(4);
        const mixed = new PathInterner(4);
        const cleaned = names.map(cleanRelative);
        const stringNodes = cleaned.map((relative) => byStrings.intern(relative));
        const mixedNodes = draws.map(([, asBytes], i) =>
          asBytes && plainPathSpan(column, i, span)
            ? mixed.internBytes(column.arena, span[0], span[1])
            : mixed.intern(cleaned[i]),
        );
        expect(spellings(mixed, cleaned, mixedNodes)).toEqual(spellings(byStrings, cleaned, stringNodes));
        expect(mixedNodes).toEqual(stringNodes);
      }),
      { numRuns: 500 },
    );
  });

  it('builds the same nodes as interning strings on nested paths in walk order', () => {
    // a directory's entry, then its children: the interner's shortcuts for the last parent and path
    const nested = fc
      .array(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 5 }), { maxLength: 40 })
      .map((paths) =>
        paths.flatMap((segments) => segments.map((_, d) => segments.slice(0, d + 1).join('/'))),
      );
    fc.assert(
      fc.property(nested, fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }), (paths, asBytes) => {
        const column = columnOf(paths);
        const byStrings = new PathInterner(4);
        const mixed = new PathInterner(4);
        const stringNodes = paths.map((path) => byStrings.intern(path));
        const mixedNodes = paths.map((path, i) =>
          asBytes[i % 200]
            ? mixed.internBytes(column.arena, column.startOf(i), column.endOf(i))
            : mixed.intern(path),
        );
        expect(mixedNodes).toEqual(stringNodes);
        expect(spellings(mixed, paths, mixedNodes)).toEqual(spellings(byStrings, paths, stringNodes));
      }),
      { numRuns: 500 },
    );
  });

  it('finds a name first interned from bytes by its string, and the reverse', () => {
    const column = columnOf(['usr/lib/x', 'usr/lib/y']);
    const interner = new PathInterner(4);
    const x = interner.internBytes(column.arena, column.startOf(0), column.endOf(0));
    expect(interner.intern('usr/lib/x')).toBe(x);
    const z = interner.intern('usr/lib/z');
    const y = interner.internBytes(column.arena, column.startOf(1), column.endOf(1));
    expect(new Set([x, y, z]).size).toBe(3);
    expect(interner.lookup('usr/lib/y')).toBe(y);
    expect(interner.freeze().path(y)).toBe('/usr/lib/y');
  });
});
