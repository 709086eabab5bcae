import { describe, expect, it } from 'vitest';
import { MemorySource } from '../core/bytes/byteSource';
import { buildImageFileSystem } from '../core/fs';
import { openArchive } from '../core/image/open';
import { packageImageArchive } from '../testing/packageArchives';
import { PackagesService } from './packagesService';
import type { PackageRowsArgs } from './protocol';

async function service() {
  const archive = await openArchive(new MemorySource(packageImageArchive(), 'p.tar'));
  const fs = await buildImageFileSystem(archive, 0);
  return new PackagesService(
    archive,
    async () => fs,
    () => performance.now(),
  );
}

const all: PackageRowsArgs = {
  image: 0,
  ecosystems: [],
  change: 'all',
  layer: null,
  name: '',
  sort: 'name',
  descending: false,
  offset: 0,
  limit: 100,
};

describe('the Packages view in the worker', () => {
  it('sums the image up per layer and ecosystem', async () => {
    const summary = await (await service()).summary({ image: 0 });
    expect(summary).toMatchObject({
      total: 10,
      present: 8,
      byEcosystem: { deb: 5, apk: 2, npm: 2, python: 1 },
    });
    expect(summary.layers[1]).toEqual({ added: 1, upgraded: 1, downgraded: 0, removed: 0 });
    expect(summary.warnings).toHaveLength(1);
  });

  it('filters by ecosystem, change, layer and name, and sorts', async () => {
    const s = await service();
    const names = async (args: Partial<PackageRowsArgs>) =>
      (await s.rows({ ...all, ...args })).rows.map((row) => row.name);
    expect(await names({ ecosystems: ['apk'] })).toEqual(['busybox', 'musl']);
    expect(await names({ change: 'upgraded' })).toEqual(['@scope/thing', 'libc6', 'requests']);
    expect(await names({ change: 'removed', layer: 5 })).toEqual(['left-pad']);
    expect(await names({ change: 'gone' })).toEqual(['curl', 'left-pad']);
    expect(await names({ layer: 2 })).toEqual(['curl', 'tzdata']);
    expect(await names({ name: 'LIB' })).toEqual(['libc6']);
    expect((await names({ sort: 'size', descending: true })).slice(0, 2)).toEqual(['libc6', 'tzdata']);
    const page = await s.rows({ ...all, offset: 8, limit: 5 });
    expect(page).toMatchObject({ total: 10, offset: 8 });
    expect(page.rows).toHaveLength(2);
  });

  it("gives a package's files with their layers, and a file's package", async () => {
    const s = await service();
    const libc = (await s.rows({ ...all, name: 'libc6' })).rows[0];
    const detail = await s.detail({ image: 0, id: libc.id });
    expect(detail.files).toEqual([
      { path: '/usr', layer: 1, type: 'dir' },
      { path: '/usr/lib', layer: 0, type: 'dir' },
      { path: '/usr/lib/libc.so.6', layer: 1, type: 'file' },
    ]);
    expect(detail.history.map((h) => h.command)).toEqual([
      '/bin/sh -c #(nop) ADD file:rootfs in /',
      '/bin/sh -c apt-get update && apt-get install -y curl && apt-get upgrade -y',
    ]);
    expect((await s.owners({ image: 0, path: '/usr/lib/libc.so.6' })).map((row) => row.name)).toEqual([
      'libc6',
    ]);
    const curl = (await s.rows({ ...all, name: 'curl' })).rows[0];
    expect((await s.detail({ image: 0, id: curl.id })).files).toEqual([
      { path: '/usr/bin', layer: 2, type: 'dir' },
      { path: '/usr/bin/curl', layer: null, type: null },
    ]);
    await expect(s.detail({ image: 0, id: 999 })).rejects.toThrow(/no package 999/);
  });

  it('lists risky files of a layer', async () => {
    const risky = await (await service()).riskyFiles({ image: 0, layer: 5 });
    expect(risky.files.map((f) => f.path)).toEqual([
      '/opt/owned-by-stranger',
      '/opt/shared',
      '/usr/bin/su-helper',
    ]);
  });
});
