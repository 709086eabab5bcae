import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Compression } from '../core/compress/sniff';

/** Test-only: GNU tar as the reference listing, and where the shared fixtures live. */

export const SHARED = join(import.meta.dirname, '../../../shared');
export const sharedExists = existsSync(join(SHARED, 'fixtures'));

export function archivesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) return archivesUnder(p);
      return /\.(tar|tar\.gz|tgz|tar\.zst)$/.test(n) ? [p] : [];
    });
}

export interface GnuListing {
  ok: boolean;
  names: string[];
  stderr: string;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const OUTER_FLAG: Record<Compression, string> = { none: '', gzip: '-z', zstd: '--zstd' };
const INNER_FILTER: Record<Compression, string> = { none: '', gzip: '| gzip -dc', zstd: '| zstd -dc' };

/**
 * Lists one layer the way a person would check it by hand: extract the member to a pipe,
 * decompress, `tar -t`. With `member` null the archive itself is listed.
 */
export function gnuList(
  archive: string,
  outer: Compression,
  member: string | null,
  inner: Compression,
): GnuListing {
  const cmd =
    member === null
      ? `tar ${OUTER_FLAG[outer]} -tf ${quote(archive)} --quoting-style=literal`
      : `tar ${OUTER_FLAG[outer]} -xOf ${quote(archive)} ${quote(member)} ${INNER_FILTER[inner]} | tar -tf - --quoting-style=literal`;
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], {
    maxBuffer: 1 << 30,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  const out = new TextDecoder().decode(r.stdout);
  return { ok: r.status === 0, names: out ? out.split('\n').slice(0, -1) : [], stderr: r.stderr.toString() };
}
