import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerArchive } from '../../testing/archives';
import { packageImageArchive } from '../../testing/packageArchives';
import { buildRpmFixture, sqliteToolPresent } from '../../testing/rpmFixtures';
import type { BuildEntry } from '../../testing/tarBuilder';
import { MemorySource } from '../bytes/byteSource';
import { buildImageFileSystem } from '../fs';
import { ContentReader } from '../image/content';
import { openArchive } from '../image/open';
import { findRiskyFiles, imageFileReader, imagePackages, PackageOwnership } from './index';

async function analyse(bytes: Uint8Array) {
  const archive = await openArchive(new MemorySource(bytes, 'test.tar'));
  const fs = await buildImageFileSystem(archive, 0);
  const reader = new ContentReader(archive);
  return { archive, fs, reader, result: await imagePackages(archive, 0, fs, reader) };
}

describe('packages across layers', () => {
  it('gives each package the layer that installed it and each that changed it', async () => {
    const { result } = await analyse(packageImageArchive());
    const rows = result.packages.map((p) => ({
      ecosystem: p.ecosystem,
      name: p.name,
      version: p.version,
      arch: p.arch,
      present: p.present,
      history: p.history.map((h) => `${h.layer} ${h.change} ${h.version}`),
    }));
    // What PACKAGE_IMAGE_COMMANDS did, layer by layer.
    expect(rows).toEqual([
      {
        ecosystem: 'apk',
        name: 'busybox',
        version: '1.36.1-r5',
        arch: 'x86_64',
        present: true,
        history: ['3 added 1.36.1-r5'],
      },
      {
        ecosystem: 'apk',
        name: 'musl',
        version: '1.2.4-r2',
        arch: 'x86_64',
        present: true,
        history: ['3 added 1.2.4-r2'],
      },
      {
        ecosystem: 'deb',
        name: 'base-files',
        version: '12.4+deb12u5',
        arch: 'amd64',
        present: true,
        history: ['0 added 12.4+deb12u5'],
      },
      {
        ecosystem: 'deb',
        name: 'curl',
        version: '7.88.1-10+deb12u5',
        arch: 'amd64',
        present: false,
        history: ['1 added 7.88.1-10+deb12u5', '2 removed 7.88.1-10+deb12u5'],
      },
      {
        ecosystem: 'deb',
        name: 'libc6',
        version: '2.36-9+deb12u7',
        arch: 'amd64',
        present: true,
        history: ['0 added 2.36-9+deb12u4', '1 upgraded 2.36-9+deb12u7'],
      },
      {
        ecosystem: 'deb',
        name: 'netbase',
        version: '6.4',
        arch: 'all',
        present: true,
        history: ['3 added 6.4'],
      },
      {
        ecosystem: 'deb',
        name: 'tzdata',
        version: '2023c-5',
        arch: 'all',
        present: true,
        history: ['0 added 2024a-0+deb12u1', '2 downgraded 2023c-5'],
      },
      {
        ecosystem: 'npm',
        name: '@scope/thing',
        version: '2.0.0',
        arch: '',
        present: true,
        history: ['4 added 1.0.0', '5 upgraded 2.0.0'],
      },
      {
        ecosystem: 'npm',
        name: 'left-pad',
        version: '1.3.0',
        arch: '',
        present: false,
        history: ['4 added 1.3.0', '5 removed 1.3.0'],
      },
      {
        ecosystem: 'python',
        name: 'requests',
        version: '2.32.0',
        arch: '',
        present: true,
        history: ['4 added 2.31.0', '5 upgraded 2.32.0'],
      },
    ]);
    expect(result.layers).toEqual([
      { added: 3, upgraded: 0, downgraded: 0, removed: 0 },
      { added: 1, upgraded: 1, downgraded: 0, removed: 0 },
      { added: 0, upgraded: 0, downgraded: 1, removed: 1 },
      { added: 3, upgraded: 0, downgraded: 0, removed: 0 },
      { added: 3, upgraded: 0, downgraded: 0, removed: 0 },
      { added: 0, upgraded: 2, downgraded: 0, removed: 1 },
    ]);
    const byName = new Map(result.packages.map((p) => [p.name, p]));
    expect(byName.get('libc6')).toMatchObject({ sizeBytes: 12010 * 1024, database: '/var/lib/dpkg/status' });
    expect(byName.get('libc6')!.files).toEqual(['/usr', '/usr/lib', '/usr/lib/libc.so.6']);
    expect(byName.get('curl')!.files).toEqual(['/usr/bin', '/usr/bin/curl']);
    expect(byName.get('musl')!.files).toEqual(['/lib/ld-musl-x86_64.so.1']);
    expect(byName.get('netbase')!.database).toBe('/var/lib/dpkg/status.d');
    expect(byName.get('left-pad')!.root).toBe('/app/node_modules/left-pad');
  });

  it('lists each database version a layer wrote, and warns about the one it cannot parse', async () => {
    const { result } = await analyse(packageImageArchive());
    const rows = result.databases.map((d) => `${d.layer} ${d.ecosystem} ${d.path} ${d.count}`).sort();
    expect(rows).toEqual([
      '0 deb /var/lib/dpkg/status 3',
      '1 deb /var/lib/dpkg/status 4',
      '2 deb /var/lib/dpkg/status 3',
      '3 apk /lib/apk/db/installed 2',
      '3 deb /var/lib/dpkg/status.d 1',
      '3 rpm /var/lib/rpm/Packages 0',
      '4 npm /app/node_modules 2',
      '4 python /usr/lib/python3/site-packages 1',
      '5 npm /app/node_modules 1',
      '5 python /usr/lib/python3/site-packages 1',
    ]);
    expect(result.warnings).toEqual([
      '/var/lib/rpm/Packages (layer 3) at byte 12: not a Berkeley DB hash or btree file (magic 0x61204265, the bytes "a Be")',
    ]);
  });

  it('maps files to their packages and back', async () => {
    const { result } = await analyse(packageImageArchive());
    const ownership = new PackageOwnership(result.packages);
    const name = (ids: number[]) => ids.map((id) => result.packages[id].name).sort();
    expect(name(ownership.owners('/usr/lib/libc.so.6'))).toEqual(['libc6']);
    expect(name(ownership.owners('/usr/lib'))).toEqual(['libc6']);
    expect(name(ownership.owners('/app/node_modules/@scope/thing/index.js'))).toEqual(['@scope/thing']);
    expect(name(ownership.owners('/etc/passwd'))).toEqual([]);
  });

  it('reads gzip and zstd layers to the same result', async () => {
    const plain = (await analyse(packageImageArchive())).result;
    for (const format of ['gzip', 'zstd'] as const) {
      const { result } = await analyse(packageImageArchive(format));
      expect(result).toEqual(plain);
    }
  });

  it('survives hostile databases: garbage, huge claims and thousands of files, with warnings', async () => {
    const layers = [
      [
        { name: 'var/lib/dpkg/status', content: new Uint8Array(5000).fill(0xff) },
        { name: 'lib/apk/db/installed', content: 'P:x\n'.repeat(1000) },
        { name: 'var/lib/rpm/rpmdb.sqlite', content: `SQLite format 3\u0000${'\u00ff'.repeat(200)}` },
        ...Array.from({ length: 300 }, (_, i) => ({
          name: `app/node_modules/p${i}/package.json`,
          content: i % 2 ? '{"version": ' : `{"version":"${i}.0.0"}`,
        })),
      ],
    ];
    const { result } = await analyse(dockerArchive([{ tags: ['bad:1'], layers }]));
    expect(result.packages.filter((p) => p.ecosystem === 'npm')).toHaveLength(150);
    expect(result.warnings.some((w) => w.startsWith('/var/lib/rpm/rpmdb.sqlite (layer 0) at byte 16:'))).toBe(
      true,
    );
    expect(result.warnings.some((w) => w.startsWith('/var/lib/dpkg/status (layer 0) at byte 0:'))).toBe(true);
    expect(result.warnings.some((w) => w.startsWith('/lib/apk/db/installed (layer 0) at byte'))).toBe(true);
    expect(result.warnings.filter((w) => w.includes('not valid JSON'))).toHaveLength(150);
  });
});

