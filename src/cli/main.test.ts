import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).version;

/** The command line as a process: tsx on the sources (the bundle in dist-cli/ is the same code). */
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the command line', () => {
  it('--help and --version at the top and on every subcommand', () => {
    const top = cli('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: image-layer-explorer <archive \| image> \[options\]/);
    expect(top.stdout).toContain('Commands:');
    expect(top.stdout).toContain('Examples:');
    expect(cli('--version').stdout).toBe(`${VERSION}\n`);
    for (const command of ['open', 'inspect', 'ls', 'ci', 'cat', 'export']) {
      const help = cli(command, '--help');
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(
        new RegExp(`^Usage: image-layer-explorer (\\[open\\]|${command})`),
      );
      expect(help.stdout, command).toContain('\nOptions:\n');
      expect(help.stdout, command).toContain('\nExamples:\n');
      expect(cli(command, '-V').stdout, command).toBe(`${VERSION}\n`);
    }
  }, 120_000);

  it('an unknown or incomplete flag is an error (exit 2), as is no argument', () => {
    const unknown = cli('inspect', 'x.tar', '--jsn');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --jsn');
    const incomplete = cli('ls', 'x.tar', '--layer');
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain('--layer needs a value');
    expect(cli().code).toBe(2);
    const missing = cli('no-such-archive.tar');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-archive.tar: no such file');
  }, 120_000);
});
