import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import type { ImageArchive } from '../../core/image/model';
import { openArchive } from '../../core/image/open';
import { SHARED } from '../../testing/gnuTar';
import { PACKAGE_IMAGE_COMMANDS, packageImageArchive } from '../../testing/packageArchives';
import type { CliIo } from '../io';
import { NodeFileSource } from '../nodeFileSource';
import { run } from './packages';

function captureIo(open: (path: string) => Promise<ImageArchive>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), openArchive: open };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
const ioFor = (bytes: Uint8Array) => captureIo(async (path) => openArchive(new MemorySource(bytes, path)));

describe('packages', () => {
  it("prints the contract's JSON: packages with their history, databases, warnings", async () => {
    const cap = ioFor(packageImageArchive());
    expect(await run(['pkgs.tar', '--json'], cap.io)).toBe(0);
    const doc = JSON.parse(cap.stdout());
    expect(Object.keys(doc)).toEqual(['packages', 'databases', 'warnings']);
    expect(doc.packages).toHaveLength(10);
    for (const pkg of doc.packages)
      expect(Object.keys(pkg)).toEqual([
        'ecosystem',
        'name',
        'version',
        'arch',
        'sizeBytes',
        'present',
        'history',
      ]);
    expect(doc.packages.find((p: { name: string }) => p.name === 'tzdata')).toEqual({
      ecosystem: 'deb',
      name: 'tzdata',
      version: '2023c-5',
      arch: 'all',
      sizeBytes: 2900 * 1024,
      present: true,
      history: [
        { layer: 0, change: 'added', version: '2024a-0+deb12u1' },
        { layer: 2, change: 'downgraded', version: '2023c-5' },
      ],
    });
    expect(doc.databases[0]).toEqual({ path: '/var/lib/dpkg/status', layer: 0, ecosystem: 'deb', count: 3 });
    expect(doc.warnings).toHaveLength(1);
    expect(doc.warnings[0]).toMatch(/^\/var\/lib\/rpm\/Packages \(layer 3\) at byte 12: /);
  });

  it('prints a table with each layer that changed packages and its command', async () => {
    const cap = ioFor(packageImageArchive('gzip'));
    expect(await run(['pkgs.tar'], cap.io)).toBe(0);
    const text = cap.stdout();
    expect(text).toContain('packages:1: 8 packages in the final image, 2 removed on the way');
    expect(text).toMatch(/\n +2 +0 +0 +1 +1 +\/bin\/sh -c apt-get install -y --allow-downgrades/);
    expect(text).toMatch(
      /deb {4}curl .* \(gone\) added 7\.88\.1-10\+deb12u5 in layer 1, removed 7\.88\.1-10\+deb12u5 in layer 2/,
    );
    expect(text).toContain(PACKAGE_IMAGE_COMMANDS[5].slice(0, 60));
    expect(cap.stderr()).toMatch(/^warning: \/var\/lib\/rpm\/Packages/);
  });

  it('exits 2 with the reason for a bad option or image', async () => {
    const cap = ioFor(packageImageArchive());
    expect(await run(['pkgs.tar', '--image', 'nope:1'], cap.io)).toBe(2);
    expect(cap.stderr()).toMatch(/no image "nope:1"/);
    const bad = ioFor(packageImageArchive());
    expect(await run(['pkgs.tar', '--layer', '1'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/unknown option --layer/);
  });

  const alpine = join(SHARED, 'fixtures/peers/trivy/alpine-311.tar.gz');
  it.skipIf(!existsSync(alpine))("lists Alpine 3.11's 14 packages from the real image", async () => {
    const cap = captureIo(async (path) => openArchive(new NodeFileSource(path)));
    expect(await run([alpine, '--json'], cap.io)).toBe(0);
    const doc = JSON.parse(cap.stdout());
    expect(doc.packages).toHaveLength(14);
    expect(
      doc.packages.every(
        (p: { present: boolean; history: unknown[] }) => p.present && p.history.length === 1,
      ),
    ).toBe(true);
    expect(doc.packages.find((p: { name: string }) => p.name === 'musl')).toMatchObject({
      version: '1.1.24-r2',
      arch: 'x86_64',
    });
    expect(doc.databases).toEqual([{ path: '/lib/apk/db/installed', layer: 0, ecosystem: 'apk', count: 14 }]);
    expect(doc.warnings).toEqual([]);
  });
});
