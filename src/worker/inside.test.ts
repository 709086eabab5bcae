import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../core/bytes/byteSource';
import { buildImageFileSystem } from '../core/fs';
import { openArchive } from '../core/image/open';
import { dockerArchive, ociArchive } from '../testing/archives';
import type { BuildEntry } from '../testing/tarBuilder';
import { Inside, transferables } from './inside';

const PNG = '\x89PNG\r\n\x1a\n';
const lines = Array.from({ length: 450 }, (_, i) => `line ${i + 1}`).join('\n');
const layers: BuildEntry[][] = [
  [
    { name: 'etc/', type: 'dir' },
    { name: 'etc/motd', content: `${lines}\n` },
    { name: 'bin/', type: 'dir' },
    { name: 'bin/tool', content: new Uint8Array(Array.from({ length: 40 }, (_, i) => i)) },
    { name: 'logo.png', content: Uint8Array.from(`${PNG}rest`, (c) => c.charCodeAt(0)) },
    { name: 'page.svg', content: '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>' },
  ],
  [
    { name: 'etc/motd.link', type: 'symlink', linkTarget: 'motd' },
    { name: 'loop-a', type: 'symlink', linkTarget: 'loop-b' },
    { name: 'loop-b', type: 'symlink', linkTarget: 'loop-a' },
    { name: 'dangling', type: 'symlink', linkTarget: '/nowhere' },
    { name: 'bin/.wh.tool', content: '' },
  ],
];

async function insideOf(bytes: Uint8Array) {
  const archive = await openArchive(new MemorySource(bytes));
  const fs = await buildImageFileSystem(archive, 0);
  return new Inside(archive, () => Promise.resolve(fs));
}

describe.each([
  ['uncompressed docker-archive', () => dockerArchive([{ tags: ['t:1'], layers }])],
  ['gzip OCI', () => ociArchive([{ tags: ['t:1'], layers }], 'gzip')],
])('Inside over %s', (_, make) => {
  it('pages text, hex and bytes; follows links; names loops and dangling targets', async () => {
    const inside = await insideOf(make());
    const motd = await inside.content({ image: 0, layer: 1, path: '/etc/motd.link' });
    expect(motd.failure).toBeNull();
    expect(motd.resolvedPath).toBe('/etc/motd');
    expect(motd.steps).toHaveLength(1);
    expect(motd.kind).toEqual({ view: 'text', encoding: 'utf-8', markup: null });
    const page = await inside.textPage({
      image: 0,
      layer: 1,
      path: '/etc/motd.link',
      firstLine: 200,
      count: 200,
    });
    expect(page.lines[0]).toMatchObject({ number: 201, text: 'line 201' });
    expect(page.lines).toHaveLength(200);
    const last = await inside.textPage({ image: 0, layer: 1, path: '/etc/motd', firstLine: 400, count: 200 });
    expect(last.lines).toHaveLength(50);
    expect(last.totalLines).toBe(450);

    expect((await inside.content({ image: 0, layer: 0, path: '/bin/tool' })).kind).toEqual({ view: 'hex' });
    const hex = await inside.hexPage({ image: 0, layer: 0, path: '/bin/tool', page: 0, rows: 64 });
    expect(hex.rows[0]).toMatchObject({ offset: 0, hex: '00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f' });
    expect(hex.rows).toHaveLength(3);
    // removed by layer 1
    const gone = await inside.content({ image: 0, layer: 1, path: '/bin/tool' });
    expect(gone.failure?.reason).toBe('missing');

    expect((await inside.content({ image: 0, layer: 0, path: '/logo.png' })).kind).toEqual({
      view: 'image',
      mime: 'image/png',
    });
    const svg = await inside.content({ image: 0, layer: 0, path: '/page.svg' });
    expect(svg.kind).toMatchObject({ view: 'text', markup: 'svg' });
    const bytes = await inside.fileBytes({
      image: 0,
      layer: 0,
      path: '/logo.png',
      offset: 0,
      length: 1 << 30,
    });
    expect(new TextDecoder('latin1').decode(bytes.bytes)).toBe(`${PNG}rest`);
    expect(transferables(bytes)).toEqual([bytes.bytes.buffer]);

    const loop = await inside.content({ image: 0, layer: 1, path: '/loop-a' });
    expect(loop.failure?.reason).toBe('loop');
    expect(loop.failure?.message).toMatch(/loop-a/);
    const dangling = await inside.content({ image: 0, layer: 1, path: '/dangling' });
    expect(dangling.failure?.reason).toBe('dangling');
    expect(dangling.kind).toBeNull();
    const dir = await inside.content({ image: 0, layer: 1, path: '/etc' });
    expect(dir.node?.type).toBe('dir');
    expect(dir.kind).toBeNull();
  });

  it('searches every layer page by page, finds removed files, and explains a bad regex', async () => {
    const inside = await insideOf(make());
    const { id, error } = await inside.searchStart({ image: 0, query: { text: 'tool' } });
    expect(error).toBeNull();
    const hits = [];
    for (;;) {
      const page = inside.searchNext({ id, maxHits: 1 });
      hits.push(...page.hits);
      if (page.done) break;
    }
    expect(hits.map((h) => [h.path, h.layer, h.change])).toEqual([
      ['/bin/tool', 0, 'added'],
      ['/bin/tool', 1, 'removed'],
    ]);
    expect(() => inside.searchNext({ id, maxHits: 1 })).toThrow(/cancelled/);
    const bad = await inside.searchStart({ image: 0, query: { text: '(', regex: true } });
    expect(bad.error).toMatch(/invalid regular expression/);
  });

  it('gives a size-limited map, biggest first, the rest summed', async () => {
    const inside = await insideOf(make());
    const root = await inside.sizeMap({
      image: 0,
      layer: 0,
      path: '/',
      depth: 2,
      maxChildren: 2,
      maxNodes: 100,
    });
    expect(root.children?.map((c) => c.name)).toEqual(['etc', 'page.svg']);
    expect(root.otherCount).toBe(2);
    expect(root.size).toBe(root.children!.reduce((n, c) => n + c.size, 0) + root.otherSize);
    expect(root.children?.[0].children?.map((c) => c.name)).toEqual(['motd']);
  });

  it('exports a layer as a tar GNU tar lists, chunk by chunk', async () => {
    const inside = await insideOf(make());
    const plan = await inside.exportStart({ image: 0, layer: 1, mode: 'changes', path: '/' });
    const parts: Uint8Array[] = [];
    for (
      let r = await inside.exportNext({ id: plan.id });
      r.chunk;
      r = await inside.exportNext({ id: plan.id })
    )
      parts.push(r.chunk);
    const file = join(mkdtempSync(join(tmpdir(), 'inside-')), 'layer.tar');
    writeFileSync(file, Buffer.concat(parts));
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(names).toEqual(
      expect.arrayContaining(['bin/.wh.tool', 'dangling', 'etc/motd.link', 'loop-a', 'loop-b']),
    );
    await expect(inside.exportNext({ id: plan.id })).rejects.toThrow(/cancelled/);
  });
});

