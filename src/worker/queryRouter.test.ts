import { describe, expect, it } from 'vitest';
import { MemorySource } from '../core/bytes/byteSource';
import { buildImageFileSystem } from '../core/fs';
import type { ImageArchive } from '../core/image/model';
import { openArchive } from '../core/image/open';
import { dockerArchive } from '../testing/archives';
import { FileViews } from './fileView';
import type { Query } from './protocol';
import { QueryRouter, type SessionModel } from './queryRouter';

const ARCHIVE = dockerArchive([
  {
    tags: ['demo:1'],
    layers: [
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', content: 'root:x:0:0\n', uname: 'root', gname: 'wheel' },
      ],
    ],
  },
]);

/** A session as the engine lends it: the archive read for real, images ready as the test says. */
function sessionOf(archive: ImageArchive | null, ready: number[]): SessionModel {
  const views = new FileViews();
  return {
    archive,
    ready: new Set(ready),
    fsFor: (image) => (archive ? buildImageFileSystem(archive, image) : Promise.reject(new Error('none'))),
    viewsFor: () => views,
    stats: () => Promise.reject(new Error('not asked here')),
    verify: () => Promise.reject(new Error('not asked here')),
    indexBytes: () => Promise.reject(new Error('not asked here')),
    now: () => 0,
  };
}

const open = () => openArchive(new MemorySource(ARCHIVE, 'demo.tar'));
const passwd = { image: 0, layer: 0, path: '/etc/passwd' };

describe('QueryRouter', () => {
  it('refuses a kind the protocol does not have, even one an object inherits', async () => {
    const router = new QueryRouter(sessionOf(await open(), [0]));
    for (const kind of ['nope', 'toString', 'constructor', '__proto__'])
      await expect(router.run({ kind, args: {} } as unknown as Query)).rejects.toThrow(
        `unknown query ${JSON.stringify(kind)}`,
      );
  });

  it('answers the tree from the file system and the services once the image is ready', async () => {
    const router = new QueryRouter(sessionOf(await open(), [0]));
    const details = await router.run({ kind: 'details', args: { ...passwd, mode: 'changes' } });
    expect(details).toMatchObject({ owner: { uname: 'root', gname: 'wheel' }, inChanges: true });
    const text = await router.run({ kind: 'textPage', args: { ...passwd, firstLine: 0, count: 10 } });
    expect(text).toMatchObject({ lines: [{ number: 1, text: 'root:x:0:0' }] });
  });

  it('says why a service cannot answer yet, as a rejection', async () => {
    const reading = new QueryRouter(sessionOf(await open(), []));
    await expect(reading.run({ kind: 'content', args: passwd })).rejects.toThrow(
      'the image is still being read',
    );
    expect(await reading.run({ kind: 'details', args: { ...passwd, mode: 'changes' } })).toBeNull();
    const none = new QueryRouter(sessionOf(null, []));
    await expect(none.run({ kind: 'packageSummary', args: { image: 0 } })).rejects.toThrow(
      'no archive is open',
    );
  });
});
