import { parseBuildStep, stepSummary } from '../../core/image/buildStep';
import { type ImageFacts, type InspectDocument, inspectDocument } from '../../core/image/summary';
import { verifyArchive } from '../../core/image/verify';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { imageFacts } from '../facts';
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

export async function run(args: string[], io: CliIo, facts?: ImageFacts): Promise<number> {
  const json = args.includes('--json');
  const path = args.find((a) => !a.startsWith('--'));
  if (!path) {
    io.stderr('usage: inspect <archive> [--json] [--verify]\n');
    return 2;
  }
  const archive = await io.openArchive(path);
  const doc = inspectDocument(archive, facts ?? (await imageFacts(archive)));
  const verify = args.includes('--verify') ? await verifyArchive(archive) : null;
  if (json) {
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
