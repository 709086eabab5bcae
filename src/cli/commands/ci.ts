import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  analyzeImage,
  type CiConfig,
  type CiReport,
  DEFAULT_CI_CONFIG,
  evaluateCiRules,
  formatBytes,
  type ImageAnalysis,
  NO_SECRETS_RULE,
  noSecretsResult,
  parseDiveCiFile,
} from '../../core/analysis';
import type { ImageArchive } from '../../core/image/model';
import { terminalSafeJson, visible } from '../../core/visibleText';
import { layerProblems, parseArgs, selectImage } from '../common';
import { junitXml } from '../formats/junit';
import { type SarifFinding, sarifLog } from '../formats/sarif';
import type { CliIo } from '../io';
import { packageVersion } from '../version';
import { findingPlace, hiddenText, scanArchive } from './secrets';

const USAGE = `usage: ci <archive> [--image <tag|index>] [--ci-config <path>] [--lowest-efficiency 0.9]
          [--highest-wasted-bytes 20MB|disabled] [--highest-user-wasted-percent 0.1] [--no-secrets]
          [--format text|junit|sarif]
Rules and defaults are dive's; a .dive-ci file in the current directory is read when present.
--no-secrets (or noSecrets: true under rules: in .dive-ci) also fails on any secret the scan finds.
`;

export const HELP = `Usage: image-layer-explorer ci <archive> [options]

Checks each image of the archive (or the one named) against dive's CI rules, with dive's defaults,
its .dive-ci file (read from the current directory when present) and its flag names. Exit 1 when a
rule fails, 2 when the archive cannot be read or the rules cannot be understood.

Options:
  --image <tag|index>                  check one image (default: every image)
  --ci-config <path>                   dive's rules file (default: ./.dive-ci when it exists)
  --lowest-efficiency <ratio>          fail below this efficiency (dive's default 0.9)
  --highest-wasted-bytes <size>        fail above this many wasted bytes (20MB, 1GiB; default disabled)
  --highest-user-wasted-percent <ratio>
                                       fail above this share of the user layers wasted (default 0.1)
  --no-secrets                         also fail on any secret the scan finds (also noSecrets: true
                                       under rules: in .dive-ci)
  --format <text|junit|sarif>          text (dive's report), JUnit XML (a test case per rule and
                                       image) or SARIF 2.1.0 (a result per failed rule)
  --max-expansion <ratio>              the decompression-bomb bound (default 1000)
  -h, --help                           this help
  -V, --version                        the version

dive's camelCase spellings (--lowestEfficiency, …) are accepted too.

Examples:
  image-layer-explorer ci app.tar
  image-layer-explorer ci app.tar --lowest-efficiency 0.95 --highest-wasted-bytes 20MB
  image-layer-explorer ci app.tar --format junit > dive-ci.xml
  image-layer-explorer ci app.tar --format sarif > dive-ci.sarif`;

const FORMATS = ['text', 'junit', 'sarif'] as const;
type CiFormat = (typeof FORMATS)[number];

/** What each rule checks, for the SARIF rules table and JUnit's case names. */
const RULE_DESCRIPTIONS: Record<keyof CiConfig | typeof NO_SECRETS_RULE, string> = {
  [NO_SECRETS_RULE]:
    'No secret (key, token, credential file) is found in any layer or in the config (--no-secrets)',
  lowestEfficiency:
    "The image's efficiency (bytes kept ÷ bytes stored across layers) is at least the threshold",
  highestWastedBytes:
    'The bytes wasted (files written again or removed by a later layer) are at most the threshold',
  highestUserWastedPercent:
    'The share of the user layers (all but the first) wasted is at most the threshold',
};
/** Inefficient files shown per image; the rest are summed up in one line. */
const WORST_FILES = 20;
/** Secret findings listed per image under the noSecrets rule. */
const SECRETS_LISTED = 20;

