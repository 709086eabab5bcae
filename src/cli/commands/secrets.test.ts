import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parseDiveCiFile } from '../../core/analysis';
import { MemorySource } from '../../core/bytes/byteSource';
import type { ImageArchive } from '../../core/image/model';
import { ArchiveReadError, openArchive } from '../../core/image/open';
import { dockerArchive, type TestImage } from '../../testing/archives';
import { fake } from '../../testing/fakeSecrets';
import type { CliIo } from '../io';
import { run as ci } from './ci';
import { run, secretsJUnit } from './secrets';

function ioFor(bytes: Uint8Array | null) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    openArchive: async (path): Promise<ImageArchive> => {
      if (!bytes) throw new ArchiveReadError(`cannot open ${path}`);
      return openArchive(new MemorySource(bytes, path));
    },
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const key = fake.pemPrivateKey('OPENSSH ');
const token = fake.githubToken(77);

/** Layer 1 adds a private key, layer 2 deletes it. */
const leaky: TestImage = {
  tags: ['leaky:1'],
  layers: [
    [{ name: 'etc/hostname', content: 'box\n' }],
    [
      { name: 'root/.ssh/', type: 'dir' },
      { name: 'root/.ssh/id_ed25519', content: key },
    ],
    [{ name: 'root/.ssh/.wh.id_ed25519', content: '' }],
  ],
  config: { Env: [`GITHUB_TOKEN=${token}`] },
};
const clean: TestImage = { tags: ['clean:1'], layers: [[{ name: 'etc/hostname', content: 'box\n' }]] };

const noDiveCi = { cwd: '/p', readText: async () => null };

describe('secrets', () => {
  it('prints the contract JSON, previews only, and exits 1 on a finding', async () => {
    const cap = ioFor(dockerArchive([leaky, clean]));
    expect(await run(['a.tar', '--json'], cap.io)).toBe(1);
    const doc = JSON.parse(cap.stdout());
    expect(doc).toEqual({
      findings: [
        {
          rule: 'github-token',
          where: 'env',
          path: null,
          layer: null,
          line: null,
          preview: `${token.slice(0, 4)}…${token.slice(-4)}`,
          visibleInFinalImage: true,
          hiddenByLayer: null,
        },
        {
          rule: 'private-key',
          where: 'file',
          path: '/root/.ssh/id_ed25519',
          layer: 1,
          line: 1,
          preview: expect.any(String),
          visibleInFinalImage: false,
          hiddenByLayer: 2,
        },
      ],
      scanned: { files: 2, bytes: 4 + key.length, skipped: 0 },
    });
    // No secret whole anywhere in what was printed.
    expect(cap.stdout()).not.toContain(token);
    const body = key.split('\n')[1];
    expect(cap.stdout()).not.toContain(body.slice(0, 16));
  });

  it('text: the layer, its command and where the file stands', async () => {
    const cap = ioFor(dockerArchive([leaky]));
    expect(await run(['a.tar'], cap.io)).toBe(1);
    expect(cap.stdout()).toContain(
      'private-key  /root/.ssh/id_ed25519:1  layer 1 (/bin/sh -c #(nop) STEP 1)',
    );
    expect(cap.stdout()).toContain('deleted in layer 2, still in the archive');
    expect(cap.stdout()).toMatch(/2 findings; scanned 2 files \(\d+ bytes\); skipped 0\n$/);
  });

  it('exits 0 with no finding, 2 on an unreadable archive or a bad image', async () => {
    const cap = ioFor(dockerArchive([leaky, clean]));
    expect(await run(['a.tar', '--image', 'clean:1', '--json'], cap.io)).toBe(0);
    expect(JSON.parse(cap.stdout()).findings).toEqual([]);
    await expect(run(['gone.tar'], ioFor(null).io)).rejects.toThrow(ArchiveReadError);
    const bad = ioFor(dockerArchive([clean]));
    expect(await run(['a.tar', '--image', 'nope:1'], bad.io)).toBe(2);
    expect(await run(['a.tar', '--bogus'], bad.io)).toBe(2);
  });
});

// The published SARIF 2.1.0 schema as @microsoft/jest-sarif ships it (see ciFormats.test.ts).
const require = createRequire(import.meta.url);
const SCHEMA = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
);
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv, { mode: 'full' });
const validateSarif = ajv.compile(SCHEMA);

/** xmllint (libxml2) reads the XML back: well-formed, and its counts as CI would see them. */
function xpath(xml: string, expression: string): string {
  return execFileSync('xmllint', ['--xpath', expression, '-'], { input: xml }).toString().trim();
}

