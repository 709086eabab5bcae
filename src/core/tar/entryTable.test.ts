import { describe, expect, it } from 'vitest';
import { EntryTable } from './entryTable';
import type { TarEntry } from './types';

function entry(name: string): TarEntry {
  return {
    name,
    type: 'file',
    size: 0,
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    mtime: 0,
    linkTarget: '',
    devMajor: 0,
    devMinor: 0,
    headerOffset: 0,
    dataOffset: 512,
    storedSize: 0,
    sparse: false,
    xattrs: null,
  };
}

// Names live as bytes in one arena (ASCII) or as strings (anything else); each must come back
// exactly as the walker gave it, in every mix and past every growth of the arena and the columns.
const NAMES = [
  'etc/',
  'etc/passwd',
  '',
  'caf\u00e9/cr\u00e8me.txt', // Latin-1, not ASCII: kept as a string
  'emoji/\u{1f600}.png', // a surrogate pair
  'ctrl/\u0000\u001b[31m\u007f', // C0 controls and DEL are ASCII
  `deep/${'x'.repeat(5000)}`, // past the short-name path
  'c1/\u0085\u009b',
  ...Array.from({ length: 3000 }, (_, i) => `d${i % 7}/f${i}`),
];

describe('EntryTable names', () => {
  it('gives back every name as it was added, ASCII or not, short or long', () => {
    const table = new EntryTable();
    for (const name of NAMES) table.add(entry(name));
    expect(table.count).toBe(NAMES.length);
    for (let i = 0; i < NAMES.length; i++) expect([i, table.name(i)]).toEqual([i, NAMES[i]]);
    expect(table.allNames()).toEqual(NAMES);
  });

  it('keeps them through saving and loading the columns', () => {
    const table = new EntryTable();
    for (const name of NAMES) table.add(entry(name));
    const back = EntryTable.fromColumns(table.toColumns());
    expect(back.allNames()).toEqual(NAMES);
    back.add(entry('after/the/load'));
    expect(back.name(NAMES.length)).toBe('after/the/load');
  });
});
