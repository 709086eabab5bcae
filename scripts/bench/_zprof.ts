import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { buildHarness, measureInBrowser, startServer } from './browser';
import { formatProfile, summarizeProfile, type CpuProfile } from './profileSummary';
const harness = await buildHarness();
const server = await startServer({ '/harness/': harness });
const dir = '/tmp/zprof';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const m = await measureInBrowser({ url: `${server.url}/harness/?keep=1`, file: process.argv[2], profileDir: dir });
for (const f of readdirSync(dir)) {
  const profile = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as CpuProfile;
  console.log(formatProfile(`worker (index ${m.ms.toFixed(0)} ms under the profiler)`, summarizeProfile(profile, 18)));
}
await server.close();
