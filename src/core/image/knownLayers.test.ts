import { describe, expect, it } from 'vitest';
import { dockerArchive } from '../../testing/archives';
import type { BuildEntry } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { EntryTable } from '../tar/entryTable';
import { knownLayersOf } from './knownLayers';
import { openArchive } from './open';

const base: BuildEntry[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/conf', content: 'one\ntwo\n' },
  { name: 'usr/bin/tool', content: 'binary'.repeat(300) },
];
const middle: BuildEntry[] = [{ name: 'srv/app/main.js', content: 'console.log(1)\n' }];
const top: BuildEntry[] = [{ name: 'srv/app/main.js', content: 'console.log(2)\n' }];

const archiveA = dockerArchive([{ tags: ['app:1'], layers: [base, middle] }]);
// B shares A's two layers (the same tars, so the same diff IDs) and adds one; its members lie
// elsewhere in its archive (another image first), so only the offsets within each blob agree.
const archiveB = dockerArchive([
  { tags: ['other:1'], layers: [[{ name: 'x', content: 'padding'.repeat(500) }]] },
  { tags: ['app:2'], layers: [base, middle, top] },
]);

function columns(table: EntryTable | null) {
  if (!table) return null;
  const { names, sizes, modes, dataOffsets, headerOffsets } = table.toColumns();
  return {
    names,
    sizes: [...sizes],
    modes: [...modes],
    dataOffsets: [...dataOffsets],
    headerOffsets: [...headerOffsets],
  };
}

describe('layers known from another archive', () => {
  it('takes the tables of the layers it shares and reads only the others, with the same result', async () => {
    const a = await openArchive(new MemorySource(archiveA, 'a.tar'));
    const known = knownLayersOf(a);
    expect(known.size).toBe(2);
    const plain = await openArchive(new MemorySource(archiveB, 'b.tar'));
    const reused = await openArchive(new MemorySource(archiveB, 'b.tar'), { knownLayers: known });
    expect(reused.errors).toEqual([]);
    const sharedTables = new Set([...a.blobs.values()].map((blob) => blob.entries));
    let taken = 0;
    for (const [key, blob] of reused.blobs) {
      const read = plain.blobs.get(key)!;
      // the same entries, names and offsets as reading the layer gives
      expect(columns(blob.entries)).toEqual(columns(read.entries));
      if (sharedTables.has(blob.entries)) taken++;
    }
    // base and middle are A's tables; the other image's layer and the top were read
    expect(taken).toBe(2);
    expect(reused.blobs.size).toBe(4);
  });

  it('reads a layer whose known table does not point at tar headers in this archive', async () => {
    const a = await openArchive(new MemorySource(archiveA, 'a.tar'));
    const known = knownLayersOf(a);
    const forged = new Map<string, { storedSize: number; entries: EntryTable }>();
    for (const [diffId, layer] of known) {
      const c = layer.entries.toColumns();
      const headerOffsets = c.headerOffsets.map((at) => at + 100);
      forged.set(diffId, {
        storedSize: layer.storedSize,
        entries: EntryTable.fromColumns({ ...c, headerOffsets }),
      });
    }
    const reused = await openArchive(new MemorySource(archiveB, 'b.tar'), { knownLayers: forged });
    const plain = await openArchive(new MemorySource(archiveB, 'b.tar'));
    for (const [key, blob] of reused.blobs) {
      expect(columns(blob.entries)).toEqual(columns(plain.blobs.get(key)!.entries));
      for (const f of forged.values()) expect(blob.entries).not.toBe(f.entries);
    }
  });

  it('does not match a layer of another size under the same diff ID', async () => {
    const a = await openArchive(new MemorySource(archiveA, 'a.tar'));
    const wrongSize = new Map(
      [...knownLayersOf(a)].map(([id, l]) => [id, { ...l, storedSize: l.storedSize + 512 }]),
    );
    const reused = await openArchive(new MemorySource(archiveB, 'b.tar'), {
      knownLayers: wrongSize,
    });
    const tables = new Set([...a.blobs.values()].map((blob) => blob.entries));
    for (const blob of reused.blobs.values()) expect(tables.has(blob.entries)).toBe(false);
  });
});
