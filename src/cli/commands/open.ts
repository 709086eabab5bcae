import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../../core/errors';
import { visible } from '../../core/visibleText';
import { parseArgs } from '../common';
import type { CliIo } from '../io';
import { terminalProgress } from '../progress';
import { startAppServer } from '../serve/appServer';
import { candidateEngines, EngineError, type EngineName, findImage, saveImage } from '../serve/engine';

export const HELP = `Usage: image-layer-explorer [open] <archive | image> [options]

Opens an image in the explorer in your browser. An archive (docker save, OCI, podman, skopeo…) is
served as it is; an image reference (nginx:latest, localhost/app:1, an image ID) is first saved
from the local Docker or Podman engine, over its API socket, into a temporary file.

The app and the archive are served by one local server on 127.0.0.1 only, the archive under a
random path; it stops when the last tab of the page closes, or on Ctrl-C.

Options:
  --no-open                  print the address instead of opening the browser (remote shells)
  --port <n>                 the port to listen on (default: a free one)
  --stay                     keep serving after the last tab closed (until Ctrl-C)
  --engine <docker|podman>   the engine to save the image from (default: the first that has it)
  --platform <os/arch>       the platform of a multi-platform image (Docker Engine API 1.48+)
  --keep <file>              keep the saved image as <file> (default: removed on exit)
  -h, --help                 this help
  -V, --version              the version

Engines: Docker at DOCKER_HOST (unix:// or tcp://) or /var/run/docker.sock; Podman at
CONTAINER_HOST or $XDG_RUNTIME_DIR/podman/podman.sock (/run/podman/podman.sock as root).

Examples:
  image-layer-explorer app.tar
  image-layer-explorer nginx:latest
  image-layer-explorer localhost/app:1 --engine podman --keep app.tar
  image-layer-explorer app.tar --no-open --port 8080`;

const USAGE =
  'usage: [open] <archive | image> [--no-open] [--port <n>] [--stay] [--engine docker|podman] [--platform os/arch] [--keep <file>]\n';

/** The built app: dist/ beside the package's CLI (dist-cli/) or above the sources (src/cli/commands/). */
export function appDirectory(): string {
  if (process.env.ILX_APP_DIR) return resolve(process.env.ILX_APP_DIR);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'dist', 'index.html')) && existsSync(join(dir, 'package.json')))
      return join(dir, 'dist');
    dir = dirname(dir);
  }
  throw new Error('the built app (dist/index.html) is not beside the command: run `npm run build` first');
}

/** Names that can only be files: a path, or an archive's extension. */
function looksLikePath(arg: string): boolean {
  return /^(\.{0,2}\/|~)/.test(arg) || /\.(tar|tgz|gz|zst|oci)$/i.test(arg) || arg.includes('\\');
}

/** Opens the address in the default browser ($BROWSER first); false when nothing could be started. */
function openBrowser(url: string): Promise<boolean> {
  const [command, args] = process.env.BROWSER
    ? [process.env.BROWSER, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolvePromise(false));
    child.once('spawn', () => {
      child.unref();
      resolvePromise(true);
    });
  });
}

/** Resolves on the first of SIGINT/SIGTERM; `dispose` removes the handlers. */
function untilSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolvePromise) => {
    onSignal = resolvePromise;
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    promise,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, ['port', 'engine', 'platform', 'keep'], ['no-open', 'stay']);
  if (typeof parsed === 'string' || parsed.positional.length !== 1) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${USAGE}`);
    return 2;
  }
  const [target] = parsed.positional;
  const portValue = parsed.values.get('port');
  const port = portValue === undefined ? 0 : Number(portValue);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`--port must be a port number (0-65535), got ${JSON.stringify(portValue)}\n`);
    return 2;
  }
  const engineChoice = parsed.values.get('engine');
  if (engineChoice !== undefined && engineChoice !== 'docker' && engineChoice !== 'podman') {
    io.stderr(`--engine must be docker or podman, got ${JSON.stringify(engineChoice)}\n`);
    return 2;
  }
  const platform = parsed.values.get('platform');
  if (platform !== undefined && !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) {
    io.stderr(
      `--platform must be os/arch[/variant] (linux/amd64, linux/arm64/v8), got ${JSON.stringify(platform)}\n`,
    );
    return 2;
  }
  const keep = parsed.values.get('keep');

  const signals = untilSignal();
  let temporaryDir: string | null = null;
  const removeTemporary = () => {
    if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    temporaryDir = null;
  };
  // Whatever ends the process (an error, an exit elsewhere), the saved image goes with it.
  process.once('exit', removeTemporary);
  try {
    let archivePath: string;
    const isFile = existsSync(target) && statSync(target).isFile();
    if (isFile) {
      archivePath = target;
    } else if (existsSync(target) || looksLikePath(target)) {
      io.stderr(
        `${target}: ${existsSync(target) ? 'not a file' : 'no such file'} (to open an image of an engine, name it as repository:tag)\n`,
      );
      return 2;
    } else {
      const saved = await saveFromEngine(
        target,
        engineChoice as EngineName | undefined,
        platform,
        keep,
        signals.promise,
        io,
        (dir) => {
          temporaryDir = dir;
        },
      );
      if (saved === null) return 130;
      archivePath = saved;
    }

    let hash = '';
    if (platform !== undefined) {
      const chosen = await imageForPlatform(archivePath, platform);
      if (typeof chosen === 'string') {
        io.stderr(`${chosen}\n`);
        return 2;
      }
      if (chosen.warning) io.stderr(`warning: ${chosen.warning}\n`);
      if (chosen.index > 0) hash = `#image=${chosen.index}`;
    }

    const server = await startAppServer({ appDir: appDirectory(), archivePath, port });
    const stay = parsed.switches.has('stay');
    io.stderr(
      `Serving ${visible(archivePath)} at ${server.origin}/ (127.0.0.1 only). ${stay ? 'Ctrl-C stops it.' : 'It stops when the last tab closes, or on Ctrl-C.'}\n`,
    );
    if (parsed.switches.has('no-open')) {
      io.stdout(`${server.pageUrl}${hash}\n`);
    } else if (!(await openBrowser(`${server.pageUrl}${hash}`))) {
      io.stderr(`Could not start a browser; open this address:\n`);
      io.stdout(`${server.pageUrl}${hash}\n`);
    }
    const idle = new Promise<'idle'>((resolvePromise) => {
      if (!stay) server.onIdle(() => resolvePromise('idle'));
    });
    const why = await Promise.race([idle, signals.promise]);
    await server.close();
    io.stderr(why === 'idle' ? 'The last tab closed: stopped.\n' : 'Stopped.\n');
    return 0;
  } catch (error) {
    if (error instanceof EngineError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    signals.dispose();
    removeTemporary();
    process.off('exit', removeTemporary);
  }
}

