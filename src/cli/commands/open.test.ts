import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerArchive } from '../../testing/archives';
import type { CliIo } from '../io';
import { run } from './open';

const dir = mkdtempSync(join(tmpdir(), 'ilx-open-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(...args: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    openArchive: async () => {
      throw new Error('open reads no archive through io');
    },
  };
  const code = await run(args, io);
  return { code, stderr: err.join(''), stdout: out.join('') };
}

describe('open: what is refused before anything is served', () => {
  it('bad options, with the reason', async () => {
    expect(await open('x.tar', '--port', 'http')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--port must be a port number'),
    });
    expect(await open('x.tar', '--engine', 'containerd')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--engine must be docker or podman'),
    });
    expect(await open('x.tar', '--platform', 'arm64')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--platform must be os/arch'),
    });
    expect(await open('x.tar', '--no-opn')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown option --no-opn'),
    });
    expect(await open()).toMatchObject({ code: 2 });
  });

  it('a path that is not there, or not a file', async () => {
    expect(await open(join(dir, 'absent.tar'))).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('absent.tar: no such file'),
    });
    expect(await open(dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('not a file') });
  });

  it('a platform no image of the archive has', async () => {
    const archive = join(dir, 'two.tar');
    writeFileSync(
      archive,
      dockerArchive([
        { tags: ['a:1'], layers: [[{ name: 'a', content: 'a' }]] },
        { tags: ['b:1'], layers: [[{ name: 'b', content: 'b' }]] },
      ]),
    );
    const result = await open(archive, '--platform', 'linux/arm64', '--no-open');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no image for linux/arm64 in');
    expect(result.stderr).toContain('(platforms: linux/amd64, linux/amd64)');
  });
});