describe('older and other layouts', () => {
  const site = 'usr/lib/python3/dist-packages';
  const pkgInfo = (name: string, version: string) =>
    `Metadata-Version: 1.1\nName: ${name}\nVersion: ${version}\nSummary: s\n\nlong description\n`;

  it('reads Python egg-info: a PKG-INFO with installed-files.txt, and a lone .egg-info file', async () => {
    const layers = [
      [
        { name: `${site}/`, type: 'dir' as const },
        { name: `${site}/six-1.16.0.egg-info`, content: pkgInfo('six', '1.16.0') },
        { name: `${site}/attr/`, type: 'dir' as const },
        { name: `${site}/attr/__init__.py`, content: '# attr\n' },
        { name: `${site}/attrs.egg-info/`, type: 'dir' as const },
        { name: `${site}/attrs.egg-info/PKG-INFO`, content: pkgInfo('attrs', '22.2.0') },
        { name: `${site}/attrs.egg-info/installed-files.txt`, content: '../attr/__init__.py\nPKG-INFO\n\n' },
      ],
      [
        { name: `${site}/`, type: 'dir' as const },
        { name: `${site}/.wh.six-1.16.0.egg-info`, content: '' },
        { name: `${site}/attrs.egg-info/`, type: 'dir' as const },
        { name: `${site}/attrs.egg-info/PKG-INFO`, content: pkgInfo('attrs', '23.1.0') },
      ],
    ];
    const { result } = await analyse(dockerArchive([{ tags: ['egg:1'], layers }]));
    expect(result.warnings).toEqual([]);
    const rows = result.packages.map((p) => [
      p.ecosystem,
      p.name,
      p.present,
      p.history.map((h) => `${h.layer} ${h.change} ${h.version}`),
    ]);
    expect(rows).toEqual([
      ['python', 'attrs', true, ['0 added 22.2.0', '1 upgraded 23.1.0']],
      ['python', 'six', false, ['0 added 1.16.0', '1 removed 1.16.0']],
    ]);
    expect(result.packages[0].files).toEqual([
      `/${site}/attr/__init__.py`,
      `/${site}/attrs.egg-info/PKG-INFO`,
    ]);
    expect(result.databases.map((d) => `${d.layer} ${d.path} ${d.count}`)).toEqual([
      `0 /${site} 2`,
      `1 /${site} 1`,
    ]);
  });

  // This machine's Debian python3-* packages install egg-info (files and directories); Python's own
  // importlib.metadata says what they are.
  const DIST = '/usr/lib/python3/dist-packages';
  const eggs = existsSync(DIST) ? readdirSync(DIST).filter((n) => n.endsWith('.egg-info')) : [];
  const python = spawnSync('python3', ['-c', 'import importlib.metadata']).status === 0;
  it.skipIf(eggs.length === 0 || !python)(`reads ${DIST}'s egg-info as importlib.metadata does`, async () => {
    const entries: BuildEntry[] = [{ name: `${DIST.slice(1)}/`, type: 'dir' }];
    for (const name of eggs) {
      const path = `${DIST}/${name}`;
      if (statSync(path).isDirectory()) {
        entries.push({ name: `${path.slice(1)}/`, type: 'dir' });
        for (const inner of ['PKG-INFO', 'installed-files.txt'])
          if (existsSync(`${path}/${inner}`))
            entries.push({
              name: `${path.slice(1)}/${inner}`,
              content: new Uint8Array(readFileSync(`${path}/${inner}`)),
            });
      } else entries.push({ name: path.slice(1), content: new Uint8Array(readFileSync(path)) });
    }
    const { result } = await analyse(dockerArchive([{ tags: ['eggs:1'], layers: [entries] }]));
    const listed = spawnSync(
      'python3',
      [
        '-c',
        `import importlib.metadata as m
for d in m.distributions(path=['${DIST}']):
    if str(d._path).endswith('.egg-info'): print(d.metadata['Name'] + ' ' + d.version)`,
      ],
      { encoding: 'utf8' },
    ).stdout;
    const expected = listed.trim().split('\n').sort();
    expect(result.warnings).toEqual([]);
    expect(result.packages.map((p) => `${p.name} ${p.version}`).sort()).toEqual(expected);
  });

  it.skipIf(!sqliteToolPresent)("reads SUSE's ndb Packages.db under /usr/lib/sysimage/rpm", async () => {
    const fixture = buildRpmFixture();
    try {
      const layers = [
        [
          { name: 'usr/lib/sysimage/rpm/', type: 'dir' as const },
          { name: 'usr/lib/sysimage/rpm/Packages.db', content: fixture.ndb! },
        ],
      ];
      const { result } = await analyse(dockerArchive([{ tags: ['suse:1'], layers }]));
      expect(result.warnings).toEqual([]);
      expect(result.databases).toEqual([
        { path: '/usr/lib/sysimage/rpm/Packages.db', layer: 0, ecosystem: 'rpm', count: 3 },
      ]);
      expect(result.packages.map((p) => `${p.name}\t${p.version}\t${p.arch}\t${p.sizeBytes}`).sort()).toEqual(
        fixture.expected,
      );
    } finally {
      rmSync(fixture.dir, { recursive: true, force: true });
    }
  });
});

