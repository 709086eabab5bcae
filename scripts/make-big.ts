/**
 * Generates the benchmark's large image archives under .cache/bench/ (gitignored), by our own
 * code, streaming to disk (no layer is ever held in memory):
 *   docker-<scale>.tar    `docker save` layout: manifest.json, <config>.json, <id>/layer.tar (uncompressed)
 *   oci-gzip-<scale>.tar  OCI image layout archive (oci-layout, index.json, blobs/sha256/…), gzip layers
 *   oci-zstd-<scale>.tar  the same with zstd layers (needs the `zstd` command; skipped without it)
 *   flat-dir-<scale>.tar  one image whose second layer is a single directory of 100k files
 * at scale s100 (~1.5 GB and ~100k entries for the first three) and s50 (about half); s300 (~4.5 GB and
 * ~300k entries, docker and oci-gzip only) when asked for with --scales.
 * Each archive has a sidecar <name>.meta.json; an archive whose sidecar matches this generator's
 * version is reused. The archives are deterministic: the same bytes on every machine.
 *
 *   npx tsx scripts/make-big.ts [--scales s100,s50] [--kinds docker,oci-gzip,oci-zstd,flat-dir] [--force]
 */
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { type ArchiveKind, imageLayers, type LayerPlan, layerChunks, planLayer } from './bench/layers';
import { BLOCK, END_BLOCKS, padded, type WriteType, writeHeader } from './bench/tarWriter';

const GENERATOR_VERSION = 3;
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = join(ROOT, '.cache', 'bench');
export const SCALES: Record<string, number> = { s100: 1, s50: 0.5, s300: 3 };
/** Sizes made unless asked otherwise; s300 (~4.5 GB, ~300k entries) takes ~9 GB of disk and is asked for. */
export const DEFAULT_SCALES = ['s100', 's50'];
/** The kinds made at a scale when not every kind is (s300: docker save and OCI gzip, as issue 14 asks). */
const SCALE_KINDS: Record<string, ArchiveKind[]> = { s300: ['docker', 'oci-gzip'] };
export const KINDS: ArchiveKind[] = ['docker', 'oci-gzip', 'oci-zstd', 'flat-dir'];

export interface ArchiveMeta {
  generator: number;
  kind: ArchiveKind;
  scale: string;
  file: string;
  format: 'docker-archive' | 'oci-layout';
  sizeBytes: number;
  totalEntries: number;
  layers: {
    member: string;
    compression: 'none' | 'gzip' | 'zstd';
    entries: number;
    tarBytes: number;
    storedBytes: number;
  }[];
  seconds: number;
}

const ZSTD = ['/usr/bin/zstd', '/usr/local/bin/zstd'].find((p) => existsSync(p)) ?? null;

function hex(hash: Hash): string {
  return hash.digest('hex');
}

/** A writer with backpressure over a file stream. */
class Out {
  readonly stream: Writable;
  bytes = 0;
  constructor(path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 4 << 20 });
  }
  async write(chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((res) => this.stream.once('drain', res));
    }
  }
  async member(name: string, type: WriteType, size = 0): Promise<void> {
    const h = new Uint8Array(BLOCK);
    writeHeader(h, 0, { name, type, size, mtime: 1_735_689_600 });
    await this.write(h);
  }
  async pad(size: number): Promise<void> {
    const n = padded(size) - size;
    if (n) await this.write(new Uint8Array(n));
  }
  async file(name: string, body: Uint8Array): Promise<void> {
    await this.member(name, 'file', body.length);
    await this.write(body);
    await this.pad(body.length);
  }
  async close(): Promise<void> {
    await this.write(new Uint8Array(END_BLOCKS));
    await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())));
  }
}

function tap(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onChunk(chunk);
      cb(null, chunk);
    },
  });
}

function sourceOf(plan: LayerPlan): Readable {
  const gen = layerChunks(plan);
  return Readable.from(
    (function* () {
      for (const c of gen) yield Buffer.from(c.buffer, c.byteOffset, c.length);
    })(),
    { objectMode: false, highWaterMark: 4 << 20 },
  );
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function configFor(kind: ArchiveKind, plans: LayerPlan[], diffIds: string[]): Uint8Array {
  const created = '2025-01-01T00:00:00Z';
  return json({
    architecture: 'amd64',
    os: 'linux',
    created,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_ENV=production'],
      Cmd: ['node', 'app/src/index.js'],
      WorkingDir: '/app',
      Labels: { 'org.opencontainers.image.title': `bench ${kind}` },
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      ...plans.map((p) => ({ created, created_by: p.spec.createdBy })),
      { created, created_by: 'CMD ["node" "app/src/index.js"]', empty_layer: true },
    ],
  });
}

