import { buildImageFileSystem } from '../../core/fs';
import { ContentReader } from '../../core/image/content';
import { imagePackages } from '../../core/packages';
import type { ImagePackage } from '../../core/packages/types';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { layerProblems, openOneImage } from '../common';
import type { CliIo } from '../io';
import { formatBytes } from './inspect';

const USAGE = 'usage: packages <archive> [--image <tag|index>] [--json]\n';

/**
 * The packages of an image's databases (dpkg, apk, rpm, Python dist-info and egg-info, node_modules), each
 * with the layer that installed it and every layer that upgraded, downgraded or removed it.
 * Exit 0 with the list (databases that could not be parsed are warnings); 2 when the archive or
 * one of the image's layers could not be read (what was read is still printed).
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const opened = await openOneImage(args, io, USAGE);
  if (typeof opened === 'number') return opened;
  const { path, archive, imageIndex } = opened;
  const image = archive.images[imageIndex];
  const fs = await buildImageFileSystem(archive, imageIndex);
  const result = await imagePackages(archive, imageIndex, fs, new ContentReader(archive));
  const problems = layerProblems(archive, imageIndex, image.layers.length - 1);
  const warnings = [...problems, ...result.warnings];

  if (opened.json) {
    const doc = {
      packages: result.packages.map((pkg) => ({
        ecosystem: pkg.ecosystem,
        name: pkg.name,
        version: pkg.version,
        arch: pkg.arch,
        sizeBytes: pkg.sizeBytes,
        present: pkg.present,
        history: pkg.history.map((step) => ({
          layer: step.layer,
          change: step.change,
          version: step.version,
        })),
      })),
      databases: result.databases,
      warnings,
    };
    io.stdout(`${terminalSafeJson(doc, 2)}\n`);
    if (problems.length > 0)
      io.stderr(`${path}: the list is incomplete:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    return problems.length > 0 ? 2 : 0;
  }

  const out: string[] = [];
  const present = result.packages.filter((pkg) => pkg.present).length;
  out.push(
    `${visible(image.tags[0] ?? image.id)}: ${present} package${present === 1 ? '' : 's'} in the final image, ${result.packages.length - present} removed on the way`,
  );
  for (const db of result.databases)
    out.push(
      `  ${db.ecosystem.padEnd(6)} ${visible(db.path)} written by layer ${db.layer}: ${db.count} package${db.count === 1 ? '' : 's'}`,
    );
  out.push('');
  out.push('layer  +added  ^up  vdown  -removed  command');
  result.layers.forEach((counts, layer) => {
    if (counts.added + counts.upgraded + counts.downgraded + counts.removed === 0) return;
    const command = visible(image.layers[layer].createdBy ?? '')
      .replace(/\s+/g, ' ')
      .slice(0, 70);
    out.push(
      `${String(layer).padStart(5)}  ${String(counts.added).padStart(6)}  ${String(counts.upgraded).padStart(3)}  ${String(counts.downgraded).padStart(5)}  ${String(counts.removed).padStart(8)}  ${command}`,
    );
  });
  out.push('');
  const width = Math.min(40, Math.max(4, ...result.packages.map((pkg) => pkg.name.length)));
  for (const pkg of result.packages) out.push(packageLine(pkg, width));
  io.stdout(`${out.join('\n')}\n`);
  if (warnings.length > 0) io.stderr(`${warnings.map((w) => `warning: ${w}\n`).join('')}`);
  return problems.length > 0 ? 2 : 0;
}

function packageLine(pkg: ImagePackage, width: number): string {
  const steps = pkg.history
    .map((step) => `${step.change} ${visible(step.version)} in layer ${step.layer}`)
    .join(', ');
  const size = pkg.sizeBytes === null ? '' : formatBytes(pkg.sizeBytes);
  return `${pkg.ecosystem.padEnd(6)} ${visible(pkg.name).padEnd(width)} ${visible(pkg.version).padEnd(24)} ${visible(pkg.arch || '-').padEnd(8)} ${size.padStart(9)}  ${pkg.present ? '' : '(gone) '}${steps}`;
}
