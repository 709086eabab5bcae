import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import { openArchive } from '../../core/image/open';
import { dockerArchive } from '../../testing/archives';
import { run } from '../commands/inspect';
import type { CliIo } from '../io';

const DIVE_FIXTURE = fileURLToPath(
  new URL('../../../../shared/fixtures/peers/dive/test-docker-image.tar', import.meta.url),
);

async function diveJson(bytes: Uint8Array, name: string, extra: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    openArchive: async (path) => openArchive(new MemorySource(bytes, path)),
  };
  const code = await run([name, '--format', 'dive-json', ...extra], io);
  return { code, text: out.join(''), stderr: err.join('') };
}

const dir = (path: string, mode: number) => ({
  path,
  typeFlag: 53,
  linkName: '',
  size: 0,
  fileMode: 2 ** 31 + mode,
  uid: 0,
  gid: 0,
  isDir: true,
});
const file = (path: string, size: number, mode: number) => ({
  path,
  typeFlag: 48,
  linkName: '',
  size,
  fileMode: mode,
  uid: 0,
  gid: 0,
  isDir: false,
});

describe.runIf(existsSync(DIVE_FIXTURE))("inspect --format dive-json on dive's own fixture", () => {
  // The figures dive v0.13.1's export test asserts (cmd/dive/cli/internal/command/export, its
  // snapshot of .data/test-docker-image.tar).
  it('writes the layers, file lists and image block dive writes', async () => {
    const { code, text } = await diveJson(readFileSync(DIVE_FIXTURE), 'test-docker-image.tar');
    expect(code).toBe(0);
    expect(
      text.startsWith(
        '{\n  "layer": [\n    {\n      "index": 0,\n      "id": "28cfe03618aa2e914e81fdd90345245c15f4478e35252c06ca52d238fd3cc694",\n      "digestId": "sha256:23bc2b70b2014dec0ac22f27bb93e9babd08cdd6f1115d0c955b9ff22b382f5a",\n      "sizeBytes": 1154361,\n      "command": "#(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ",\n      "fileList": [\n        {\n          "path": "bin/[",\n          "typeFlag": 48,',
      ),
    ).toBe(true);
    expect(
      text.endsWith(
        '      {\n        "count": 2,\n        "sizeBytes": 6405,\n        "file": "/root/example/somefile3.txt"\n      }\n    ]\n  }\n}\n',
      ),
    ).toBe(true);
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['layer', 'image']);
    expect(doc.image).toEqual({
      sizeBytes: 1220598,
      inefficientBytes: 32025,
      efficiencyScore: 0.9844212134184309,
      fileReference: [
        { count: 2, sizeBytes: 12810, file: '/root/saved.txt' },
        { count: 2, sizeBytes: 12810, file: '/root/example/somefile1.txt' },
        { count: 2, sizeBytes: 6405, file: '/root/example/somefile3.txt' },
      ],
    });
    const summary = doc.layer.map((l: Record<string, unknown>) => [
      l.index,
      l.id,
      l.digestId,
      l.sizeBytes,
      l.command,
    ]);
    expect(summary).toEqual([
      [
        0,
        '28cfe03618aa2e914e81fdd90345245c15f4478e35252c06ca52d238fd3cc694',
        'sha256:23bc2b70b2014dec0ac22f27bb93e9babd08cdd6f1115d0c955b9ff22b382f5a',
        1154361,
        '#(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ',
      ],
      [
        1,
        '1871059774abe6914075e4a919b778fa1561f577d620ae52438a9635e6241936',
        'sha256:a65b7d7ac139a0e4337bc3c73ce511f937d6140ef61a0108f7d4b8aab8d67274',
        6405,
        '#(nop) ADD file:139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2 in /somefile.txt ',
      ],
      [
        2,
        '49fe2a475548bfa4d493fc796fce41f30704e3d4cbff3e45dd3e06f463236d1d',
        'sha256:93e208d471756ffbac88cf9c25feb442007f221d3bd73231e27b747a0a68927c',
        0,
        'mkdir -p /root/example/really/nested',
      ],
      [
        3,
        '80cd2ca1ffc89962b9349c80280c2bc551acbd11e09b16badb0669f8e2369020',
        'sha256:4abad3abe3cb99ad7a492a9d9f6b3d66287c1646843c74128bbbec4f7be5aa9e',
        6405,
        'cp /somefile.txt /root/example/somefile1.txt',
      ],
      [
        4,
        'c99e2f8d3f6282668f0d30dc1db5e67a51d7a1dcd7ff6ddfa0f90760836778ec',
        'sha256:14c9a6ffcb6a0f32d1035f97373b19608e2d307961d8be156321c3f1c1504cbf',
        6405,
        'chmod 444 /root/example/somefile1.txt',
      ],
      [
        5,
        '5eca617bdc3bc06134fe957a30da4c57adb7c340a6d749c8edc4c15861c928d7',
        'sha256:778fb5770ef466f314e79cc9dc418eba76bfc0a64491ce7b167b76aa52c736c4',
        6405,
        'cp /somefile.txt /root/example/somefile2.txt',
      ],
      [
        6,
        'f07c3eb887572395408f8e11a07af945e4da5f02b3188bb06b93fad713ca0b99',
        'sha256:f275b8a31a71deb521cc048e6021e2ff6fa52bedb25c9b7bbe129a0195ddca5f',
        6405,
        'cp /somefile.txt /root/example/somefile3.txt',
      ],
      [
        7,
        '461885fc22589158dee3c5b9f01cc41c87805439f58b4399d733b51aa305cbf9',
        'sha256:dd1effc5eb19894c3e9b57411c98dd1cf30fa1de4253c7fae53c9cea67267d83',
        6405,
        'mv /root/example/somefile3.txt /root/saved.txt',
      ],
      [
        8,
        'a10327f68ffed4afcba78919052809a8f774978a6b87fc117d39c53c4842f72c',
        'sha256:8d1869a0a066cdd12e48d648222866e77b5e2814f773bb3bd8774ab4052f0f1d',
        6405,
        'cp /root/saved.txt /root/.saved.txt',
      ],
      [
        9,
        'f2fc54e25cb7966dc9732ec671a77a1c5c104e732bd15ad44a2dc1ac42368f84',
        'sha256:bc2e36423fa31a97223fd421f22c35466220fa160769abf697b8eb58c896b468',
        0,
        'rm -rf /root/example/',
      ],
      [
        10,
        'aad36d0b05e71c7e6d4dfe0ca9ed6be89e2e0d8995dafe83438299a314e91071',
        'sha256:7f648d45ee7b6de2292162fba498b66cbaaf181da9004fcceef824c72dbae445',
        2187,
        '#(nop) ADD dir:7ec14b81316baa1a31c38c97686a8f030c98cba2035c968412749e33e0c4427e in /root/.data/ ',
      ],
      [
        11,
        '3d4ad907517a021d86a4102d2764ad2161e4818bbd144e41d019bfc955434181',
        'sha256:a4b8f95f266d5c063c9a9473c45f2f85ddc183e37941b5e6b6b9d3c00e8e0457',
        6405,
        'cp /root/saved.txt /tmp/saved.again1.txt',
      ],
      [
        12,
        '81b1b002d4b4c1325a9cad9990b5277e7f29f79e0f24582344c0891178f95905',
        'sha256:22a44d45780a541e593a8862d80f3e14cb80b6bf76aa42ce68dc207a35bf3a4a',
        6405,
        'cp /root/saved.txt /root/.data/saved.again2.txt',
      ],
      [
        13,
        'cfb35bb5c127d848739be5ca726057e6e2c77b2849f588e7aebb642c0d3d4b7b',
        'sha256:ba689cac6a98c92d121fa5c9716a1bab526b8bb1fd6d43625c575b79e97300c5',
        6405,
        'chmod +x /root/saved.txt',
      ],
    ]);
    const root = dir('root', 0o700);
    expect(doc.layer[1].fileList).toEqual([file('somefile.txt', 6405, 0o664)]);
    expect(doc.layer[2].fileList).toEqual([
      dir('root/example/really/nested', 0o755),
      dir('root/example/really', 0o755),
      dir('root/example', 0o755),
      root,
    ]);
    expect(doc.layer[4].fileList).toEqual([
      file('root/example/somefile1.txt', 6405, 0o444),
      dir('root/example', 0o755),
      root,
    ]);
    expect(doc.layer[7].fileList).toEqual([
      file('root/example/.wh.somefile3.txt', 0, 0),
      dir('root/example', 0o755),
      file('root/saved.txt', 6405, 0o644),
      root,
    ]);
    expect(doc.layer[9].fileList).toEqual([file('root/.wh.example', 0, 0), root]);
    expect(doc.layer[10].fileList).toEqual([
      file('root/.data/tag.sh', 917, 0o775),
      file('root/.data/test.sh', 1270, 0o755),
      dir('root/.data', 0o755),
      root,
    ]);
    expect(doc.layer[11].fileList).toEqual([
      file('tmp/saved.again1.txt', 6405, 0o644),
      { ...dir('tmp', 0o777), fileMode: 2 ** 31 + 2 ** 20 + 0o777 },
    ]);
    expect(doc.layer[13].fileList).toEqual([file('root/saved.txt', 6405, 0o755), root]);
    // Layer 0 (busybox): dive's first entries (hardlinks to bin/[) and its last, and one row per
    // entry GNU tar lists in the layer (less the root).
    expect(doc.layer[0].fileList.slice(0, 2)).toEqual([
      file('bin/[', 1075464, 0o755),
      { ...file('bin/[[', 0, 0o755), typeFlag: 49, linkName: 'bin/[' },
    ]);
    expect(doc.layer[0].fileList.slice(-4)).toEqual([
      dir('var/spool/mail', 0o755) && { ...dir('var/spool/mail', 0o755), uid: 8, gid: 8 },
      dir('var/spool', 0o755),
      dir('var/www', 0o755),
      dir('var', 0o755),
    ]);
    const layer0 = execFileSync(
      'tar',
      ['-xOf', DIVE_FIXTURE, '28cfe03618aa2e914e81fdd90345245c15f4478e35252c06ca52d238fd3cc694/layer.tar'],
      { maxBuffer: 1 << 26 },
    );
    const names = execFileSync('tar', ['-t'], { input: layer0 })
      .toString()
      .split('\n')
      .filter((n) => n && n !== './');
    expect(doc.layer[0].fileList).toHaveLength(names.length);
  });
});