describe('secrets --format', () => {
  it('sarif: valid SARIF 2.1.0, one result per finding at its path, line and layer, exit 1', async () => {
    const cap = ioFor(dockerArchive([leaky]));
    expect(await run(['a.tar', '--format', 'sarif'], cap.io)).toBe(1);
    const log = JSON.parse(cap.stdout());
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const [sarifRun] = log.runs;
    expect(sarifRun.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([
      'github-token',
      'private-key',
    ]);
    const results = sarifRun.results as {
      ruleId: string;
      ruleIndex: number;
      message: { text: string };
      locations: {
        physicalLocation: {
          artifactLocation: { uri: string; uriBaseId?: string };
          region?: { startLine: number };
        };
        logicalLocations: { name: string }[];
      }[];
      properties: Record<string, unknown>;
    }[];
    const file = results.find((r) => r.ruleId === 'private-key');
    expect(file?.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'root/.ssh/id_ed25519', uriBaseId: 'IMAGE_ROOT' },
      region: { startLine: 1 },
    });
    expect(file?.locations[0].logicalLocations.map((l) => l.name)).toEqual(['leaky:1', 'layer 1']);
    expect(file?.message.text).toContain('deleted in layer 2, still in the archive');
    expect(file?.properties).toMatchObject({ where: 'file', visibleInFinalImage: false, hiddenByLayer: 2 });
    const env = results.find((r) => r.ruleId === 'github-token');
    expect(env?.locations[0].physicalLocation.artifactLocation.uri).toBe('a.tar');
    expect(env?.message.text).toContain('config Env');
    expect(cap.stdout()).not.toContain(token);
    expect(cap.stdout()).not.toContain(key.split('\n')[1].slice(0, 16));
  });

  it('junit: a failed case per finding; a clean image has one passed case and exits 0', async () => {
    const cap = ioFor(dockerArchive([leaky]));
    expect(await run(['a.tar', '--format', 'junit'], cap.io)).toBe(1);
    const xml = cap.stdout();
    expect(xpath(xml, 'string(/testsuites/@tests)')).toBe('2');
    expect(xpath(xml, 'string(/testsuites/@failures)')).toBe('2');
    expect(xpath(xml, 'string(//testcase[failure/@type="private-key"]/@name)')).toBe(
      'private-key /root/.ssh/id_ed25519:1',
    );
    expect(xpath(xml, 'string(//failure[@type="private-key"]/@message)')).toContain(
      'deleted in layer 2, still in the archive',
    );
    expect(xml).not.toContain(token);

    const ok = ioFor(dockerArchive([clean]));
    expect(await run(['a.tar', '--format', 'junit'], ok.io)).toBe(0);
    expect(xpath(ok.stdout(), 'string(/testsuites/@tests)')).toBe('1');
    expect(xpath(ok.stdout(), 'string(/testsuites/@failures)')).toBe('0');
    expect(xpath(ok.stdout(), 'string(//testcase/@name)')).toBe('no secrets');
  });

  it('junit: a layer that could not be read is an error case, so the scan does not pass', () => {
    const xml = secretsJUnit('a.tar', 'x:1', 0, {
      findings: [],
      scanned: { files: 3, bytes: 30, skipped: 0 },
      skippedBinary: 0,
      skippedLarge: 0,
      skippedUnreadable: 0,
      maxFileBytes: 8 << 20,
      findingsDropped: 4,
      warnings: ['layer 1 (sha256:ab…): unexpected end of the gzip stream at byte 512'],
      cancelled: false,
    });
    expect(xpath(xml, 'string(/testsuites/@errors)')).toBe('1');
    expect(xpath(xml, 'string(/testsuites/@failures)')).toBe('1');
    expect(xpath(xml, 'string(//error/@message)')).toContain('unexpected end of the gzip stream');
    expect(xpath(xml, 'string(//failure/@message)')).toBe('4 more findings not listed');
    expect(xpath(xml, 'count(//testcase[@name="no secrets"])')).toBe('0');
  });

  it('refuses an unknown format or two formats before opening the archive (exit 2)', async () => {
    const never = ioFor(null);
    expect(await run(['a.tar', '--format', 'html'], never.io)).toBe(2);
    expect(never.stderr()).toContain('--format must be one of text, json, junit, sarif, got "html"');
    expect(await run(['a.tar', '--format', 'json'], ioFor(dockerArchive([clean])).io)).toBe(0);
    const both = ioFor(dockerArchive([clean]));
    expect(await run(['a.tar', '--json', '--format', 'sarif'], both.io)).toBe(2);
    expect(both.stderr()).toContain('ask for two formats');
  });
});

describe('ci --no-secrets', () => {
  it('fails on any finding, and passes a clean image', async () => {
    const cap = ioFor(dockerArchive([leaky]));
    const flags = ['--lowest-efficiency', '0', '--highest-user-wasted-percent', '1'];
    expect(await ci(['a.tar', ...flags], cap.io, noDiveCi)).toBe(0);
    const strict = ioFor(dockerArchive([leaky]));
    expect(await ci(['a.tar', ...flags, '--no-secrets'], strict.io, noDiveCi)).toBe(1);
    expect(strict.stdout()).toContain('  FAIL: noSecrets (threshold true): 2 secrets found');
    expect(strict.stdout()).toContain('private-key  /root/.ssh/id_ed25519:1 (layer 1)');
    expect(strict.stdout()).not.toContain(token);
    const ok = ioFor(dockerArchive([clean]));
    expect(await ci(['a.tar', '--no-secrets'], ok.io, noDiveCi)).toBe(0);
    expect(ok.stdout()).toContain('  PASS: noSecrets (threshold true)');
  });

  it('reads noSecrets from .dive-ci', async () => {
    expect(parseDiveCiFile('rules:\n  noSecrets: true\n')).toEqual({
      config: {},
      errors: [],
      noSecrets: true,
    });
    expect(parseDiveCiFile('rules: {NoSecrets: "false", lowestEfficiency: 0.5}')).toEqual({
      config: { lowestEfficiency: '0.5' },
      errors: [],
      noSecrets: false,
    });
    expect(parseDiveCiFile('rules:\n  noSecrets: maybe\n').errors).toEqual([
      'line 2: noSecrets must be true or false, got "maybe"',
    ]);
    const cap = ioFor(dockerArchive([leaky]));
    const env = {
      cwd: '/p',
      readText: async () =>
        'rules:\n  lowestEfficiency: 0\n  highestUserWastedPercent: 1\n  noSecrets: true\n',
    };
    expect(await ci(['a.tar'], cap.io, env)).toBe(1);
    expect(cap.stdout()).toContain('FAIL: noSecrets');
  });
});
