import { describe, expect, it } from 'vitest';
import { imageOf, type LayerSpec, testArchive } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { ImageFileSystem } from './imageFileSystem';
import {
  compileQuery,
  pathHistory,
  SearchCursor,
  type SearchHit,
  type SearchQuery,
  searchPages,
} from './search';

async function build(layers: LayerSpec[]): Promise<ImageFileSystem> {
  const test = await testArchive(layers);
  return ImageFileSystem.build(test.archive, 0, test.contentHash);
}

const dir = (name: string): BuildEntry => ({ name, type: 'dir' });
const file = (name: string, content: string): BuildEntry => ({ name, content });

const layers: LayerSpec[] = [
  [
    dir('etc/'),
    file('etc/passwd', 'root\n'),
    file('etc/hosts', 'h'),
    dir('tmp/'),
    file('tmp/secret.key', 'KEY!'),
  ],
  [dir('etc/'), file('etc/passwd', 'root\napp\n'), dir('etc/ssl/'), file('etc/ssl/Cert.pem', 'PEM')],
  // The key is deleted here: a search must still find where it came from.
  [dir('tmp/'), file('tmp/.wh.secret.key', ''), file('etc/ssl/.wh.Cert.pem', '')],
];

function all(fs: ImageFileSystem, query: SearchQuery, pageSize = 100): SearchHit[] {
  const cursor = new SearchCursor(fs, query);
  const hits: SearchHit[] = [];
  for (let guard = 0; guard < 10_000 && !cursor.done; guard++) hits.push(...cursor.next(pageSize).hits);
  return hits;
}

const brief = (hits: SearchHit[]) => hits.map((h) => `${h.layer} ${h.change} ${h.path} ${h.size}`);

describe('search', () => {
  it('finds a file in every layer that touched it, including the layer that deleted it', async () => {
    const fs = await build(layers);
    expect(brief(all(fs, { text: 'secret' }))).toEqual([
      '0 added /tmp/secret.key 4',
      '2 removed /tmp/secret.key 4',
    ]);
    expect(brief(all(fs, { text: 'PASSWD' }))).toEqual(['0 added /etc/passwd 5', '1 modified /etc/passwd 9']);
    expect(all(fs, { text: 'PASSWD', caseSensitive: true })).toEqual([]);
  });

  it('starts at the layer asked for: layers another image shares were searched there', async () => {
    const fs = await build(layers);
    expect(brief(all(fs, { text: 'secret', fromLayer: 1 }))).toEqual(['2 removed /tmp/secret.key 4']);
    expect(all(fs, { text: 'secret', fromLayer: 3 })).toEqual([]);
    expect(new SearchCursor(fs, { text: 'x', fromLayer: 99 }).done).toBe(true);
    expect(brief(all(fs, { text: 'secret', fromLayer: -4 })).length).toBe(2);
  });

  it('matches names by default and whole paths when the query has a slash', async () => {
    const fs = await build(layers);
    // `etc` as a name: only the directory, not everything below it.
    expect(brief(all(fs, { text: 'etc' }))).toEqual(['0 added /etc 6']);
    expect(brief(all(fs, { text: 'etc/ssl' }))).toEqual([
      '1 added /etc/ssl 3',
      '1 added /etc/ssl/Cert.pem 3',
      '2 removed /etc/ssl/Cert.pem 3',
    ]);
    expect(brief(all(fs, { text: 'ssl', target: 'path' })).length).toBe(3);
  });

  it('takes regular expressions and reports invalid ones', async () => {
    const fs = await build(layers);
    expect(all(fs, { text: '\\.(pem|key)$', regex: true }).map((h) => `${h.layer}${h.path}`)).toEqual([
      '0/tmp/secret.key',
      '1/etc/ssl/Cert.pem',
      '2/etc/ssl/Cert.pem',
      '2/tmp/secret.key',
    ]);
    const bad = compileQuery({ text: '(', regex: true });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^invalid regular expression/);
    expect(() => new SearchCursor(fs, { text: '(', regex: true })).toThrow(RangeError);
  });

  it('filters by change', async () => {
    const fs = await build(layers);
    expect(brief(all(fs, { text: '', changes: ['removed'] }))).toEqual([
      '2 removed /etc/ssl/Cert.pem 3',
      '2 removed /tmp/secret.key 4',
    ]);
  });

  it('pages: every hit exactly once, whatever the page size and visit budget', async () => {
    const many: BuildEntry[] = [dir('d/')];
    for (let i = 0; i < 300; i++) many.push(file(`d/f${String(i).padStart(3, '0')}`, 'x'));
    const fs = await build([many, [dir('d/'), ...many.slice(1, 50).map((e) => ({ ...e, content: 'yy' }))]]);
    const everything = all(fs, { text: 'f' }, 1000);
    expect(everything.length).toBe(349);
    const cursor = new SearchCursor(fs, { text: 'f' });
    const paged: SearchHit[] = [];
    let calls = 0;
    while (!cursor.done) {
      const page = cursor.next(7, 13);
      expect(page.hits.length).toBeLessThanOrEqual(7);
      paged.push(...page.hits);
      calls++;
    }
    expect(paged).toEqual(everything);
    expect(calls).toBeGreaterThan(349 / 7);
    expect(cursor.progress).toMatchObject({ layer: 2, layerCount: 2, hits: 349 });
  });

  it('streams pages through an async generator and stops on abort', async () => {
    const fs = await build(layers);
    const pages = [];
    for await (const page of searchPages(fs, { text: '' }, { pageSize: 2 })) pages.push(page);
    expect(pages.at(-1)!.done).toBe(true);
    expect(pages.flatMap((p) => p.hits).length).toBe(all(fs, { text: '' }).length);

    const controller = new AbortController();
    const seen = [];
    await expect(async () => {
      for await (const page of searchPages(fs, { text: '' }, { pageSize: 1, signal: controller.signal })) {
        seen.push(page);
        controller.abort();
      }
    }).rejects.toThrow();
    expect(seen.length).toBe(1);
  });
});

describe('pathHistory', () => {
  it("joins a path's timeline with the commands that made the layers", async () => {
    const fs = await build(layers);
    const image = imageOf(['a', 'b', 'c']);
    image.layers[0].createdBy = 'ADD rootfs.tar /';
    image.layers[1].createdBy = 'RUN useradd app';
    image.layers[2].createdBy = null;
    image.layers[2].comment = 'squashed';
    const history = pathHistory(fs, image, '/tmp/secret.key');
    expect(history.map((h) => [h.layer, h.change, h.createdBy, h.comment])).toEqual([
      [0, 'added', 'ADD rootfs.tar /', null],
      [2, 'removed', null, 'squashed'],
    ]);
    expect(history[1].node).toMatchObject({ change: 'removed', size: 4 });
    expect(pathHistory(fs, image, '/etc/passwd').map((h) => h.createdBy)).toEqual([
      'ADD rootfs.tar /',
      'RUN useradd app',
    ]);
    expect(pathHistory(fs, image, '/nope')).toEqual([]);
  });
});