describe('risky files', () => {
  it('finds setuid executables, world-writable paths outside sticky dirs and unknown owners', async () => {
    const { archive, fs, reader } = await analyse(packageImageArchive());
    const risky = await findRiskyFiles(fs, 5, imageFileReader(archive, 0, reader));
    expect(risky.passwdFound).toBe(true);
    expect(risky.files.map((f) => `${f.path} ${f.kinds.join('+')}`)).toEqual([
      '/opt/owned-by-stranger unknown-owner',
      '/opt/shared world-writable',
      '/usr/bin/su-helper setuid',
    ]);
    expect(risky.counts).toEqual({ setuid: 1, setgid: 0, 'world-writable': 1, 'unknown-owner': 1 });
    // At layer 3 none of them is there yet.
    expect((await findRiskyFiles(fs, 3, imageFileReader(archive, 0, reader))).files).toEqual([]);
  });

  it('knows only root when there is no /etc/passwd', async () => {
    const { archive, fs, reader } = await analyse(
      dockerArchive([{ tags: ['x:1'], layers: [[{ name: 'app', content: 'x', uid: 1000, mode: 0o2755 }]] }]),
    );
    const risky = await findRiskyFiles(fs, 0, imageFileReader(archive, 0, reader));
    expect(risky.passwdFound).toBe(false);
    expect(risky.files.map((f) => `${f.path} ${f.kinds.join('+')}`)).toEqual(['/app setgid+unknown-owner']);
  });
});
