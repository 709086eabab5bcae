import { dockerArchive, ociArchive, type TestImage } from './archives';
import type { BuildEntry } from './tarBuilder';

/**
 * Test-only: an image whose layers install, upgrade, downgrade and remove packages of every
 * database kind, with risky files, for the packages unit tests, the CLI test and the e2e spec.
 * What each layer does is stated here, so the tests compare against this script, not the code.
 */

const file = (name: string, content: string, extra: Partial<BuildEntry> = {}): BuildEntry => ({
  name,
  content,
  mode: 0o644,
  ...extra,
});
const dir = (name: string, mode = 0o755): BuildEntry => ({ name, type: 'dir', mode });

function stanza(
  name: string,
  version: string,
  arch: string,
  kib: number,
  status = 'install ok installed',
): string {
  return `Package: ${name}\nStatus: ${status}\nInstalled-Size: ${kib}\nArchitecture: ${arch}\nVersion: ${version}\nDescription: ${name}\n long text\n`;
}

const status = (...stanzas: string[]) => file('var/lib/dpkg/status', stanzas.join('\n'));

export const PACKAGE_IMAGE_COMMANDS = [
  '/bin/sh -c #(nop) ADD file:rootfs in /',
  '/bin/sh -c apt-get update && apt-get install -y curl && apt-get upgrade -y',
  '/bin/sh -c apt-get install -y --allow-downgrades tzdata=2023c-5 && apt-get remove -y curl',
  '/bin/sh -c apk add musl busybox # and a distroless status.d',
  '/bin/sh -c pip install requests==2.31.0 && npm install left-pad @scope/thing',
  '/bin/sh -c pip install -U requests && rm -rf /app/node_modules && npm install @scope/thing@2',
];

