import { messageOf } from '../core/errors';
import { DEFAULT_EXPANSION_LIMIT, type ExpansionLimit } from '../core/limits';
import { terminalText, visible } from '../core/visibleText';
import type { CliIo } from './io';
import { NodeFileSource } from './nodeFileSource';
import { terminalProgress } from './progress';
import { packageVersion } from './version';

/** The program's name as users type it (the package's `bin`). */
export const PROGRAM = 'image-layer-explorer';

const USAGE = `Usage: ${PROGRAM} <archive | image> [options]      open it in the browser (see open --help)
       ${PROGRAM} <command> <archive> [options]

Commands:
  open <archive|image>   serve the app and the archive on 127.0.0.1 and open the browser (the default)
  inspect <archive>      images, layers, history and analysis (--json, --format dive-json, --verify)
  ls <archive>           files of a layer (JSON lines)
  ci <archive>           dive's CI rules (--format text|junit|sarif)
  cat <archive> <path>   a file's bytes as of a layer (links followed)
  export <archive>       a layer's changes, the merged filesystem or a directory, as a tar
  diff <archiveA> <archiveB>   what differs between two images or layers (files, config, history)
  packages <archive>     packages per layer (dpkg, apk, rpm, Python, npm) and the layers that changed them
  secrets <archive>      secrets in every layer, deleted ones too, and in the config (exit 1 on a finding)

Options for every command:
  --max-expansion <ratio>  the decompression-bomb bound: past 1 GiB of output, at most <ratio> bytes
                           out per compressed byte read (default 1000)
  --pool <n>               worker threads that decode compressed layers in parallel (default: one per
                           core, at most 8; 0 decodes on the main thread; also ILX_POOL=<n>)
  -h, --help               help for the command
  -V, --version            the version

Exit codes: 0 success, 1 a ci rule failed (diff: A and B differ), 2 the archive could not be read
  or is corrupt, or the arguments are wrong (inspect --verify: a digest or diff ID does not match)

Examples:
  ${PROGRAM} nginx:latest                 save the image from Docker or Podman and open it
  ${PROGRAM} app.tar --no-open            print the address to open instead
  ${PROGRAM} inspect app.tar --json
  ${PROGRAM} ci app.tar --format sarif > dive.sarif

Run '${PROGRAM} <command> --help' for a command's options.`;

type Command = (args: string[], io: CliIo) => Promise<number>;

/** A subcommand: loaded only when named, so start-up pays for one command's code. */
interface CommandModule {
  run: Command;
  /** The command's `--help` text, in the layout above (Usage, description, Options, Examples). */
  HELP?: string;
}

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  open: () => import('./commands/open'),
  inspect: () => import('./commands/inspect'),
  ls: () => import('./commands/ls'),
  ci: () => import('./commands/ci'),
  cat: () => import('./commands/cat'),
  export: () => import('./commands/export'),
  diff: () => import('./commands/diff'),
  packages: () => import('./commands/packages'),
  secrets: () => import('./commands/secrets'),
};

/** The decompression-bomb bound every command opens archives with (`--max-expansion`). */
let expansionLimit: ExpansionLimit = DEFAULT_EXPANSION_LIMIT;
/** `--pool <n>`: worker threads for compressed layers (null: ILX_POOL, else one per core). */
let poolSize: number | null = null;

