/**
 * Risky files of a merged view: setuid and setgid executables, world-writable files and
 * directories (except sticky directories such as /tmp and what is below them), and files whose
 * owner is a uid that the view's own /etc/passwd does not know.
 */
import type { FileNodeInfo } from '../fs/types';
import type { PackageFileSystem } from './imagePackages';
import { offsetLines } from './textLines';

export type RiskKind = 'setuid' | 'setgid' | 'world-writable' | 'unknown-owner';
export const RISK_KINDS: readonly RiskKind[] = ['setuid', 'setgid', 'world-writable', 'unknown-owner'];

export interface RiskyFile {
  path: string;
  type: FileNodeInfo['type'];
  kinds: RiskKind[];
  mode: number;
  uid: number;
  gid: number;
  /** The layer that wrote the path as seen. */
  layer: number;
}

export interface RiskyFiles {
  files: RiskyFile[];
  /** Counts per kind (all of them, also past the list's cap). */
  counts: Record<RiskKind, number>;
  /** Whether /etc/passwd was there to check owners against (without it only uid 0 is known). */
  passwdFound: boolean;
  truncated: boolean;
}

export const MAX_RISKY_FILES = 10_000;
const MAX_PASSWD_BYTES = 4 * 1024 * 1024;

/** The uids `/etc/passwd` names (`name:x:uid:gid:...`). */
export function passwdUids(bytes: Uint8Array): Set<number> {
  const uids = new Set<number>();
  for (const line of offsetLines(bytes)) {
    const fields = line.text.split(':');
    if (fields.length >= 3 && /^\d+$/.test(fields[2])) uids.add(Number(fields[2]));
  }
  return uids;
}

export async function findRiskyFiles(
  fs: PackageFileSystem,
  layer: number,
  read: (
    ref: { layer: number; entryIndex: number },
    limit: number,
  ) => Promise<{ bytes: Uint8Array; size: number }>,
): Promise<RiskyFiles> {
  const uids = new Set<number>([0]);
  let passwdFound = false;
  const passwd = fs.contentSource(layer, 'merged', '/etc/passwd');
  if (passwd) {
    try {
      const got = await read(passwd, MAX_PASSWD_BYTES);
      if (got.size <= MAX_PASSWD_BYTES) {
        for (const uid of passwdUids(got.bytes)) uids.add(uid);
        passwdFound = true;
      }
    } catch {
      passwdFound = false;
    }
  }
  const counts: Record<RiskKind, number> = { setuid: 0, setgid: 0, 'world-writable': 0, 'unknown-owner': 0 };
  const files: RiskyFile[] = [];
  const underSticky = new Set<string>();
  fs.walk(layer, 'merged', (node) => {
    const slash = node.path.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : node.path.slice(0, slash);
    const sticky = underSticky.has(parent);
    const kinds: RiskKind[] = [];
    const executable = (node.mode & 0o111) !== 0;
    if (node.type === 'file' || node.type === 'hardlink') {
      if (node.mode & 0o4000 && executable) kinds.push('setuid');
      if (node.mode & 0o2000 && executable) kinds.push('setgid');
    }
    if (node.type === 'dir' && (sticky || ((node.mode & 0o1000) !== 0 && (node.mode & 0o002) !== 0)))
      underSticky.add(node.path);
    else if (node.type !== 'symlink' && node.mode & 0o002 && !sticky) kinds.push('world-writable');
    if (!uids.has(node.uid)) kinds.push('unknown-owner');
    if (kinds.length === 0) return;
    for (const kind of kinds) counts[kind]++;
    if (files.length < MAX_RISKY_FILES)
      files.push({
        path: node.path,
        type: node.type,
        kinds,
        mode: node.mode,
        uid: node.uid,
        gid: node.gid,
        layer: node.layer,
      });
  });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { files, counts, passwdFound, truncated: files.length < total && files.length >= MAX_RISKY_FILES };
}
