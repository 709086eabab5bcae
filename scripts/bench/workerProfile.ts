/**
 * Where the worker's time goes while it indexes one archive in headless Chromium:
 *
 *   npx tsx scripts/bench/workerProfile.ts <archive>
 *
 * Runs the core-only harness (scripts/bench/harness) with the V8 profiler on in its worker and
 * prints the top functions by self and inclusive time. The profile covers the worker's whole
 * life, so the second the bench waits before handing over the file shows up as idle.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHarness, measureInBrowser, startServer } from './browser';
import { type CpuProfile, formatProfile, summarizeProfile } from './profileSummary';

const file = process.argv[2];
if (!file) throw new Error('usage: workerProfile.ts <archive>');
const harness = await buildHarness();
const server = await startServer({ '/harness/': harness });
const dir = join(tmpdir(), 'layer-explorer-worker-profile');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
try {
  const m = await measureInBrowser({ url: `${server.url}/harness/?keep=1`, file, profileDir: dir });
  for (const f of readdirSync(dir)) {
    const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    console.log(
      formatProfile(`worker (index ${m.ms.toFixed(0)} ms under the profiler)`, summarizeProfile(profile, 18)),
    );
  }
  console.log(`\nprofiles in ${dir} (open them in Chrome DevTools › Performance, or speedscope)`);
} finally {
  await server.close();
}
