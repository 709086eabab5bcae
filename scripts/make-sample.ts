/**
 * Writes public/sample/sample.tar: a `docker save` archive (manifest.json + config JSON + one
 * `<id>/layer.tar` per distinct layer) of four images that share layers, built so that a newcomer
 * sees every feature of the explorer at once: additions, modifications, file and directory
 * whiteouts, an opaque directory, wasted space (a big file added and removed later), empty
 * history steps (ENV, LABEL, EXPOSE, CMD…), symlinks, a hardlink, setuid and sticky modes,
 * non-root owners, long and non-ASCII names, and tags on the tips of the layer tree.
 *
 * Everything is deterministic (a seeded generator, fixed times), so the same bytes come out of
 * every build. Run by `npm run build` before `vite build`; public/sample/ is not committed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildEntry, buildTar } from '../src/testing/tarBuilder';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(root, 'public', 'sample', 'sample.tar');

const T0 = Date.UTC(2025, 2, 3, 9, 0, 0) / 1000;
let clock = T0;
function tick(seconds = 37): number {
  clock += seconds;
  return clock;
}
const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** xorshift32: reproducible "random" bytes (incompressible, like real binaries). */
function prng(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}
const random = prng(0x5eed);

function binary(size: number, magic = '\x7fELF'): Uint8Array {
  const b = random(size);
  for (let i = 0; i < magic.length && i < size; i++) b[i] = magic.charCodeAt(i);
  return b;
}

/**
 * A real 32×32 PNG (a layered-diamond logo on a gradient), so the viewer has an image to preview.
 * Its zlib stream uses a stored (uncompressed) block: the bytes do not depend on a zlib version.
 */
function logoPng(): Uint8Array {
  const size = 32;
  const raw = new Uint8Array(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const d = Math.abs(x - 15.5) + Math.abs(y - 15.5);
      const inside = d < 13;
      const band = Math.floor(y / 8) % 2 === 0;
      const at = row + 1 + x * 3;
      raw[at] = inside ? (band ? 53 : 23) : 230 - y * 2;
      raw[at + 1] = inside ? (band ? 99 : 134) : 236 - x;
      raw[at + 2] = inside ? (band ? 233 : 74) : 245;
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes: Uint8Array): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  let a = 1;
  let b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const zlib = new Uint8Array(2 + 5 + raw.length + 4);
  zlib.set([
    0x78,
    0x01,
    0x01,
    raw.length & 0xff,
    raw.length >> 8,
    ~raw.length & 0xff,
    (~raw.length >> 8) & 0xff,
  ]);
  zlib.set(raw, 7);
  new DataView(zlib.buffer).setUint32(7 + raw.length, ((b << 16) | a) >>> 0);
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, size);
  new DataView(header.buffer).setUint32(4, size);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', header),
    chunk('IDAT', zlib),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}

const lorem =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ';
function text(size: number, head = ''): string {
  let s = head;
  while (s.length < size) s += lorem;
  return s.slice(0, size);
}

// ---------------------------------------------------------------------------------------------
// Layer contents. Helpers keep the entry lists short.

interface LayerSpec {
  createdBy: string;
  entries: BuildEntry[];
}

function dir(name: string, extra: Partial<BuildEntry> = {}): BuildEntry {
  return { name: name.endsWith('/') ? name : `${name}/`, type: 'dir', mode: 0o755, mtime: clock, ...extra };
}
function file(name: string, content: string | Uint8Array, extra: Partial<BuildEntry> = {}): BuildEntry {
  return { name, type: 'file', content, mode: 0o644, mtime: clock, ...extra };
}
function symlink(name: string, target: string): BuildEntry {
  return { name, type: 'symlink', linkTarget: target, mode: 0o777, mtime: clock };
}
function whiteout(path: string): BuildEntry {
  const slash = path.lastIndexOf('/');
  const name = slash < 0 ? `.wh.${path}` : `${path.slice(0, slash)}/.wh.${path.slice(slash + 1)}`;
  return { name, type: 'file', content: '', mode: 0o600, mtime: clock };
}
function opaque(dirPath: string): BuildEntry {
  return {
    name: `${dirPath.replace(/\/$/, '')}/.wh..wh..opq`,
    type: 'file',
    content: '',
    mode: 0o600,
    mtime: clock,
  };
}

