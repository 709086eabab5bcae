import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOSTILE_CASES,
  type HostileCase,
  pzstdAvailable,
  TERMINAL_ATTACK,
  zstdAvailable,
} from '../testing/hostileCorpus';
import { brokenPromises, CliHarness, type CliRun, commandsFor } from '../testing/hostileRunner';

/**
 * Issue 16's promise, held on every command for every hostile archive: exit 0 with a result or
 * exit 2 with a precise message; never a crash text, a hang, unbounded memory, a stray file or a
 * raw control character on the terminal. Each archive is written lazily into os.tmpdir() (the
 * large ones streamed to disk) and removed once its commands have run.
 */

const work = mkdtempSync(join(tmpdir(), 'ile-hostile-'));
let harness: CliHarness;
beforeAll(async () => {
  harness = await CliHarness.create(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bounds per case: seconds per command and peak RSS in MiB (measured under load, with room), and a
 * tighter peak for particular commands. entries-1m's export --merged peaked at 790 MiB before its plan
 * was streamed, about 470 after, 408 once stacking held less at its peak, and 320 (median of 5,
 * 309–328, at load 5; 321, 301–328, at load 7–13) once names were held as bytes off the heap and
 * the layer views built only when read: the "well under 500 MB" for that export is asserted
 * as 400. Its other commands peak at 295–358 (they were 395–597; ls queued its whole listing for a
 * slow pipe), so the case's bound is 500. */
const BOUNDS: Record<string, { seconds: number; mib: number; mibFor?: Record<string, number> }> = {
  'layers-10k-history-300k': { seconds: 60, mib: 1000 },
  'entries-1m': { seconds: 120, mib: 500, mibFor: { 'export --merged': 400 } },
  'gzip-bomb-20gb': { seconds: 60, mib: 300 },
  'zstd-bomb-1.5tb': { seconds: 30, mib: 300 },
  'deep-dir-5000': { seconds: 60, mib: 400 },
  'whiteouts-100k': { seconds: 60, mib: 500 },
  'hardlink-chain-50k': { seconds: 30, mib: 400 },
};
const DEFAULT_BOUND = { seconds: 20, mib: 300 };

/** What particular cases must say, beyond the promise every run keeps. */
function expectCaseSpecifics(testCase: HostileCase, label: string, run: CliRun): void {
  const out = run.stdout.toString('utf8');
  switch (testCase.name) {
    case 'hardlink-chain-50k':
      if (label.startsWith('export')) expect(run.status).toBe(0);
      break;
    case 'zstd-long27-40':
    case 'zstd-w8m-300':
    case 'layers-10k-history-300k':
      // every layer read, the last like the first
      expect([label, run.status]).toEqual([label, 0]);
      break;
    case 'zstd-bomb-1.5tb':
    case 'gzip-bomb-20gb':
      if (label.startsWith('inspect') || label.startsWith('ls'))
        expect(run.stderr).toMatch(/expands past the decompression-bomb bound/);
      if (label === 'cat') expect(out).toBe('kept\n'); // what was read is kept
      if (label.startsWith('export')) expect(run.stderr).toMatch(/nothing was written/);
      break;
    case 'pzstd-layer':
    case 'pzstd-archive':
      // every command reads across the frames' seams, and says nothing of trailing garbage
      expect([label, run.status]).toEqual([label, 0]);
      expect(run.stderr).not.toMatch(/trailing garbage/);
      if (label === 'cat') expect(out).toBe('after the frames\n');
      if (label === 'ls') expect(out).toMatch(/big\.txt/);
      break;
    case 'gzip-trailing-garbage':
    case 'zstd-trailing-garbage':
    case 'multi-frame-zstd-archive':
      expect([label, run.status]).toEqual([label, 0]);
      if (label === 'inspect' && testCase.name !== 'multi-frame-zstd-archive')
        expect(out).toMatch(/trailing garbage/);
      break;
    case 'terminal-escapes':
      if (label === 'inspect') expect(out).toContain('\\x1B[31mred');
      if (label === 'inspect --json') {
        expect(out).toContain('\\u009B2J\\u202Etxt.exe');
        expect(JSON.stringify(JSON.parse(out))).toContain(JSON.stringify(TERMINAL_ATTACK).slice(1, -1));
      }
      break;
    case 'json-with-nul':
      expect(run.status).toBe(2);
      expect(run.stderr).not.toMatch(/\0/);
      break;
    case 'climbing-names':
      if (label === 'inspect') expect(out).toMatch(/"\.\.\/\.\.\/etc\/passwd".*climbing out of the root/);
      if (label.startsWith('export')) expect(run.stderr).toMatch(/climbs out of the root; left out/);
      break;
    case 'opaque-at-root':
      if (label === 'inspect') expect(out).toMatch(/an opaque marker at the root/);
      if (label === 'export') expect(run.stderr).toMatch(/opaque marker at the root.*left out/);
      break;
    case 'hardlink-forward':
      if (label === 'inspect') expect(out).toMatch(/"early": a hardlink to an entry that comes later/);
      break;
    case 'layers-entry-dir':
    case 'layers-entry-fifo':
      expect(run.status).toBe(2);
      if (label === 'inspect')
        expect(run.stderr).toMatch(/names a (directory|fifo) in the archive, not a layer tar/);
      break;
    case 'truncated-entry':
      if (label === 'inspect') expect(run.stderr).toMatch(/"0\/layer\.tar".*twelve\.bin/);
      break;
    case 'zstd-skippable-4g':
      if (label === 'inspect') expect(run.stderr).toMatch(/a skippable frame declares 4294967295 bytes/);
      break;
    case 'zstd-windowlog-41':
      if (label === 'inspect') expect(run.stderr).toMatch(/a window of 2 TiB \(window log 41\)/);
      break;
    case 'hardlink-odd-targets':
      if (label === 'export') {
        expect(run.stderr).toMatch(/\/to-dir: a hardlink to the directory \/adir/);
        expect(run.stderr).toMatch(/\/to-symlink: a hardlink to the symlink \/sym/);
        expect(run.stderr).toMatch(/\/cycle-b: .*part of a cycle of hardlinks/);
      }
      break;
    case 'unknown-type-flag':
      expect([label, run.status]).toEqual([label, 0]);
      if (label === 'inspect')
        expect(out).toMatch(/"odd" \(type 'Z'\): an unknown entry type, read as a regular file/);
      if (label === 'cat') expect(out).toBe('odd type\n');
      break;
    case 'empty-user-layers':
      if (label === 'inspect --json') {
        const doc = JSON.parse(out) as { images: { analysis: { wastedUserPercent: unknown } }[] };
        expect(doc.images[0].analysis.wastedUserPercent).toBe(0);
      }
      break;
    case 'verify-mismatch':
      if (label === 'inspect --verify') {
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/digest mismatch: the archive is corrupt/);
      }
      break;
  }
}

const needsZstd = new Set([
  'zstd-long27-40',
  'zstd-w8m-300',
  'zstd-trailing-garbage',
  'multi-frame-zstd-archive',
]);

const needsPzstd = new Set(['pzstd-layer', 'pzstd-archive']);

describe.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
  const skip =
    (needsZstd.has(testCase.name) && !zstdAvailable()) ||
    (needsPzstd.has(testCase.name) && !pzstdAvailable());
  const dir = join(work, 'archives', testCase.name);
  let archive = '';
  beforeAll(() => {
    if (skip) return;
    mkdirSync(dir, { recursive: true });
    archive = testCase.build(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bound = BOUNDS[testCase.name] ?? DEFAULT_BOUND;
  // One test per command, each with its own time: the labels are known before the archive is.
  it.skipIf(skip).each(commandsFor(testCase, '<archive>').map((c) => [c.label] as const))(
    '%s keeps the promise',
    async (label) => {
      const command = commandsFor(testCase, archive).find((c) => c.label === label)!;
      const run = await harness.run(command.args, { timeoutMs: bound.seconds * 1000 });
      expect(brokenPromises(label, run)).toEqual([]);
      expect(run.maxRss / 2 ** 20, `${label}: peak RSS`).toBeLessThan(bound.mibFor?.[label] ?? bound.mib);
      expectCaseSpecifics(testCase, label, run);
    },
  );
});
