import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import { WindowedReader } from '../../core/bytes/reader';
import { openArchive } from '../../core/image/open';
import { walkTar } from '../../core/tar/walker';
import { ociArchive, type TestImage } from '../../testing/archives';
import type { CliIo } from '../io';
import { run } from './export';

const work = mkdtempSync(join(tmpdir(), 'ile-cli-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

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
  return { io, bytes: () => Buffer.concat(out), stderr: () => err.join('') };
}

async function names(tar: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of walkTar(new WindowedReader(new MemorySource(tar)))) out.push(entry.name);
  return out.sort();
}

const image: TestImage = {
  tags: ['app:1'],
  layers: [
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/passwd', content: 'root\n' },
      { name: 'etc/group', content: 'root\n' },
      { name: 'opt/', type: 'dir' },
      { name: 'opt/app/', type: 'dir' },
      { name: 'opt/app/run', content: '#!/bin/sh\n', mode: 0o755 },
    ],
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/.wh.group', content: '' },
      { name: 'etc/passwd', content: 'root\napp\n' },
    ],
  ],
};
const bytes = ociArchive([image], 'gzip');

describe('export', () => {
  it("writes a layer's changes, whiteouts included, to a file", async () => {
    const out = join(work, 'layer1.tar');
    const cap = ioFor(bytes);
    expect(await run(['app.tar', '--layer', '1', '-o', out], cap.io)).toBe(0);
    expect(await names(readFileSync(out))).toEqual(['etc/', 'etc/.wh.group', 'etc/passwd']);
    expect(cap.stderr()).toMatch(/^wrote 3 entries \(\d+ bytes\) to .*layer1\.tar\n$/);
    expect(readdirSync(work).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('writes the merged view, or one directory of it, to stdout with -o -', async () => {
    const merged = ioFor(bytes);
    expect(await run(['app.tar', '--layer', '1', '--merged', '-o', '-'], merged.io)).toBe(0);
    expect(await names(merged.bytes())).toEqual(['etc/', 'etc/passwd', 'opt/', 'opt/app/', 'opt/app/run']);
    const dir = ioFor(bytes);
    expect(await run(['app.tar', '--merged', '--path', '/opt/app', '--output=-'], dir.io)).toBe(0);
    expect(await names(dir.bytes())).toEqual(['app/', 'app/run']);
  });

  it('exits 2 and writes nothing for a path that is not a directory, or without -o', async () => {
    const out = join(work, 'nothing.tar');
    const file = ioFor(bytes);
    expect(
      await run(['app.tar', '--layer', '1', '--merged', '--path', '/etc/group', '-o', out], file.io),
    ).toBe(2);
    expect(file.stderr()).toBe('app.tar: /etc/group is not in the merged view at layer 1\n');
    expect(existsSync(out)).toBe(false);
    const noOutput = ioFor(bytes);
    expect(await run(['app.tar', '--layer', '1'], noOutput.io)).toBe(2);
    expect(noOutput.stderr()).toContain('an output file is needed');
  });
});
