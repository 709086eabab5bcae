import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import { openArchive } from '../../core/image/open';
import { dockerArchive, ociArchive, type TestImage } from '../../testing/archives';
import type { CliIo } from '../io';
import { run } from './cat';

function ioFor(bytes: Uint8Array) {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(new TextEncoder().encode(text)),
    stderr: (text) => err.push(text),
    stdoutBytes: async (chunk) => {
      out.push(chunk.slice());
    },
    openArchive: (path) => openArchive(new MemorySource(bytes, path)),
  };
  return {
    io,
    bytes: () => Buffer.concat(out),
    stdout: () => Buffer.concat(out).toString(),
    stderr: () => err.join(''),
  };
}

const binary = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 131) % 256);
const image: TestImage = {
  tags: ['app:1'],
  layers: [
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/os-release', content: 'ID=test\n' },
      { name: 'usr/', type: 'dir' },
      { name: 'usr/lib/', type: 'dir' },
      { name: 'usr/lib/data.bin', content: binary },
      { name: 'lib', type: 'symlink', linkTarget: 'usr/lib' },
      { name: 'bin/', type: 'dir' },
      { name: 'bin/busybox', content: 'BUSYBOX' },
      { name: 'bin/sh', type: 'hardlink', linkTarget: 'bin/busybox' },
      { name: 'loop-a', type: 'symlink', linkTarget: 'loop-b' },
      { name: 'loop-b', type: 'symlink', linkTarget: '/loop-a' },
      { name: 'dangling', type: 'symlink', linkTarget: '/opt/missing' },
      { name: 'pipe', type: 'fifo' },
    ],
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/.wh.os-release', content: '' },
    ],
  ],
};

describe('cat', () => {
  for (const [label, bytes] of [
    ['docker-archive', dockerArchive([image])],
    ['gzip OCI', ociArchive([image], 'gzip')],
    ['zstd OCI', ociArchive([image], 'zstd')],
  ] as const) {
    it(`writes a file's exact bytes, through symlinked directories and hardlinks (${label})`, async () => {
      const big = ioFor(bytes);
      expect(await run(['app.tar', '--layer', '1', '/lib/data.bin'], big.io)).toBe(0);
      expect(big.bytes().equals(binary)).toBe(true);
      const link = ioFor(bytes);
      expect(await run(['app.tar', '--image', 'app:1', '--layer', '0', 'bin/sh'], link.io)).toBe(0);
      expect(link.stdout()).toBe('BUSYBOX');
      expect(link.stderr()).toBe('');
    });
  }

  const bytes = dockerArchive([image]);
  const failures: [string[], string][] = [
    [
      ['--layer', '1', '/etc/os-release'],
      'app.tar: /etc/os-release does not exist at layer 1 (layer 1 removed it)\n',
    ],
    [['--layer', '0', '/nope/file'], 'app.tar: /nope/file: /nope does not exist at layer 0\n'],
    [['--layer', '0', '/etc'], 'app.tar: /etc is a directory at layer 0\n'],
    [['--layer', '0', '/lib'], 'app.tar: /usr/lib is a directory at layer 0\n'],
    [
      ['--layer', '0', '/dangling'],
      'app.tar: dangling link at layer 0: /dangling → "/opt/missing" leads to /opt, which does not exist\n',
    ],
    [['--layer', '0', '/loop-a'], 'app.tar: symlink loop at layer 0: /loop-a → /loop-b → /loop-a\n'],
    [['--layer', '0', '/pipe'], 'app.tar: /pipe is a fifo, which has no contents to show\n'],
    [['--layer', '5', '/etc/os-release'], 'no layer 5: the image has 2 layers (0..1)\n'],
  ];
  it.each(failures)('exits 2 with a precise message: %j', async (args, message) => {
    const cap = ioFor(bytes);
    expect(await run(['app.tar', ...args], cap.io)).toBe(2);
    expect(cap.stderr().startsWith(message)).toBe(true);
    expect(cap.bytes().length).toBe(0);
  });

  it('shows usage for wrong arguments', async () => {
    const cap = ioFor(bytes);
    expect(await run(['app.tar'], cap.io)).toBe(2);
    expect(cap.stderr()).toContain('usage: cat <archive>');
  });
});
