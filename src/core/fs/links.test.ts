import { describe, expect, it } from 'vitest';
import { type LayerSpec, testArchive } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import { ImageFileSystem } from './imageFileSystem';
import { MAX_LINK_HOPS, type Resolution, resolvePath } from './links';

async function build(layers: LayerSpec[]): Promise<ImageFileSystem> {
  const test = await testArchive(layers);
  return ImageFileSystem.build(test.archive, 0, test.contentHash);
}

const dir = (name: string): BuildEntry => ({ name, type: 'dir' });
const file = (name: string, content: string, extra: Partial<BuildEntry> = {}): BuildEntry => ({
  name,
  content,
  ...extra,
});
const symlink = (name: string, linkTarget: string): BuildEntry => ({ name, type: 'symlink', linkTarget });
const hardlink = (name: string, linkTarget: string): BuildEntry => ({ name, type: 'hardlink', linkTarget });

function ok(resolution: Resolution) {
  if (!resolution.ok) throw new Error(`expected a resolution, got: ${resolution.message}`);
  return resolution;
}

function failure(resolution: Resolution) {
  if (resolution.ok) throw new Error(`expected a failure, got ${resolution.path}`);
  return resolution;
}

describe('resolvePath', () => {
  it('follows relative and absolute symlinks, and symlinked directories mid-path, across layers', async () => {
    const fs = await build([
      [dir('usr/'), dir('usr/lib/'), file('usr/lib/libc.so.6', 'LIBC'), dir('etc/')],
      [symlink('lib', 'usr/lib'), dir('usr/lib/x86/'), symlink('usr/lib/x86/libc.so', '../libc.so.6')],
      [symlink('etc/alternatives', '/usr/lib/x86'), symlink('etc/libc', './alternatives/libc.so')],
    ]);
    const viaDir = ok(resolvePath(fs, 1, '/lib/libc.so.6'));
    expect(viaDir.path).toBe('/usr/lib/libc.so.6');
    expect(viaDir.content).toEqual({ layer: 0, entryIndex: 2 });
    expect(viaDir.steps).toEqual([{ path: '/lib', kind: 'symlink', target: 'usr/lib', layer: 1 }]);

    const chain = ok(resolvePath(fs, 2, 'etc/libc'));
    expect(chain.path).toBe('/usr/lib/libc.so.6');
    expect(chain.node.type).toBe('file');
    expect(chain.steps.map((s) => [s.path, s.layer])).toEqual([
      ['/etc/libc', 2],
      ['/etc/alternatives', 2],
      ['/usr/lib/x86/libc.so', 1],
    ]);
    // Not following the last link gives the link itself.
    const link = ok(resolvePath(fs, 2, '/etc/libc', { followFinal: false }));
    expect(link.node.type).toBe('symlink');
    expect(link.content).toBeNull();
    // At layer 1 the links of layer 2 do not exist yet.
    expect(failure(resolvePath(fs, 1, '/etc/libc')).reason).toBe('missing');
  });

  it('keeps `..` and absolute targets inside the image root', async () => {
    const fs = await build([
      [dir('a/'), symlink('a/up', '../../../../etc'), dir('etc/'), file('etc/hosts', 'h')],
    ]);
    expect(ok(resolvePath(fs, 0, '/a/up/hosts')).path).toBe('/etc/hosts');
    expect(ok(resolvePath(fs, 0, '/a/../etc/./hosts')).path).toBe('/etc/hosts');
  });

  it('resolves a directory link to the directory, with no content', async () => {
    const fs = await build([[dir('real/'), file('real/f', 'x'), symlink('alias', 'real')]]);
    const target = ok(resolvePath(fs, 0, '/alias'));
    expect(target.path).toBe('/real');
    expect(target.node.type).toBe('dir');
    expect(target.content).toBeNull();
  });

  it('follows hardlinks to the file they share, also after a later layer removed that path', async () => {
    const fs = await build([
      [
        dir('bin/'),
        file('bin/busybox', 'BUSYBOX'),
        hardlink('bin/[', 'bin/busybox'),
        hardlink('bin/test', 'bin/['),
      ],
      [dir('bin/'), file('bin/.wh.busybox', ''), symlink('bin/sh', 'test')],
    ]);
    const atZero = ok(resolvePath(fs, 0, '/bin/test'));
    expect(atZero.path).toBe('/bin/busybox');
    expect(atZero.steps.map((s) => `${s.kind} ${s.path} → ${s.target}`)).toEqual([
      'hardlink /bin/test → /bin/[',
      'hardlink /bin/[ → /bin/busybox',
    ]);
    // busybox is gone at layer 1, but the link still holds its bytes (the same inode).
    const atOne = ok(resolvePath(fs, 1, '/bin/sh'));
    expect(atOne.content).toEqual({ layer: 0, entryIndex: 1 });
    expect(atOne.path).toBe('/bin/[');
    expect(atOne.steps.map((s) => s.kind)).toEqual(['symlink', 'hardlink', 'hardlink']);
  });

  it('reports dangling links precisely', async () => {
    const fs = await build([[dir('etc/'), symlink('etc/missing', '/opt/app/config'), dir('opt/')]]);
    const result = failure(resolvePath(fs, 0, '/etc/missing'));
    expect(result.reason).toBe('dangling');
    expect(result.path).toBe('/opt/app');
    expect(result.message).toBe(
      'dangling link at layer 0: /etc/missing → "/opt/app/config" leads to /opt/app, which does not exist',
    );
    const direct = failure(resolvePath(fs, 0, '/etc/nothing/here'));
    expect(direct).toMatchObject({ reason: 'missing', path: '/etc/nothing' });
    expect(direct.message).toBe('/etc/nothing/here: /etc/nothing does not exist at layer 0');
  });

  it('detects loops and names them', async () => {
    const fs = await build([
      [
        symlink('a', 'b'),
        symlink('b', '/c'),
        symlink('c', './a'),
        symlink('self', 'self'),
        symlink('grow', 'grow/more'),
        dir('d/'),
        symlink('d/loop', '../d/loop'),
      ],
    ]);
    const loop = failure(resolvePath(fs, 0, '/a'));
    expect(loop.reason).toBe('loop');
    expect(loop.message).toBe('symlink loop at layer 0: /a → /b → /c → /a');
    expect(failure(resolvePath(fs, 0, '/self')).message).toBe('symlink loop at layer 0: /self → /self');
    expect(failure(resolvePath(fs, 0, '/d/loop/x')).reason).toBe('loop');
    // A link that lengthens the path never repeats a state: caught by the hop limit, still named a loop.
    const grow = failure(resolvePath(fs, 0, '/grow'));
    expect(grow.reason).toBe('loop');
    expect(grow.steps.length).toBe(MAX_LINK_HOPS + 1);
    expect(grow.message).toContain('/grow → /grow');
  });

  it('stops at the hop limit on long chains that do not loop', async () => {
    const chain: BuildEntry[] = [file('end', 'E')];
    for (let i = 0; i < 45; i++) chain.push(symlink(`l${i}`, i === 0 ? 'end' : `l${i - 1}`));
    const fs = await build([chain]);
    expect(ok(resolvePath(fs, 0, '/l30')).path).toBe('/end');
    const tooLong = failure(resolvePath(fs, 0, '/l44'));
    expect(tooLong.reason).toBe('too-many-links');
    expect(tooLong.message).toContain('more than 40');
    expect(ok(resolvePath(fs, 0, '/l44', { maxHops: 50 })).path).toBe('/end');
  });

  it('says when a file stands where a directory is needed', async () => {
    const fs = await build([[dir('etc/'), file('etc/passwd', 'p'), symlink('p', 'etc/passwd')]]);
    const result = failure(resolvePath(fs, 0, '/p/x'));
    expect(result.reason).toBe('not-a-directory');
    expect(result.message).toBe('/etc/passwd/x: /etc/passwd is a file, not a directory, at layer 0');
  });
});
