import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CI_CONFIG,
  evaluateCiRules,
  formatBytes,
  parseBytes,
  parseDiveCiFile,
  parseGoFloat,
} from './ciRules';
import type { ImageAnalysis } from './efficiency';

/** dive's own numbers for its test-docker-image.tar (runtime/export/export_test.go). */
const diveTestImage: ImageAnalysis = {
  sizeBytes: 1220598,
  userSizeBytes: 66237,
  wastedBytes: 32025,
  wastedUserPercent: 32025 / 66237,
  efficiency: 0.9844212134184309,
  inefficientFiles: [],
};

function statuses(config: {
  lowestEfficiency: string;
  highestWastedBytes: string;
  highestUserWastedPercent: string;
}) {
  const report = evaluateCiRules(diveTestImage, config);
  return { pass: report.pass, ...Object.fromEntries(report.results.map((r) => [r.rule, r.status])) };
}

describe('dive CI rules', () => {
  it("reproduces dive's evaluator table on its test image", () => {
    // The same cases as dive's runtime/ci/evaluator_test.go.
    expect(
      statuses({ lowestEfficiency: '0.99', highestWastedBytes: '1B', highestUserWastedPercent: '0.01' }),
    ).toEqual({
      pass: false,
      lowestEfficiency: 'fail',
      highestWastedBytes: 'fail',
      highestUserWastedPercent: 'fail',
    });
    expect(
      statuses({ lowestEfficiency: '0.9', highestWastedBytes: '50kB', highestUserWastedPercent: '0.5' }),
    ).toEqual({
      pass: true,
      lowestEfficiency: 'pass',
      highestWastedBytes: 'pass',
      highestUserWastedPercent: 'pass',
    });
    expect(
      statuses({
        lowestEfficiency: 'disabled',
        highestWastedBytes: 'disabled',
        highestUserWastedPercent: 'disabled',
      }),
    ).toEqual({
      pass: true,
      lowestEfficiency: 'skip',
      highestWastedBytes: 'skip',
      highestUserWastedPercent: 'skip',
    });
    for (const config of [
      { lowestEfficiency: '1.1', highestWastedBytes: '1BB', highestUserWastedPercent: '10' },
      { lowestEfficiency: '-9', highestWastedBytes: '-1BB', highestUserWastedPercent: '-0.1' },
    ]) {
      expect(statuses(config)).toEqual({
        pass: false,
        lowestEfficiency: 'misconfigured',
        highestWastedBytes: 'misconfigured',
        highestUserWastedPercent: 'misconfigured',
      });
    }
  });

  it("uses dive's defaults and messages", () => {
    expect(DEFAULT_CI_CONFIG).toEqual({
      lowestEfficiency: '0.9',
      highestWastedBytes: 'disabled',
      highestUserWastedPercent: '0.1',
    });
    const report = evaluateCiRules(diveTestImage, { ...DEFAULT_CI_CONFIG });
    expect(report.pass).toBe(false);
    expect(report.results).toEqual([
      {
        rule: 'highestUserWastedPercent',
        status: 'fail',
        threshold: '0.1',
        message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${32025 / 66237} > threshold=0.1)`,
      },
      { rule: 'highestWastedBytes', status: 'skip', threshold: 'disabled', message: 'rule disabled' },
      { rule: 'lowestEfficiency', status: 'pass', threshold: '0.9', message: '' },
    ]);
    const low = evaluateCiRules(
      { ...diveTestImage, efficiency: 0.5 },
      { ...DEFAULT_CI_CONFIG, highestUserWastedPercent: '1' },
    );
    expect(low.results[2].message).toBe('image efficiency is too low (efficiency=0.5 < threshold=0.9)');
    const bytes = evaluateCiRules(diveTestImage, {
      ...DEFAULT_CI_CONFIG,
      highestWastedBytes: '20kB',
      highestUserWastedPercent: '1',
    });
    expect(bytes.results[1].message).toBe('too many bytes wasted (wasted-bytes=32025 > threshold=20000)');
  });

  it('fails the percent rule on Infinity like dive, and passes an empty image', () => {
    const infinite = evaluateCiRules(
      { ...diveTestImage, wastedUserPercent: Number.POSITIVE_INFINITY },
      { ...DEFAULT_CI_CONFIG },
    );
    expect(infinite.results[0].status).toBe('fail');
  });

  it("parses sizes like go-humanize's ParseBytes", () => {
    expect(parseBytes('20MB')).toBe(20_000_000);
    expect(parseBytes('20MiB')).toBe(20_971_520);
    expect(parseBytes('20 mb')).toBe(20_000_000);
    expect(parseBytes('1,000 kB')).toBe(1_000_000);
    expect(parseBytes('1.5k')).toBe(1500);
    expect(parseBytes('42')).toBe(42);
    expect(parseBytes('1B')).toBe(1);
    expect(parseBytes('MB')).toBeNull();
    expect(parseBytes('1BB')).toBeNull();
    expect(parseBytes('-1BB')).toBeNull();
    expect(parseBytes('disabled')).toBeNull();
  });

  it("parses numbers like Go's ParseFloat", () => {
    expect(parseGoFloat('0.9')).toBe(0.9);
    expect(parseGoFloat('.5')).toBe(0.5);
    expect(parseGoFloat('1e-1')).toBe(0.1);
    expect(parseGoFloat('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseGoFloat('')).toBeNull();
    expect(parseGoFloat('0.9x')).toBeNull();
    expect(parseGoFloat(' 0.9')).toBeNull();
  });

  it("formats sizes like go-humanize's Bytes", () => {
    expect([0, 9, 10, 999, 6405, 12810, 32025, 2_097_152, 999_999].map(formatBytes)).toEqual([
      '0 B',
      '9 B',
      '10 B',
      '999 B',
      '6.4 kB',
      '13 kB',
      '32 kB',
      '2.1 MB',
      '1000 kB',
    ]);
  });

  it('reads .dive-ci files in block and flow style', () => {
    expect(
      parseDiveCiFile(`# dive CI rules
rules:
  # If the efficiency is measured below X%, mark as failed.
  lowestEfficiency: 0.95
  highestWastedBytes: "20MB"   # quoted
  highestUserWastedPercent: 0.20
`),
    ).toEqual({
      config: { lowestEfficiency: '0.95', highestWastedBytes: '20MB', highestUserWastedPercent: '0.20' },
      errors: [],
    });
    expect(
      parseDiveCiFile(
        "---\nrules: { lowestEfficiency: 0.9, highestWastedBytes: disabled, 'highestUserWastedPercent': 0.1 }\n",
      ),
    ).toEqual({
      config: { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' },
      errors: [],
    });
    expect(parseDiveCiFile('other: 1\nrules:\n  LowestEfficiency: 0.5\nlater: 2\n')).toEqual({
      config: { lowestEfficiency: '0.5' },
      errors: [],
    });
    expect(parseDiveCiFile('rules:\n  nonsense: 1\n  - list\n').errors).toEqual([
      'line 2: unknown rule "nonsense"',
      'line 3: cannot read "- list"',
    ]);
  });
});
