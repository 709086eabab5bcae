import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { messageOf } from '../../core/errors';
import { planExport, writeTar } from '../../core/export';
import { ImageFileSystem } from '../../core/fs';
import { ContentReader } from '../../core/image/content';
import { layerProblems, parseArgs, selectPlace } from '../common';
import type { CliIo } from '../io';

const USAGE =
  'usage: export <archive> [--image <tag|index>] --layer <n> [--merged] [--path <dir>] -o <file.tar|->\n';

export const HELP = `Usage: image-layer-explorer export <archive> -o <file.tar|-> [options]

Writes a layer's own changes as a valid layer tar (whiteouts and opaque markers included), or with
--merged the filesystem as of that layer; --path narrows either to one directory. Written to a
temporary file beside the output and renamed when complete; nothing is left on failure or Ctrl-C.

Options:
  -o, --output <file|->    the tar to write (- for stdout)
  --image <tag|index>      the image (default: the first)
  --layer <n>              the layer, 0 the base, -1 the top (default: the top)
  --merged                 the merged filesystem at the layer instead of its changes
  --path <dir>             one directory of either, named from the directory (as docker cp does)
  --max-expansion <ratio>  the decompression-bomb bound (default 1000)
  -h, --help               this help
  -V, --version            the version

Examples:
  image-layer-explorer export app.tar --layer 3 -o layer3.tar
  image-layer-explorer export app.tar --merged --path /etc -o - | tar -t`;

/** Why an export wrote nothing: the message says so, and the named file was not touched. */
class NothingWritten extends Error {}

/**
 * Writes to `path` through a temporary file in the same folder, renamed over `path` once complete:
 * a failed export (or one stopped by Ctrl-C) leaves neither a truncated tar nor the temporary
 * file behind. `pipeline` owns the stream's listeners, so a long export adds none per chunk.
 */
async function writeFile(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}-${Date.now().toString(36)}.partial`,
  );
  let bytes = 0;
  const removeTemporary = () => rmSync(temporary, { force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    removeTemporary();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            yield chunk;
          }
        })(),
      ),
      createWriteStream(temporary, { flags: 'wx' }),
    );
    renameSync(temporary, path);
    return bytes;
  } catch (error) {
    removeTemporary();
    throw new NothingWritten(`${messageOf(error)}; nothing was written to ${path}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * A layer's own changes as a layer tar (whiteouts included), or with --merged the filesystem
 * as of that layer; --path narrows either to one directory. Streams: contents are read while
 * the tar is written, never held whole.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  // `-o` is the one short option, as in tar and docker; the parser knows long ones.
  const normalized = args.map((arg) => (arg === '-o' ? '--output' : arg));
  const parsed = parseArgs(normalized, ['image', 'layer', 'path', 'output'], ['merged']);
  if (typeof parsed === 'string' || parsed.positional.length !== 1 || !parsed.values.has('output')) {
    io.stderr(
      `${typeof parsed === 'string' ? `${parsed}\n` : !parsed.values?.has('output') ? 'an output file is needed (-o <file.tar>, or -o - for stdout)\n' : ''}${USAGE}`,
    );
    return 2;
  }
  const [archivePath] = parsed.positional;
  const output = parsed.values.get('output')!;
  if (output === '-' && !io.stdoutBytes) throw new Error('export -o - needs a binary stdout');
  const archive = await io.openArchive(archivePath);
  const place = selectPlace(archive, parsed.values, USAGE);
  if (typeof place === 'string') {
    io.stderr(place);
    return 2;
  }
  const { image: imageIndex, layer } = place;
  const mode = parsed.switches.has('merged') ? 'merged' : 'changes';
  // Without a hasher, same-size rewrites count as modified; an export writes them either way.
  const fs = await ImageFileSystem.build(archive, imageIndex);
  let plan: ReturnType<typeof planExport>;
  try {
    plan = planExport(archive, fs, imageIndex, { layer, mode, path: parsed.values.get('path') });
  } catch (error) {
    io.stderr(`${archivePath}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  // The rule: a view with an unreadable or partly read layer is not exported at all (the tar
  // would silently lack files); entries the plan leaves out or rewrites are named before writing.
  const problems = layerProblems(archive, imageIndex, layer);
  if (problems.length > 0) {
    io.stderr(
      `${archivePath}: the view at layer ${layer} is incomplete, so nothing was written:\n${problems.map((p) => `  ${p}\n`).join('')}`,
    );
    return 2;
  }
  for (const warning of plan.warnings) io.stderr(`warning: ${warning}\n`);
  const chunks = writeTar(plan, new ContentReader(archive));
  if (output === '-') {
    try {
      for await (const chunk of chunks) await io.stdoutBytes!(chunk);
    } catch (error) {
      io.stderr(`${archivePath}: ${messageOf(error)}; the tar on stdout is incomplete\n`);
      return 2;
    }
    return 0;
  }
  try {
    const bytes = await writeFile(output, chunks);
    io.stderr(`wrote ${plan.entryCount} entries (${bytes} bytes) to ${output}\n`);
  } catch (error) {
    if (!(error instanceof NothingWritten)) throw error;
    io.stderr(`${archivePath}: ${error.message}\n`);
    return 2;
  }
  return 0;
}
