import { buildImageFileSystem } from '../../core/fs';
import type { ImageArchive } from '../../core/image/model';
import { runSecretScan, type SecretFinding, type SecretReport, scanImageSecrets } from '../../core/secrets';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { openOneImage } from '../common';
import { junitXml } from '../formats/junit';
import { type SarifFinding, sarifLog } from '../formats/sarif';
import type { CliIo } from '../io';
import { packageVersion } from '../version';

const USAGE = `usage: secrets <archive> [--image <tag|index>] [--json] [--format text|json|junit|sarif]
Scans every file of every layer (also files a later layer deleted or overwrote) and the config's
Env, Labels and history for private keys, tokens and credentials. Exit 1 when there is a finding,
0 when there is none, 2 when the archive (or one of its layers) cannot be read.
  --format junit   JUnit XML: one failed test case per finding (one passed case when none)
  --format sarif   SARIF 2.1.0: one result per finding, at its path and line in the image and its layer
  --json           the same as --format json
`;

const FORMATS = ['text', 'json', 'junit', 'sarif'] as const;
type SecretsFormat = (typeof FORMATS)[number];

function formatProblem(values: Map<string, string>): string | null {
  const format = values.get('format');
  if (format === undefined || (FORMATS as readonly string[]).includes(format)) return null;
  return `--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`;
}

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

function imageLabel(archive: ImageArchive, imageIndex: number): string {
  const image = archive.images[imageIndex];
  return image.tags[0] ?? image.id;
}

/**
 * Why a finding matters, in one line: what, where, and whether the final image still shows it.
 * Without the layer's command: a build argument in it may be the very secret, and these reports
 * are uploaded to CI dashboards.
 */
function findingMessage(f: SecretFinding): string {
  const layer = f.layer === null ? '' : ` in layer ${f.layer}`;
  return `${f.title} at ${findingPlace(f)}${layer}: ${f.preview}, ${hiddenText(f)}`;
}

/** One suite for the image: a failed case per finding, an error case per unreadable layer. */
export function secretsJUnit(
  archivePath: string,
  label: string,
  imageIndex: number,
  report: SecretReport,
): string {
  const classname = `${archivePath}.image${imageIndex}`;
  const cases = report.findings.map((f) => ({
    name: `${f.rule} ${findingPlace(f)}`,
    classname,
    failure: { message: findingMessage(f), type: f.rule },
  }));
  if (report.findingsDropped > 0)
    cases.push({
      name: 'more findings',
      classname,
      failure: { message: `${report.findingsDropped} more findings not listed`, type: 'findings-dropped' },
    });
  const errors = report.warnings.map((warning) => ({
    name: 'unreadable layer',
    classname,
    error: { message: warning, type: 'unreadable' },
  }));
  const passed =
    cases.length + errors.length === 0
      ? [{ name: 'no secrets', classname, output: scannedText(report) }]
      : [];
  return junitXml(
    [
      {
        name: `secrets: ${archivePath} image ${imageIndex} (${label})`,
        properties: {
          archive: archivePath,
          image: label,
          files: String(report.scanned.files),
          bytes: String(report.scanned.bytes),
          skipped: String(report.scanned.skipped),
        },
        cases: [...cases, ...errors, ...passed],
      },
    ],
    'image-layer-explorer secrets',
  );
}

/** SARIF: the rules that matched, one result per finding located at its file (and line) and layer. */
export function secretsSarif(
  archivePath: string,
  label: string,
  report: SecretReport,
  version: string,
): Record<string, unknown> {
  const titles = new Map<string, string>();
  for (const f of report.findings) if (!titles.has(f.rule)) titles.set(f.rule, f.title);
  const findings: SarifFinding[] = report.findings.map((f) => ({
    ruleId: f.rule,
    level: 'error',
    message: findingMessage(f),
    archive: archivePath,
    image: label,
    path: f.where === 'file' ? f.path : null,
    layer: f.layer,
    line: f.line,
    properties: {
      where: f.where,
      preview: f.preview,
      visibleInFinalImage: f.visibleInFinalImage,
      hiddenByLayer: f.hiddenByLayer,
    },
  }));
  return sarifLog({
    version,
    rules: [...titles.keys()].sort().map((id) => ({ id, shortDescription: titles.get(id) ?? id })),
    findings,
  });
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const opened = await openOneImage(args, io, USAGE, ['format'], formatProblem);
  if (typeof opened === 'number') return opened;
  const { path, archive, imageIndex } = opened;
  const asked = opened.values.get('format') as SecretsFormat | undefined;
  if (opened.json && asked && asked !== 'json') {
    io.stderr(`--json and --format ${asked} ask for two formats\n${USAGE}`);
    return 2;
  }
  const format: SecretsFormat = opened.json ? 'json' : (asked ?? 'text');
  const report = await scanArchive(archive, imageIndex);
  const label = imageLabel(archive, imageIndex);
  if (format === 'json') {
    io.stdout(
      `${terminalSafeJson({ findings: report.findings.map(findingJson), scanned: report.scanned }, 2)}\n`,
    );
  } else if (format === 'junit') {
    io.stdout(secretsJUnit(path, label, imageIndex, report));
  } else if (format === 'sarif') {
    io.stdout(`${terminalSafeJson(secretsSarif(path, label, report, await packageVersion()), 2)}\n`);
  } else {
    io.stdout(textReport(archive, imageIndex, report));
  }
  // An incomplete scan proves nothing either way: the layers it could not read are named.
  for (const warning of report.warnings) io.stderr(`${path}: ${warning}\n`);
  if (report.warnings.length > 0) return 2;
  return report.findings.length + report.findingsDropped > 0 ? 1 : 0;
}
