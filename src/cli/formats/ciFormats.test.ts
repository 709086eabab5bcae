import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import { openArchive } from '../../core/image/open';
import { dockerArchive } from '../../testing/archives';
import type { BuildEntry } from '../../testing/tarBuilder';
import { type CiEnvironment, run } from '../commands/ci';
import type { CliIo } from '../io';
import { junitXml } from './junit';
import { sarifLog } from './sarif';

// The published SARIF 2.1.0 schema (rtm.5, the OASIS standard's final schema), as Microsoft's
// jest-sarif package ships it: read from node_modules, never fetched.
const require = createRequire(import.meta.url);
const SCHEMA = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
);
// unicodeRegExp off: the schema's language pattern has a stray `]` that only non-unicode regexps accept.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
// The schema's formats (uri, uri-reference, date-time) checked too, with ajv-formats' full rules.
addFormats(ajv, { mode: 'full' });
const validateSarif = ajv.compile(SCHEMA);

const file = (name: string, size: number): BuildEntry => ({ name, content: 'x'.repeat(size) });
// As in ci.test.ts: waste:1 fails lowestEfficiency (0.7333) and highestUserWastedPercent (0.8);
// lean:1 passes both; highestWastedBytes is disabled by default.
const wasteful = dockerArchive([
  {
    tags: ['waste:1'],
    layers: [[file('base', 1000)], [file('app', 100), file('data/big', 400)], [file('data/.wh.big', 0)]],
  },
  { tags: ['lean:1'], layers: [[file('base', 1000)], [file('app', 100)]] },
]);
const noConfig: CiEnvironment = { cwd: '/nowhere', readText: async () => null };

async function ci(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    openArchive: async (path) => openArchive(new MemorySource(wasteful, path)),
  };
  const code = await run(['w.tar', ...args], io, noConfig);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** xmllint (libxml2) parses it: well-formed XML, or it throws with the line. */
function wellFormed(xml: string): void {
  execFileSync('xmllint', ['--noout', '-'], { input: xml });
}

describe('ci --format sarif', () => {
  it('is valid SARIF 2.1.0 with one result per failed rule, located at the archive and image', async () => {
    const { code, stdout, stderr } = await ci(['--format', 'sarif']);
    expect(code).toBe(1);
    expect(stderr).toContain('Using default CI config');
    const log = JSON.parse(stdout);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const run0 = log.runs[0];
    expect(run0.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([
      'highestUserWastedPercent',
      'highestWastedBytes',
      'lowestEfficiency',
    ]);
    const results = run0.results as {
      ruleId: string;
      level: string;
      locations: {
        physicalLocation: { artifactLocation: { uri: string } };
        logicalLocations: { name: string }[];
      }[];
    }[];
    expect(results.map((r) => [r.ruleId, r.level, r.locations[0].logicalLocations[0].name])).toEqual([
      ['highestUserWastedPercent', 'error', 'waste:1'],
      ['lowestEfficiency', 'error', 'waste:1'],
    ]);
    expect(results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('w.tar');
  });

  it('is valid with no result when every rule passes', async () => {
    const { code, stdout } = await ci(['--format', 'sarif', '--image', 'lean:1']);
    expect(code).toBe(0);
    const log = JSON.parse(stdout);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    expect(log.runs[0].results).toEqual([]);
  });

  it('locates a finding in the image by path, line and layer, and stays valid', () => {
    const log = sarifLog({
      version: '0.1.0',
      rules: [{ id: 'aws-access-key', shortDescription: 'An AWS access key', level: 'error' }],
      findings: [
        {
          ruleId: 'aws-access-key',
          level: 'error',
          message: 'an AWS access key in /etc/app/config ñ',
          archive: '/abs/app image.tar',
          image: 'app:1',
          path: '/etc/app/config file',
          layer: 3,
          line: 12,
        },
      ],
    });
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const location = (log.runs as { results: { locations: unknown[] }[] }[])[0].results[0].locations[0];
    expect(location).toEqual({
      physicalLocation: {
        artifactLocation: { uri: 'etc/app/config%20file', uriBaseId: 'IMAGE_ROOT' },
        region: { startLine: 12 },
      },
      logicalLocations: [
        { name: 'app:1', kind: 'module', fullyQualifiedName: '/abs/app image.tar#app:1' },
        { name: 'layer 3', kind: 'layer', fullyQualifiedName: '/abs/app image.tar#app:1/layer 3' },
      ],
    });
    // The schema is strict enough to catch a broken log.
    expect(validateSarif({ version: '2.1.0', runs: [{ tool: {} }] })).toBe(false);
  });
});

describe('ci --format junit', () => {
  it('writes a suite per image and a case per rule: failed, skipped, passed', async () => {
    const { code, stdout } = await ci(['--format', 'junit']);
    expect(code).toBe(1);
    wellFormed(stdout);
    expect(stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="image-layer-explorer ci" tests="6" failures="2" errors="0" skipped="2">/,
    );
    expect(stdout.match(/<testsuite /g)).toHaveLength(2);
    expect(stdout).toContain(
      '<testcase name="lowestEfficiency (threshold 0.9)" classname="w.tar.image0" time="0.000">',
    );
    expect(stdout).toMatch(/<failure message="[^"]*" type="highestUserWastedPercent">/);
    expect(stdout).toContain('<skipped message=');
    expect(stdout).not.toContain('Using default CI config');
  });

  it('escapes what XML cannot hold', () => {
    const xml = junitXml([
      {
        name: 's<&>"',
        cases: [
          { name: 'a\u001b[31m', classname: 'c\u202e', failure: { message: "it's", details: 'l1\nl2 <x>' } },
        ],
      },
    ]);
    wellFormed(xml);
    expect(xml).toContain('name="a\\x1B[31m"');
    expect(xml).toContain('classname="c\\u202E"');
    expect(xml).toContain('>l1\nl2 &lt;x&gt;</failure>');
  });

  it('refuses an unknown format', async () => {
    expect((await ci(['--format', 'xml'])).code).toBe(2);
  });
});