const PASSWD_BASE = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
  'sys:x:3:3:sys:/dev:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
];
const GROUP_BASE = [
  'root:x:0:',
  'daemon:x:1:',
  'bin:x:2:',
  'sys:x:3:',
  'adm:x:4:',
  'tty:x:5:',
  'nogroup:x:65534:',
];

const APPLETS = [
  'ash',
  'cat',
  'chmod',
  'chown',
  'cp',
  'date',
  'dd',
  'df',
  'echo',
  'env',
  'false',
  'grep',
  'gzip',
  'head',
  'hostname',
  'id',
  'kill',
  'less',
  'ln',
  'ls',
  'mkdir',
  'mktemp',
  'more',
  'mount',
  'mv',
  'nc',
  'ping',
  'ps',
  'pwd',
  'rm',
  'rmdir',
  'sed',
  'sleep',
  'sort',
  'stat',
  'tail',
  'tar',
  'tee',
  'top',
  'touch',
  'tr',
  'true',
  'uname',
  'vi',
  'wc',
  'wget',
  'which',
  'xargs',
  'yes',
];
const DOC_PACKAGES = [
  'base-files',
  'busybox',
  'ca-certificates',
  'libc6',
  'libssl3',
  'netbase',
  'tzdata',
  'zlib1g',
];

function baseLayer(): LayerSpec {
  tick(0);
  // merged /usr: bin, sbin and lib are symlinks
  const e: BuildEntry[] = [];
  e.push(symlink('bin', 'usr/bin'), symlink('sbin', 'usr/sbin'), symlink('lib', 'usr/lib'));
  e.push(dir('dev'), dir('etc'), dir('home'), dir('proc', { mode: 0o555 }), dir('root', { mode: 0o700 }));
  e.push(dir('run'), dir('run/lock', { mode: 0o1777 }), dir('srv'), dir('sys', { mode: 0o555 }));
  e.push(dir('tmp', { mode: 0o1777 }), dir('opt'));
  e.push(
    file('etc/passwd', `${PASSWD_BASE.join('\n')}\n`),
    file('etc/group', `${GROUP_BASE.join('\n')}\n`),
    file('etc/shadow', 'root:*:19000:0:99999:7:::\n', { mode: 0o640, gid: 42 }),
    file('etc/hostname', 'sample\n'),
    file('etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'),
    file('etc/issue', 'Sample Linux 1.0 \\n \\l\n'),
    file(
      'etc/profile',
      'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\nexport PS1="\\h:\\w\\$ "\n',
    ),
    symlink('etc/os-release', '../usr/lib/os-release'),
    dir('etc/apk'),
    file(
      'etc/apk/repositories',
      'https://packages.example.org/v1.0/main\nhttps://packages.example.org/v1.0/community\n',
    ),
    dir('etc/ssl'),
    dir('etc/ssl/certs'),
    file('etc/ssl/certs/ca-certificates.crt', text(48_000, '-----BEGIN CERTIFICATE-----\n')),
    dir('usr'),
    dir('usr/bin'),
    file('usr/bin/busybox', binary(312_384), { mode: 0o755 }),
  );
  for (const applet of APPLETS) e.push(symlink(`usr/bin/${applet}`, '/usr/bin/busybox'));
  e.push({ name: 'usr/bin/sh', type: 'hardlink', linkTarget: 'usr/bin/busybox', mode: 0o755, mtime: clock });
  e.push(
    dir('usr/sbin'),
    symlink('usr/sbin/init', '/usr/bin/busybox'),
    symlink('usr/sbin/syslogd', '/usr/bin/busybox'),
  );
  e.push(
    dir('usr/lib'),
    file(
      'usr/lib/os-release',
      'NAME="Sample Linux"\nID=sample\nVERSION_ID=1.0\nPRETTY_NAME="Sample Linux 1.0"\n',
    ),
    file('usr/lib/ld-musl-x86_64.so.1', binary(598_736), { mode: 0o755 }),
    symlink('usr/lib/libc.musl-x86_64.so.1', 'ld-musl-x86_64.so.1'),
    file('usr/lib/libz.so.1.3.1', binary(100_352), { mode: 0o755 }),
    symlink('usr/lib/libz.so.1', 'libz.so.1.3.1'),
    file('usr/lib/libssl.so.3', binary(182_408), { mode: 0o755 }),
    file('usr/lib/libcrypto.so.3', binary(261_848), { mode: 0o755 }),
    dir('usr/local'),
    dir('usr/local/bin'),
    dir('usr/share'),
    dir('usr/share/doc'),
  );
  for (const pkg of DOC_PACKAGES) {
    e.push(dir(`usr/share/doc/${pkg}`), file(`usr/share/doc/${pkg}/copyright`, text(1800 + pkg.length * 97)));
    e.push(file(`usr/share/doc/${pkg}/changelog.gz`, binary(900 + pkg.length * 211, '\x1f\x8b')));
  }
  e.push(dir('usr/share/zoneinfo'));
  for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo']) {
    if (zone.includes('/')) e.push(dir(`usr/share/zoneinfo/${zone.split('/')[0]}`));
    e.push(file(`usr/share/zoneinfo/${zone}`, binary(2_800, 'TZif')));
  }
  e.push(dir('var'), dir('var/cache'), dir('var/lib'), dir('var/log'), dir('var/tmp', { mode: 0o1777 }));
  e.push(dir('var/mail', { mode: 0o2775, gid: 8 }), dir('var/spool'), symlink('var/run', '../run'));
  return {
    createdBy:
      '/bin/sh -c #(nop) ADD file:5b0c1d5f2a0c7d4f8f9a2ec1f6bd0e3e1c3f1c2b9a8e7d6c5b4a3f2e1d0c9b8a in / ',
    entries: e,
  };
}

