import { describe, expect, it } from 'vitest';
import { MemorySource } from '../core/bytes/byteSource';
import { buildImageFileSystem } from '../core/fs';
import { openArchive } from '../core/image/open';
import { dockerArchive } from '../testing/archives';
import { fake } from '../testing/fakeSecrets';
import type { SecretFindingView } from './protocol';
import { SecretScans } from './secrets';

const key = fake.pemPrivateKey();
const tokens = Array.from({ length: 12 }, (_, i) => fake.githubToken(200 + i));

const ARCHIVE = dockerArchive([
  {
    tags: ['leaky:1'],
    layers: [
      [{ name: 'etc/hostname', content: 'box\n' }],
      [
        { name: 'root/.ssh/id_rsa', content: key },
        ...tokens.map((t, i) => ({ name: `srv/t${i}.txt`, content: `${t}\n` })),
      ],
      [{ name: 'root/.ssh/.wh.id_rsa', content: '' }],
    ],
  },
]);

async function scans(clock: () => number = () => performance.now()) {
  const archive = await openArchive(new MemorySource(ARCHIVE, 'leaky.tar'));
  return new SecretScans(archive, (image) => buildImageFileSystem(archive, image), clock);
}

describe('secret scans in the worker', () => {
  it('pages findings without their secrets, and reveals one on request', async () => {
    const s = await scans();
    const { id } = await s.start({ image: 0 });
    const found: SecretFindingView[] = [];
    let page = await s.next({ id, budgetMs: 1000 });
    found.push(...page.findings);
    while (!page.done) {
      page = await s.next({ id, budgetMs: 1000 });
      found.push(...page.findings);
    }
    expect(found).toHaveLength(13);
    expect(found.map((f) => f.index)).toEqual([...Array(13).keys()]);
    for (const f of found) expect(f).not.toHaveProperty('secret');
    expect(JSON.stringify(found)).not.toContain(tokens[0]);
    const pem = found.find((f) => f.rule === 'private-key')!;
    expect(pem).toMatchObject({
      path: '/root/.ssh/id_rsa',
      layer: 1,
      hiddenByLayer: 2,
      hiddenHow: 'deleted',
    });
    expect(page.summary).toMatchObject({ scanned: { files: 14, skipped: 0 }, cancelled: false });
    const token = found.find((f) => f.path === '/srv/t3.txt')!;
    expect(s.reveal({ id, index: token.index })).toEqual({ secret: tokens[3] });
  });

  it('stops within its time slice and goes on where it stopped', async () => {
    let t = 0;
    // every read of the clock is a millisecond later: a 5 ms slice is about five files
    const s = await scans(() => t++);
    const { id } = await s.start({ image: 0 });
    const first = await s.next({ id, budgetMs: 10 });
    expect(first.done).toBe(false);
    expect(first.progress!.filesDone).toBeLessThan(first.progress!.filesTotal);
    let pages = 1;
    let page = first;
    while (!page.done) {
      page = await s.next({ id, budgetMs: 10 });
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(page.progress!.filesDone).toBe(14);
  });

  it('a cancelled scan answers no more', async () => {
    const s = await scans();
    const { id } = await s.start({ image: 0 });
    await s.next({ id, budgetMs: 1 });
    s.cancel({ id });
    await expect(s.next({ id, budgetMs: 100 })).rejects.toThrow('cancelled');
    expect(() => s.reveal({ id, index: 0 })).toThrow('no longer kept');
  });
});