/**
 * The image of the archive whose platform is `platform` (`linux/arm64` matches `linux/arm64/v8`),
 * read from the archive's metadata only (reading stops once the images are known); or why none is.
 * An archive of one image for another platform is kept, with a warning: the engine may have
 * ignored the platform (Podman's compatible API does).
 */
async function imageForPlatform(
  archivePath: string,
  platform: string,
): Promise<{ index: number; warning?: string } | string> {
  const { openArchive } = await import('../../core/image/open');
  const { NodeFileSource } = await import('../nodeFileSource');
  const source = new NodeFileSource(archivePath);
  const stop = new AbortController();
  let platforms: string[] | null = null;
  try {
    await openArchive(source, {
      signal: stop.signal,
      onImages: (archive) => {
        platforms = archive.images.map((image) => image.platform);
        stop.abort();
      },
    });
  } catch (error) {
    if (platforms === null) throw error;
  } finally {
    source.close();
  }
  const found: string[] = platforms ?? [];
  const index = found.findIndex((p) => p === platform || p.startsWith(`${platform}/`));
  if (index >= 0) return { index };
  if (found.length === 1)
    return {
      index: 0,
      warning: `the image is for ${visible(found[0])}, not ${platform} (the engine did not choose)`,
    };
  return `no image for ${platform} in ${visible(archivePath)} (platforms: ${found.map(visible).join(', ') || 'none'})`;
}

/**
 * Saves the image into a temporary folder (or `keep`), with progress; the path, or null when
 * Ctrl-C stopped it (the partial file is removed).
 */
async function saveFromEngine(
  reference: string,
  engineChoice: EngineName | undefined,
  platform: string | undefined,
  keep: string | undefined,
  interrupted: Promise<NodeJS.Signals>,
  io: CliIo,
  onTemporary: (dir: string) => void,
): Promise<string | null> {
  const found = await findImage(reference, candidateEngines(engineChoice));
  const dir = mkdtempSync(join(tmpdir(), 'image-layer-explorer-'));
  onTemporary(dir);
  const safeName = reference.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'image';
  const file = join(dir, `${safeName}.tar`);
  io.stderr(`Saving ${visible(reference)} from ${found.engine.name} (${visible(found.engine.where)})…\n`);
  const progress = terminalProgress('saving');
  const abort = new AbortController();
  let stopped = false;
  void interrupted.then(() => {
    stopped = true;
    abort.abort();
  });
  const started = performance.now();
  let bytes: number;
  try {
    bytes = await saveImage(found, reference, file, {
      platform,
      signal: abort.signal,
      onBytes: (n) => progress.update({ bytes: n, total: found.size }),
    });
  } catch (error) {
    progress.done();
    if (stopped) {
      io.stderr('Stopped: nothing was kept.\n');
      return null;
    }
    if (error instanceof EngineError) throw error;
    throw new EngineError(`saving ${reference} from ${found.engine.name} failed: ${messageOf(error)}`);
  }
  progress.done();
  io.stderr(`Saved ${bytes} bytes in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
  if (keep === undefined) return file;
  const kept = resolve(keep);
  try {
    renameSync(file, kept);
  } catch {
    // another file system: fall back to a copy through the stream API's sibling
    const { copyFileSync } = await import('node:fs');
    copyFileSync(file, kept);
  }
  io.stderr(`Kept the image as ${visible(kept)}.\n`);
  return kept;
}