function nginxLayer(): LayerSpec {
  tick();
  const lists = [
    'main_x86_64_Packages',
    'community_x86_64_Packages',
    'APKINDEX.main.tar.gz',
    'APKINDEX.community.tar.gz',
  ];
  const e: BuildEntry[] = [
    dir('etc'),
    file(
      'etc/passwd',
      `${[...PASSWD_BASE, 'www-data:x:82:82:Linux User,,,:/home/www-data:/sbin/nologin'].join('\n')}\n`,
    ),
    file('etc/group', `${[...GROUP_BASE, 'www-data:x:82:www-data'].join('\n')}\n`),
    dir('etc/nginx'),
    file(
      'etc/nginx/nginx.conf',
      'user www-data;\nworker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n  include mime.types;\n  include conf.d/*.conf;\n}\n',
    ),
    file('etc/nginx/mime.types', text(5_200, 'types {\n  text/html html;\n')),
    dir('etc/nginx/conf.d'),
    file(
      'etc/nginx/conf.d/default.conf',
      'server {\n  listen 80;\n  root /srv/www;\n  index index.html;\n}\n',
    ),
    dir('usr'),
    dir('usr/sbin'),
    file('usr/sbin/nginx', binary(704_880), { mode: 0o755 }),
    dir('usr/lib'),
    file('usr/lib/libpcre2-8.so.0.11.2', binary(231_104), { mode: 0o755 }),
    symlink('usr/lib/libpcre2-8.so.0', 'libpcre2-8.so.0.11.2'),
    dir('var'),
    dir('var/lib'),
    dir('var/lib/apk'),
    file('var/lib/apk/installed', text(9_000, 'P:nginx\nV:1.25.3-r0\n')),
    dir('var/lib/apk/lists'),
    dir('var/log'),
    dir('var/log/nginx', { uid: 82, gid: 82 }),
    symlink('var/log/nginx/access.log', '/dev/stdout'),
    symlink('var/log/nginx/error.log', '/dev/stderr'),
  ];
  for (const [i, name] of lists.entries())
    e.push(file(`var/lib/apk/lists/${name}`, binary(90_000 + i * 31_000, '\x1f\x8b')));
  return {
    createdBy:
      '/bin/sh -c apk update && apk add --no-progress nginx=1.25.3-r0 && adduser -D -H -u 82 www-data',
    entries: e,
  };
}

