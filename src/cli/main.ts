import { messageOf } from '../core/errors';
import { ArchiveReadError, openArchive } from '../core/image/open';
import { DEFAULT_EXPANSION_LIMIT, type ExpansionLimit } from '../core/limits';
import { terminalText } from '../core/visibleText';
import type { CliIo } from './io';
import { NodeFileSource } from './nodeFileSource';

const USAGE = `usage:
  inspect <archive> [--json] [--verify]              images, layers, history and analysis; --verify hashes every blob
  ls <archive> [--image <tag|index>] --layer <n> [--merged]   files of a layer (JSON lines)
  ci <archive> [--lowest-efficiency 0.9] [--highest-wasted-bytes 20MB] [--highest-user-wasted-percent 0.1]
  cat <archive> [--image <tag|index>] --layer <n> <path>      a file's bytes as of layer n (links followed)
  export <archive> [--image <tag|index>] --layer <n> [--merged] [--path <dir>] -o <file.tar|->
                                                     a layer's changes (with whiteouts), or with --merged the
                                                     filesystem at layer n, or one directory of either, as a tar
  secrets <archive> [--image <tag|index>] [--json]   private keys, tokens and credentials in every layer (deleted
                                                     files too) and the config; exit 1 when there is a finding
options for every command:
  --max-expansion <ratio>   the decompression-bomb bound: past 1 GiB of output, at most <ratio> bytes out per
                            compressed byte read (default 1000; gzip cannot pass 1032:1, zstd bombs reach 32768:1)
exit codes: 0 success, 1 a ci rule failed, 2 the archive could not be read or is corrupt (inspect --verify:
  a digest or diff ID does not match)`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  inspect: () => import('./commands/inspect'),
  ls: () => import('./commands/ls'),
  ci: () => import('./commands/ci'),
  cat: () => import('./commands/cat'),
  export: () => import('./commands/export'),
  secrets: () => import('./commands/secrets'),
};

/** The decompression-bomb bound every command opens archives with (`--max-expansion`). */
let expansionLimit: ExpansionLimit = DEFAULT_EXPANSION_LIMIT;

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
  async openArchive(path) {
    let source: NodeFileSource;
    try {
      source = new NodeFileSource(path);
    } catch (error) {
      throw new ArchiveReadError(`cannot open ${path}: ${(error as Error).message}`);
    }
    return openArchive(source, { expansionLimit });
  },
};

/** Takes `--max-expansion <ratio>` out of the arguments (any command); an error message if it is bad. */
function takeGlobalOptions(argv: string[]): string[] | string {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
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

async function main(argv: string[]): Promise<number> {
  const taken = takeGlobalOptions(argv);
  if (typeof taken === 'string') {
    nodeIo.stderr(`${taken}\n`);
    return 2;
  }
  const [name, ...args] = taken;
  const load = name ? COMMANDS[name] : undefined;
  if (!load) {
    nodeIo.stderr(`${name ? `unknown command ${JSON.stringify(name)}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const command = await load();
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
