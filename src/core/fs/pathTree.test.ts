import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PathInterner, PathTree } from './pathTree';

const segment = fc.constantFrom('a', 'b', 'B', 'etc', 'usr', 'lib', '.wh.a', 'é', 'z'.repeat(30), 'a.b', '-');
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));

describe('PathInterner.freeze', () => {
  it('a tree frozen again after more interning ranks and orders as a tree frozen from scratch', () => {
    fc.assert(
      fc.property(fc.array(fc.array(path, { maxLength: 40 }), { minLength: 1, maxLength: 4 }), (phases) => {
        const interner = new PathInterner(4);
        let tree: PathTree | null = null;
        for (const phase of phases) {
          for (const p of phase) interner.intern(p);
          tree = interner.freeze();
          const fresh = new PathTree(tree.parent, tree.nameId, tree.depth, tree.names);
          expect([...tree.nameRank]).toEqual([...fresh.nameRank]);
          expect([...tree.childStart]).toEqual([...fresh.childStart]);
          expect([...tree.childList]).toEqual([...fresh.childList]);
        }
        for (const p of phases.flat()) expect(tree?.find(p)).toBe(interner.lookup(p));
      }),
      { numRuns: 300 },
    );
  });

  it('an earlier tree still describes the paths it had, and only those', () => {
    const interner = new PathInterner(4);
    const passwd = interner.intern('etc/passwd');
    const first = interner.freeze();
    const shadow = interner.intern('etc/shadow');
    const second = interner.freeze();
    expect(second.find('/etc/shadow')).toBe(shadow);
    expect(first.path(passwd)).toBe('/etc/passwd');
    expect(first.find('/etc/shadow')).toBe(-1);
    expect(first.count).toBe(second.count - 1);
  });
});