function siteLayer(version: 1 | 2): LayerSpec {
  tick();
  const e: BuildEntry[] = [dir('srv'), dir('srv/www', { uid: 82, gid: 82 })];
  const html = (title: string) =>
    `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title>\n<link rel="stylesheet" href="assets/style.css"></head>\n<body><h1>${title}</h1><script src="assets/app.js"></script></body>\n</html>\n`;
  if (version === 1) {
    // The random bytes the logo once was are still drawn (no file before it in this list draws
    // any), so every file after it stays byte for byte the same.
    binary(18_230);
    e.push(
      file('srv/www/index.html', html('Sample site'), { uid: 82, gid: 82 }),
      file('srv/www/404.html', html('Not found'), { uid: 82, gid: 82 }),
      dir('srv/www/assets', { uid: 82, gid: 82 }),
      file('srv/www/assets/app.js', text(64_000, '"use strict";\n'), { uid: 82, gid: 82 }),
      file('srv/www/assets/style.css', text(12_500, 'body{font-family:system-ui}\n'), { uid: 82, gid: 82 }),
      dir('srv/www/img', { uid: 82, gid: 82 }),
      file('srv/www/img/logo.png', logoPng(), { uid: 82, gid: 82 }),
      file('srv/www/img/hero.jpg', binary(146_112, '\xff\xd8\xff\xe0'), { uid: 82, gid: 82 }),
      file('srv/www/robots.txt', 'User-agent: *\nAllow: /\n', { uid: 82, gid: 82 }),
      dir('srv/www/docs', { uid: 82, gid: 82 }),
      file('srv/www/docs/données-ünïcødé-日本語.txt', 'Names are UTF-8 in PAX headers.\n', {
        uid: 82,
        gid: 82,
      }),
      file(
        `srv/www/docs/${'a-very-long-directory-name-that-needs-a-pax-header/'.repeat(3)}readme.md`,
        '# deep\n',
        { uid: 82, gid: 82 },
      ),
    );
    const docs = Array.from({ length: 40 }, (_, i) => `page-${String(i + 1).padStart(3, '0')}.html`);
    for (const p of docs) e.push(file(`srv/www/docs/${p}`, html(p), { uid: 82, gid: 82 }));
    return {
      createdBy:
        '/bin/sh -c #(nop) COPY dir:3f1b2c7d9e0a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3 in /srv/www ',
      entries: e,
    };
  }
  e.push(
    file('srv/www/index.html', html('Sample site, version 2'), { uid: 82, gid: 82 }),
    file('srv/www/pricing.html', html('Pricing'), { uid: 82, gid: 82 }),
    dir('srv/www/assets', { uid: 82, gid: 82 }),
    file('srv/www/assets/app.js', text(71_000, '"use strict";/*v2*/\n'), { uid: 82, gid: 82 }),
    dir('srv/www/img', { uid: 82, gid: 82 }),
    whiteout('srv/www/img/hero.jpg'),
    file('srv/www/img/hero.webp', binary(58_400, 'RIFF'), { uid: 82, gid: 82 }),
  );
  return {
    createdBy:
      '/bin/sh -c #(nop) COPY dir:8a7b6c5d4e3f20112233445566778899aabbccddeeff00112233445566778899 in /srv/www ',
    entries: e,
  };
}