/** docker save layout with uncompressed layer.tar members streamed straight into the archive. */
async function writeDocker(
  path: string,
  kind: ArchiveKind,
  scale: string,
  plans: LayerPlan[],
): Promise<ArchiveMeta['layers']> {
  const out = new Out(path);
  const diffIds: string[] = [];
  const layers: ArchiveMeta['layers'] = [];
  const members: string[] = [];
  for (const [i, plan] of plans.entries()) {
    const id = createHash('sha256').update(`${kind}/${scale}/layer/${i}`).digest('hex');
    await out.member(`${id}/`, 'dir');
    await out.file(`${id}/VERSION`, new TextEncoder().encode('1.0'));
    await out.file(`${id}/json`, json({ id, created: '2025-01-01T00:00:00Z' }));
    await out.member(`${id}/layer.tar`, 'file', plan.tarBytes);
    const hash = createHash('sha256');
    let written = 0;
    for (const chunk of layerChunks(plan)) {
      hash.update(chunk);
      written += chunk.length;
      await out.write(chunk);
    }
    if (written !== plan.tarBytes)
      throw new Error(`layer ${i}: planned ${plan.tarBytes} bytes, wrote ${written}`);
    await out.pad(plan.tarBytes);
    diffIds.push(`sha256:${hex(hash)}`);
    members.push(`${id}/layer.tar`);
    layers.push({
      member: `${id}/layer.tar`,
      compression: 'none',
      entries: plan.entries.length,
      tarBytes: plan.tarBytes,
      storedBytes: plan.tarBytes,
    });
  }
  const config = configFor(kind, plans, diffIds);
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  await out.file(configName, config);
  const tag = `bench/${kind}:${scale}`;
  await out.file('manifest.json', json([{ Config: configName, RepoTags: [tag], Layers: members }]));
  await out.file(
    'repositories',
    json({ [`bench/${kind}`]: { [scale]: members[members.length - 1].split('/')[0] } }),
  );
  await out.close();
  return layers;
}

/** Compresses one layer into a temporary blob file; returns its digests and size. */
async function compressLayer(
  plan: LayerPlan,
  compression: 'gzip' | 'zstd',
  tmp: string,
): Promise<{ diffId: string; digest: string; size: number }> {
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  let size = 0;
  const src = sourceOf(plan).pipe(tap((c) => diff.update(c)));
  const sink = [
    tap((c) => {
      blob.update(c);
      size += c.length;
    }),
    createWriteStream(tmp),
  ] as const;
  if (compression === 'gzip') {
    // Level 1 keeps generation quick; decompression speed barely depends on the level.
    await pipeline(
      src,
      createGzip({
        level: 1,
        memLevel: 9,
        chunkSize: 256 * 1024,
        strategy: zlibConstants.Z_DEFAULT_STRATEGY,
      }),
      ...sink,
    );
  } else {
    if (!ZSTD) throw new Error('zstd is not installed');
    // Level 3 is what buildkit, podman and containerd write by default.
    const child = spawn(ZSTD, ['-3', '-q', '-c', '-T1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((res, rej) =>
      child.on('close', (code) => (code === 0 ? res() : rej(new Error(`zstd exited with ${code}`)))),
    );
    await Promise.all([pipeline(src, child.stdin), pipeline(child.stdout, ...sink), exited]);
  }
  return { diffId: `sha256:${hex(diff)}`, digest: `sha256:${hex(blob)}`, size };
}

/** OCI image layout archive: compressed blobs are written to temporary files first (their digests name them). */
async function writeOci(
  path: string,
  kind: ArchiveKind,
  scale: string,
  plans: LayerPlan[],
  compression: 'gzip' | 'zstd',
): Promise<ArchiveMeta['layers']> {
  const tmpDir = join(CACHE_DIR, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const blobs: { diffId: string; digest: string; size: number; tmp: string }[] = [];
  // Two layers at a time: the compressor runs beside the generator, on the machine's two cores.
  const order = plans.map((plan, i) => ({ plan, i }));
  const results = new Array<{ diffId: string; digest: string; size: number; tmp: string }>(plans.length);
  const workers = Array.from({ length: 2 }, async () => {
    for (;;) {
      const job = order.shift();
      if (!job) return;
      const tmp = join(tmpDir, `${kind}-${scale}-${job.i}.blob`);
      results[job.i] = { ...(await compressLayer(job.plan, compression, tmp)), tmp };
    }
  });
  await Promise.all(workers);
  blobs.push(...results);
  const out = new Out(path);
  await out.file('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
  await out.member('blobs/', 'dir');
  await out.member('blobs/sha256/', 'dir');
  const layers: ArchiveMeta['layers'] = [];
  for (const [i, b] of blobs.entries()) {
    const member = `blobs/sha256/${b.digest.slice(7)}`;
    await out.member(member, 'file', b.size);
    for await (const chunk of createReadStream(b.tmp, { highWaterMark: 4 << 20 }))
      await out.write(chunk as Buffer);
    await out.pad(b.size);
    rmSync(b.tmp);
    layers.push({
      member,
      compression,
      entries: plans[i].entries.length,
      tarBytes: plans[i].tarBytes,
      storedBytes: b.size,
    });
  }
  const config = configFor(
    kind,
    plans,
    blobs.map((b) => b.diffId),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await out.file(`blobs/sha256/${configDigest.slice(7)}`, config);
  const manifest = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: blobs.map((b) => ({
      mediaType: `application/vnd.oci.image.layer.v1.tar+${compression}`,
      digest: b.digest,
      size: b.size,
    })),
  });
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  await out.file(`blobs/sha256/${manifestDigest.slice(7)}`, manifest);
  await out.file(
    'index.json',
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          platform: { os: 'linux', architecture: 'amd64' },
          annotations: {
            'org.opencontainers.image.ref.name': scale,
            'io.containerd.image.name': `bench/${kind}:${scale}`,
          },
        },
      ],
    }),
  );
  await out.close();
  return layers;
}