export function packageImage(): TestImage {
  const layers: BuildEntry[][] = [
    [
      dir('etc/'),
      file(
        'etc/passwd',
        'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
      ),
      file('etc/os-release', 'ID=debian\n'),
      dir('usr/'),
      dir('usr/lib/'),
      file('usr/lib/libc.so.6', 'ELF libc'),
      dir('tmp/', 0o1777),
      dir('var/'),
      dir('var/lib/'),
      dir('var/lib/dpkg/'),
      status(
        stanza('base-files', '12.4+deb12u5', 'amd64', 400),
        stanza('libc6', '2.36-9+deb12u4', 'amd64', 12000),
        stanza('tzdata', '2024a-0+deb12u1', 'all', 3000),
        stanza('old-conf', '1.0', 'amd64', 10, 'deinstall ok config-files'),
      ),
      dir('var/lib/dpkg/info/'),
      file('var/lib/dpkg/info/base-files.list', '/.\n/etc\n/etc/os-release\n'),
      file('var/lib/dpkg/info/libc6:amd64.list', '/.\n/usr\n/usr/lib\n/usr/lib/libc.so.6\n'),
      file('var/lib/dpkg/info/tzdata.list', '/.\n/usr/share/zoneinfo/UTC\n'),
    ],
    [
      dir('usr/'),
      dir('usr/bin/'),
      file('usr/bin/curl', 'ELF curl', { mode: 0o755 }),
      file('usr/lib/libc.so.6', 'ELF libc, patched'),
      status(
        stanza('base-files', '12.4+deb12u5', 'amd64', 400),
        stanza('curl', '7.88.1-10+deb12u5', 'amd64', 500),
        stanza('libc6', '2.36-9+deb12u7', 'amd64', 12010),
        stanza('tzdata', '2024a-0+deb12u1', 'all', 3000),
      ),
      file('var/lib/dpkg/info/curl.list', '/.\n/usr/bin\n/usr/bin/curl\n'),
    ],
    [
      dir('usr/bin/'),
      file('usr/bin/.wh.curl', ''),
      status(
        stanza('base-files', '12.4+deb12u5', 'amd64', 400),
        stanza('libc6', '2.36-9+deb12u7', 'amd64', 12010),
        stanza('tzdata', '2023c-5', 'all', 2900),
      ),
      file('var/lib/dpkg/info/.wh.curl.list', ''),
    ],
    [
      dir('lib/'),
      dir('lib/apk/'),
      dir('lib/apk/db/'),
      file(
        'lib/apk/db/installed',
        'P:musl\nV:1.2.4-r2\nA:x86_64\nI:622592\nF:lib\nR:ld-musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\nI:946176\nF:bin\nR:busybox\n\n',
      ),
      file('lib/ld-musl-x86_64.so.1', 'ELF musl'),
      dir('bin/'),
      file('bin/busybox', 'ELF busybox', { mode: 0o755 }),
      dir('var/lib/dpkg/status.d/'),
      file('var/lib/dpkg/status.d/netbase', 'Package: netbase\nVersion: 6.4\nArchitecture: all\n'),
      file('var/lib/dpkg/status.d/netbase.md5sums', 'abc  etc/protocols\n'),
      dir('var/lib/rpm/'),
      file('var/lib/rpm/Packages', 'this is not a Berkeley DB file '.repeat(20)),
    ],
    [
      dir('usr/lib/python3/'),
      dir('usr/lib/python3/site-packages/'),
      dir('usr/lib/python3/site-packages/requests/'),
      file('usr/lib/python3/site-packages/requests/__init__.py', '# requests\n'),
      dir('usr/lib/python3/site-packages/requests-2.31.0.dist-info/'),
      file(
        'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
        'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nDescription\n',
      ),
      file(
        'usr/lib/python3/site-packages/requests-2.31.0.dist-info/RECORD',
        'requests/__init__.py,sha256=abc,11\nrequests-2.31.0.dist-info/METADATA,,60\n',
      ),
      dir('app/'),
      dir('app/node_modules/'),
      dir('app/node_modules/left-pad/'),
      file('app/node_modules/left-pad/package.json', '{"name":"left-pad","version":"1.3.0"}'),
      file('app/node_modules/left-pad/index.js', 'module.exports = 1;\n'),
      dir('app/node_modules/@scope/'),
      dir('app/node_modules/@scope/thing/'),
      file('app/node_modules/@scope/thing/package.json', '{"name":"@scope/thing","version":"1.0.0"}'),
      file('usr/bin/su-helper', '#!/bin/sh\n', { mode: 0o4755 }),
      dir('opt/'),
      dir('opt/shared/', 0o777),
      file('tmp/scratch', 'x', { mode: 0o666 }),
      file('opt/owned-by-stranger', 'x', { uid: 1234, gid: 1234 }),
    ],
    [
      dir('usr/lib/python3/site-packages/'),
      file('usr/lib/python3/site-packages/.wh.requests-2.31.0.dist-info', ''),
      dir('usr/lib/python3/site-packages/requests-2.32.0.dist-info/'),
      file(
        'usr/lib/python3/site-packages/requests-2.32.0.dist-info/METADATA',
        'Metadata-Version: 2.1\nName: requests\nVersion: 2.32.0\n',
      ),
      dir('app/node_modules/'),
      file('app/node_modules/.wh..wh..opq', ''),
      dir('app/node_modules/@scope/'),
      dir('app/node_modules/@scope/thing/'),
      file('app/node_modules/@scope/thing/package.json', '{"name":"@scope/thing","version":"2.0.0"}'),
    ],
  ];
  return {
    tags: ['packages:1'],
    layers,
    history: PACKAGE_IMAGE_COMMANDS.map((createdBy) => ({ createdBy })),
  };
}

/** As `docker save` writes it, or as OCI with gzip or zstd layers. */
export function packageImageArchive(format: 'docker' | 'gzip' | 'zstd' = 'docker'): Uint8Array {
  return format === 'docker' ? dockerArchive([packageImage()]) : ociArchive([packageImage()], format);
}
