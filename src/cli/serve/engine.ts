import { createWriteStream } from 'node:fs';
import { request } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Saving an image from the local container engine, spoken to directly over its socket: the Docker
 * Engine API's `GET /images/{name}/get` (a `docker save` tar), which Podman's compatible API
 * answers the same way. No `docker` or `podman` binary is needed.
 */

export type EngineName = 'docker' | 'podman';

export interface Engine {
  name: EngineName;
  /** A unix socket path, or `host:port` for DOCKER_HOST=tcp://… */
  socketPath?: string;
  host?: string;
  port?: number;
  /** Where it was found, for messages: `/var/run/docker.sock (DOCKER_HOST)`. */
  where: string;
}

/** A problem the user can fix (no engine, no image): said precisely, exit 2. */
export class EngineError extends Error {}

type Env = Record<string, string | undefined>;

function fromHostVariable(name: EngineName, variable: string, value: string): Engine {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    return { name, socketPath, where: `${socketPath} (${variable})` };
  }
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    const url = new URL(value.replace(/^tcp:/, 'http:'));
    return { name, host: url.hostname, port: Number(url.port || 2375), where: `${value} (${variable})` };
  }
  throw new EngineError(
    `${variable}=${value} is not supported: use unix:///path/to/socket or tcp://host:port (TLS and ssh:// are not spoken)`,
  );
}

/** The engines to ask, in order: the one named by `--engine`, or Docker then Podman. */
export function candidateEngines(choice: EngineName | undefined, env: Env = process.env): Engine[] {
  const docker = (): Engine =>
    env.DOCKER_HOST
      ? fromHostVariable('docker', 'DOCKER_HOST', env.DOCKER_HOST)
      : { name: 'docker', socketPath: '/var/run/docker.sock', where: '/var/run/docker.sock' };
  const podman = (): Engine => {
    if (env.CONTAINER_HOST) return fromHostVariable('podman', 'CONTAINER_HOST', env.CONTAINER_HOST);
    const socketPath = env.XDG_RUNTIME_DIR
      ? `${env.XDG_RUNTIME_DIR}/podman/podman.sock`
      : '/run/podman/podman.sock';
    return { name: 'podman', socketPath, where: socketPath };
  };
  if (choice === 'docker') return [docker()];
  if (choice === 'podman') return [podman()];
  return [docker(), podman()];
}

interface EngineResponse {
  status: number;
  body: NodeJS.ReadableStream & { resume(): void };
  headers: Record<string, string | string[] | undefined>;
}

function call(engine: Engine, path: string, timeoutMs = 10_000): Promise<EngineResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        socketPath: engine.socketPath,
        host: engine.socketPath ? undefined : engine.host,
        port: engine.socketPath ? undefined : engine.port,
        path,
        method: 'GET',
        headers: { host: 'localhost' },
        timeout: timeoutMs,
      },
      (res) => {
        req.setTimeout(0);
        resolvePromise({ status: res.statusCode ?? 0, body: res, headers: res.headers });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

async function text(res: EngineResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The engine's own message from an error body (`{"message": "…"}`), else the body. */
async function engineMessage(res: EngineResponse): Promise<string> {
  const body = await text(res);
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.trim();
  } catch {
    return body.trim();
  }
}

/** The image reference as a path segment: slashes stay (the API's route takes them), the rest is escaped. */
function imagePath(reference: string): string {
  return reference.split('/').map(encodeURIComponent).join('/');
}

export interface FoundImage {
  engine: Engine;
  /** The image's size as the engine reports it: about what the saved tar will hold. */
  size: number | null;
  id: string;
}

/**
 * The first engine that answers and holds the image. A missing engine or image is an EngineError
 * that says what was tried and what to do.
 */
export async function findImage(reference: string, engines: Engine[]): Promise<FoundImage> {
  const tried: string[] = [];
  let answered = 0;
  for (const engine of engines) {
    let res: EngineResponse;
    try {
      res = await call(engine, `/images/${imagePath(reference)}/json`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no socket there'
          : code === 'ECONNREFUSED'
            ? 'nothing listens there'
            : code === 'EACCES'
              ? 'permission denied (is your user in the docker group?)'
              : (error as Error).message;
      tried.push(`${engine.name} at ${engine.where}: ${why}`);
      continue;
    }
    answered++;
    if (res.status === 200) {
      const info = JSON.parse(await text(res)) as { Id?: string; Size?: number };
      return { engine, size: typeof info.Size === 'number' ? info.Size : null, id: info.Id ?? '' };
    }
    const message = await engineMessage(res);
    tried.push(
      `${engine.name} at ${engine.where}: ${res.status === 404 ? 'no such image' : `${res.status} ${message}`}`,
    );
  }
  if (answered === 0) {
    throw new EngineError(
      `no container engine answered, so ${JSON.stringify(reference)} cannot be saved:\n${tried.map((t) => `  ${t}\n`).join('')}` +
        'Start Docker or Podman (podman system service), point DOCKER_HOST or CONTAINER_HOST at its socket, ' +
        'or open a saved archive instead (docker save -o image.tar <image>).',
    );
  }
  throw new EngineError(
    `image ${JSON.stringify(reference)} was not found:\n${tried.map((t) => `  ${t}\n`).join('')}` +
      `Pull or build it first (docker pull ${reference}), or name a saved archive that exists.`,
  );
}

export type SaveProgress = (bytes: number) => void;

/** Buffers of the save's pipeline: see saveImage. */
const SAVE_BUFFER_BYTES = 1 << 20;

/**
 * Streams `GET /images/{name}/get` into `file` (created, never overwritten), calling `onBytes` as
 * bytes arrive. `platform` (`os/arch[/variant]`) picks one platform of a multi-platform image on
 * engines that support it (Docker Engine API 1.48+).
 */
export async function saveImage(
  found: FoundImage,
  reference: string,
  file: string,
  options: { platform?: string; onBytes?: SaveProgress; signal?: AbortSignal } = {},
): Promise<number> {
  let query = '';
  if (options.platform) {
    const [os, architecture, variant] = options.platform.split('/');
    query = `?platform=${encodeURIComponent(JSON.stringify({ os, architecture, ...(variant ? { variant } : {}) }))}`;
  }
  const res = await call(found.engine, `/images/${imagePath(reference)}/get${query}`, 60_000);
  if (res.status !== 200) {
    throw new EngineError(
      `${found.engine.name} could not save ${JSON.stringify(reference)}: ${res.status} ${await engineMessage(res)}`,
    );
  }
  let bytes = 0;
  // With the default 16 KiB buffers the file is written 64 KiB at a time and the save takes 1.3× as
  // long as curl's (11.8 s against 8.2 s for 1.5 GB through Docker); 1 MiB buffers bring it to 9.0 s.
  const counter = new Transform({
    highWaterMark: SAVE_BUFFER_BYTES,
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      options.onBytes?.(bytes);
      done(null, chunk);
    },
  });
  await pipeline(
    res.body,
    counter,
    createWriteStream(file, { flags: 'wx', highWaterMark: SAVE_BUFFER_BYTES }),
    { signal: options.signal },
  );
  return bytes;
}
