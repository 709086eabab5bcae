import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dockerArchive, ociArchive, type TestImage } from '../../testing/archives';
import { fake } from '../../testing/fakeSecrets';
import { type ByteSource, MemorySource } from '../bytes/byteSource';
import { buildImageFileSystem } from '../fs';
import type { ImageArchive } from '../image/model';
import { openArchive } from '../image/open';
import { runSecretScan, type SecretReport, scanImageSecrets } from './scan';

/** Counts the bytes read from the archive, to see that each layer is read once. */
class CountingSource implements ByteSource {
  bytesRead = 0;
  constructor(private readonly inner: MemorySource) {}
  get size() {
    return this.inner.size;
  }
  get name() {
    return this.inner.name;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await this.inner.read(offset, length);
    this.bytesRead += bytes.length;
    return bytes;
  }
}

const key = fake.pemPrivateKey();
const token = fake.githubToken();
const npm = fake.npmToken();
const stripe = fake.stripeSecret();
const envValue = fake.randomValue(28, 99);

/**
 * Layer 0 a base; layer 1 adds a private key, a config with a token, a directory with a .env and
 * an .npmrc; layer 2 deletes the key (whiteout) and overwrites the config; layer 3 replaces the
 * directory (opaque). Only the .npmrc stays visible.
 */
const layered: TestImage = {
  tags: ['leaky:1'],
  layers: [
    [
      { name: 'etc/', type: 'dir' },
      { name: 'etc/hostname', content: 'box\n' },
    ],
    [
      { name: 'root/.ssh/', type: 'dir' },
      { name: 'root/.ssh/id_rsa', content: key, mode: 0o600 },
      { name: 'app/', type: 'dir' },
      { name: 'app/settings.yml', content: `name: demo\ngithub:\n  auth: ${token}\n` },
      { name: 'srv/', type: 'dir' },
      { name: 'srv/.env', content: `MODE=prod\nSESSION_SECRET=${envValue}\n` },
      { name: 'home/dev/.npmrc', content: `//registry.npmjs.org/:_authToken=${npm}\n` },
      {
        name: 'bin/tool',
        content: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, ...new TextEncoder().encode(token)]),
      },
    ],
    [
      { name: 'root/.ssh/.wh.id_rsa', content: '' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference to the environment, as the file writes it
      { name: 'app/settings.yml', content: 'name: demo\ngithub:\n  auth: ${GITHUB_TOKEN}\n' },
    ],
    [
      { name: 'srv/', type: 'dir' },
      { name: 'srv/.wh..wh..opq', content: '' },
      { name: 'srv/readme', content: 'nothing here\n' },
    ],
  ],
  history: [
    { createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
    { createdBy: `|1 NPM_TOKEN=${npm} /bin/sh -c install-things # buildkit` },
    { createdBy: '/bin/sh -c rm /root/.ssh/id_rsa' },
    { createdBy: `/bin/sh -c #(nop) LABEL stripe=${stripe}`, emptyLayer: true },
    { createdBy: '/bin/sh -c cleanup' },
  ],
  config: { Env: ['PATH=/usr/bin', `GITHUB_TOKEN=${token}`], Labels: { stripe } },
};

async function scan(archive: ImageArchive, options = {}): Promise<SecretReport> {
  const fs = await buildImageFileSystem(archive, 0);
  return runSecretScan(scanImageSecrets(archive, 0, fs, options));
}

const open = (bytes: Uint8Array) => openArchive(new MemorySource(bytes, 'leaky.tar'));

function fileFindings(report: SecretReport) {
  return report.findings
    .filter((f) => f.where === 'file')
    .map((f) => ({
      rule: f.rule,
      path: f.path,
      layer: f.layer,
      line: f.line,
      visible: f.visibleInFinalImage,
      hiddenBy: f.hiddenByLayer,
      how: f.hiddenHow,
    }));
}

const expectedFiles = [
  {
    rule: 'private-key',
    path: '/root/.ssh/id_rsa',
    layer: 1,
    line: 1,
    visible: false,
    hiddenBy: 2,
    how: 'deleted',
  },
  {
    rule: 'github-token',
    path: '/app/settings.yml',
    layer: 1,
    line: 3,
    visible: false,
    hiddenBy: 2,
    how: 'overwritten',
  },
  { rule: 'dotenv-value', path: '/srv/.env', layer: 1, line: 2, visible: false, hiddenBy: 3, how: 'deleted' },
  {
    rule: 'npm-token',
    path: '/home/dev/.npmrc',
    layer: 1,
    line: 1,
    visible: true,
    hiddenBy: null,
    how: null,
  },
];

