import { buildImageFileSystem } from '../../core/fs';
import { terminalSafeJson } from '../../core/visibleText';
import { layerProblems, parseArgs, selectPlace } from '../common';
import type { CliIo } from '../io';

const USAGE = 'usage: ls <archive> [--image <tag|index>] --layer <n> [--merged]\n';

export const HELP = `Usage: image-layer-explorer ls <archive> [options]

Lists the files of a layer, one JSON object per line: {"path", "type", "size", "mode", "uid", "gid",
"linkTarget", "change"} and "note" where there is one. Without --merged, the layer's own changes
(what its tar adds, modifies and removes); with it, the filesystem as seen at that layer.

Options:
  --image <tag|index>      the image (default: the first)
  --layer <n>              the layer, 0 the base, -1 the top (default: the top)
  --merged                 the merged filesystem at the layer instead of its changes
  --max-expansion <ratio>  the decompression-bomb bound (default 1000)
  -h, --help               this help
  -V, --version            the version

Examples:
  image-layer-explorer ls app.tar --layer 3
  image-layer-explorer ls app.tar --image app:1 --layer -1 --merged | jq -r .path`;
/** Lines handed to stdout at once: one write per line is slow for images of 100k files. */
const LINES_PER_WRITE = 2000;

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, ['image', 'layer'], ['merged']);
  if (typeof parsed === 'string' || parsed.positional.length !== 1) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${USAGE}`);
    return 2;
  }
  const [path] = parsed.positional;
  const archive = await io.openArchive(path);
  const place = selectPlace(archive, parsed.values, USAGE);
  if (typeof place === 'string') {
    io.stderr(place);
    return 2;
  }
  const { image: imageIndex, layer } = place;
  if (archive.images.length > 1 && !parsed.values.has('image')) {
    io.stderr(
      `${archive.name} holds ${archive.images.length} images; listing image 0 (choose with --image)\n`,
    );
  }

  const fs = await buildImageFileSystem(archive, imageIndex);
  let lines: string[] = [];
  // Node by node, waiting whenever stdout has not taken the last lines yet, so a slow pipe slows
  // the listing down instead of queueing all of it.
  for (const [node] of fs.walkNodes(layer, parsed.switches.has('merged') ? 'merged' : 'changes')) {
    lines.push(
      terminalSafeJson({
        path: node.path,
        type: node.type,
        size: node.size,
        mode: node.mode,
        uid: node.uid,
        gid: node.gid,
        linkTarget: node.linkTarget,
        change: node.change,
        // Only where there is one: 'rewritten', 'replaced', 'underRemoved', 'underReplaced'.
        ...(node.note ? { note: node.note } : {}),
      }),
    );
    if (lines.length >= LINES_PER_WRITE) {
      io.stdout(`${lines.join('\n')}\n`);
      lines = [];
      await io.stdoutDrained?.();
    }
  }
  if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);

  const problems = [...layerProblems(archive, imageIndex, layer), ...fs.warnings];
  if (problems.length > 0) {
    io.stderr(`${path}: the listing is incomplete:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    return 2;
  }
  return 0;
}
