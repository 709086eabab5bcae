import { describe, expect, it } from 'vitest';
import { fileEntry as entry } from '../../testing/tarEntry';
import { AsciiNames } from './asciiNames';
import { EntryTable } from './entryTable';

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

describe('AsciiNames from a column of bytes', () => {
  it('takes the bytes as the names, and gives the column back as it was', () => {
    const bytes = new TextEncoder().encode('etc/etc/hostnameusr');
    const names = AsciiNames.fromAscii(bytes, Uint32Array.of(4, 12, 3));
    expect(names.all()).toEqual(['etc/', 'etc/hostname', 'usr']);
    const column = names.asciiColumn();
    expect(Array.from(column?.lengths ?? [])).toEqual([4, 12, 3]);
    expect(new TextDecoder().decode(column?.bytes)).toBe('etc/etc/hostnameusr');
  });

  it('refuses bytes that are not ASCII or lengths the bytes do not cover', () => {
    expect(() => AsciiNames.fromAscii(new TextEncoder().encode('café'), Uint32Array.of(5))).toThrow(
      /not ASCII/,
    );
    expect(() => AsciiNames.fromAscii(new TextEncoder().encode('abc'), Uint32Array.of(2, 2))).toThrow(
      /need 4 bytes/,
    );
  });

  it('has no ASCII column once a name is not ASCII', () => {
    const names = new AsciiNames();
    names.push('plain');
    names.push('café');
    expect(names.asciiColumn()).toBeNull();
  });
});
