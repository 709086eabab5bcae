import { analyzeImage } from '../../core/analysis';
import { parseBuildStep, stepSummary } from '../../core/image/buildStep';
import { type ImageFacts, type InspectDocument, inspectDocument } from '../../core/image/summary';
import { verifyArchive } from '../../core/image/verify';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { parseArgs, selectImage } from '../common';
import { imageFacts } from '../facts';
import { diveExport, goJson } from '../formats/diveJson';
import type { CliIo } from '../io';

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function textReport(doc: InspectDocument): string {
  const lines: string[] = [`format: ${doc.format}`, `images: ${doc.images.length}`];
  for (const [i, image] of doc.images.entries()) {
    lines.push(
      '',
      `image ${i}: ${visible(image.tags.join(', ')) || '(untagged)'}  ${image.id}  ${visible(image.platform)}`,
    );
    const a = image.analysis;
    lines.push(
      `  size ${formatBytes(a.sizeBytes)}, efficiency ${(a.efficiency * 100).toFixed(2)} %, wasted ${formatBytes(a.wastedBytes)} (${(a.wastedUserPercent * 100).toFixed(2)} % of user layers)`,
    );
    for (const layer of image.layers) {
      // One line per layer, whatever the command holds: a heredoc's newlines and any control
      // character are escaped, and BuildKit's `|N NAME=value` prefix gets a line of its own.
      const step = parseBuildStep(layer.createdBy);
      lines.push(
        `  ${String(layer.index).padStart(3)}  ${formatBytes(layer.sizeBytes).padStart(9)}  ${String(layer.entries).padStart(6)} entries  +${layer.added} ~${layer.modified} -${layer.removed}  ${layer.compression.padEnd(4)}  ${visible(stepSummary(step)).slice(0, 80)}`,
      );
      if (step.buildArgs.length) {
        lines.push(
          `${' '.repeat(7)}build args: ${step.buildArgs.map((a) => visible(`${a.name}=${a.value}`)).join(' ')}`,
        );
      }
    }
  }
  if (doc.warnings.length) lines.push('', 'warnings:', ...doc.warnings.map((w) => `  ${visible(w)}`));
  if (doc.errors.length) lines.push('', 'errors:', ...doc.errors.map((e) => `  ${visible(e)}`));
  return `${lines.join('\n')}\n`;
}

export const HELP = `Usage: image-layer-explorer inspect <archive> [options]

Images, layers with their build steps and change counts, and dive's analysis (efficiency, wasted
bytes) of a saved image archive.

Options:
  --json                       one JSON document (the contract in DESIGN.md); same as --format json
  --format <text|json|dive-json>
                               dive-json: exactly what \`dive <image> --json <file>\` writes (dive v0.13.1)
  --image <tag|index>          the image for --format dive-json (default: the first)
  --verify                     hash every layer blob and config with SHA-256 (exit 2 on a mismatch)
  --max-expansion <ratio>      the decompression-bomb bound (default 1000)
  -h, --help                   this help
  -V, --version                the version

Progress (bytes read, layer n of m, rate, time left) goes to stderr when it is a terminal.

Examples:
  image-layer-explorer inspect app.tar
  image-layer-explorer inspect app.tar --json | jq '.images[0].analysis'
  image-layer-explorer inspect app.tar --format dive-json > dive.json
  image-layer-explorer inspect app.tar --verify`;

const USAGE =
  'usage: inspect <archive> [--json | --format text|json|dive-json] [--image <tag|index>] [--verify]\n';
const FORMATS = ['text', 'json', 'dive-json'] as const;

export async function run(args: string[], io: CliIo, facts?: ImageFacts): Promise<number> {
  const parsed = parseArgs(args, ['format', 'image'], ['json', 'verify']);
  if (typeof parsed === 'string' || parsed.positional.length !== 1) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${USAGE}`);
    return 2;
  }
  const format = parsed.values.get('format') ?? (parsed.switches.has('json') ? 'json' : 'text');
  if (
    !(FORMATS as readonly string[]).includes(format) ||
    (parsed.switches.has('json') && format !== 'json')
  ) {
    io.stderr(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}\n${USAGE}`);
    return 2;
  }
  const [path] = parsed.positional;
  const archive = await io.openArchive(path);
  if (format === 'dive-json') {
    const image = selectImage(archive, parsed.values.get('image'));
    if (typeof image === 'string') {
      io.stderr(`${image}\n`);
      return 2;
    }
    io.stdout(`${goJson(diveExport(archive, image, analyzeImage(archive, image)))}\n`);
    if (archive.errors.length) {
      io.stderr(`${path}: ${archive.errors.join('\n')}\n`);
      return 2;
    }
    return 0;
  }
  const doc = inspectDocument(archive, facts ?? (await imageFacts(archive)));
  const verify = parsed.switches.has('verify') ? await verifyArchive(archive) : null;
  if (format === 'json') {
    io.stdout(`${terminalSafeJson(verify ? { ...doc, verify } : doc, 2)}\n`);
  } else {
    io.stdout(textReport(doc));
    if (verify) {
      io.stdout(
        `\nverify: ${verify.blobs.length} layer blobs and ${verify.configs.length} configs hashed with SHA-256\n` +
          (verify.problems.length
            ? verify.problems.map((p) => `  MISMATCH ${p}\n`).join('')
            : '  all digests and diff IDs match\n'),
      );
    }
  }
  if (archive.errors.length) {
    io.stderr(`${path}: ${archive.errors.join('\n')}\n`);
    return 2;
  }
  if (verify?.problems.length) {
    // A digest that does not match is a corrupt archive: exit 2, as for any unreadable part
    // (1 stays what it is everywhere: a ci rule failed).
    io.stderr(
      `${path}: ${verify.problems.length} digest mismatch${verify.problems.length === 1 ? '' : 'es'}: the archive is corrupt\n`,
    );
    return 2;
  }
  return 0;
}
