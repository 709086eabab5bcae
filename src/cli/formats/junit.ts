import { visible } from '../../core/visibleText';

/**
 * JUnit XML, the report CI systems (GitLab, Jenkins, Azure, GitHub actions that render tests) show
 * as tests: suites of test cases, each passed, failed, skipped or in error. Any command can
 * describe its checks this way: `ci` writes one case per rule and image, a scanner one per finding.
 */

export interface JUnitCase {
  /** What was checked: a rule, a finding's rule and path. */
  name: string;
  /** Where: the image (JUnit's class), e.g. `app.tar image 0 (app:1)`. */
  classname: string;
  /** Seconds. */
  time?: number;
  failure?: { message: string; type?: string; details?: string };
  error?: { message: string; type?: string; details?: string };
  skipped?: string;
  /** Lines shown with the case (`system-out`). */
  output?: string;
}

export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
  /** ISO 8601, without a zone as the JUnit schema has it. */
  timestamp?: string;
  properties?: Record<string, string>;
}

/** XML 1.0 allows no C0 control but tab, newline and return: visible() escapes them (and bidi controls). */
function xmlText(text: string): string {
  return visible(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** visible() keeps newlines as `\n` escapes; a details block keeps real lines. */
function xmlBlock(text: string): string {
  return text.split('\n').map(xmlText).join('\n');
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join('');
}

export function junitXml(suites: JUnitSuite[], name = 'image-layer-explorer'): string {
  const count = (pick: (c: JUnitCase) => unknown) =>
    suites.reduce((sum, s) => sum + s.cases.filter(pick).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({
      name,
      tests: count(() => true),
      failures: count((c) => c.failure),
      errors: count((c) => c.error),
      skipped: count((c) => c.skipped !== undefined),
    })}>`,
  ];
  suites.forEach((suite, id) => {
    const time = suite.cases.reduce((sum, c) => sum + (c.time ?? 0), 0);
    lines.push(
      `  <testsuite${attributes({
        name: suite.name,
        id,
        tests: suite.cases.length,
        failures: suite.cases.filter((c) => c.failure).length,
        errors: suite.cases.filter((c) => c.error).length,
        skipped: suite.cases.filter((c) => c.skipped !== undefined).length,
        time: time.toFixed(3),
        timestamp: suite.timestamp,
      })}>`,
    );
    const properties = Object.entries(suite.properties ?? {});
    if (properties.length > 0) {
      lines.push('    <properties>');
      for (const [key, value] of properties)
        lines.push(`      <property${attributes({ name: key, value })}/>`);
      lines.push('    </properties>');
    }
    for (const c of suite.cases) {
      const open = `    <testcase${attributes({ name: c.name, classname: c.classname, time: (c.time ?? 0).toFixed(3) })}`;
      const body: string[] = [];
      for (const [tag, problem] of [
        ['failure', c.failure],
        ['error', c.error],
      ] as const) {
        if (!problem) continue;
        const attrs = attributes({ message: problem.message, type: problem.type });
        body.push(
          problem.details
            ? `      <${tag}${attrs}>${xmlBlock(problem.details)}</${tag}>`
            : `      <${tag}${attrs}/>`,
        );
      }
      if (c.skipped !== undefined)
        body.push(`      <skipped${attributes({ message: c.skipped || undefined })}/>`);
      if (c.output) body.push(`      <system-out>${xmlBlock(c.output)}</system-out>`);
      lines.push(body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`);
    }
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
