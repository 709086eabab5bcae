import type { ImageAnalysis } from './efficiency';

/**
 * dive's three CI rules, with its defaults, value syntax and messages, so a team's `.dive-ci`
 * and thresholds mean the same here. Values stay strings, as in dive, because each rule parses
 * its own syntax ("20MB", "disabled", "0.1").
 */
export interface CiConfig {
  lowestEfficiency: string;
  highestWastedBytes: string;
  highestUserWastedPercent: string;
}

export type CiRuleName = keyof CiConfig;

export const DEFAULT_CI_CONFIG: Readonly<CiConfig> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

export type CiStatus = 'pass' | 'fail' | 'skip' | 'misconfigured';

export interface CiRuleResult {
  rule: CiRuleName | typeof NO_SECRETS_RULE;
  status: CiStatus;
  /** dive's wording: why it failed or is skipped; '' when it passed. */
  message: string;
  /** The configured value. */
  threshold: string;
}

export interface CiReport {
  pass: boolean;
  /** A rule value could not be understood; dive then evaluates nothing and fails. */
  misconfigured: boolean;
  /** In dive's order (sorted by rule name). */
  results: CiRuleResult[];
}

const RULE_NAMES: readonly CiRuleName[] = [
  'highestUserWastedPercent',
  'highestWastedBytes',
  'lowestEfficiency',
];

/**
 * Our rule beside dive's: fail on any secret the scan finds (`ci --no-secrets`, or `noSecrets: true`
 * under `rules:` in `.dive-ci`). Not one of dive's, so it is kept apart from CiConfig.
 */
export const NO_SECRETS_RULE = 'noSecrets';

/** The noSecrets rule's result for the number of findings a scan made. */
export function noSecretsResult(findings: number): CiRuleResult {
  return findings === 0
    ? { rule: NO_SECRETS_RULE, status: 'pass', message: '', threshold: 'true' }
    : {
        rule: NO_SECRETS_RULE,
        status: 'fail',
        message: `${findings} secret${findings === 1 ? '' : 's'} found (see the findings above; secrets <archive> lists them)`,
        threshold: 'true',
      };
}

/** YAML 1.1/1.2 booleans as viper reads them; null for anything else. */
function parseYamlBool(value: string): boolean | null {
  const v = value.toLowerCase();
  if (['true', 'yes', 'on', 'y'].includes(v)) return true;
  if (['false', 'no', 'off', 'n', 'disabled'].includes(v)) return false;
  return null;
}

/** Go's strconv.ParseFloat, for the forms people write: decimals, exponents, inf and nan. */
export function parseGoFloat(text: string): number | null {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  const lower = text.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower === 'nan') return Number.NaN;
  return null;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pi: 1024 ** 5,
  pib: 1024 ** 5,
  e: 1e18,
  eb: 1e18,
  ei: 1024 ** 6,
  eib: 1024 ** 6,
};

/**
 * go-humanize's ParseBytes, which dive uses for highestWastedBytes: "20MB" = 20,000,000,
 * "20MiB" = 20,971,520, "1,000 kB", "42" (bytes). Null when dive would reject it.
 */
export function parseBytes(text: string): number | null {
  const match = /^[\d.,]*/.exec(text)!;
  const number = parseGoFloat(match[0].replaceAll(',', ''));
  if (number === null) return null;
  const unit = SIZE_UNITS[text.slice(match[0].length).trim().toLowerCase()];
  if (unit === undefined) return null;
  return Math.floor(number * unit);
}

