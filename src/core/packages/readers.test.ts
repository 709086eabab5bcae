import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '../../testing/gnuTar';
import { writeNdb } from '../../testing/ndbWriter';
import {
  berkeleyToolsPresent,
  buildRpmFixture,
  MANY_FILES,
  type RpmFixture,
  rpmToolsPresent,
  sqliteToolPresent,
} from '../../testing/rpmFixtures';
import { parseApkInstalled } from './apk';
import { readBerkeleyDbValues } from './berkeleyDb';
import { databasePath } from './databases';
import { parseDpkgList, parseDpkgStatus } from './dpkg';
import { parseNpmPackageJson } from './npm';
import { parsePythonMetadata, parsePythonRecord } from './python';
import { parseRpmBerkeleyDb, parseRpmNdb, parseRpmSqlite } from './rpm';
import { parseRpmHeader, RpmHeaderError } from './rpmHeader';
import { adler32 } from './rpmNdb';
import { SqliteFile } from './sqlite';
import type { ParsedDatabase } from './types';

const text = (s: string) => new TextEncoder().encode(s);

describe('dpkg status', () => {
  it('reads installed stanzas, skips removed ones, follows continuation lines', () => {
    const status = text(
      [
        'Package: libc6',
        'Status: install ok installed',
        'Installed-Size: 12000',
        'Architecture: amd64',
        'Version: 2.36-9+deb12u4',
        'Description: GNU C Library',
        ' a continuation line',
        ' .',
        '',
        'Package: oldpkg',
        'Status: deinstall ok config-files',
        'Version: 1.0',
        '',
        'Package: noversion',
        'Status: install ok installed',
        '',
      ].join('\n'),
    );
    const parsed = parseDpkgStatus(status);
    expect(parsed.packages).toEqual([
      { name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64', sizeBytes: 12000 * 1024, files: [] },
    ]);
    const offset = new TextDecoder().decode(status).indexOf('Package: noversion');
    expect(parsed.problems).toEqual([{ offset, message: 'a stanza without Version' }]);
  });

  it('names the byte offset of a line that is not a field', () => {
    const bytes = text('Package: a\nVersion: 1\ngarbage line\n\n');
    const parsed = parseDpkgStatus(bytes);
    expect(parsed.packages.map((p) => p.name)).toEqual(['a']);
    expect(parsed.problems[0].offset).toBe('Package: a\nVersion: 1\n'.length);
  });

  it('counts offsets in bytes past non-ASCII text', () => {
    const head = 'Package: a\nMaintainer: Jörg Müller 😀\nVersion: 1\n';
    const parsed = parseDpkgStatus(text(`${head}bad\n`));
    expect(parsed.problems[0].offset).toBe(text(head).length);
  });

  it('reads a distroless status.d stanza (no Status field)', () => {
    const parsed = parseDpkgStatus(text('Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n'));
    expect(parsed.packages).toMatchObject([
      { name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all', sizeBytes: null },
    ]);
  });

  const hostStatus = '/var/lib/dpkg/status';
  it.skipIf(!existsSync(hostStatus) || spawnSync('sh', ['-c', 'command -v dpkg-query']).status !== 0)(
    "reads this machine's real status file as dpkg-query lists it",
    () => {
      const parsed = parseDpkgStatus(new Uint8Array(readFileSync(hostStatus)));
      const out = spawnSync(
        'dpkg-query',
        [
          '-W',
          '-f',
          // dpkg-query's own ${field} syntax, not a template.
          ['db:Status-Status', 'Package', 'Version', 'Architecture', 'Installed-Size']
            .map((f) => `\${${f}}`)
            .join('\\t') + '\\n',
        ],
        { encoding: 'utf8', maxBuffer: 1 << 26 },
      ).stdout;
      const expected = out
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('installed\t'))
        .map((line) => line.split('\t').slice(1).join('\t'))
        .sort();
      const ours = parsed.packages
        .map((p) =>
          [p.name, p.version, p.arch, p.sizeBytes === null ? '' : String(p.sizeBytes / 1024)].join('\t'),
        )
        .sort();
      expect(ours).toEqual(expected);
      expect(parsed.problems).toEqual([]);
      // And a package's file list as `dpkg -L` prints it.
      const name = parsed.packages.find((p) => p.name === 'dpkg')!;
      const list = ['/var/lib/dpkg/info/dpkg.list', `/var/lib/dpkg/info/dpkg:${name.arch}.list`].find(
        existsSync,
      );
      if (list) {
        const dpkgL = spawnSync('dpkg', ['-L', 'dpkg'], { encoding: 'utf8' }).stdout.trim().split('\n');
        expect(parseDpkgList(new Uint8Array(readFileSync(list)))).toEqual(dpkgL.filter((p) => p !== '/.'));
      }
    },
  );
});

describe('apk installed', () => {
  it('reads packages with their F:/R: files and sizes', () => {
    const parsed = parseApkInstalled(
      text(
        [
          'C:Q1abc=',
          'P:musl',
          'V:1.1.24-r2',
          'A:x86_64',
          'S:1',
          'I:614400',
          'F:lib',
          'R:libc.musl-x86_64.so.1',
          'R:ld-musl-x86_64.so.1',
          'F:usr/bin',
          'R:ldd',
          '',
          'P:broken',
          '',
          'no colon here',
          '',
        ].join('\n'),
      ),
    );
    expect(parsed.packages).toEqual([
      {
        name: 'musl',
        version: '1.1.24-r2',
        arch: 'x86_64',
        sizeBytes: 614400,
        files: ['/lib/libc.musl-x86_64.so.1', '/lib/ld-musl-x86_64.so.1', '/usr/bin/ldd'],
      },
    ]);
    expect(parsed.problems.map((p) => p.message)).toEqual([
      'a package without V:',
      'not an "X:value" line: "no colon here"',
    ]);
  });

  const alpine = join(SHARED, 'fixtures/peers/trivy/alpine-311.tar.gz');
  it.skipIf(!existsSync(alpine))("reads Alpine 3.11's real database as GNU tar and grep see it", () => {
    const layer = '485d7306187faf0cc9b77fc210e8def9d67b1953f0669e675877e90e6542cb6d/layer.tar';
    const db = spawnSync(
      'bash',
      ['-o', 'pipefail', '-c', `tar -xzOf '${alpine}' ${layer} | tar -xOf - lib/apk/db/installed`],
      {
        maxBuffer: 1 << 26,
      },
    ).stdout;
    const parsed = parseApkInstalled(new Uint8Array(db));
    const lines = db.toString('utf8').split('\n');
    const names = lines.filter((l) => l.startsWith('P:')).map((l) => l.slice(2));
    const versions = lines.filter((l) => l.startsWith('V:')).map((l) => l.slice(2));
    expect(parsed.packages.map((p) => p.name)).toEqual(names);
    expect(parsed.packages.map((p) => p.version)).toEqual(versions);
    expect(parsed.packages).toHaveLength(14);
    expect(parsed.packages.reduce((n, p) => n + p.files.length, 0)).toBe(
      lines.filter((l) => l.startsWith('R:')).length,
    );
    expect(parsed.problems).toEqual([]);
  });
});

describe('Python and npm', () => {
  it('reads METADATA headers and stops at the body', () => {
    const parsed = parsePythonMetadata(
      text(
        'Metadata-Version: 2.1\nName: Requests\nVersion: 2.31.0\nClassifier: a\nClassifier: b\n\nName: not-this\n',
      ),
    );
    expect(parsed.packages).toMatchObject([{ name: 'Requests', version: '2.31.0' }]);
    expect(parsePythonMetadata(text('Metadata-Version: 2.1\nName: x\n')).problems[0].message).toBe(
      'core metadata without Version',
    );
    expect(parsePythonMetadata(new Uint8Array(0)).packages).toEqual([]);
  });

  it('reads RECORD paths relative to the site directory, with quotes and climbs', () => {
    const record = parsePythonRecord(
      text(
        'requests/__init__.py,sha256=x,5000\n"odd,name.py",,12\n../../../bin/req,,100\nrequests-2.31.0.dist-info/RECORD,,\n',
      ),
      '/usr/lib/python3/site-packages',
    );
    expect(record.files).toEqual([
      '/usr/lib/python3/site-packages/requests/__init__.py',
      '/usr/lib/python3/site-packages/odd,name.py',
      '/usr/bin/req',
      '/usr/lib/python3/site-packages/requests-2.31.0.dist-info/RECORD',
    ]);
    expect(record.sizeBytes).toBe(5112);
  });

  it('reads package.json, using the directory name when there is no name', () => {
    expect(
      parseNpmPackageJson(text('{"name":"left-pad","version":"1.3.0"}'), 'left-pad').packages,
    ).toMatchObject([{ name: 'left-pad', version: '1.3.0' }]);
    expect(parseNpmPackageJson(text('{"version":"1.0.0"}'), '@s/x').packages[0].name).toBe('@s/x');
    expect(parseNpmPackageJson(text('{"type":"module"}'), 'x')).toEqual({ packages: [], problems: [] });
    expect(parseNpmPackageJson(text('{"name": '), 'x').problems[0].message).toBe('not valid JSON');
    expect(parseNpmPackageJson(text('[1]'), 'x').problems[0].message).toBe('package.json is not an object');
  });

  it('recognises database paths and nothing around them', () => {
    expect(databasePath('/app/node_modules/@scope/pkg/package.json')).toMatchObject({
      group: '/app/node_modules',
    });
    expect(databasePath('/app/node_modules/pkg/lib/package.json')).toBeNull();
    expect(databasePath('/app/package.json')).toBeNull();
    expect(databasePath('/usr/lib/python3.11/site-packages/pip-23.0.dist-info/METADATA')).toMatchObject({
      ecosystem: 'python',
      group: '/usr/lib/python3.11/site-packages',
    });
    expect(databasePath('/var/lib/dpkg/info/libc6:amd64.list')).toMatchObject({ role: 'list' });
    expect(databasePath('/var/lib/dpkg/info/libc6.md5sums')).toBeNull();
    expect(databasePath('/var/lib/dpkg/status.d/base.md5sums')).toBeNull();
    expect(databasePath('/var/lib/dpkg/status.d/base')).toMatchObject({ format: 'dpkg-status.d' });
    expect(databasePath('/var/lib/dpkg/status-old')).toBeNull();
    expect(databasePath('/var/lib/rpm/Packages')).toMatchObject({ format: 'rpm-bdb' });
    expect(databasePath('/usr/lib/sysimage/rpm/rpmdb.sqlite')).toMatchObject({ format: 'rpm-sqlite' });
    expect(databasePath('/usr/lib/sysimage/rpm/Packages.db')).toMatchObject({ format: 'rpm-ndb' });
    expect(databasePath('/var/lib/rpm/Packages.db')).toMatchObject({ format: 'rpm-ndb', group: 'rpm' });
    expect(databasePath('/usr/lib/sysimage/rpm/Packages')).toMatchObject({ format: 'rpm-bdb' });
    expect(databasePath('/usr/lib/sysimage/rpm/Index.db')).toBeNull();
    expect(databasePath('/lib/apk/db/installed')).toMatchObject({ ecosystem: 'apk' });
  });
});

/** The fixture's packages as `rpm -qa --qf` prints them, from a reader's result. */
function asRpmLines(parsed: ParsedDatabase): string[] {
  return parsed.packages.map((p) => `${p.name}\t${p.version}\t${p.arch}\t${p.sizeBytes}`).sort();
}

describe.skipIf(!rpmToolsPresent)('rpm databases written by rpm', () => {
  let fixture: RpmFixture;
  beforeAll(() => {
    fixture = buildRpmFixture();
  });
  afterAll(() => {
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('reads rpmdb.sqlite as rpm -qa and rpm -ql see it (a header spilling over pages too)', () => {
    const parsed = parseRpmSqlite(fixture.sqlite);
    expect(parsed.problems).toEqual([]);
    expect(asRpmLines(parsed)).toEqual(fixture.expected);
    for (const pkg of parsed.packages)
      expect(pkg.files.sort()).toEqual([...fixture.files.get(pkg.name)!].sort());
    expect(parsed.packages.find((p) => p.name === 'fixture-big')!.files).toHaveLength(MANY_FILES + 1);
  });

  it.skipIf(!berkeleyToolsPresent)(
    'reads Berkeley DB hash and btree Packages files written by db5.3_load',
    () => {
      for (const bytes of [fixture.berkeley!, fixture.berkeleyBtree!]) {
        const parsed = parseRpmBerkeleyDb(bytes);
        expect(parsed.problems).toEqual([]);
        expect(asRpmLines(parsed)).toEqual(fixture.expected);
        for (const pkg of parsed.packages)
          expect(pkg.files.sort()).toEqual([...fixture.files.get(pkg.name)!].sort());
      }
    },
  );

  it.skipIf(!sqliteToolPresent)('reads an ndb Packages.db (SUSE) of the headers rpm wrote', () => {
    const parsed = parseRpmNdb(fixture.ndb!);
    expect(parsed.problems).toEqual([]);
    expect(asRpmLines(parsed)).toEqual(fixture.expected);
    for (const pkg of parsed.packages)
      expect(pkg.files.sort()).toEqual([...fixture.files.get(pkg.name)!].sort());
  });

  it.skipIf(!sqliteToolPresent)('keeps the good packages of an ndb file with one bad blob', () => {
    const bytes = fixture.ndb!.slice();
    const view = new DataView(bytes.buffer);
    // The second slot's blob gets one byte flipped in its header: its adler32 no longer matches.
    const blockOffset = view.getUint32(32 + 16 + 8, true);
    bytes[blockOffset * 16 + 40] ^= 0xff;
    const parsed = parseRpmNdb(bytes);
    expect(parsed.packages).toHaveLength(2);
    expect(parsed.problems).toEqual([
      { offset: blockOffset * 16, message: expect.stringMatching(/adler32 does not match/) },
    ]);
  });

  it('gives warnings with offsets, never a throw, for cut and flipped databases', () => {
    const inputs = [
      fixture.sqlite,
      ...(fixture.berkeley ? [fixture.berkeley, fixture.berkeleyBtree!] : []),
      ...(fixture.ndb ? [fixture.ndb] : []),
    ];
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (const original of inputs) {
      const parse =
        original === fixture.sqlite
          ? parseRpmSqlite
          : original === fixture.ndb
            ? parseRpmNdb
            : parseRpmBerkeleyDb;
      for (const cut of [0, 50, 100, 1000, 4096, 8192, original.length - 1]) {
        const parsed = parse(original.slice(0, cut));
        expect(parsed.packages.length).toBeLessThanOrEqual(3);
        if (parsed.packages.length < 3) expect(parsed.problems.length).toBeGreaterThan(0);
        for (const problem of parsed.problems) expect(problem.offset).toBeGreaterThanOrEqual(0);
      }
      for (let round = 0; round < 300; round++) {
        const bytes = original.slice();
        for (let k = 0; k < 8; k++) bytes[random() % bytes.length] = random() & 0xff;
        const parsed = parse(bytes);
        expect(parsed.packages.length).toBeLessThanOrEqual(3);
      }
    }
  });
});

describe('rpm header and file formats built in code', () => {
  it('refuses header blobs that point outside themselves', () => {
    const blob = new Uint8Array(8 + 16 + 8);
    const view = new DataView(blob.buffer);
    view.setUint32(0, 1);
    view.setUint32(4, 8);
    view.setUint32(8, 1000); // NAME
    view.setUint32(12, 6); // STRING
    view.setInt32(16, 100); // past the store
    view.setUint32(20, 1);
    expect(() => parseRpmHeader(blob)).toThrow(RpmHeaderError);
    view.setInt32(16, 0);
    blob.set(text('abcdefgh'), 24); // no NUL: the string runs off
    expect(() => parseRpmHeader(blob)).toThrow(/runs past/);
    view.setUint32(0, 0x7fffffff);
    expect(() => parseRpmHeader(blob)).toThrow(/index entries/);
  });

  it('reads an SQLite file made by sqlite3 itself, overflow pages included', () => {
    if (spawnSync('sh', ['-c', 'command -v sqlite3']).status !== 0) return;
    const path = join(tmpdir(), `t-${process.pid}.sqlite`);
    spawnSync('rm', ['-f', path]);
    const big = 'x'.repeat(20000);
    const r = spawnSync('sqlite3', [
      path,
      `CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); INSERT INTO Packages VALUES (1, x'0102'), (7, CAST('${big}' AS BLOB)), (9, NULL); CREATE TABLE other(a);`,
    ]);
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(path));
    rmSync(path, { force: true });
    const file = new SqliteFile(bytes);
    const root = file.tableRoot('packages')!;
    const rows = [...file.rows(root)];
    expect(rows.map((row) => row.rowid)).toEqual([1, 7, 9]);
    expect(rows[0].values).toEqual([null, new Uint8Array([1, 2])]);
    expect((rows[1].values[1] as Uint8Array).length).toBe(20000);
    expect(rows[2].values[1]).toBeNull();
    expect(parseRpmSqlite(bytes).problems[0].message).toMatch(/header blob of 2 bytes|row 9/);
  });

  it('says what is wrong with a file that is not SQLite or Berkeley DB', () => {
    expect(parseRpmSqlite(text('hello'.repeat(100))).problems).toEqual([
      { offset: 0, message: 'not an SQLite 3 database (no "SQLite format 3" header)' },
    ]);
    expect(parseRpmBerkeleyDb(new Uint8Array(4096)).problems[0]).toMatchObject({ offset: 12 });
    expect(() => readBerkeleyDbValues(new Uint8Array(10))).toThrow(/10 bytes/);
    expect(parseRpmNdb(new Uint8Array(4096)).problems).toEqual([
      { offset: 0, message: 'not an rpm ndb Packages.db (no RpmP magic)' },
    ]);
    expect(parseRpmNdb(new Uint8Array(10)).problems[0].message).toMatch(/10 bytes/);
  });

  it('ndb: adler32 as zlib computes it; slots that point outside the file are named', () => {
    const zlib = (b: Uint8Array) => {
      const z = deflateSync(b);
      return Buffer.from(z.subarray(z.length - 4)).readUInt32BE(0);
    };
    const big = new Uint8Array(70_000).map((_, i) => (i * 7919) & 0xff);
    for (const sample of [new Uint8Array(0), text('Wikipedia'), big])
      expect(adler32(sample)).toBe(zlib(sample));
    // 'Wikipedia' is RFC 1950's worked example: 0x11E60398.
    expect(adler32(text('Wikipedia'))).toBe(0x11e60398);
    const file = writeNdb([{ index: 5, blob: text('not a header but long enough') }]);
    const view = new DataView(file.buffer);
    view.setUint32(32 + 12, 9999, true); // block count past the end
    expect(parseRpmNdb(file).problems).toEqual([
      { offset: 32, message: expect.stringMatching(/package 5 reaches block .*the file ends at block/) },
    ]);
    view.setUint32(32 + 8, 3, true); // inside the slot page
    expect(parseRpmNdb(file).problems[0].message).toMatch(/inside the slot pages/);
  });
});
