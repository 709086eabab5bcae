import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareApkVersions, compareDebianVersions, compareRpmVersions } from './versions';

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

const DEBIAN_PAIRS: [string, string][] = [
  ['1.0', '1.0'],
  ['1.0', '1.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc2'],
  ['1.0~~', '1.0~'],
  ['1.0', '1.0+b1'],
  ['1.0-1', '1.0-1+deb12u1'],
  ['1:0.9', '2.0'],
  ['2.36-9+deb12u4', '2.36-9+deb12u10'],
  ['1.2.3a', '1.2.3'],
  ['1.2.3', '1.2.3.0'],
  ['0010', '10'],
  ['1.0-0ubuntu1', '1.0-1'],
  ['3.0.11-1~deb12u2', '3.0.11-1'],
  ['1.35.0-4+b1', '1.35.0-4'],
  ['a', 'A'],
  ['1.0-a', '1.0-+'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'],
];

const RPM_PAIRS: [string, string][] = [
  ['1.0', '1.0'],
  ['1.0', '1.0a'],
  ['1.0~rc1', '1.0'],
  ['1.0^git1', '1.0'],
  ['1.0^git1', '1.0.1'],
  ['1.0', '1.0^'],
  ['2.0', '10.0'],
  ['1.0.1', '1.0_1'],
  ['1.a', '1.1'],
  ['abc', 'abd'],
  ['1.0010', '1.9'],
  ['5.2', '5.2.0'],
  ['1.0-1.el9', '1.0-1.el8'],
  ['2:1.0-1', '1:9.9-9'],
  ['fc4', 'fc.4'],
  ['3.0.7-27.el9', '3.0.7-24.el9'],
];

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

describe('Debian version order', () => {
  it.skipIf(!have('dpkg'))('agrees with dpkg --compare-versions on every pair', () => {
    for (const [a, b] of DEBIAN_PAIRS) {
      const lt = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0;
      const eq = spawnSync('dpkg', ['--compare-versions', a, 'eq', b]).status === 0;
      const expected = lt ? -1 : eq ? 0 : 1;
      expect(sign(compareDebianVersions(a, b)), `${a} vs ${b}`).toBe(expected);
      expect(sign(compareDebianVersions(b, a)), `${b} vs ${a}`).toBe(0 - expected || 0);
    }
  });

  it('orders tilde before the end and epochs before all', () => {
    expect(compareDebianVersions('1.0~beta', '1.0')).toBeLessThan(0);
    expect(compareDebianVersions('1:1.0', '9.9')).toBeGreaterThan(0);
    expect(compareDebianVersions('1.0-2', '1.0-10')).toBeLessThan(0);
  });
});

describe('rpm version order', () => {
  it.skipIf(!have('rpm'))("agrees with rpm's own rpm.vercmp on every pair", () => {
    const script = RPM_PAIRS.map(([a, b]) => `print(rpm.vercmp("${a}", "${b}"))`).join(' print(",") ');
    const out = spawnSync('rpm', ['--eval', `%{lua: ${script}}`], { encoding: 'utf8' }).stdout;
    const expected = out
      .trim()
      .split(',')
      .map((s) => Number(s.trim()));
    expect(expected).toHaveLength(RPM_PAIRS.length);
    RPM_PAIRS.forEach(([a, b], i) => {
      expect(sign(compareRpmVersions(a, b)), `${a} vs ${b}`).toBe(sign(expected[i]));
      expect(sign(compareRpmVersions(b, a)), `${b} vs ${a}`).toBe(0 - sign(expected[i]) || 0);
    });
  });
});

describe('apk version order', () => {
  // apk-tools' documented order (Gentoo's): pre-release suffixes before the release, post after.
  const ascending = [
    '1.0_alpha',
    '1.0_alpha2',
    '1.0_beta',
    '1.0_pre1',
    '1.0_rc1',
    '1.0',
    '1.0-r1',
    '1.0-r2',
    '1.0_cvs',
    '1.0_git20200101',
    '1.0_p1',
    '1.0a',
    '1.0b',
    '1.01',
    '1.1',
    '1.1.1',
    '1.2',
    '1.10',
    '2.0',
  ];
  it('sorts a ladder of versions in order', () => {
    for (let i = 0; i + 1 < ascending.length; i++) {
      expect(
        compareApkVersions(ascending[i], ascending[i + 1]),
        `${ascending[i]} < ${ascending[i + 1]}`,
      ).toBeLessThan(0);
      expect(compareApkVersions(ascending[i + 1], ascending[i])).toBeGreaterThan(0);
    }
    expect(compareApkVersions('1.1.1d-r3', '1.1.1d-r3')).toBe(0);
    expect(compareApkVersions('1.1.1d-r3', '1.1.1g-r0')).toBeLessThan(0);
  });

  it('falls back to segment order for versions apk would reject, without failing', () => {
    expect(compareApkVersions('weird~version', 'weird~version')).toBe(0);
    expect(() => compareApkVersions('', 'x')).not.toThrow();
  });
});
