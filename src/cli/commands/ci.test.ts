import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import type { ImageArchive } from '../../core/image/model';
import { openArchive } from '../../core/image/open';
import { dockerArchive } from '../../testing/archives';
import { archiveOfImages, blobOf, imageOf, layerOf } from '../../testing/fsSupport';
import type { BuildEntry } from '../../testing/tarBuilder';
import type { CliIo } from '../io';
import { type CiEnvironment, run } from './ci';

function captureIo(open: (path: string) => Promise<ImageArchive>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), openArchive: open };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

function ioFor(bytes: Uint8Array) {
  return captureIo(async (path) => openArchive(new MemorySource(bytes, path)));
}

/** A working directory holding the given files (relative names), nothing else. */
function dirWith(files: Record<string, string> = {}): CiEnvironment {
  return {
    cwd: '/work/project',
    async readText(path) {
      const name = path.replace('/work/project/', '');
      return name in files ? files[name] : null;
    },
  };
}

const file = (name: string, size: number): BuildEntry => ({ name, content: 'x'.repeat(size) });

// 1000 bytes of base; the user layers add 100 + 400 bytes and delete the 400 again:
// /data/big is seen twice (400 + whiteout 0): wasted 400, user-wasted 400/500 = 0.8,
// efficiency = (1000 + 100 + 0) / (1000 + 100 + 400) = 0.7333.
const wasteful = dockerArchive([
  {
    tags: ['waste:1'],
    layers: [[file('base', 1000)], [file('app', 100), file('data/big', 400)], [file('data/.wh.big', 0)]],
  },
  { tags: ['lean:1'], layers: [[file('base', 1000)], [file('app', 100)]] },
]);

describe('ci', () => {
  it("fails dive's default rules and reports figures, worst files and rules", async () => {
    const cap = ioFor(wasteful);
    expect(await run(['w.tar', '--image', 'waste:1'], cap.io, dirWith())).toBe(1);
    const report = cap.stdout();
    expect(report).toContain('Using default CI config\n');
    expect(report).toContain('  efficiency: 73.3333 %\n');
    expect(report).toContain('  wastedBytes: 400 bytes (400 B)\n');
    expect(report).toContain('  userWastedPercent: 80.0000 %\n');
    expect(report).toContain('Count  Wasted Space  File Path\n    2         400 B  /data/big\n');
    expect(report).toContain(
      '  FAIL: highestUserWastedPercent (threshold 0.1): too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.8 > threshold=0.1)\n',
    );
    expect(report).toContain('  SKIP: highestWastedBytes: rule disabled\n');
    expect(report).toContain(
      `  FAIL: lowestEfficiency (threshold 0.9): image efficiency is too low (efficiency=${1100 / 1500} < threshold=0.9)\n`,
    );
    expect(report).toContain('Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]\n');
  });

  it('passes with thresholds from flags, in our spelling or dive’s', async () => {
    for (const flags of [
      ['--lowest-efficiency', '0.7', '--highest-user-wasted-percent', '0.9', '--highest-wasted-bytes', '1kB'],
      ['--lowestEfficiency=0.7', '--highestUserWastedPercent=0.9', '--highestWastedBytes=1kB'],
    ]) {
      const cap = ioFor(wasteful);
      expect(await run(['w.tar', '--image', '0', ...flags], cap.io, dirWith())).toBe(0);
      expect(cap.stdout()).toContain('Result:PASS [Total:3] [Passed:3] [Failed:0] [Warn:0] [Skipped:0]\n');
    }
  });

  it('checks every image of the archive unless one is chosen', async () => {
    const cap = ioFor(wasteful);
    expect(await run(['w.tar'], cap.io, dirWith())).toBe(1);
    expect(cap.stdout()).toContain('Image: waste:1');
    expect(cap.stdout()).toContain('Image: lean:1');
    const lean = ioFor(wasteful);
    expect(await run(['w.tar', '--image', 'lean:1'], lean.io, dirWith())).toBe(0);
    expect(lean.stdout()).toContain('Inefficient Files:\nCount  Wasted Space  File Path\nNone\n');
  });

  it('reads .dive-ci from the working directory or --ci-config; flags win over the file', async () => {
    const relaxed =
      'rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.9\n';
    const cap = ioFor(wasteful);
    expect(await run(['w.tar', '--image', 'waste:1'], cap.io, dirWith({ '.dive-ci': relaxed }))).toBe(0);
    expect(cap.stdout()).toContain('Using CI config: /work/project/.dive-ci\n');
    const named = ioFor(wasteful);
    expect(
      await run(
        ['w.tar', '--image', 'waste:1', '--ci-config', 'ci/rules.yaml'],
        named.io,
        dirWith({ 'ci/rules.yaml': relaxed }),
      ),
    ).toBe(0);
    const stricter = ioFor(wasteful);
    expect(
      await run(
        ['w.tar', '--image', 'waste:1', '--highest-wasted-bytes', '100'],
        stricter.io,
        dirWith({ '.dive-ci': relaxed }),
      ),
    ).toBe(1);
    expect(stricter.stdout()).toContain('too many bytes wasted (wasted-bytes=400 > threshold=100)');
  });

  it('a missing --ci-config file is an error; a misconfigured rule fails like dive', async () => {
    const missing = ioFor(wasteful);
    expect(await run(['w.tar', '--ci-config', 'nope.yaml'], missing.io, dirWith())).toBe(2);
    expect(missing.stderr()).toBe('CI config nope.yaml not found\n');
    const bad = ioFor(wasteful);
    expect(await run(['w.tar', '--image', 'lean:1', '--lowest-efficiency', '1.5'], bad.io, dirWith())).toBe(
      1,
    );
    expect(bad.stdout()).toContain(
      "MISCONFIGURED: lowestEfficiency (threshold 1.5): lowestEfficiency config value is outside allowed range (0-1), given '1.5'",
    );
    expect(bad.stdout()).toContain('CI Misconfigured\n');
    const badFile = ioFor(wasteful);
    expect(
      await run(
        ['w.tar', '--image', 'lean:1'],
        badFile.io,
        dirWith({ '.dive-ci': 'rules:\n  lowestEfficency: 0.5\n' }),
      ),
    ).toBe(1);
    expect(badFile.stderr()).toBe('/work/project/.dive-ci: line 2: unknown rule "lowestEfficency"\n');
  });

  it('exits 2 without a verdict when a layer could not be read', async () => {
    const layer = await layerOf([file('a', 1)]);
    const archive = archiveOfImages(
      new Map([
        ['l0', blobOf(layer.table, 'l0')],
        ['l1', blobOf(null, 'l1')],
      ]),
      [imageOf(['l0', 'l1'], ['broken:1'])],
    );
    const cap = captureIo(async () => archive);
    expect(await run(['b.tar'], cap.io, dirWith())).toBe(2);
    expect(cap.stderr()).toContain('layer 1 (l1) could not be read: unreadable in test');
    expect(cap.stdout()).not.toContain('Result:');
  });

  it('rejects bad usage with exit code 2', async () => {
    for (const args of [[], ['a.tar', '--merged'], ['a.tar', '--lowest-efficiency']]) {
      const cap = ioFor(wasteful);
      expect(await run(args, cap.io, dirWith())).toBe(2);
      expect(cap.stderr()).toContain('usage: ci');
    }
  });
});