function cleanupLayer(): LayerSpec {
  tick();
  const e: BuildEntry[] = [
    dir('usr'),
    dir('usr/share'),
    whiteout('usr/share/doc'), // a whole directory removed
    dir('var'),
    dir('var/lib'),
    dir('var/lib/apk'),
    dir('var/lib/apk/lists'),
  ];
  for (const name of [
    'main_x86_64_Packages',
    'community_x86_64_Packages',
    'APKINDEX.main.tar.gz',
    'APKINDEX.community.tar.gz',
  ]) {
    e.push(whiteout(`var/lib/apk/lists/${name}`));
  }
  return { createdBy: '/bin/sh -c rm -rf /var/lib/apk/lists/* /usr/share/doc', entries: e };
}

function minifyLayer(): LayerSpec {
  tick();
  return {
    createdBy:
      '/bin/sh -c set -eux;     rm -rf /srv/www/assets && mkdir -p /srv/www/assets;     cp /build/app.min.js /build/style.min.css /srv/www/assets/;     sed -i "s/worker_processes auto/worker_processes 2/" /etc/nginx/nginx.conf',
    entries: [
      dir('etc'),
      dir('etc/nginx'),
      file(
        'etc/nginx/nginx.conf',
        'user www-data;\nworker_processes 2;\nevents { worker_connections 1024; }\nhttp {\n  include mime.types;\n  include conf.d/*.conf;\n}\n',
      ),
      dir('srv'),
      dir('srv/www', { uid: 82, gid: 82 }),
      dir('srv/www/assets', { uid: 82, gid: 82 }),
      opaque('srv/www/assets'), // the directory was replaced as a whole
      file('srv/www/assets/app.min.js', text(21_000, '"use strict";'), { uid: 82, gid: 82 }),
      file('srv/www/assets/style.min.css', text(4_100, 'body{font-family:system-ui}'), { uid: 82, gid: 82 }),
    ],
  };
}

function cacheLayer(): LayerSpec {
  tick();
  return {
    createdBy:
      '/bin/sh -c mkdir -p /srv/www/cache && head -c 524288 /dev/urandom > /srv/www/cache/prerender.bin',
    entries: [
      dir('srv'),
      dir('srv/www', { uid: 82, gid: 82 }),
      dir('srv/www/cache', { uid: 82, gid: 82 }),
      file('srv/www/cache/prerender.bin', binary(524_288, 'PRE'), { uid: 82, gid: 82 }),
    ],
  };
}

function cacheRemoveLayer(): LayerSpec {
  tick();
  return {
    createdBy: '/bin/sh -c rm -f /srv/www/cache/prerender.bin',
    entries: [
      dir('srv'),
      dir('srv/www', { uid: 82, gid: 82 }),
      dir('srv/www/cache', { uid: 82, gid: 82 }),
      whiteout('srv/www/cache/prerender.bin'),
    ],
  };
}

function pythonLayer(): LayerSpec {
  tick();
  const e: BuildEntry[] = [
    dir('usr'),
    dir('usr/bin'),
    file('usr/bin/python3.12', binary(23_712), { mode: 0o755 }),
  ];
  e.push(
    symlink('usr/bin/python3', 'python3.12'),
    dir('usr/lib'),
    file('usr/lib/libpython3.12.so.1.0', binary(302_000), { mode: 0o755 }),
  );
  e.push(dir('usr/lib/python3.12'));
  const modules = [
    'asyncio',
    'collections',
    'concurrent',
    'email',
    'encodings',
    'http',
    'importlib',
    'json',
    'logging',
    'urllib',
    'xml',
  ];
  for (const m of modules) {
    e.push(dir(`usr/lib/python3.12/${m}`));
    const count = 6 + (m.length % 7) * 3;
    for (let i = 0; i < count; i++) {
      e.push(
        file(
          `usr/lib/python3.12/${m}/${i === 0 ? '__init__' : `mod_${i}`}.py`,
          text(1_200 + ((i * 977) % 9_000), `# ${m}\n`),
        ),
      );
    }
    e.push(dir(`usr/lib/python3.12/${m}/__pycache__`));
    for (let i = 0; i < 3; i++)
      e.push(
        file(
          `usr/lib/python3.12/${m}/__pycache__/mod_${i}.cpython-312.pyc`,
          binary(2_000 + i * 300, '\xcb\x0d\r\n'),
        ),
      );
  }
  for (const f of [
    'os.py',
    're.py',
    'typing.py',
    'pathlib.py',
    'subprocess.py',
    'shutil.py',
    'socket.py',
    'ssl.py',
  ]) {
    e.push(file(`usr/lib/python3.12/${f}`, text(8_000 + f.length * 1_311, `"""${f}"""\n`)));
  }
  return { createdBy: '/bin/sh -c apk add --no-cache python3=3.12.3-r1', entries: e };
}

