/**
 * layerWarnings looks at a name's string only when its bytes hold '..' (or it is not ASCII): the
 * warnings must be those of checking every name, on awkward names too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileEntry as entry } from '../../testing/tarEntry';
import { EntryTable } from '../tar/entryTable';
import { cleanRelative, climbsOutOfRoot } from '../tar/names';
import { layerWarnings } from './layerChecks';

function tableOf(names: string[]): EntryTable {
  const table = new EntryTable();
  for (const name of names) table.add(entry(name));
  return table;
}

describe('layerWarnings', () => {
  it('names the entries that climb out of the root and an opaque marker at the root', () => {
    const warnings = layerWarnings(
      tableOf(['etc/', 'a..b/c', '../x', 'a/../../b', 'caf\u00e9/../../y', './.wh..wh..opq', 'ok/..hidden']),
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^"\.\.\/x", "a\/\.\.\/\.\.\/b", "caf\u00e9\/\.\.\/\.\.\/y": names climbing/);
    expect(warnings[1]).toMatch(/^"\.\/\.wh\.\.wh\.\.opq": an opaque marker at the root/);
  });

  it('finds what checking every name as a string finds', () => {
    const segment = fc.constantFrom('a', '..', '.', '', '.wh..wh..opq', 'x..y', '\u00e9', '...');
    const name = fc
      .tuple(fc.constantFrom('', './', '/'), fc.array(segment, { maxLength: 4 }))
      .map(([lead, parts]) => lead + parts.join('/'));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 20 }), (names) => {
        const climbing = names.filter(climbsOutOfRoot).length;
        const rootOpaque = names.filter((n) => cleanRelative(n) === '.wh..wh..opq').length;
        const warnings = layerWarnings(tableOf(names));
        expect(warnings.some((w) => w.includes('climbing out of the root'))).toBe(climbing > 0);
        expect(warnings.some((w) => w.includes('an opaque marker at the root'))).toBe(rootOpaque > 0);
      }),
      { numRuns: 500 },
    );
  });
});
