/**
 * Checks the import rules of scripts/checks/importRules.ts over src/: every import of every
 * module that is not a test. Prints each violation with the rule's reason and exits 1, so
 * `npm test` fails on the first wall moved. `--root <dir>` checks another tree (the test's).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { IMPORT_RULES, type ImportRule } from './importRules';

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

export interface Violation {
  module: string;
  imported: string;
  rule: ImportRule;
}

function modulesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modulesUnder(path);
    return /\.(ts|tsx)$/.test(name) && !/\.(test|hostile)\.tsx?$/.test(name) ? [path] : [];
  });
}

function resolveModule(fromFile: string, specifier: string, srcRoot: string): string {
  if (!specifier.startsWith('.')) return specifier;
  let target = relative(srcRoot, resolve(dirname(fromFile), specifier))
    .split('\\')
    .join('/');
  const candidates = [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`];
  const existing = candidates.find((c) => {
    try {
      return statSync(join(srcRoot, c)).isFile();
    } catch {
      return false;
    }
  });
  target = existing ?? target;
  return target.startsWith('..') ? `../${target}` : target;
}

function matches(pattern: string, target: string): boolean {
  if (pattern.endsWith('*')) return target.startsWith(pattern.slice(0, -1));
  return target === pattern || target.startsWith(`${pattern}/`);
}

function inFolder(folder: string, module: string): boolean {
  return folder === '' || module === folder || module.startsWith(`${folder}/`);
}

export function checkImports(srcRoot: string): Violation[] {
  const violations: Violation[] = [];
  for (const file of modulesUnder(srcRoot)) {
    const module = relative(srcRoot, file).split('\\').join('/');
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      const imported = resolveModule(file, specifier, srcRoot);
      for (const rule of IMPORT_RULES) {
        if (!inFolder(rule.from, module)) continue;
        // A folder's own modules may use each other: src/testing is for tests, and itself.
        if (rule.forbidden.some((f) => inFolder(f, module))) continue;
        if (!rule.forbidden.some((f) => matches(f, imported))) continue;
        if (rule.except?.includes(imported)) continue;
        violations.push({ module, imported, rule });
      }
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rootArg = process.argv.indexOf('--root');
  const srcRoot = resolve(rootArg > 0 ? process.argv[rootArg + 1] : join(import.meta.dirname, '../../src'));
  const violations = checkImports(srcRoot);
  for (const v of violations) {
    console.error(
      `src/${v.module} imports ${v.imported}\n  rule for src/${v.rule.from || '*'}: ${v.rule.why}`,
    );
  }
  if (violations.length) {
    console.error(
      `\n${violations.length} import${violations.length === 1 ? '' : 's'} break the folder rules`,
    );
    process.exit(1);
  }
  console.log(`import rules: ${IMPORT_RULES.length} rules hold over src/`);
}
