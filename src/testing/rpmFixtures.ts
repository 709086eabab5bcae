import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNdb } from './ndbWriter';

/**
 * Test-only: real RPM databases written by Debian's `rpm` tools. A spec written here is built
 * with `rpmbuild` (a main package and subpackages, one with an epoch and enough files that its
 * header spills over pages), `rpm --initdb` makes an rpmdb.sqlite and `rpm -i --justdb --nodeps`
 * records the packages in it. rpm 4.16+ cannot write Berkeley DB, so the `Packages` file is
 * written by Berkeley DB's own `db5.3_load` from the header blobs `sqlite3` dumps out of the
 * SQLite database, keyed by record number as rpm keys them (native-endian 32-bit). Debian's rpm is
 * built without ndb either, so SUSE's `Packages.db` is laid out by ndbWriter from the same blobs.
 */

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
export const rpmToolsPresent = have('rpm') && have('rpmbuild');
export const sqliteToolPresent = rpmToolsPresent && have('sqlite3');
export const berkeleyToolsPresent = sqliteToolPresent && have('db5.3_load');

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Many files, so the header is larger than a 4 KiB page (an overflow chain in both formats). */
export const MANY_FILES = 300;

const SPEC = `Name: fixture-main
Version: 1.2.3
Release: 4.fc99
Epoch: 2
Summary: main package
License: MIT
BuildArch: noarch
%description
main

%package -n fixture-lib
Version: 0.9~beta1
Release: 1
Summary: a library
%description -n fixture-lib
lib

%package -n fixture-big
Summary: many files
%description -n fixture-big
big

%install
mkdir -p %{buildroot}/usr/share/fixture-main %{buildroot}/usr/lib/fixture %{buildroot}/opt/big
printf 'main\\n' > %{buildroot}/usr/share/fixture-main/README
printf 'lib\\n' > %{buildroot}/usr/lib/fixture/lib.so
for i in $(seq 1 ${MANY_FILES}); do printf "%05d" $i > %{buildroot}/opt/big/file-with-a-long-name-$i.txt; done

%files
/usr/share/fixture-main/README
%files -n fixture-lib
/usr/lib/fixture/lib.so
%files -n fixture-big
/opt/big
`;

export interface RpmFixture {
  dir: string;
  sqlite: Uint8Array;
  /** Hash (as rpm writes it) and btree files; null when db5.3_load is not installed. */
  berkeley: Uint8Array | null;
  berkeleyBtree: Uint8Array | null;
  /** An ndb Packages.db of the same header blobs; null without sqlite3. */
  ndb: Uint8Array | null;
  /** What `rpm -qa` says, one `name\tepoch:version-release\tarch\tsize` line each, sorted. */
  expected: string[];
  /** `rpm -ql` per package. */
  files: Map<string, string[]>;
}

export function buildRpmFixture(): RpmFixture {
  const dir = mkdtempSync(join(tmpdir(), 'rpm-fixture-'));
  const top = join(dir, 'rpmbuild');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  writeFileSync(join(top, 'SPECS', 'fixture.spec'), SPEC);
  run('rpmbuild', ['--define', `_topdir ${top}`, '--quiet', '-bb', join(top, 'SPECS', 'fixture.spec')]);
  const rpms = readdirSync(join(top, 'RPMS', 'noarch')).map((n) => join(top, 'RPMS', 'noarch', n));
  const db = join(dir, 'db');
  run('rpm', ['--dbpath', db, '--initdb']);
  // Debian's rpm warns that it should not install packages; --justdb writes only the database.
  run('rpm', ['--dbpath', db, '-i', '--justdb', '--nodeps', '--ignorearch', '--ignoreos', ...rpms]);
  const dbpath = ['--dbpath', db];
  const expected = run('rpm', [
    ...dbpath,
    '-qa',
    '--qf',
    '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SIZE}\\n',
  ])
    .trim()
    .split('\n')
    .sort();
  const files = new Map<string, string[]>();
  for (const line of expected) {
    const name = line.split('\t')[0];
    files.set(
      name,
      run('rpm', [...dbpath, '-ql', name])
        .trim()
        .split('\n'),
    );
  }
  const sqlite = new Uint8Array(readFileSync(join(db, 'rpmdb.sqlite')));
  let berkeley: Uint8Array | null = null;
  let berkeleyBtree: Uint8Array | null = null;
  let ndb: Uint8Array | null = null;
  const rows = sqliteToolPresent
    ? run('sqlite3', [join(db, 'rpmdb.sqlite'), 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum'])
        .trim()
        .split('\n')
    : [];
  if (sqliteToolPresent)
    ndb = writeNdb(
      rows.map((row) => {
        const [hnum, hex] = row.split('|');
        return { index: Number(hnum), blob: new Uint8Array(Buffer.from(hex, 'hex')) };
      }),
    );
  if (berkeleyToolsPresent) {
    const write = (type: 'hash' | 'btree') => {
      const dump = ['VERSION=3', 'format=bytevalue', `type=${type}`, 'db_pagesize=4096', 'HEADER=END'];
      for (const row of rows) {
        const [hnum, hex] = row.split('|');
        const key = Buffer.alloc(4);
        key.writeUInt32LE(Number(hnum));
        dump.push(` ${key.toString('hex')}`, ` ${hex.toLowerCase()}`);
      }
      dump.push('DATA=END', '');
      writeFileSync(join(dir, `${type}.txt`), dump.join('\n'));
      run('db5.3_load', ['-f', join(dir, `${type}.txt`), join(dir, `Packages.${type}`)]);
      return new Uint8Array(readFileSync(join(dir, `Packages.${type}`)));
    };
    berkeley = write('hash');
    berkeleyBtree = write('btree');
  }
  return { dir, sqlite, berkeley, berkeleyBtree, ndb, expected, files };
}