describe('Inside.textDiff', () => {
  const base = Array.from({ length: 3000 }, (_, i) => `setting_${i} = ${i}`);
  const changed = [...base];
  changed[10] = 'setting_10 = ten';
  changed.splice(2500, 0, 'added = yes');
  const diffLayers: BuildEntry[][] = [
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/app.conf', content: `${base.join('\n')}\n` },
      { name: 'etc/blob', content: new Uint8Array([0, 1, 2, 3]) },
    ],
    [{ name: 'etc/new.txt', content: 'new\n' }],
    [
      { name: 'etc/app.conf', content: `${changed.join('\n')}\n` },
      { name: 'etc/blob', content: new Uint8Array([0, 1, 2, 4]) },
    ],
  ];

  it('compares with the version below the layer that wrote it, paged', async () => {
    const inside = await insideOf(dockerArchive([{ tags: ['t:1'], layers: diffLayers }]));
    const first = await inside.textDiff({
      image: 0,
      layer: 2,
      path: '/etc/app.conf',
      page: 0,
      linesPerPage: 9,
    });
    expect(first).toMatchObject({
      currentLayer: 2,
      previousLayer: 1,
      unavailable: null,
      added: 2,
      removed: 1,
    });
    expect(first.lines[0]).toMatchObject({ kind: 'hunk', text: '@@ -8,7 +8,7 @@' });
    expect(first.lines.filter((l) => l.kind === 'removed').map((l) => l.text)).toEqual(['setting_10 = 10']);
    expect(first.totalLines).toBe(2 * 1 + 8 + 7);
    expect(first.pageCount).toBe(2);
    const second = await inside.textDiff({
      image: 0,
      layer: 2,
      path: '/etc/app.conf',
      page: 1,
      linesPerPage: 9,
    });
    expect(second.lines[0].kind).toBe('hunk');
    expect(second.lines.find((l) => l.kind === 'added')).toMatchObject({
      newNumber: 2501,
      text: 'added = yes',
    });
    // Seen from a later layer, the version shown is still layer 2's.
    const noMore = await inside.textDiff({
      image: 0,
      layer: 2,
      path: '/etc/new.txt',
      page: 0,
      linesPerPage: 50,
    });
    expect(noMore.unavailable).toBe('layer 1 added it: no earlier version');
    const binary = await inside.textDiff({
      image: 0,
      layer: 2,
      path: '/etc/blob',
      page: 0,
      linesPerPage: 50,
    });
    expect(binary.unavailable).toBe('a version is not text');
  });
});
