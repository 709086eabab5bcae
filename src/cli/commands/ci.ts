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
  noSecretsResult,
  parseDiveCiFile,
} from '../../core/analysis';
import type { ImageArchive } from '../../core/image/model';
import { visible } from '../../core/visibleText';
import { layerProblems, parseArgs, selectImage } from '../common';
import type { CliIo } from '../io';
import { findingPlace, hiddenText, scanArchive } from './secrets';

const USAGE = `usage: ci <archive> [--image <tag|index>] [--ci-config <path>] [--lowest-efficiency 0.9]
          [--highest-wasted-bytes 20MB|disabled] [--highest-user-wasted-percent 0.1] [--no-secrets]
Rules and defaults are dive's; a .dive-ci file in the current directory is read when present.
--no-secrets (or noSecrets: true under rules: in .dive-ci) also fails on any secret the scan finds.
`;
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
  const parsed = parseArgs(args, ['image', 'ci-config', ...Object.keys(RULE_FLAGS)], ['no-secrets']);
  if (typeof parsed === 'string' || parsed.positional.length !== 1) {
    io.stderr(`${typeof parsed === 'string' ? `${parsed}\n` : ''}${USAGE}`);
    return 2;
  }
  const loaded = await loadConfig(parsed.values, parsed.switches, env, io);
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
    io.stdout(formatReport(imageLabel(archive, index), analysis, report, secretLines));
    if (!report.pass) failed = true;
  }
  for (const error of loaded.errors) io.stderr(`${error}\n`);
  if (unreadable) return 2;
  return failed ? 1 : 0;
}