function workerAppLayer(): LayerSpec {
  tick();
  return {
    createdBy:
      '/bin/sh -c #(nop) COPY --chown=1000:1000 dir:c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789 in /app ',
    entries: [
      dir('app', { uid: 1000, gid: 1000 }),
      file(
        'app/worker.py',
        'import json, time\n\ndef main():\n    while True:\n        time.sleep(5)\n\nif __name__ == "__main__":\n    main()\n',
        { uid: 1000, gid: 1000 },
      ),
      file('app/requirements.txt', 'requests==2.32.3\n', { uid: 1000, gid: 1000 }),
      file('app/settings.toml', '[queue]\nurl = "redis://queue:6379/0"\n', {
        uid: 1000,
        gid: 1000,
        mode: 0o600,
      }),
      dir('app/bin', { uid: 1000, gid: 1000 }),
      file('app/bin/healthcheck', '#!/bin/sh\nexit 0\n', { uid: 1000, gid: 1000, mode: 0o4755 }),
      dir('etc'),
      file('etc/passwd', `${[...PASSWD_BASE, 'app:x:1000:1000::/app:/bin/sh'].join('\n')}\n`),
      file('etc/group', `${[...GROUP_BASE, 'app:x:1000:'].join('\n')}\n`),
    ],
  };
}

function pipLayer(): LayerSpec {
  tick();
  const e: BuildEntry[] = [
    dir('usr'),
    dir('usr/lib'),
    dir('usr/lib/python3.12'),
    dir('usr/lib/python3.12/site-packages'),
  ];
  for (const pkg of ['requests', 'urllib3', 'idna', 'certifi', 'charset_normalizer']) {
    e.push(dir(`usr/lib/python3.12/site-packages/${pkg}`));
    for (let i = 0; i < 5; i++)
      e.push(
        file(`usr/lib/python3.12/site-packages/${pkg}/part${i}.py`, text(3_000 + i * 1_700, `# ${pkg}\n`)),
      );
  }
  // pip's cache, left behind: wasted space the summary points at
  e.push(
    dir('root', { mode: 0o700 }),
    dir('root/.cache'),
    dir('root/.cache/pip'),
    file('root/.cache/pip/selfcheck.json', '{"last_check":"2025-03-03T09:00:00Z"}\n'),
  );
  e.push(dir('root/.cache/pip/http'), file('root/.cache/pip/http/8f3a1b2c.body', binary(240_000, 'PK')));
  return { createdBy: '/bin/sh -c pip install --no-compile -r /app/requirements.txt', entries: e };
}

