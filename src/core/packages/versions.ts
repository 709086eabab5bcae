/**
 * Version order per ecosystem, so a layer that changes a package's version is told apart as an
 * upgrade or a downgrade. Each follows its package manager's own algorithm (named at each
 * function); all return <0, 0 or >0 as `a` sorts before, with or after `b`.
 */
import type { Ecosystem } from './types';

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** Compares two runs of digits as numbers of any length (leading zeros ignored). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return sign(x.length - y.length);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** dpkg's `order()` in lib/dpkg/version.c: `~` before the end, the end before letters, letters before the rest. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`: alternating non-digit and digit runs. */
function dpkgPartCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && isDigit(a[i]) && j < b.length && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a[i])) return 1;
    if (j < b.length && isDigit(b[j])) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

function splitDpkg(version: string): { epoch: number; upstream: string; revision: string } {
  const v = version.trim();
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

/** Debian policy §5.6.12 as dpkg implements it (`dpkg --compare-versions`). */
export function compareDebianVersions(a: string, b: string): number {
  const x = splitDpkg(a);
  const y = splitDpkg(b);
  if (x.epoch !== y.epoch) return sign(x.epoch - y.epoch);
  return dpkgPartCompare(x.upstream, y.upstream) || dpkgPartCompare(x.revision, y.revision);
}

/** rpm's `rpmvercmp` (rpmio/rpmvercmp.c): alphanumeric segments, `~` sorts first, `^` after the end. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const separator = (c: string) => !isDigit(c) && !isAlpha(c) && c !== '~' && c !== '^';
  while (i < a.length || j < b.length) {
    while (i < a.length && separator(a[i])) i++;
    while (j < b.length && separator(b[j])) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = isDigit(a[i]);
    const run = numeric ? isDigit : isAlpha;
    const si = i;
    const sj = j;
    while (i < a.length && run(a[i])) i++;
    while (j < b.length && run(b[j])) j++;
    const sa = a.slice(si, i);
    const sb = b.slice(sj, j);
    // A numeric segment is newer than an alphabetic one.
    if (sb.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      const c = compareDigits(sa, sb);
      if (c) return c;
    } else if (sa !== sb) {
      return sa < sb ? -1 : 1;
    }
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function splitRpm(version: string): { epoch: number; version: string; release: string } {
  const colon = version.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(version.slice(0, colon)) ? Number(version.slice(0, colon)) : 0;
  const rest = colon > 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return dash > 0
    ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
    : { epoch, version: rest, release: '' };
}

/** `[epoch:]version[-release]` as rpm orders EVRs (rpmVersionCompare): epoch, then version, then release. */
export function compareRpmVersions(a: string, b: string): number {
  const x = splitRpm(a);
  const y = splitRpm(b);
  if (x.epoch !== y.epoch) return sign(x.epoch - y.epoch);
  return rpmvercmp(x.version, y.version) || rpmvercmp(x.release, y.release);
}

// apk-tools (src/version.c): the suffixes before a release and after it, in order.
const APK_PRE = ['alpha', 'beta', 'pre', 'rc'];
const APK_POST = ['cvs', 'svn', 'git', 'hg', 'p'];

interface ApkVersion {
  numbers: string[];
  letter: string;
  suffixes: { rank: number; number: string }[];
  revision: number;
  valid: boolean;
}

function parseApk(version: string): ApkVersion {
  const m = /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:-r(\d+))?$/.exec(
    version,
  );
  if (!m) return { numbers: [], letter: '', suffixes: [], revision: 0, valid: false };
  const suffixes = [...m[3].matchAll(/_([a-z]+)(\d*)/g)].map((s) => {
    const pre = APK_PRE.indexOf(s[1]);
    return { rank: pre >= 0 ? pre - APK_PRE.length : APK_POST.indexOf(s[1]) + 1, number: s[2] || '0' };
  });
  return { numbers: m[1].split('.'), letter: m[2], suffixes, revision: Number(m[4] ?? 0), valid: true };
}

/**
 * Alpine's version order (apk-tools `apk_version_compare`, Gentoo's rules): dotted numbers
 * (after the first, a part with a leading zero compares as a decimal fraction), an optional
 * letter, `_alpha|_beta|_pre|_rc` before the release and `_cvs|_svn|_git|_hg|_p` after it, then
 * `-rN`. A version apk would reject falls back to rpm's segment order rather than failing.
 */
export function compareApkVersions(a: string, b: string): number {
  const x = parseApk(a);
  const y = parseApk(b);
  if (!x.valid || !y.valid) return rpmvercmp(a, b);
  const n = Math.max(x.numbers.length, y.numbers.length);
  for (let k = 0; k < n; k++) {
    const p = x.numbers[k];
    const q = y.numbers[k];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    let c: number;
    if (k > 0 && (p.startsWith('0') || q.startsWith('0'))) {
      const pf = p.replace(/0+$/, '');
      const qf = q.replace(/0+$/, '');
      c = pf < qf ? -1 : pf > qf ? 1 : 0;
    } else {
      c = compareDigits(p, q);
    }
    if (c) return c;
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  const s = Math.max(x.suffixes.length, y.suffixes.length);
  for (let k = 0; k < s; k++) {
    const p = x.suffixes[k] ?? { rank: 0, number: '0' };
    const q = y.suffixes[k] ?? { rank: 0, number: '0' };
    if (p.rank !== q.rank) return sign(p.rank - q.rank);
    const c = compareDigits(p.number, q.number);
    if (c) return c;
  }
  return sign(x.revision - y.revision);
}

/** Semantic versions (npm, and PEP 440's common forms): numbers, then a pre-release sorts first. */
export function compareSemverLike(a: string, b: string): number {
  const split = (v: string) => {
    const core = v.replace(/^v/, '').split('+')[0];
    const dash = core.search(/[-]|(?<=\d)(?=[a-z])/i);
    return dash < 0 ? { nums: core, pre: '' } : { nums: core.slice(0, dash), pre: core.slice(dash) };
  };
  const x = split(a);
  const y = split(b);
  const c = rpmvercmp(x.nums, y.nums);
  if (c) return c;
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return rpmvercmp(x.pre, y.pre);
}

export function compareVersions(ecosystem: Ecosystem, a: string, b: string): number {
  switch (ecosystem) {
    case 'deb':
      return compareDebianVersions(a, b);
    case 'rpm':
      return compareRpmVersions(a, b);
    case 'apk':
      return compareApkVersions(a, b);
    default:
      return compareSemverLike(a, b);
  }
}