export const nodeIo: CliIo = {
  // Every line of text goes through one escaping function on its way to the terminal; JSON is
  // written with terminalSafeJson, so this leaves it as it is. Raw bytes (cat, export -o -) do not.
  stdout: (text) => process.stdout.write(terminalText(text)),
  stderr: (text) => process.stderr.write(terminalText(text)),
  stdoutBytes: (bytes) =>
    new Promise((resolve, reject) => {
      // Waiting for the write callback is the backpressure: a slow pipe slows the reading down.
      process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()));
    }),
  stdoutDrained: () =>
    process.stdout.writableNeedDrain
      ? new Promise((resolve) => {
          // A reader that went away (`| head`) ends the wait as a drain would.
          const done = () => {
            for (const event of ['drain', 'close', 'error']) process.stdout.off(event, done);
            resolve();
          };
          for (const event of ['drain', 'close', 'error']) process.stdout.once(event, done);
        })
      : Promise.resolve(),
  async openArchive(path) {
    // Loaded with the first archive: `--help`, `--version` and a bad flag never parse the readers.
    const { ArchiveReadError, openArchive } = await import('../core/image/open');
    let source: NodeFileSource;
    try {
      source = new NodeFileSource(path);
    } catch (error) {
      throw new ArchiveReadError(`cannot open ${path}: ${(error as Error).message}`);
    }
    // On a terminal, stderr shows how far the reading is; a pipe or a file gets nothing.
    const progress = terminalProgress(`reading ${visible(source.name)}`);
    // Workers start only when the archive has two compressed layers or more (see LayerWorkerPool).
    const { defaultPoolSize, nodeLayerPool } = await import('./pool/nodePool');
    const size = poolSize ?? defaultPoolSize();
    const layerPool = size > 0 ? nodeLayerPool(path, size) : undefined;
    try {
      return await openArchive(source, {
        expansionLimit,
        layerPool,
        // One command reads a file once, right after the index pass: seek points would not pay
        // back their cost here (our inflater in place of Node's off-thread zlib).
        seekPoints: false,
        onProgress: (p) =>
          p.phase === 'done'
            ? progress.done()
            : progress.update({
                bytes: p.bytesRead,
                total: p.totalBytes,
                layer: p.layersDone + 1,
                layers: p.layersTotal,
              }),
      });
    } finally {
      layerPool?.close();
      progress.done();
    }
  },
};

/** Takes `--max-expansion <ratio>` and `--pool <n>` out of the arguments (any command); an error message if one is bad. */
function takeGlobalOptions(argv: string[]): string[] | string {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--pool' || arg.startsWith('--pool=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 0)
        return `--pool needs a number of workers (0 or more), got ${JSON.stringify(value ?? '')}`;
      poolSize = n;
      continue;
    }
    if (arg !== '--max-expansion' && !arg.startsWith('--max-expansion=')) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
    const ratio = Number(value);
    if (value === undefined || !Number.isFinite(ratio) || ratio < 1)
      return `--max-expansion needs a ratio of at least 1, got ${JSON.stringify(value ?? '')}`;
    expansionLimit = { ...DEFAULT_EXPANSION_LIMIT, ratio };
  }
  return rest;
}

/** `--help`/`-h` or `--version`/`-V` before any `--`. */
function asked(args: string[], long: string, short: string): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === long || arg === short);
}

async function main(argv: string[]): Promise<number> {
  if (asked(argv, '--version', '-V')) {
    nodeIo.stdout(`${await packageVersion()}\n`);
    return 0;
  }
  const taken = takeGlobalOptions(argv);
  if (typeof taken === 'string') {
    nodeIo.stderr(`${taken}\n`);
    return 2;
  }
  if (taken.length === 0 || (asked(taken, '--help', '-h') && !(taken[0] in COMMANDS))) {
    (taken.length === 0 ? nodeIo.stderr : nodeIo.stdout)(`${USAGE}\n`);
    return taken.length === 0 ? 2 : 0;
  }
  // `image-layer-explorer x.tar` and `… nginx:latest` are `open`: the way most people start.
  const [name, ...args] = Object.hasOwn(COMMANDS, taken[0]) ? taken : ['open', ...taken];
  const command = await COMMANDS[name]();
  if (asked(args, '--help', '-h')) {
    nodeIo.stdout(`${command.HELP ?? USAGE}\n`);
    return 0;
  }
  try {
    return await command.run(args, nodeIo);
  } catch (error) {
    nodeIo.stderr(`error: ${messageOf(error)}\n`);
    return 2;
  }
}

// `ls … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
