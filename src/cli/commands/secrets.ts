import { buildImageFileSystem } from '../../core/fs';
import type { ImageArchive } from '../../core/image/model';
import { runSecretScan, type SecretFinding, type SecretReport, scanImageSecrets } from '../../core/secrets';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { openOneImage } from '../common';
import type { CliIo } from '../io';

const USAGE = `usage: secrets <archive> [--image <tag|index>] [--json]
Scans every file of every layer (also files a later layer deleted or overwrote) and the config's
Env, Labels and history for private keys, tokens and credentials. Exit 1 when there is a finding,
0 when there is none, 2 when the archive (or one of its layers) cannot be read.
`;

/** The contract's JSON of one finding (no title, command or secret: previews only). */
export function findingJson(f: SecretFinding) {
  return {
    rule: f.rule,
    where: f.where,
    path: f.path,
    layer: f.layer,
    line: f.line,
    preview: f.preview,
    visibleInFinalImage: f.visibleInFinalImage,
    hiddenByLayer: f.hiddenByLayer,
  };
}

/** Where a finding stands, as the page says it too. */
export function hiddenText(f: SecretFinding): string {
  if (f.visibleInFinalImage) return 'visible in the final image';
  return `${f.hiddenHow === 'overwritten' ? 'overwritten' : 'deleted'} in layer ${f.hiddenByLayer}, still in the archive`;
}

/** Where a finding is: `path:line`, `config Env`, `history step N`. */
export function findingPlace(f: SecretFinding): string {
  switch (f.where) {
    case 'file':
      return `${f.path}:${f.line}`;
    case 'env':
      return 'config Env';
    case 'label':
      return 'config Labels';
    case 'history':
      return `history step ${f.historyIndex}${f.line !== null ? `, line ${f.line}` : ''}`;
  }
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

/** The summary line: what was scanned and what was skipped, and why. */
export function scannedText(report: SecretReport): string {
  const { files, bytes, skipped } = report.scanned;
  const why = [
    report.skippedBinary ? `${report.skippedBinary} binary` : '',
    report.skippedLarge ? `${report.skippedLarge} over ${mib(report.maxFileBytes)}` : '',
    report.skippedUnreadable ? `${report.skippedUnreadable} unreadable` : '',
  ].filter(Boolean);
  return `scanned ${files} files (${bytes} bytes); skipped ${skipped}${why.length ? ` (${why.join(', ')})` : ''}`;
}

function textReport(archive: ImageArchive, imageIndex: number, report: SecretReport): string {
  const image = archive.images[imageIndex];
  const lines = [`image ${imageIndex}: ${visible(image.tags.join(', ')) || '(untagged)'}  ${image.id}`];
  for (const f of report.findings) {
    const layer = f.layer === null ? '' : `  layer ${f.layer}`;
    const command = f.command && f.where === 'file' ? ` (${visible(f.command).slice(0, 60)})` : '';
    lines.push(`  ${f.rule}  ${visible(findingPlace(f))}${layer}${command}`);
    lines.push(`      ${visible(f.preview)}  ${hiddenText(f)}`);
  }
  if (report.findingsDropped > 0) lines.push(`  … and ${report.findingsDropped} more findings not listed`);
  const count = report.findings.length + report.findingsDropped;
  lines.push(`${count} finding${count === 1 ? '' : 's'}; ${scannedText(report)}`);
  return `${lines.join('\n')}\n`;
}

/** Scans one image of an opened archive: the report, built with the same model as the page. */
export async function scanArchive(archive: ImageArchive, imageIndex: number): Promise<SecretReport> {
  const fs = await buildImageFileSystem(archive, imageIndex);
  return runSecretScan(scanImageSecrets(archive, imageIndex, fs));
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const opened = await openOneImage(args, io, USAGE);
  if (typeof opened === 'number') return opened;
  const { path, archive, imageIndex } = opened;
  const report = await scanArchive(archive, imageIndex);
  if (opened.json) {
    io.stdout(
      `${terminalSafeJson({ findings: report.findings.map(findingJson), scanned: report.scanned }, 2)}\n`,
    );
  } else {
    io.stdout(textReport(archive, imageIndex, report));
  }
  // An incomplete scan proves nothing either way: the layers it could not read are named.
  for (const warning of report.warnings) io.stderr(`${path}: ${warning}\n`);
  if (report.warnings.length > 0) return 2;
  return report.findings.length + report.findingsDropped > 0 ? 1 : 0;
}