export function archivePath(kind: ArchiveKind, scale: string): string {
  return join(CACHE_DIR, `${kind}-${scale}.tar`);
}

function readMeta(path: string): ArchiveMeta | null {
  try {
    const meta = JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as ArchiveMeta;
    return meta.generator === GENERATOR_VERSION && existsSync(path) ? meta : null;
  } catch {
    return null;
  }
}

/** Makes (or reuses) one archive; returns null when it cannot be made here (no zstd). */
export async function ensureArchive(
  kind: ArchiveKind,
  scale: string,
  force = false,
  log = console.error,
): Promise<ArchiveMeta | null> {
  const path = archivePath(kind, scale);
  const cached = force ? null : readMeta(path);
  if (cached) return cached;
  if (kind === 'oci-zstd' && !ZSTD) {
    log(`make-big: skipping ${kind}-${scale}: the zstd command is not installed (apt-get install zstd)`);
    return null;
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const started = performance.now();
  const plans = imageLayers(kind, SCALES[scale]).map(planLayer);
  const partial = `${path}.partial`;
  log(
    `make-big: writing ${path} (${plans.reduce((n, p) => n + p.entries.length, 0)} entries, ${(plans.reduce((n, p) => n + p.tarBytes, 0) / 1e9).toFixed(2)} GB of layer tars)…`,
  );
  const layers =
    kind === 'docker' || kind === 'flat-dir'
      ? await writeDocker(partial, kind, scale, plans)
      : await writeOci(partial, kind, scale, plans, kind === 'oci-gzip' ? 'gzip' : 'zstd');
  renameSync(partial, path);
  const { size } = statSync(path);
  const meta: ArchiveMeta = {
    generator: GENERATOR_VERSION,
    kind,
    scale,
    file: path,
    format: kind.startsWith('oci') ? 'oci-layout' : 'docker-archive',
    sizeBytes: size,
    totalEntries: layers.reduce((n, l) => n + l.entries, 0),
    layers,
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(`${path}.meta.json`, `${JSON.stringify(meta, null, 2)}\n`);
  log(
    `make-big: ${path}: ${(size / 1e9).toFixed(2)} GB, ${meta.totalEntries} entries in ${meta.layers.length} layers, ${meta.seconds.toFixed(1)} s`,
  );
  return meta;
}

export async function ensureArchives(
  kinds: ArchiveKind[] = KINDS,
  scales: string[] = DEFAULT_SCALES,
  force = false,
): Promise<ArchiveMeta[]> {
  const out: ArchiveMeta[] = [];
  for (const scale of scales) {
    for (const kind of kinds) {
      if (SCALE_KINDS[scale] && !SCALE_KINDS[scale].includes(kind)) continue;
      const meta = await ensureArchive(kind, scale, force);
      if (meta) out.push(meta);
    }
  }
  return out;
}

function listArg(args: string[], name: string): string[] | undefined {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1].split(',') : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const kinds = (listArg(args, '--kinds') ?? KINDS) as ArchiveKind[];
  const scales = listArg(args, '--scales') ?? DEFAULT_SCALES;
  for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`unknown kind ${k} (${KINDS.join(', ')})`);
  for (const s of scales)
    if (!(s in SCALES)) throw new Error(`unknown scale ${s} (${Object.keys(SCALES).join(', ')})`);
  await ensureArchives(kinds, scales, args.includes('--force'));
}