function workerFixLayer(): LayerSpec {
  tick();
  return {
    createdBy:
      '/bin/sh -c chmod 0755 /app/bin/healthcheck && rm -rf /root/.cache/pip/http && echo "tz=UTC" >> /app/settings.toml',
    entries: [
      dir('app', { uid: 1000, gid: 1000 }),
      file('app/settings.toml', '[queue]\nurl = "redis://queue:6379/0"\ntz=UTC\n', {
        uid: 1000,
        gid: 1000,
        mode: 0o600,
      }),
      dir('app/bin', { uid: 1000, gid: 1000 }),
      file('app/bin/healthcheck', '#!/bin/sh\nexit 0\n', { uid: 1000, gid: 1000, mode: 0o755 }),
      dir('root', { mode: 0o700 }),
      dir('root/.cache'),
      dir('root/.cache/pip'),
      whiteout('root/.cache/pip/http'),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Assembling images.

interface Layer {
  spec: LayerSpec;
  tar: Uint8Array;
  diffId: string;
  created: number;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function makeLayer(spec: LayerSpec): Layer {
  const tar = buildTar(spec.entries);
  return { spec, tar, diffId: `sha256:${sha256(tar)}`, created: clock };
}

type Step = { layer: Layer } | { empty: string };

interface ImageSpec {
  tags: string[];
  steps: Step[];
  config: {
    Env: string[];
    Cmd?: string[];
    Entrypoint?: string[];
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, Record<string, never>>;
  };
}

const nop = (s: string) => `/bin/sh -c #(nop)  ${s}`;

const base = makeLayer(baseLayer());
const nginx = makeLayer(nginxLayer());
const site1 = makeLayer(siteLayer(1));
const cleanup = makeLayer(cleanupLayer());
const minify = makeLayer(minifyLayer());
const site2 = makeLayer(siteLayer(2));
const cache = makeLayer(cacheLayer());
const cacheRm = makeLayer(cacheRemoveLayer());
const python = makeLayer(pythonLayer());
const workerApp = makeLayer(workerAppLayer());
const pip = makeLayer(pipLayer());
const workerFix = makeLayer(workerFixLayer());

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const baseSteps: Step[] = [{ layer: base }, { empty: nop('CMD ["/bin/sh"]') }];
const webPrefix: Step[] = [
  ...baseSteps,
  {
    empty: nop(
      'LABEL org.opencontainers.image.source=https://example.org/sample-web maintainer=ops@example.org',
    ),
  },
  { empty: nop('ENV NGINX_VERSION=1.25.3') },
  { layer: nginx },
  { layer: site1 },
];
const webLabels = {
  'org.opencontainers.image.source': 'https://example.org/sample-web',
  maintainer: 'ops@example.org',
};

const images: ImageSpec[] = [
  {
    tags: ['explorer/base:1.0'],
    steps: baseSteps,
    config: { Env: [PATH], Cmd: ['/bin/sh'] },
  },
  {
    tags: ['explorer/web:1.0'],
    steps: [
      ...webPrefix,
      { layer: cleanup },
      { layer: minify },
      { empty: nop('EXPOSE 80/tcp 443/tcp') },
      { empty: nop('WORKDIR /srv/www') },
      { empty: nop('USER www-data') },
      { empty: nop('CMD ["nginx" "-g" "daemon off;"]') },
    ],
    config: {
      Env: [PATH, 'NGINX_VERSION=1.25.3'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      WorkingDir: '/srv/www',
      User: 'www-data',
      Labels: webLabels,
      ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
    },
  },
  {
    tags: ['explorer/web:2.0', 'explorer/web:latest'],
    steps: [
      ...webPrefix,
      { empty: nop('ENV SITE_VERSION=2') },
      { layer: site2 },
      { layer: cache },
      { layer: cacheRm },
      { empty: nop('EXPOSE 80/tcp') },
      {
        empty: nop(
          'HEALTHCHECK &{["CMD-SHELL" "wget -q -O /dev/null http://localhost/ || exit 1"] "30s" "3s" "0s" \'\\x00\'}',
        ),
      },
      { empty: nop('CMD ["nginx" "-g" "daemon off;"]') },
    ],
    config: {
      Env: [PATH, 'NGINX_VERSION=1.25.3', 'SITE_VERSION=2'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      Labels: { ...webLabels, 'org.opencontainers.image.version': '2.0' },
      ExposedPorts: { '80/tcp': {} },
    },
  },
  {
    tags: ['explorer/worker:1.0'],
    steps: [
      ...baseSteps,
      { empty: nop('ENV PYTHONUNBUFFERED=1') },
      { layer: python },
      { layer: workerApp },
      { layer: pip },
      { layer: workerFix },
      { empty: nop('USER 1000:1000') },
      { empty: nop('WORKDIR /app') },
      { empty: nop('ENTRYPOINT ["python3" "/app/worker.py"]') },
    ],
    config: {
      Env: [PATH, 'PYTHONUNBUFFERED=1'],
      Entrypoint: ['python3', '/app/worker.py'],
      WorkingDir: '/app',
      User: '1000:1000',
      Labels: { 'org.opencontainers.image.title': 'sample worker' },
    },
  },
];

const members: BuildEntry[] = [];
const layerDirs = new Map<string, string>();
const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
const repositories: Record<string, Record<string, string>> = {};

for (const image of images) {
  const diffIds: string[] = [];
  const history: Record<string, unknown>[] = [];
  const layerPaths: string[] = [];
  let chain = '';
  let stepTime = T0;
  for (const step of image.steps) {
    if ('layer' in step) {
      const { layer } = step;
      diffIds.push(layer.diffId);
      chain = chain ? `sha256:${sha256(`${chain} ${layer.diffId}`)}` : layer.diffId;
      let id = layerDirs.get(chain);
      if (!id) {
        id = sha256(`v1:${chain}`);
        layerDirs.set(chain, id);
        members.push(
          { name: `${id}/`, type: 'dir', mtime: T0 },
          { name: `${id}/VERSION`, content: '1.0', mtime: T0 },
          { name: `${id}/json`, content: JSON.stringify({ id, created: iso(layer.created) }), mtime: T0 },
          { name: `${id}/layer.tar`, content: layer.tar, mtime: T0 },
        );
      }
      layerPaths.push(`${id}/layer.tar`);
      stepTime = layer.created;
      history.push({ created: iso(stepTime), created_by: layer.spec.createdBy });
    } else {
      stepTime += 1;
      history.push({ created: iso(stepTime), created_by: step.empty, empty_layer: true });
    }
  }
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: iso(stepTime),
    author: 'Image Layer Explorer sample',
    config: {
      Hostname: '',
      User: image.config.User ?? '',
      ExposedPorts: image.config.ExposedPorts,
      Env: image.config.Env,
      Cmd: image.config.Cmd ?? null,
      Entrypoint: image.config.Entrypoint ?? null,
      WorkingDir: image.config.WorkingDir ?? '',
      Labels: image.config.Labels ?? null,
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
  const configJson = JSON.stringify(config);
  const configName = `${sha256(configJson)}.json`;
  members.push({ name: configName, content: configJson, mtime: T0 });
  manifest.push({ Config: configName, RepoTags: image.tags, Layers: layerPaths });
  const top = layerDirs.get(chain) ?? '';
  for (const tag of image.tags) {
    const [repo, version] = tag.split(':');
    repositories[repo] = { ...(repositories[repo] ?? {}), [version]: top };
  }
}

members.push({ name: 'manifest.json', content: JSON.stringify(manifest), mtime: T0 });
members.push({ name: 'repositories', content: `${JSON.stringify(repositories)}\n`, mtime: T0 });

const archive = buildTar(members);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, archive);
const entryCount = [
  ...new Set([base, nginx, site1, cleanup, minify, site2, cache, cacheRm, python, workerApp, pip, workerFix]),
]
  .map((l) => l.spec.entries.length)
  .reduce((a, b) => a + b, 0);
console.log(
  `sample: ${outFile.slice(root.length + 1)} ${(archive.length / 1024).toFixed(0)} KiB, ${images.length} images, ${layerDirs.size} layers, ${entryCount} layer entries`,
);
