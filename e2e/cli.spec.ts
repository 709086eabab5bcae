/**
 * The installed command, as a user meets it: the package is packed (`npm pack`, which builds the
 * app and the CLI), installed into a temporary prefix (`npm install -g --prefix`), and
 * `image-layer-explorer <archive> --no-open` is run; the address it prints is opened in Chromium,
 * which must show "Indexed N entries". Then the server's rules: other paths 404, a foreign Host is
 * refused, and it quits once the last page closes. The engine test does the same through Podman's
 * API service (and Docker's when a daemon answers), with an image imported from a rootfs made here.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { dockerArchive } from '../src/testing/archives';
import { buildTar } from '../src/testing/tarBuilder';
import { ROOT, waitIndexed } from './helpers';

test.describe.configure({ mode: 'serial', timeout: 240_000 });

// Made in beforeAll: Playwright loads this file in more processes than the one that runs it.
let work = '';
let bin = '';
/** The port the tests give the command (E2E_PORT + 1: the range given to this suite). */
const PORT = Number(process.env.E2E_PORT ?? 4321) + 1;

test.beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ilx-e2e-cli-'));
  const prefix = join(work, 'prefix');
  bin = join(prefix, 'bin', 'image-layer-explorer');
  // `npm run test:e2e` has built dist/ already, and other specs are using it: rebuilding it here
  // (prepack's `npm run build`) would swap its files under them. So this builds dist-cli/ only and
  // packs without the lifecycle scripts; the tarball is otherwise what `npm pack` makes, and it
  // installs with no dependency at all.
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-cli.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const packed = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(work, packed)], {
    stdio: 'inherit',
  });
});

test.afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the installed command and waits for the address it prints on stdout. */
async function startCommand(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) resolve(line.trim());
    });
    void exited.then((code) => reject(new Error(`exited ${code} before printing an address:\n${err}`)));
  });
  return { child, url, stderr: () => err, exited };
}

/** A raw GET with the Host header chosen (fetch may not set Host). */
function get(url: string, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers: host ? { host } : {} },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Entries GNU tar lists in every layer of a docker-archive, the independent count. */
function gnuTarEntries(archive: string): number {
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }));
  let total = 0;
  for (const layer of manifest[0].Layers as string[]) {
    const bytes = execFileSync('tar', ['-xOf', archive, layer], { maxBuffer: 1 << 28 });
    total += execFileSync('tar', ['-t'], { input: bytes, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean).length;
  }
  return total;
}

test('the packed, installed command serves an archive that Chromium opens', async ({ page }) => {
  const archive = join(work, 'app image.tar');
  writeFileSync(
    archive,
    dockerArchive([
      {
        tags: ['cli-e2e:1'],
        layers: [
          [
            { name: 'etc/', type: 'dir' },
            { name: 'etc/os-release', content: 'ID=test\n' },
          ],
          [
            { name: 'app/', type: 'dir' },
            { name: 'app/main.js', content: 'console.log(1)\n' },
            { name: 'app/x', content: 'x' },
          ],
        ],
      },
    ]),
  );
  expect(existsSync(bin)).toBe(true);
  expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);

  const running = await startCommand([archive, '--no-open', '--port', String(PORT)]);
  const { origin } = new URL(running.url);
  expect(origin).toBe(`http://127.0.0.1:${PORT}`);
  const archiveUrl = new URL(new URL(running.url).searchParams.get('url')!, running.url).href;
  expect(archiveUrl).toMatch(new RegExp(`^${origin}/[\\w-]{24}/app_image\\.tar$`));

  await page.goto(running.url);
  expect(await waitIndexed(page)).toBe(gnuTarEntries(archive));
  await expect(page.getByRole('option').first()).toBeVisible();

  // The server's rules, from outside the page.
  expect(await get(`${origin}/`)).toBe(200);
  expect(await get(archiveUrl)).toBe(200);
  for (const path of [
    '/etc/passwd',
    '/assets/',
    '/../package.json',
    '/%2e%2e/package.json',
    '/dist-cli/main.cjs',
    `${new URL(archiveUrl).pathname}x`,
    '/app_image.tar',
  ])
    expect(await get(`${origin}${path}`), path).toBe(404);
  expect(await get(archiveUrl, 'attacker.example')).toBe(421);
  expect(await get(`${origin}/`, `rebound.example:${PORT}`)).toBe(421);

  // The same page by the name localhost works too (the archive's address is relative to the page);
  // closing one of two pages keeps the server, closing the last stops the command by itself.
  const second = await page.context().newPage();
  await second.goto(running.url.replace('127.0.0.1', 'localhost'));
  expect(await waitIndexed(second)).toBe(gnuTarEntries(archive));
  await page.close();
  await new Promise((r) => setTimeout(r, 5000));
  expect(running.child.exitCode).toBeNull();
  await second.close();
  expect(await running.exited).toBe(0);
  expect(running.stderr()).toContain('The last tab closed: stopped.');
});

