import { parseBuildStep, stepSummary } from '../core/image/buildStep';
import type { EntryType } from '../core/tar/types';
import { visible } from '../core/visibleText';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Sizes in SI units, as docker prints them (1 MB = 1,000,000 bytes). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (bytes < 1000) return `${bytes} B`;
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[u]}`;
}

const COUNT = new Intl.NumberFormat('en-US');

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return n < 1000 ? String(n) : COUNT.format(n);
}

export function plural(n: number | null | undefined, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(digits)} %`;
}

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$|Z$/, ' UTC');
}

export { visible } from '../core/visibleText';

/**
 * A history command as a person reads it: the shell wrapper and `#(nop)` noise removed, `RUN`
 * where the builder ran a shell, whitespace collapsed, hidden characters made visible.
 */
export function cleanCommand(createdBy: string | null | undefined): string {
  return visible(cleanCommandText(createdBy));
}

function cleanCommandText(createdBy: string | null | undefined): string {
  return stepSummary(parseBuildStep(createdBy));
}

/** The build arguments a step ran with (BuildKit's `|N NAME=value` prefix), as `NAME=value`. */
export function buildArgsOf(createdBy: string | null | undefined): string[] {
  return parseBuildStep(createdBy).buildArgs.map((a) => visible(`${a.name}=${a.value}`));
}

/** The label of a layer: its command, else the history comment, else a placeholder. */
export function layerLabel(createdBy: string | null | undefined, comment?: string | null): string {
  return cleanCommand(createdBy) || (comment ? visible(comment.trim()) : '') || '(no command recorded)';
}

const TYPE_CHAR: Record<EntryType, string> = {
  file: '-',
  hardlink: 'h',
  symlink: 'l',
  char: 'c',
  block: 'b',
  dir: 'd',
  fifo: 'p',
  other: '?',
};

/** `drwxr-sr-x` style, with setuid/setgid/sticky. */
export function modeString(mode: number, type: EntryType): string {
  const r = (bit: number, c: string) => (mode & bit ? c : '-');
  const x = (exec: number, special: number, on: string, off: string) =>
    mode & special ? (mode & exec ? on : off) : mode & exec ? 'x' : '-';
  return (
    TYPE_CHAR[type] +
    r(0o400, 'r') +
    r(0o200, 'w') +
    x(0o100, 0o4000, 's', 'S') +
    r(0o40, 'r') +
    r(0o20, 'w') +
    x(0o10, 0o2000, 's', 'S') +
    r(0o4, 'r') +
    r(0o2, 'w') +
    x(0o1, 0o1000, 't', 'T')
  );
}

export function shortDigest(digest: string | null | undefined, n = 12): string {
  if (!digest) return '';
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return visible(hex.slice(0, n));
}

export const TYPE_LABEL: Record<EntryType, string> = {
  file: 'file',
  hardlink: 'hard link',
  symlink: 'symlink',
  char: 'character device',
  block: 'block device',
  dir: 'directory',
  fifo: 'FIFO',
  other: 'other',
};