/** Our flag names and dive's own spelling of them, so existing dive invocations carry over. */
const RULE_FLAGS: Record<string, keyof CiConfig> = {
  'lowest-efficiency': 'lowestEfficiency',
  lowestEfficiency: 'lowestEfficiency',
  'highest-wasted-bytes': 'highestWastedBytes',
  highestWastedBytes: 'highestWastedBytes',
  'highest-user-wasted-percent': 'highestUserWastedPercent',
  highestUserWastedPercent: 'highestUserWastedPercent',
};

/** Where the command finds `.dive-ci`; replaceable in tests. */
export interface CiEnvironment {
  cwd: string;
  /** The file's text, or null when it does not exist. */
  readText(path: string): Promise<string | null>;
}

const nodeEnvironment: CiEnvironment = {
  cwd: process.cwd(),
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  },
};

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(4)} %`;
}

function imageLabel(archive: ImageArchive, index: number): string {
  const image = archive.images[index];
  return `${visible(image.tags.join(', ')) || '(untagged)'}  ${visible(image.id)}`;
}

interface CheckedImage {
  index: number;
  label: string;
  analysis: ImageAnalysis;
  report: CiReport;
}

/** An image as JUnit and SARIF name it: its first tag, else its id. */
function shortLabel(archive: ImageArchive, index: number): string {
  const image = archive.images[index];
  return image.tags[0] ?? image.id;
}

function figures(analysis: ImageAnalysis): string {
  return `efficiency ${percent(analysis.efficiency)}, wasted ${analysis.wastedBytes} bytes (${formatBytes(analysis.wastedBytes)}), user wasted ${percent(analysis.wastedUserPercent)}`;
}

/** One JUnit suite per image, one case per rule: failed, skipped (disabled) or in error (misconfigured). */
export function ciJUnit(archivePath: string, checked: CheckedImage[], configErrors: string[]): string {
  return junitXml(
    checked.map(({ index, label, analysis, report }) => ({
      name: `dive CI rules: ${archivePath} image ${index} (${label})`,
      properties: {
        archive: archivePath,
        image: label,
        efficiency: String(analysis.efficiency),
        wastedBytes: String(analysis.wastedBytes),
        userWastedPercent: String(analysis.wastedUserPercent),
      },
      cases: report.results.map((result) => {
        const classname = `${archivePath}.image${index}`;
        const name = `${result.rule} (threshold ${result.threshold})`;
        if (result.status === 'fail')
          return {
            name,
            classname,
            failure: { message: result.message, type: result.rule, details: figures(analysis) },
          };
        if (result.status === 'misconfigured' || (report.misconfigured && configErrors.length > 0))
          return {
            name,
            classname,
            error: { message: result.message || configErrors.join('; '), type: 'misconfigured' },
          };
        if (result.status === 'skip') return { name, classname, skipped: result.message };
        return { name, classname, output: figures(analysis) };
      }),
    })),
    'image-layer-explorer ci',
  );
}

/** SARIF: every rule in the driver's table, one result per rule that failed (or could not be read). */
export function ciSarif(
  archivePath: string,
  checked: CheckedImage[],
  configErrors: string[],
  version: string,
): Record<string, unknown> {
  const findings: SarifFinding[] = [];
  for (const { label, analysis, report } of checked) {
    for (const result of report.results) {
      const misconfigured =
        result.status === 'misconfigured' || (report.misconfigured && configErrors.length > 0);
      if (result.status !== 'fail' && !misconfigured) continue;
      findings.push({
        ruleId: result.rule,
        level: 'error',
        message: misconfigured
          ? `${result.rule} could not be evaluated: ${result.message || configErrors.join('; ')}`
          : `${label}: ${result.message} (${figures(analysis)})`,
        archive: archivePath,
        image: label,
        properties: {
          threshold: result.threshold,
          efficiency: analysis.efficiency,
          wastedBytes: analysis.wastedBytes,
          userWastedPercent: Number.isFinite(analysis.wastedUserPercent) ? analysis.wastedUserPercent : null,
        },
      });
    }
  }
  return sarifLog({
    version,
    informationUri: 'https://github.com/wagoodman/dive#ci-integration',
    // noSecrets is a rule only where it was asked for (--no-secrets, or noSecrets in .dive-ci)
    rules: (Object.keys(RULE_DESCRIPTIONS) as (keyof typeof RULE_DESCRIPTIONS)[])
      .filter(
        (id) => id !== NO_SECRETS_RULE || checked.some((c) => c.report.results.some((r) => r.rule === id)),
      )
      .sort()
      .map((id) => ({
        id,
        shortDescription: RULE_DESCRIPTIONS[id],
        level: 'error',
      })),
    findings,
  });
}

/** dive's CI report, with the configured thresholds shown next to each rule. */
export function formatReport(
  label: string,
  analysis: ImageAnalysis,
  report: CiReport,
  secretLines: readonly string[] = [],
): string {
  const lines = [
    `Image: ${label}`,
    `  efficiency: ${percent(analysis.efficiency)}`,
    `  wastedBytes: ${analysis.wastedBytes} bytes (${formatBytes(analysis.wastedBytes)})`,
    `  userWastedPercent: ${percent(analysis.wastedUserPercent)}`,
    'Inefficient Files:',
    `${'Count'.padStart(5)}  ${'Wasted Space'.padStart(12)}  File Path`,
  ];
  const files = analysis.inefficientFiles;
  if (files.length === 0) lines.push('None');
  for (const file of files.slice(0, WORST_FILES)) {
    lines.push(
      `${String(file.count).padStart(5)}  ${formatBytes(file.sizeBytes).padStart(12)}  ${visible(file.path)}`,
    );
  }
  if (files.length > WORST_FILES) {
    const rest = files.slice(WORST_FILES).reduce((sum, f) => sum + f.sizeBytes, 0);
    lines.push(`  … and ${files.length - WORST_FILES} more files (${formatBytes(rest)})`);
  }
  lines.push(...secretLines);
  lines.push('Results:');
  for (const result of report.results) {
    const status = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', misconfigured: 'MISCONFIGURED' }[
      result.status
    ];
    const threshold =
      result.status === 'skip' && result.threshold === 'disabled' ? '' : ` (threshold ${result.threshold})`;
    lines.push(`  ${status}: ${result.rule}${threshold}${result.message ? `: ${result.message}` : ''}`);
  }
  if (report.misconfigured) {
    lines.push('CI Misconfigured');
  } else {
    const tally = (status: string) => report.results.filter((r) => r.status === status).length;
    lines.push(
      `Result:${report.pass ? 'PASS' : 'FAIL'} [Total:${report.results.length}] [Passed:${tally('pass')}] [Failed:${tally('fail')}] [Warn:0] [Skipped:${tally('skip')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Rule values: dive's defaults, then the `.dive-ci` file, then flags. Or why they cannot be read. */
async function loadConfig(
  flags: Map<string, string>,
  switches: ReadonlySet<string>,
  env: CiEnvironment,
  io: CliIo,
): Promise<{ config: CiConfig; errors: string[]; noSecrets: boolean } | { fatal: string }> {
  const config: CiConfig = { ...DEFAULT_CI_CONFIG };
  const errors: string[] = [];
  let noSecrets = false;
  const explicit = flags.get('ci-config');
  const path =
    explicit === undefined
      ? join(env.cwd, '.dive-ci')
      : isAbsolute(explicit)
        ? explicit
        : join(env.cwd, explicit);
  const text = await env.readText(path);
  if (text === null) {
    // A named file that is missing is a mistake to report, not a reason to fall back quietly.
    if (explicit !== undefined) return { fatal: `CI config ${explicit} not found` };
    io.stdout('Using default CI config\n');
  } else {
    io.stdout(`Using CI config: ${path}\n`);
    const file = parseDiveCiFile(text);
    Object.assign(config, file.config);
    noSecrets = file.noSecrets ?? false;
    errors.push(...file.errors.map((e) => `${path}: ${e}`));
  }
  for (const [flag, rule] of Object.entries(RULE_FLAGS)) {
    const value = flags.get(flag);
    if (value !== undefined) config[rule] = value;
  }
  if (switches.has('no-secrets')) noSecrets = true;
  return { config, errors, noSecrets };
}

export async function run(args: string[], io: CliIo, env: CiEnvironment = nodeEnvironment): Promise<number> {
  const parsed = parseArgs(
    args,
    ['image', 'ci-config', 'format', ...Object.keys(RULE_FLAGS)],
    ['no-secrets'],
  );
  if (typeof parsed === 'string' || parsed.positional.length !== 1) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${USAGE}`);
    return 2;
  }
  const format = (parsed.values.get('format') ?? 'text') as CiFormat;
  if (!FORMATS.includes(format)) {
    io.stderr(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}\n${USAGE}`);
    return 2;
  }
  // The report formats own stdout: dive's chatter goes to stderr then.
  const chatter: CliIo = format === 'text' ? io : { ...io, stdout: io.stderr };
  const loaded = await loadConfig(parsed.values, parsed.switches, env, chatter);
  if ('fatal' in loaded) {
    io.stderr(`${loaded.fatal}\n`);
    return 2;
  }
  const [path] = parsed.positional;
  const archive = await io.openArchive(path);
  const spec = parsed.values.get('image');
  let images: number[];
  if (spec === undefined) {
    images = archive.images.map((_, i) => i);
  } else {
    const selected = selectImage(archive, spec);
    if (typeof selected === 'string') {
      io.stderr(`${selected}\n`);
      return 2;
    }
    images = [selected];
  }
  if (images.length === 0) {
    io.stderr(`${path}: holds no image to check\n`);
    return 2;
  }

  let failed = false;
  let unreadable = false;
  const checked: CheckedImage[] = [];
  for (const index of images) {
    const problems = layerProblems(archive, index, archive.images[index].layers.length - 1);
    if (problems.length > 0) {
      // Figures from a partly read image would be wrong in either direction: no verdict.
      io.stderr(
        `${path}: image ${imageLabel(archive, index)} cannot be checked:\n${problems.map((p) => `  ${p}\n`).join('')}`,
      );
      unreadable = true;
      continue;
    }
    const analysis = analyzeImage(archive, index);
    const report = evaluateCiRules(analysis, loaded.config);
    if (loaded.errors.length > 0) {
      report.misconfigured = true;
      report.pass = false;
    }
    const secretLines: string[] = [];
    if (loaded.noSecrets && !report.misconfigured) {
      const secrets = await scanArchive(archive, index);
      const count = secrets.findings.length + secrets.findingsDropped;
      secretLines.push('Secrets:');
      if (count === 0) secretLines.push('None');
      for (const f of secrets.findings.slice(0, SECRETS_LISTED)) {
        const layer = f.where === 'file' ? ` (layer ${f.layer})` : '';
        secretLines.push(
          `  ${f.rule}  ${visible(findingPlace(f))}${layer}  ${visible(f.preview)}  ${hiddenText(f)}`,
        );
      }
      if (count > SECRETS_LISTED) secretLines.push(`  … and ${count - SECRETS_LISTED} more`);
      const result = noSecretsResult(count);
      report.results.push(result);
      if (result.status === 'fail') report.pass = false;
    }
    if (format === 'text') io.stdout(formatReport(imageLabel(archive, index), analysis, report, secretLines));
    checked.push({ index, label: shortLabel(archive, index), analysis, report });
    if (!report.pass) failed = true;
  }
  if (format === 'junit') io.stdout(ciJUnit(path, checked, loaded.errors));
  if (format === 'sarif')
    io.stdout(`${terminalSafeJson(ciSarif(path, checked, loaded.errors, await packageVersion()), 2)}\n`);
  for (const error of loaded.errors) io.stderr(`${error}\n`);
  if (unreadable) return 2;
  return failed ? 1 : 0;
}