/** go-humanize's Bytes (SI units), as dive prints sizes: "6.4 kB", "13 kB", "2.1 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const exponent = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1000)));
  const value = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[exponent]}`;
}

function checkRatio(rule: CiRuleName, value: string): string | null {
  const ratio = parseGoFloat(value);
  if (ratio === null) return `invalid config value ('${value}'): not a number`;
  if (ratio < 0 || ratio > 1) return `${rule} config value is outside allowed range (0-1), given '${value}'`;
  return null;
}

function validate(rule: CiRuleName, value: string): string | null {
  if (rule === 'highestWastedBytes')
    return parseBytes(value) === null ? `invalid config value ('${value}'): not a size` : null;
  return checkRatio(rule, value);
}

function evaluate(
  rule: CiRuleName,
  value: string,
  analysis: ImageAnalysis,
): { failed: boolean; message: string } {
  switch (rule) {
    case 'lowestEfficiency': {
      const threshold = parseGoFloat(value)!;
      return threshold > analysis.efficiency
        ? {
            failed: true,
            message: `image efficiency is too low (efficiency=${analysis.efficiency} < threshold=${threshold})`,
          }
        : { failed: false, message: '' };
    }
    case 'highestWastedBytes': {
      const threshold = parseBytes(value)!;
      return analysis.wastedBytes > threshold
        ? {
            failed: true,
            message: `too many bytes wasted (wasted-bytes=${analysis.wastedBytes} > threshold=${threshold})`,
          }
        : { failed: false, message: '' };
    }
    case 'highestUserWastedPercent': {
      const threshold = parseGoFloat(value)!;
      return threshold < analysis.wastedUserPercent
        ? {
            failed: true,
            message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${analysis.wastedUserPercent} > threshold=${threshold})`,
          }
        : { failed: false, message: '' };
    }
  }
}

/** Evaluates the rules the way dive's CI evaluator does: all valid, or none evaluated. */
export function evaluateCiRules(analysis: ImageAnalysis, config: CiConfig): CiReport {
  const problems = new Map<CiRuleName, string>();
  for (const rule of RULE_NAMES) {
    const value = config[rule];
    if (value === 'disabled') continue;
    const problem = validate(rule, value);
    if (problem) problems.set(rule, problem);
  }
  const misconfigured = problems.size > 0;
  const results = RULE_NAMES.map((rule): CiRuleResult => {
    const threshold = config[rule];
    if (threshold === 'disabled') return { rule, status: 'skip', message: 'rule disabled', threshold };
    const problem = problems.get(rule);
    if (problem) return { rule, status: 'misconfigured', message: problem, threshold };
    if (misconfigured) return { rule, status: 'skip', message: 'not evaluated: CI misconfigured', threshold };
    const { failed, message } = evaluate(rule, threshold, analysis);
    return { rule, status: failed ? 'fail' : 'pass', message, threshold };
  });
  return { pass: !misconfigured && results.every((r) => r.status !== 'fail'), misconfigured, results };
}

/**
 * Reads dive's `.dive-ci` (YAML): the rule values under `rules:`, block or flow style. Only
 * the YAML this file uses is understood: mappings, scalars (plain or quoted) and comments.
 * Keys match case-insensitively, as dive's config library (viper) does.
 */
export function parseDiveCiFile(text: string): {
  config: Partial<CiConfig>;
  errors: string[];
  /** `noSecrets:` under `rules:`, when the file sets it. */
  noSecrets?: boolean;
} {
  const config: Partial<CiConfig> = {};
  const errors: string[] = [];
  let noSecrets: boolean | undefined;
  const setRule = (key: string, raw: string, line: number): void => {
    const name = unquote(key.trim());
    if (name.toLowerCase() === NO_SECRETS_RULE.toLowerCase()) {
      const value = parseYamlBool(unquote(raw.trim()));
      if (value === null)
        errors.push(`line ${line}: noSecrets must be true or false, got ${JSON.stringify(raw.trim())}`);
      else noSecrets = value;
      return;
    }
    const rule = RULE_NAMES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!rule) {
      errors.push(`line ${line}: unknown rule ${JSON.stringify(name)}`);
      return;
    }
    config[rule] = unquote(raw.trim());
  };
  const lines = text.split(/\r?\n/);
  let inRules = false;
  let rulesIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]);
    if (line.trim() === '' || line.trim() === '---' || line.trim() === '...') continue;
    const indent = line.length - line.trimStart().length;
    const match = /^\s*([^:\s][^:]*?)\s*:(?:\s+(.*))?$/.exec(line);
    if (!match) {
      errors.push(`line ${i + 1}: cannot read ${JSON.stringify(lines[i].trim())}`);
      continue;
    }
    const key = match[1];
    const value = (match[2] ?? '').trim();
    if (inRules && indent > rulesIndent) {
      setRule(key, value, i + 1);
      continue;
    }
    inRules = false;
    if (indent === 0 && key.toLowerCase() === 'rules') {
      if (value.startsWith('{')) {
        if (!value.endsWith('}')) {
          errors.push(`line ${i + 1}: the rules mapping must close on the same line`);
          continue;
        }
        for (const pair of splitFlow(value.slice(1, -1))) {
          const colon = pair.indexOf(':');
          if (colon < 0) errors.push(`line ${i + 1}: cannot read ${JSON.stringify(pair.trim())}`);
          else setRule(pair.slice(0, colon), pair.slice(colon + 1), i + 1);
        }
      } else if (value === '') {
        inRules = true;
        rulesIndent = indent;
      } else {
        errors.push(`line ${i + 1}: rules must be a mapping`);
      }
    }
  }
  return noSecrets === undefined ? { config, errors } : { config, errors, noSecrets };
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
    return value.slice(1, -1);
  }
  return value;
}

function splitFlow(body: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ',') {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts.filter((p) => p.trim() !== '');
}