describe('scanImageSecrets', () => {
  it('finds secrets in every layer, hidden ones with the layer that hid them', async () => {
    const report = await scan(await open(dockerArchive([layered])));
    expect(fileFindings(report)).toEqual(expectedFiles);
    const settings = report.findings.find((f) => f.path === '/app/settings.yml')!;
    expect(settings.secret).toBe(token);
    expect(settings.preview).not.toContain(token);
    expect(settings.command).toBe(layered.history![1].createdBy);
    expect(settings.historyIndex).toBe(1);
  });

  it('finds secrets in Env, Labels and every history step (BuildKit build args too)', async () => {
    const report = await scan(await open(dockerArchive([layered])));
    const config = report.findings
      .filter((f) => f.where !== 'file')
      .map((f) => [f.where, f.rule, f.layer, f.historyIndex, f.visibleInFinalImage]);
    expect(config).toEqual([
      ['env', 'github-token', null, null, true],
      ['label', 'stripe-secret-key', null, null, true],
      ['history', 'npm-token', 1, 1, true],
      ['history', 'stripe-secret-key', null, 3, true],
    ]);
  });

  it('counts binaries and files over the size bound as skipped, and scans the rest', async () => {
    const report = await scan(await open(dockerArchive([layered])), { maxFileBytes: 64 });
    // bin/tool holds a NUL (binary); the key, the config with the token and srv/.env are over 64 bytes.
    expect(report.skippedBinary).toBe(1);
    expect(report.skippedLarge).toBeGreaterThanOrEqual(3);
    expect(fileFindings(report).map((f) => f.path)).not.toContain('/root/.ssh/id_rsa');
    const full = await scan(await open(dockerArchive([layered])));
    expect(full.skippedBinary).toBe(1);
    expect(full.scanned.skipped).toBe(1);
    // The text files with bytes: 1 in layer 0, 4 in layer 1 (and the binary), 1 in layer 2, 1 in layer 3.
    expect(full.scanned.files).toBe(7);
  });

  it('a NUL byte anywhere makes a binary, as GNU grep -I decides, also past the first 4 KiB', async () => {
    const text = new TextEncoder().encode(`${'filler line\n'.repeat(600)}GITHUB_TOKEN=${token}\n`);
    const withNulAt = (at: number) => {
      const bytes = new Uint8Array(text.length + 1);
      bytes.set(text.subarray(0, at));
      bytes.set(text.subarray(at), at + 1);
      return bytes;
    };
    const files = [
      { name: 'late-nul.txt', content: withNulAt(text.length - 1) },
      { name: 'early-nul.txt', content: withNulAt(10) },
      { name: 'plain.txt', content: text },
      // Bytes that are not UTF-8 are text still (the decoder gives U+FFFD for them).
      { name: 'latin1.txt', content: new Uint8Array([0xe9, 0xff, 0x0a, ...text]) },
    ];
    const report = await scan(await open(dockerArchive([{ tags: ['bin:1'], layers: [files] }])));
    expect(text.length).toBeGreaterThan(4096);
    expect(report.skippedBinary).toBe(2);
    expect(report.findings.map((f) => [f.path, f.line])).toEqual([
      ['/plain.txt', 601],
      ['/latin1.txt', 602],
    ]);
    // grep -I, given the same files, prints the same two and skips the binaries.
    const dir = mkdtempSync(join(tmpdir(), 'ilx-secrets-nul-'));
    try {
      for (const f of files) writeFileSync(join(dir, f.name), f.content);
      const grep = spawnSync('grep', ['-rIlF', token, dir], {
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C' },
      });
      if (grep.error) return; // no grep here: the counts above stand
      expect(
        grep.stdout
          .split('\n')
          .filter(Boolean)
          .map((p) => basename(p))
          .sort(),
      ).toEqual(['latin1.txt', 'plain.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads gzip and zstd layers once, front to back', async () => {
    for (const compression of ['gzip', 'zstd'] as const) {
      const bytes = ociArchive([layered], compression);
      const archive = await open(bytes);
      const source = new CountingSource(new MemorySource(bytes, 'leaky.tar'));
      const counted: ImageArchive = { ...archive, source };
      const fs = await buildImageFileSystem(archive, 0);
      const report = await runSecretScan(scanImageSecrets(counted, 0, fs));
      expect(fileFindings(report)).toEqual(expectedFiles);
      const layerBytes = [...archive.blobs.values()].reduce((n, b) => n + b.storedSize, 0);
      expect(source.bytesRead).toBeLessThanOrEqual(layerBytes);
    }
  });

  it('stops when cancelled, keeping what it found', async () => {
    const archive = await open(dockerArchive([layered]));
    const fs = await buildImageFileSystem(archive, 0);
    const controller = new AbortController();
    const scan = scanImageSecrets(archive, 0, fs, { signal: controller.signal });
    const first = await scan.next();
    expect(first.done).toBe(false);
    if (!first.done) expect(first.value.filesTotal).toBe(8);
    controller.abort();
    const last = await scan.next();
    expect(last.done).toBe(true);
    const report = last.value as SecretReport;
    expect(report.cancelled).toBe(true);
    expect(report.findings.every((f) => f.where !== 'file')).toBe(true);
  });

  it('a layer that could not be read is named, the others are still scanned', async () => {
    const archive = await open(dockerArchive([layered]));
    const [first] = archive.images[0].layers;
    archive.blobs.set(first.blob, { ...archive.blobs.get(first.blob)!, entries: null, error: 'broken' });
    const fs = await buildImageFileSystem(archive, 0);
    const report = await runSecretScan(scanImageSecrets(archive, 0, fs));
    expect(report.warnings).toEqual([expect.stringContaining('layer 0')]);
    expect(fileFindings(report)).toEqual(expectedFiles);
  });

  it('keeps at most maxFindings, counting the rest', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => fake.githubToken(i + 100)).join('\n');
    const archive = await open(
      dockerArchive([{ tags: ['many:1'], layers: [[{ name: 'tokens.txt', content: lines }]] }]),
    );
    const report = await scan(archive, { maxFindings: 10 });
    expect(report.findings).toHaveLength(10);
    expect(report.findingsDropped).toBe(20);
  });
});

// The shared fixtures: the real images hold no secrets; the modern ones hold the fake secrets
// their facts.json lists (files by layer and kind, Env, history steps), and nothing else.
const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const KIND_RULES: Record<string, string[]> = {
  'AWS secret access key': ['aws-secret-access-key'],
  'private key (PEM)': ['private-key', 'ssh-private-key-file'],
};

interface FactsImage {
  config_digest: string;
  config_summary?: { secret_like_env?: string[]; secret_like_history?: number[] };
  layers: { secret_like_files?: { path: string; kinds: string[] }[] }[];
}

describe.skipIf(!existsSync(fixtures))('the shared fixtures', () => {
  it('real images: no findings at all', async () => {
    const dir = `${fixtures}real/`;
    for (const name of [
      'app-2.docker.tar',
      'multi.docker.tar',
      'tool-1.oci-zstd.tar',
      'app-1.docker.tar.gz',
    ]) {
      const archive = await openArchive(new MemorySource(readFileSync(dir + name), name));
      for (let i = 0; i < archive.images.length; i++) {
        const fs = await buildImageFileSystem(archive, i);
        const report = await runSecretScan(scanImageSecrets(archive, i, fs));
        expect(report.findings, `${name} image ${i}`).toEqual([]);
        expect(report.scanned.files).toBeGreaterThan(40);
      }
    }
  });

  it('modern images: exactly the planted fake secrets, hidden by the layer facts.json names', async () => {
    const dir = `${fixtures}modern/`;
    let planted = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.tar'))) {
      const factsPath = `${dir}meta/${name}.facts.json`;
      if (!existsSync(factsPath)) continue;
      const facts = JSON.parse(readFileSync(factsPath, 'utf8')) as { images: FactsImage[] };
      const archive = await openArchive(new MemorySource(readFileSync(dir + name), name));
      for (const [i, image] of archive.images.entries()) {
        const expected = facts.images.find((f) => f.config_digest === image.id);
        if (!expected) continue;
        const fs = await buildImageFileSystem(archive, i);
        const report = await runSecretScan(scanImageSecrets(archive, i, fs));
        const label = `${name} ${image.tags.join(',')}`;
        // Files: each planted one is found with a rule of its kind, and no other file is.
        const plantedHere = expected.layers.flatMap((layer, index) =>
          (layer.secret_like_files ?? []).map((f) => ({ layer: index, path: `/${f.path}`, kinds: f.kinds })),
        );
        const files = report.findings.filter((f) => f.where === 'file');
        planted += plantedHere.length;
        for (const p of plantedHere) {
          const here = files.filter((f) => f.path === p.path && f.layer === p.layer);
          for (const kind of p.kinds)
            expect(
              here.some((f) => KIND_RULES[kind].includes(f.rule)),
              `${label} ${p.path} ${kind}`,
            ).toBe(true);
          // facts.json says a later RUN deleted them: the whiteout hides them, the blob keeps them.
          expect(
            here.every((f) => !f.visibleInFinalImage && f.hiddenHow === 'deleted'),
            label,
          ).toBe(true);
        }
        expect(
          files.filter((f) => !plantedHere.some((p) => p.path === f.path && p.layer === f.layer)),
          label,
        ).toEqual([]);
        // Env and history: the steps facts.json lists, and no others.
        const env = report.findings.filter((f) => f.where === 'env');
        expect(env.length, label).toBe(expected.config_summary?.secret_like_env?.length ?? 0);
        const history = report.findings.filter((f) => f.where === 'history').map((f) => f.historyIndex);
        expect(history, label).toEqual(expected.config_summary?.secret_like_history ?? []);
      }
    }
    expect(planted).toBeGreaterThanOrEqual(8);
  });
});
