import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImports } from './checkImports';

const root = mkdtempSync(join(tmpdir(), 'import-rules-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('the import rules', () => {
  write('core/a.ts', "import { b } from './b';\nexport const a = b;\n");
  write('core/b.ts', "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n");
  write('core/c.ts', "export { x } from '../store/x';\nconst lazy = () => import('../ui/App');\n");
  write('core/c.test.ts', "import { buildTar } from '../testing/tarBuilder';\n");
  write('worker/protocol.ts', 'export type P = 1;\n');
  write('worker/engine.ts', "import { buildTar } from '../testing/tarBuilder';\n");
  write(
    'ui/App.tsx',
    "import type { P } from '../worker/protocol';\nimport { run } from '../worker/engine';\n",
  );
  write('testing/tarBuilder.ts', "import { a } from '../core/a';\nexport const buildTar = a;\n");
  write('store/x.ts', 'export const x = 1;\n');

  const found = checkImports(root).map((v) => `${v.module} -> ${v.imported}`);

  it('reports each import that crosses a wall, static, re-exported or dynamic', () => {
    expect(found.sort()).toEqual(
      [
        'core/b.ts -> node:fs',
        'core/c.ts -> store/x.ts',
        'core/c.ts -> ui/App.tsx',
        'ui/App.tsx -> worker/engine.ts',
        'worker/engine.ts -> testing/tarBuilder.ts',
        'worker/engine.ts -> testing/tarBuilder.ts',
      ].sort(),
    );
  });

  it('lets tests use the builders, the UI use the protocol, and src/testing use the core', () => {
    expect(found.some((f) => f.startsWith('core/c.test.ts'))).toBe(false);
    expect(found).not.toContain('ui/App.tsx -> worker/protocol.ts');
    expect(found.some((f) => f.startsWith('testing/'))).toBe(false);
  });

  it('holds over the real src/', () => {
    expect(checkImports(join(import.meta.dirname, '../../src'))).toEqual([]);
  });
});