/** Podman's API service on a socket of its own, with its own storage; or why it cannot run here. */
function startPodman(dir: string): { socket: string; service: ChildProcess; podman: string[] } | string {
  if (spawnSync('podman', ['--version']).status !== 0)
    return 'podman is not installed (scripts/ensure-tools.sh installs it)';
  const podman = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'run'),
    '--storage-driver',
    'vfs',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
  ];
  const rootfs = join(dir, 'rootfs.tar');
  writeFileSync(
    rootfs,
    buildTar([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/hostname', content: 'fixture\n' },
      { name: 'usr/', type: 'dir' },
      { name: 'usr/bin/', type: 'dir' },
      { name: 'usr/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    ]),
  );
  const imported = spawnSync('podman', [...podman, 'import', rootfs, 'localhost/fixture:1'], {
    encoding: 'utf8',
  });
  if (imported.status !== 0)
    return `podman ${[...podman, 'import', rootfs, 'localhost/fixture:1'].join(' ')} failed: ${imported.stderr.trim()}`;
  const socket = join(dir, 'podman.sock');
  const service = spawn('podman', [...podman, 'system', 'service', '--time=0', `unix://${socket}`], {
    stdio: 'ignore',
  });
  return { socket, service, podman };
}

async function waitForSocket(socket: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ socketPath: socket, path: '/_ping' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Checks the page for an image the command saved from an engine, then stops it with Ctrl-C. */
async function openFromEngine(
  page: import('@playwright/test').Page,
  args: string[],
  env: Record<string, string>,
) {
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('image-layer-explorer-')));
  const running = await startCommand(['localhost/fixture:1', '--no-open', ...args], env);
  const saved = /Serving (.+\.tar) at /.exec(running.stderr())?.[1];
  expect(saved, running.stderr()).toBeTruthy();
  expect(existsSync(saved!)).toBe(true);
  await page.goto(running.url);
  expect(await waitIndexed(page)).toBe(gnuTarEntries(saved!));
  running.child.kill('SIGINT');
  expect(await running.exited).toBe(0);
  // The temporary image is gone with the command.
  expect(existsSync(saved!)).toBe(false);
  const after = readdirSync(tmpdir()).filter((n) => n.startsWith('image-layer-explorer-') && !before.has(n));
  expect(after).toEqual([]);
}

test("the installed command runs its bundle from V8's code cache, which this Node accepts", () => {
  const installed = join(work, 'prefix', 'lib', 'node_modules', 'image-layer-explorer', 'dist-cli');
  expect(readdirSync(installed).sort()).toEqual(
    expect.arrayContaining(['cli.cjs', 'cli.cjs.cache', 'main.cjs', 'pool-worker.cjs']),
  );
  // the launcher's own compile, asked whether V8 took the cache (it refuses one of another V8)
  const probe = `const fs = require('node:fs'), vm = require('node:vm'), Module = require('node:module');
const file = ${JSON.stringify(join(installed, 'cli.cjs'))};
const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: fs.readFileSync(file + '.cache') });
process.stdout.write(String(script.cachedDataRejected));`;
  expect(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })).toBe('false');
  const archive = join(work, 'one.tar');
  writeFileSync(archive, buildTar([{ name: 'etc/hello', content: 'hello\n' }]));
  const inspected = JSON.parse(execFileSync(bin, ['inspect', archive, '--json'], { encoding: 'utf8' })) as {
    images: { layers: unknown[] }[];
  };
  expect(inspected.images[0].layers).toHaveLength(1);
  expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);
});

test('an image from Podman, saved over its API socket, opens in Chromium', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilx-podman-'));
  const started = startPodman(dir);
  try {
    test.skip(typeof started === 'string', typeof started === 'string' ? started : '');
    if (typeof started === 'string') return;
    const up = await waitForSocket(started.socket);
    test.skip(!up, `podman system service did not answer on ${started.socket} within 10 s`);
    const env = { CONTAINER_HOST: `unix://${started.socket}` };
    await openFromEngine(page, ['--engine', 'podman'], env);
    // A missing image: a precise message and exit 2.
    const missing = spawnSync(bin, ['localhost/absent:9', '--no-open', '--engine', 'podman'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('image "localhost/absent:9" was not found');
    expect(missing.stderr).toContain(`podman at ${started.socket} (CONTAINER_HOST): no such image`);
  } finally {
    if (typeof started !== 'string') started.service.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an image from Docker, when a daemon answers', async ({ page }) => {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const socket = host.startsWith('unix://') ? host.slice('unix://'.length) : '';
  const up = socket !== '' && existsSync(socket) && (await waitForSocket(socket));
  test.skip(!up, `no Docker daemon answers at ${host}`);
  // Imported through the Engine API itself (POST /images/create?fromSrc=-), as `docker import` does.
  const rootfs = buildTar([
    { name: 'etc/', type: 'dir' },
    { name: 'etc/hostname', content: 'fixture\n' },
  ]);
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        method: 'POST',
        path: '/images/create?fromSrc=-&repo=localhost/fixture&tag=1',
        headers: { 'content-type': 'application/x-tar' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`import: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(rootfs);
  });
  await openFromEngine(page, ['--engine', 'docker'], { DOCKER_HOST: host });
});
