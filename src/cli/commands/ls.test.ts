import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import type { ImageArchive } from '../../core/image/model';
import { openArchive } from '../../core/image/open';
import { dockerArchive, ociArchive } from '../../testing/archives';
import { archiveOfImages, blobOf, imageOf, layerOf } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { parseArgs, selectImage } from '../common';
import type { CliIo } from '../io';
import { run } from './ls';

function captureIo(open: (path: string) => Promise<ImageArchive>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    openArchive: open,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

function ioFor(bytes: Uint8Array) {
  return captureIo(async (path) => openArchive(new MemorySource(bytes, path)));
}

const file = (name: string, content: string, extra: Partial<BuildEntry> = {}): BuildEntry => ({
  name,
  content,
  ...extra,
});
const dir = (name: string): BuildEntry => ({ name, type: 'dir' });

const twoImages = dockerArchive([
  {
    tags: ['app:1'],
    layers: [
      [dir('etc/'), file('etc/os-release', 'ID=test\n'), file('etc/motd', 'hello')],
      [
        dir('etc/'),
        file('etc/motd', 'HELLO'),
        file('etc/.wh.os-release', ''),
        file('etc/new', 'n', { mode: 0o4755, uid: 7 }),
      ],
    ],
  },
  { tags: ['docker.io/library/tool:2'], layers: [[file('tool', 'x')]] },
]);

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('ls', () => {
  it("prints a layer's own changes as JSON lines in the contract's shape", async () => {
    const cap = ioFor(twoImages);
    expect(await run(['app.tar', '--image', 'app:1', '--layer', '1'], cap.io)).toBe(0);
    expect(lines(cap.stdout())).toEqual([
      {
        path: '/etc',
        type: 'dir',
        size: 0,
        mode: 0o755,
        uid: 0,
        gid: 0,
        linkTarget: '',
        change: 'unmodified',
      },
      {
        path: '/etc/motd',
        type: 'file',
        size: 5,
        mode: 0o644,
        uid: 0,
        gid: 0,
        linkTarget: '',
        change: 'modified',
      },
      {
        path: '/etc/new',
        type: 'file',
        size: 1,
        mode: 0o4755,
        uid: 7,
        gid: 0,
        linkTarget: '',
        change: 'added',
      },
      {
        path: '/etc/os-release',
        type: 'file',
        size: 8,
        mode: 0o644,
        uid: 0,
        gid: 0,
        linkTarget: '',
        change: 'removed',
      },
    ]);
    expect(cap.stderr()).toBe('');
  });

  it('prints the merged filesystem with --merged', async () => {
    const cap = ioFor(twoImages);
    expect(await run(['app.tar', '--image=0', '--layer=1', '--merged'], cap.io)).toBe(0);
    expect(lines(cap.stdout()).map((l) => `${l.path} ${l.change}`)).toEqual([
      '/etc unmodified',
      '/etc/motd modified',
      '/etc/new added',
    ]);
    const base = ioFor(twoImages);
    expect(await run(['app.tar', '--image', 'app:1', '--layer', '0', '--merged'], base.io)).toBe(0);
    expect(lines(base.stdout()).map((l) => `${l.path} ${l.change}`)).toEqual([
      '/etc added',
      '/etc/motd added',
      '/etc/os-release added',
    ]);
  });

  it('finds images by index, tag as people type it, or id; layers from the top with negatives', async () => {
    const cap = ioFor(twoImages);
    expect(await run(['a.tar', '--image', 'tool:2', '--layer', '-1'], cap.io)).toBe(0);
    expect(lines(cap.stdout()).map((l) => l.path)).toEqual(['/tool']);
    const archive = await openArchive(new MemorySource(twoImages, 'a.tar'));
    expect(selectImage(archive, '1')).toBe(1);
    expect(selectImage(archive, 'docker.io/library/app:1')).toBe(0);
    expect(selectImage(archive, archive.images[1].id.slice(0, 19))).toBe(1);
    expect(selectImage(archive, 'nope')).toMatch(/^no image "nope" in a.tar \(images: 0: app:1; 1: tool:2\)/);
    expect(selectImage(archive, '5')).toBe('no image 5: a.tar holds 2 images');
  });

  it('lists the top layer of the first image without --layer or --image, and says which', async () => {
    const cap = ioFor(twoImages);
    expect(await run(['a.tar'], cap.io)).toBe(0);
    expect(lines(cap.stdout())).toHaveLength(4);
    expect(cap.stderr()).toBe('a.tar holds 2 images; listing image 0 (choose with --image)\n');
  });

  it('reads OCI archives with compressed layers and hashes rewritten files to tell unmodified ones', async () => {
    const bytes = ociArchive(
      [
        {
          tags: ['x:1'],
          layers: [
            [file('same', 'abc'), file('changed', 'abc')],
            [file('same', 'abc'), file('changed', 'xyz')],
          ],
        },
      ],
      'gzip',
    );
    const cap = ioFor(bytes);
    expect(await run(['x.tar', '--layer', '1'], cap.io)).toBe(0);
    expect(lines(cap.stdout()).map((l) => `${l.path} ${l.change}`)).toEqual([
      '/changed modified',
      '/same unmodified',
    ]);
  });

  it('rejects bad usage with exit code 2', async () => {
    for (const args of [
      [],
      ['a.tar', 'b.tar'],
      ['a.tar', '--layer'],
      ['a.tar', '--bogus'],
      ['a.tar', '--merged=yes'],
    ]) {
      const cap = ioFor(twoImages);
      expect(await run(args, cap.io)).toBe(2);
      expect(cap.stderr()).toContain('usage: ls');
    }
    for (const [args, message] of [
      [['a.tar', '--layer', '2'], 'no layer 2: the image has 2 layers (0..1)'],
      [['a.tar', '--layer', 'top'], '--layer must be a layer index, got "top"'],
      [['a.tar', '--image', 'missing:1'], 'no image "missing:1"'],
    ] as const) {
      const cap = ioFor(twoImages);
      expect(await run([...args], cap.io)).toBe(2);
      expect(cap.stderr()).toContain(message);
    }
  });

  it('prints what it can and exits 2 when a layer below could not be read', async () => {
    const layer0 = await layerOf([file('a', '1')]);
    const layer1 = await layerOf([file('b', '2')]);
    const broken = {
      ...blobOf(layer1.table, 'l1'),
      error: 'unexpected end of archive at byte 1536 (after entry "b")',
    };
    const archive = archiveOfImages(
      new Map([
        ['l0', blobOf(layer0.table, 'l0')],
        ['l1', broken],
        ['l2', blobOf(null, 'l2')],
      ]),
      [imageOf(['l0', 'l1', 'l2'])],
    );
    const cap = captureIo(async () => archive);
    expect(await run(['broken.tar', '--layer', '2', '--merged'], cap.io)).toBe(2);
    expect(lines(cap.stdout()).map((l) => l.path)).toEqual(['/a', '/b']);
    expect(cap.stderr()).toBe(
      'broken.tar: the listing is incomplete:\n' +
        '  layer 1 (l1) was read only in part: unexpected end of archive at byte 1536 (after entry "b")\n' +
        '  layer 2 (l2) could not be read: unreadable in test\n',
    );
  });

  it('parses flags strictly', () => {
    expect(parseArgs(['x', '--a', '1', '--b=2', '--s', '--', '--c'], ['a', 'b'], ['s'])).toEqual({
      positional: ['x', '--c'],
      values: new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
      switches: new Set(['s']),
      repeated: new Map([
        ['a', ['1']],
        ['b', ['2']],
      ]),
    });
    expect(parseArgs(['--a'], ['a'], [])).toBe('--a needs a value');
    expect(parseArgs(['--a', '--s'], ['a'], ['s'])).toBe('--a needs a value');
    expect(parseArgs(['--zz'], ['a'], [])).toBe('unknown option --zz');
    expect(parseArgs(['-x'], ['a'], [])).toBe('unknown option -x');
    expect(parseArgs(['--s=1'], [], ['s'])).toBe('--s takes no value');
    // Values that start with a dash but are no option: a layer counted from the top, stdout.
    const dashed = parseArgs(
      ['--layer', '-1', '--output', '-', '--e', 'a', '--e', 'b'],
      ['layer', 'output', 'e'],
      [],
    );
    expect(typeof dashed !== 'string' && [dashed.values.get('layer'), dashed.values.get('output')]).toEqual([
      '-1',
      '-',
    ]);
    expect(typeof dashed !== 'string' && dashed.repeated.get('e')).toEqual(['a', 'b']);
  });
});

describe('ls and a slow stdout', () => {
  // 5,000 files: three writes of up to 2,000 lines. A pipe that has not taken a write yet must
  // hold the listing back, or all of it queues in memory (1,000,000 lines held 200 MiB).
  const many = dockerArchive([
    {
      tags: ['many:1'],
      layers: [[dir('d/'), ...Array.from({ length: 5000 }, (_, i) => file(`d/f${i}`, ''))]],
    },
  ]);

  it('writes the next lines only once stdout has taken the last ones', async () => {
    const { io, stdout } = ioFor(many);
    const waits: (() => void)[] = [];
    let writes = 0;
    const stdoutText = io.stdout;
    io.stdout = (text) => {
      writes++;
      stdoutText(text);
    };
    io.stdoutDrained = () => new Promise<void>((resolve) => waits.push(resolve));
    const done = run(['x.tar'], io);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    await settle();
    // One batch written, and the listing waits for it to drain.
    expect([writes, waits.length]).toEqual([1, 1]);
    waits.shift()!();
    await settle();
    expect([writes, waits.length]).toEqual([2, 1]);
    waits.shift()!();
    await settle();
    // The last 1,001 lines (the directory and 1,000 files) need no wait of their own.
    expect(await done).toBe(0);
    expect(writes).toBe(3);
    const lines = stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(5001);
    expect(JSON.parse(lines[0]).path).toBe('/d');
    expect(new Set(lines.map((l) => JSON.parse(l).path)).size).toBe(5001);
  });
});