const DIVE_FIXTURE = fileURLToPath(
  new URL('../../../../shared/fixtures/peers/dive/test-docker-image.tar', import.meta.url),
);

describe.skipIf(!existsSync(DIVE_FIXTURE))("ci on dive's test image", () => {
  it("gives dive's verdicts for dive's own evaluator cases", async () => {
    const bytes = new Uint8Array(readFileSync(DIVE_FIXTURE));
    const cases: [string[], number][] = [
      [
        [
          '--lowest-efficiency',
          '0.99',
          '--highest-wasted-bytes',
          '1B',
          '--highest-user-wasted-percent',
          '0.01',
        ],
        1,
      ],
      [
        [
          '--lowest-efficiency',
          '0.9',
          '--highest-wasted-bytes',
          '50kB',
          '--highest-user-wasted-percent',
          '0.5',
        ],
        0,
      ],
      [
        [
          '--lowest-efficiency',
          'disabled',
          '--highest-wasted-bytes',
          'disabled',
          '--highest-user-wasted-percent',
          'disabled',
        ],
        0,
      ],
      [[], 1], // dive's defaults: 48 % of the user bytes are wasted, over 10 %
    ];
    for (const [flags, code] of cases) {
      const cap = ioFor(bytes);
      expect(await run(['test-docker-image.tar', ...flags], cap.io, dirWith()), flags.join(' ')).toBe(code);
    }
    const cap = ioFor(bytes);
    await run(['test-docker-image.tar'], cap.io, dirWith());
    expect(cap.stdout()).toContain(
      '  efficiency: 98.4421 %\n  wastedBytes: 32025 bytes (32 kB)\n  userWastedPercent: 48.3491 %\n',
    );
    expect(cap.stdout()).toContain(
      '    2         13 kB  /root/saved.txt\n    2         13 kB  /root/example/somefile1.txt\n    2        6.4 kB  /root/example/somefile3.txt\n',
    );
  });
});
