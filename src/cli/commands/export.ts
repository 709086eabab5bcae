import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { planExport, writeTar } from '../../core/export';
import { ImageFileSystem } from '../../core/fs';
import { ContentReader } from '../../core/image/content';
import { layerProblems, parseArgs, selectPlace } from '../common';
import type { CliIo } from '../io';

const USAGE =
  'usage: export <archive> [--image <tag|index>] --layer <n> [--merged] [--path <dir>] -o <file.tar|->\n';

/** Writes to `path` through a temporary name, so a failed export never leaves a truncated tar behind. */
async function writeFile(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
    }
    out.end();
    await once(out, 'finish');
    renameSync(partial, path);
    return bytes;
  } catch (error) {
    out.destroy();
    rmSync(partial, { force: true });
    throw error;
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
  const chunks = writeTar(plan, new ContentReader(archive));
  let bytes = 0;
  if (output === '-') {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      await io.stdoutBytes!(chunk);
    }
  } else {
    bytes = await writeFile(output, chunks);
    io.stderr(`wrote ${plan.entries.length} entries (${bytes} bytes) to ${output}\n`);
  }
  const problems = [...layerProblems(archive, imageIndex, layer), ...plan.warnings];
  if (problems.length > 0) {
    io.stderr(`${archivePath}: the export is incomplete:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    return 2;
  }
  return 0;
}