describe('inspect --format dive-json', () => {
  it("gives a directory the layer does not hold dive's empty entry, and Go's mode bits", async () => {
    const bytes = dockerArchive([
      {
        tags: ['t:1'],
        layers: [
          [
            { name: 'a/b/c', content: 'x<&>' },
            { name: 'sticky/', type: 'dir', mode: 0o1777 },
            { name: 'suid', content: '', mode: 0o4755 },
            { name: 'link', type: 'symlink', linkTarget: 'a/b/c' },
            { name: 'x/.wh..wh..opq', content: '' },
          ],
        ],
      },
    ]);
    const { code, text } = await diveJson(bytes, 'x.tar');
    expect(code).toBe(0);
    const list = JSON.parse(text).layer[0].fileList;
    const empty = { path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false };
    expect(list.map((f: { path: string }) => f.path)).toEqual([
      'a/b/c',
      '',
      '',
      'link',
      'sticky',
      'suid',
      '',
    ]);
    expect(list[1]).toEqual(empty);
    expect(list[3]).toMatchObject({ typeFlag: 50, linkName: 'a/b/c', fileMode: 2 ** 27 + 0o644 });
    expect(list[4]).toMatchObject({ fileMode: 2 ** 31 + 2 ** 20 + 0o777, isDir: true });
    expect(list[5]).toMatchObject({ fileMode: 2 ** 23 + 0o755 });
  });

  it('refuses an unknown format and a flag it does not know', async () => {
    const bytes = dockerArchive([{ tags: ['t:1'], layers: [[{ name: 'a', content: 'x' }]] }]);
    const io = {
      stdout: () => {},
      stderr: () => {},
      openArchive: async () => openArchive(new MemorySource(bytes, 'x.tar')),
    };
    expect(await run(['x.tar', '--format', 'yaml'], io)).toBe(2);
    expect(await run(['x.tar', '--jsn'], io)).toBe(2);
    expect(await run(['x.tar', '--json', '--format', 'dive-json'], io)).toBe(2);
  });
});
