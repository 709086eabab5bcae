import { type ByteRange, chunksOfRange, openFileBytes } from '../../core/content';
import { ImageFileSystem, resolvePath } from '../../core/fs';
import { ContentReader } from '../../core/image/content';
import { visible } from '../../core/visibleText';
import { layerProblems, parseArgs, selectPlace } from '../common';
import type { CliIo } from '../io';

const USAGE = 'usage: cat <archive> [--image <tag|index>] --layer <n> <path>\n';

export const HELP = `Usage: image-layer-explorer cat <archive> <path> [options]

Writes a file's bytes, as seen at a layer (the merged view), to stdout; symlinks and hardlinks are
followed. A missing path, a directory, a dangling link or a symlink loop exits 2 with the reason.

Options:
  --image <tag|index>      the image (default: the first)
  --layer <n>              the layer, 0 the base, -1 the top (default: the top)
  --max-expansion <ratio>  the decompression-bomb bound (default 1000)
  -h, --help               this help
  -V, --version            the version

Examples:
  image-layer-explorer cat app.tar /etc/os-release
  image-layer-explorer cat app.tar --layer 2 /usr/bin/tool > tool`;

/**
 * Writes a file's bytes as seen at a layer (the merged view: a file from a lower layer is there
 * too), following symlinks and hardlinks. Anything that is not a readable file exits 2 with
 * the reason, so a script never mistakes an error for empty contents.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, ['image', 'layer'], []);
  if (typeof parsed === 'string' || parsed.positional.length !== 2) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${USAGE}`);
    return 2;
  }
  if (!io.stdoutBytes) throw new Error('cat needs a binary stdout');
  const [archivePath, path] = parsed.positional;
  const archive = await io.openArchive(archivePath);
  const place = selectPlace(archive, parsed.values, USAGE);
  if (typeof place === 'string') {
    io.stderr(place);
    return 2;
  }
  const { image: imageIndex, layer } = place;
  // No content hasher: which rewrites are identical does not matter for reading one file.
  const fs = await ImageFileSystem.build(archive, imageIndex);
  const resolved = resolvePath(fs, layer, path);
  if (!resolved.ok) {
    let message = `${archivePath}: ${resolved.message}`;
    if (resolved.reason === 'missing') {
      const removal = fs
        .timeline(resolved.path)
        .filter((step) => step.layer <= layer)
        .pop();
      if (removal?.change === 'removed') message += ` (layer ${removal.layer} removed it)`;
      const problems = layerProblems(archive, imageIndex, layer);
      if (problems.length > 0) message += `; the view is incomplete: ${problems.join('; ')}`;
    }
    io.stderr(`${message}\n`);
    return 2;
  }
  const { node, content } = resolved;
  if (node.type === 'dir') {
    io.stderr(`${archivePath}: ${visible(resolved.path)} is a directory at layer ${layer}\n`);
    return 2;
  }
  if (!content) {
    io.stderr(`${archivePath}: ${visible(resolved.path)} is a ${node.type}, which has no contents to show\n`);
    return 2;
  }
  const reader = new ContentReader(archive);
  let bytes: ByteRange;
  try {
    bytes = openFileBytes(reader, archive, imageIndex, content, null);
  } catch (error) {
    io.stderr(`${archivePath}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  for await (const chunk of chunksOfRange(bytes)) await io.stdoutBytes(chunk);
  return 0;
}
