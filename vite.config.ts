import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, transformWithOxc } from 'vite';

/** Every file under `dir`, as paths relative to it with forward slashes. */
function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path, root) : [relative(root, path).split('\\').join('/')];
  });
}

/** Files of the built site the service worker does not keep: archives, and itself. */
function isAppFile(file: string): boolean {
  return file !== 'sw.js' && !file.startsWith('sample/') && !/\.(tar|tgz|gz|zst|oci)$/.test(file);
}

/**
 * Writes dist/sw.js from src/offline/serviceWorker.ts once the site is built (public/ copied): the
 * list of the app's files and a hash of their contents go in, so each deploy installs afresh.
 */
function serviceWorker(): Plugin {
  let outDir = 'dist';
  let root = process.cwd();
  return {
    name: 'ilx-service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = listFiles(outDir).filter(isAppFile).sort();
      const hash = createHash('sha256');
      for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(outDir, file)));
      const source = readFileSync(resolve(root, 'src/offline/serviceWorker.ts'), 'utf8');
      const { code } = await transformWithOxc(source, 'serviceWorker.ts', { lang: 'ts' });
      const script = code
        .replace(/^export\s*\{\s*\};?\s*$/m, '')
        .replaceAll('__ILX_PRECACHE__', JSON.stringify(files))
        .replaceAll('__ILX_BUILD__', JSON.stringify(hash.digest('hex').slice(0, 16)));
      writeFileSync(join(outDir, 'sw.js'), script);
    },
  };
}

/** The dev server's hot reload needs inline scripts: the CSP meta tag is for the built site only. */
function devWithoutCsp(): Plugin {
  return {
    name: 'ilx-dev-without-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/\s*<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, ''),
  };
}

// base './': the built site works from any sub-path of any static host, worker included.
export default defineConfig({
  base: './',
  plugins: [react(), serviceWorker(), devWithoutCsp()],
  worker: { format: 'es' },
  resolve: {
    // tar-stream (export) → streamx → events-universal, whose browser entry is Node's `events`:
    // its plain-JS sibling bare-events is the same EventEmitter without Node.
    alias: { 'events-universal': 'bare-events' },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  preview: { port: 4173, strictPort: false },
});
