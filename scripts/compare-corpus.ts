import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFileSource } from '../src/cli/nodeFileSource';
import { openArchive } from '../src/core/image/open';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(tar|tar\.gz|tar\.zst)$|layer\.tar$/.test(n) ? [p] : [];
  });
}

function gnuList(archive: string, member: string | null, outerZ: string, inner: string): { ok: boolean; names: string[]; err: string } {
  const extract = member === null ? `cat "${archive}"` : `tar -xO${outerZ}f "${archive}" "${member}"`;
  const dec = inner === 'gzip' ? '| gzip -dc' : inner === 'zstd' ? '| zstd -dc' : '';
  const cmd = member === null ? `tar -t${outerZ}f "${archive}" --quoting-style=literal` : `${extract} ${dec} | tar -tf - --quoting-style=literal`;
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { maxBuffer: 1 << 30 });
  const out = new TextDecoder().decode(r.stdout);
  return { ok: r.status === 0, names: out.split('\n').slice(0, -1), err: r.stderr.toString().slice(0, 300) };
}

const roots = process.argv.slice(2);
for (const root of roots) {
  for (const file of files(root)) {
    let archive;
    try {
      archive = await openArchive(new NodeFileSource(file));
    } catch (e) {
      const g = gnuList(file, null, file.endsWith('.gz') ? 'z' : '', 'none');
      console.log(`THROW ${file}: ${(e as Error).message} | gnu ok=${g.ok} n=${g.names.length} ${g.err}`);
      continue;
    }
    const outerZ = archive.outerCompression === "gzip" ? "z" : archive.outerCompression === "zstd" ? "--zstd -" : "";
    let bad = 0;
    for (const [key, blob] of archive.blobs) {
      if (!blob.entries) continue;
      const g = archive.format === 'rootfs' ? gnuList(file, null, outerZ.trim(), 'none') : gnuList(file, blob.storedName, outerZ.trim(), blob.compression);
      const ours = blob.entries.names;
      const same = ours.length === g.names.length && ours.every((n, i) => n === g.names[i]);
      if (!same || g.ok !== (blob.error === null)) {
        bad++;
        const i = ours.findIndex((n, j) => n !== g.names[j]);
        console.log(`DIFF ${file} [${key}] ours=${ours.length} gnu=${g.names.length} gnuOk=${g.ok} ourErr=${blob.error} firstDiff=${i} ${JSON.stringify(ours[i])} vs ${JSON.stringify(g.names[i])} ${g.err}`);
      }
    }
    console.log(`${bad ? 'BAD ' : 'ok  '} ${file} ${archive.format} images=${archive.images.length} blobs=${archive.blobs.size} errors=${archive.errors.length} ${archive.errors.slice(0, 2).join(' | ')}`);
  }
}
