import { describe, expect, it } from 'vitest';
import { buildTar } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { DEFAULT_EXPANSION_LIMIT } from '../limits';
import { EntryTable } from '../tar/entryTable';
import { indexLayer, packLayerIndex, unpackLayerIndex } from './layerIndex';

/** One uncompressed layer, the whole of `tar`, indexed as the pool's workers do. */
function indexPlain(tar: Uint8Array, member: string) {
  return indexLayer(new MemorySource(tar), {
    member,
    dataOffset: 0,
    size: tar.length,
    compression: 'none',
    expansion: DEFAULT_EXPANSION_LIMIT,
  });
}

describe('a layer index crosses to another thread and back unchanged', () => {
  it('every column, names of any script and length, owners, links, xattrs and extra fields', async () => {
    const tar = buildTar([
      { name: 'dir/', type: 'dir', uname: 'root', gname: 'root' },
      { name: 'dir/plain.txt', content: 'x', uname: 'app', gname: 'staff', mtime: 1_700_000_000 },
      { name: `dir/${'ü'.repeat(120)}/日本語.txt`, content: 'long and not ASCII', uid: 1000, gid: 1000 },
      { name: 'dir/emoji-😀-x', content: '' },
      { name: 'dir/link', type: 'symlink', linkTarget: '../target' },
      { name: 'dir/hard', type: 'hardlink', linkTarget: 'dir/plain.txt' },
      { name: 'dir/attrs', content: 'a', pax: { 'SCHILY.xattr.user.note': 'hello' } },
    ]);
    const result = await indexPlain(tar, 'layer.tar');
    expect(result.entries.count).toBe(7);
    expect(result.error).toBeNull();
    const withExtra = { ...result, checkpoints: [{ out: 0, bits: 3 }] };
    const { packed, transfer } = packLayerIndex(withExtra);
    // what crosses: a handful of arrays, not an object per entry; names not all ASCII as one string
    expect(transfer.length).toBe(10);
    expect(packed.columns.nameBytes).toBeNull();
    expect(packed.columns.nameText.length).toBeGreaterThan(120);
    const cloned = structuredClone(packed, { transfer });
    const back = unpackLayerIndex(cloned);
    expect(back.entries.toColumns()).toEqual(result.entries.toColumns());
    expect(back.entries.allNames()).toEqual(result.entries.allNames());
    expect(back.entries.ownerNames(1)).toEqual(['app', 'staff']);
    expect(back.entries.linkTarget(4)).toBe('../target');
    expect(back.entries.xattrs.get(6)).toEqual({ 'user.note': 'hello' });
    expect((back as typeof withExtra).checkpoints).toEqual([{ out: 0, bits: 3 }]);
  });

  it('names all ASCII cross as their bytes, no string made of them', async () => {
    const tar = buildTar([
      { name: 'usr/', type: 'dir' },
      { name: 'usr/bin/tool', content: 'x', mode: 0o755 },
      { name: `usr/share/${'d'.repeat(150)}/file`, content: 'long name, GNU long-name header' },
      { name: 'usr/link', type: 'symlink', linkTarget: 'bin/tool' },
    ]);
    const result = await indexPlain(tar, 'layer.tar');
    const { packed, transfer } = packLayerIndex(result);
    expect(packed.columns.nameText).toBe('');
    expect(new TextDecoder().decode(packed.columns.nameBytes ?? undefined)).toBe(
      result.entries.allNames().join(''),
    );
    expect(transfer.length).toBe(11);
    const back = unpackLayerIndex(structuredClone(packed, { transfer }));
    expect(back.entries.toColumns()).toEqual(result.entries.toColumns());
    expect(back.entries.linkTarget(3)).toBe('bin/tool');
    // the table's own arena is not handed away with them
    expect(result.entries.allNames()[1]).toBe('usr/bin/tool');
  });

  it('an empty layer and a broken one keep their error and warnings', async () => {
    const tar = buildTar([{ name: 'a', content: 'abc' }]);
    const cut = tar.subarray(0, 700); // inside the first entry's body
    const result = await indexPlain(cut, 'cut.tar');
    expect(result.error).toMatch(/^layer "cut\.tar": /);
    const back = unpackLayerIndex(structuredClone(packLayerIndex(result).packed));
    expect(back.error).toBe(result.error);
    expect(back.warnings).toEqual(result.warnings);
    expect(back.entries.count).toBe(result.entries.count);
    const empty = unpackLayerIndex(
      structuredClone(packLayerIndex({ ...result, entries: new EntryTable() }).packed),
    );
    expect(empty.entries.count).toBe(0);
  });
});
