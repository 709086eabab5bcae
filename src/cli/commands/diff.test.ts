import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import { openArchive } from '../../core/image/open';
import { dockerArchive, ociArchive } from '../../testing/archives';
import type { BuildEntry } from '../../testing/tarBuilder';
import type { CliIo } from '../io';
import { run } from './diff';

const base: BuildEntry[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/os', content: 'v1\n' },
  { name: 'var/', type: 'dir' },
  { name: 'var/cache/', type: 'dir' },
  { name: 'var/cache/a', content: 'aa' },
];
const images = [
  {
    tags: ['app:1'],
    layers: [
      base,
      [
        { name: 'etc/os', content: 'v2\n' },
        { name: 'opt/new', content: 'new!' },
      ],
    ],
  },
  {
    tags: ['app:2'],
    layers: [
      base,
      [
        { name: 'etc/os', content: 'v3\n' },
        { name: 'var/cache/b', content: 'bbb' },
      ],
    ],
    config: { Env: ['PATH=/usr/bin', 'V=2'] },
  },
];
const docker = dockerArchive(images);
const oci = ociArchive(images, 'gzip');

function capture(files: Record<string, Uint8Array>) {
  const out: string[] = [];
  const err: string[] = [];
  const opened: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    openArchive: async (path) => {
      opened.push(path);
      return openArchive(new MemorySource(files[path], path));
    },
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join(''), opened };
}

describe('diff', () => {
  it('prints the contract document and exits 1 when the images differ', async () => {
    const c = capture({ 'x.tar': docker });
    const code = await run(['x.tar', 'x.tar', '--image-a', 'app:1', '--image-b', '1', '--json'], c.io);
    expect(code).toBe(1);
    expect(c.opened).toEqual(['x.tar']);
    const doc = JSON.parse(c.stdout());
    expect(doc.a).toMatchObject({ archive: 'x.tar', image: 'app:1', layer: 1 });
    expect(doc.b).toMatchObject({ archive: 'x.tar', image: 'app:2', layer: 1 });
    expect(doc.changes).toEqual([
      {
        path: '/etc/os',
        change: 'changed',
        what: ['content'],
        a: { type: 'file', size: 3, mode: 0o644, uid: 0, gid: 0, linkTarget: '' },
        b: { type: 'file', size: 3, mode: 0o644, uid: 0, gid: 0, linkTarget: '' },
      },
      { path: '/opt', change: 'removed', what: [], a: expect.objectContaining({ type: 'dir' }), b: null },
      { path: '/opt/new', change: 'removed', what: [], a: expect.objectContaining({ size: 4 }), b: null },
      { path: '/var/cache/b', change: 'added', what: [], a: null, b: expect.objectContaining({ size: 3 }) },
    ]);
    expect(doc.summary).toEqual({ added: 1, removed: 2, changed: 1, bytesAdded: 6, bytesRemoved: 7 });
    expect(doc.config).toEqual([{ field: 'Env.V', a: null, b: '2' }]);
    expect(doc.sharedLayers).toBe(1);
    expect(c.stderr()).toBe('');
  });

  it('exits 0 for the same image in two formats, and leaves out excluded paths', async () => {
    const same = capture({ 'd.tar': docker, 'o.tar': oci });
    expect(await run(['d.tar', 'o.tar', '--image-a', '1', '--image-b', 'app:2'], same.io)).toBe(0);
    expect(same.stdout()).toContain('no file differs');
    expect(same.stdout().trimEnd().split('\n').pop()).toBe(
      'summary: 0 added, 0 removed, 0 changed; 0 B added, 0 B removed; 2 shared layers',
    );
    // Layer 0 against layer 1 of app:2, everything but /etc excluded by name and by path.
    const layers = capture({ 'd.tar': docker });
    const code = await run(
      [
        'd.tar',
        'd.tar',
        '--image-a=1',
        '--image-b=1',
        '--layer-a',
        '0',
        '--exclude',
        'cache',
        '--exclude=/opt/**',
        '--json',
      ],
      layers.io,
    );
    expect(code).toBe(1);
    expect(JSON.parse(layers.stdout()).changes.map((c: { path: string }) => c.path)).toEqual(['/etc/os']);
  });

  it('prints a readable listing with the summary last', async () => {
    const c = capture({ 'x.tar': docker });
    expect(await run(['x.tar', 'x.tar', '--image-b', '1'], c.io)).toBe(1);
    const lines = c.stdout().trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '~ /etc/os  content',
      '- /opt  dir 0755 0:0',
      '- /opt/new  file 4 B 0644 0:0',
      '+ /var/cache/b  file 3 B 0644 0:0',
    ]);
    expect(c.stdout()).toContain('  Env.V: (absent) → "2"');
    expect(lines.at(-1)).toBe(
      'summary: 1 added, 2 removed, 1 changed; 6 B added, 7 B removed; 1 shared layers',
    );
  });

  it('exits 2 on bad arguments and on a layer out of range', async () => {
    const c = capture({ 'x.tar': docker });
    expect(await run(['x.tar'], c.io)).toBe(2);
    expect(await run(['x.tar', 'x.tar', '--layer-b', '7'], c.io)).toBe(2);
    expect(c.stderr()).toContain('no layer 7');
    expect(await run(['x.tar', 'x.tar', '--exclude'], c.io)).toBe(2);
  });
});

describe('diff from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'diff-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming the archive that cannot be read, 1 and 0 as diff(1) does', () => {
    const good = join(dir, 'good.tar');
    const bad = join(dir, 'bad.tar');
    writeFileSync(good, docker);
    writeFileSync(bad, new TextEncoder().encode('this is not a tar archive at all\n'.repeat(40)));
    const cli = (...args: string[]) =>
      spawnSync('npx', ['tsx', 'src/cli/main.ts', 'diff', ...args], {
        encoding: 'utf8',
        cwd: join(import.meta.dirname, '../../..'),
      });
    const unreadable = cli(good, bad);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain('bad.tar');
    expect(cli(good, good).status).toBe(0);
    expect(cli(good, good, '--image-b', '1').status).toBe(1);
  });
});
