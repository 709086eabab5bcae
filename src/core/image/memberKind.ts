import { looksLikeTar, type SniffResult, sniffCompression } from '../compress/sniff';
import { MAX_JSON_BYTES } from './directory';

/** Bytes of a member's start that decide what it is: one tar header block. */
export const MEMBER_HEAD_BYTES = 512;

export type MemberKind =
  /** A tar, or a compressed stream (which can only be a layer in an image archive). */
  | { kind: 'layer'; compression: SniffResult }
  /** JSON small enough to parse: a manifest, an index, a config, `repositories`, `oci-layout`. */
  | { kind: 'metadata' }
  /** Anything else: a `VERSION` file, an SBOM blob, random bytes. */
  | { kind: 'other' };

function startsLikeJson(head: Uint8Array): boolean {
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09))
    i++;
  const c = head[i];
  // Any JSON value: `manifest.json` holding `null` must reach its reader to be refused there.
  return (
    c === 0x7b ||
    c === 0x5b ||
    c === 0x22 ||
    c === 0x6e ||
    c === 0x74 ||
    c === 0x66 ||
    c === 0x2d ||
    (c >= 0x30 && c <= 0x39)
  );
}

function allZero(head: Uint8Array): boolean {
  for (const byte of head) if (byte !== 0) return false;
  return true;
}

/**
 * What an archive member holds, from its first bytes and its size only — never from its name,
 * which tools choose freely (`layer.tar`, `blobs/sha256/<hex>`, `layers/one`, `<hex>.tar.gz`).
 * The random-access scan and the streaming scan (a `docker save | gzip`, read once, forwards) both
 * ask this one question, so an archive opens the same whichever way its bytes arrive.
 */
export function classifyMember(head: Uint8Array, size: number): MemberKind {
  const compression = sniffCompression(head);
  if (compression !== 'none') return { kind: 'layer', compression };
  // A tar of no entries is its end-of-archive blocks alone: zeros.
  if (looksLikeTar(head) || (head.length > 0 && allZero(head))) return { kind: 'layer', compression };
  if (size <= MAX_JSON_BYTES && startsLikeJson(head)) return { kind: 'metadata' };
  return { kind: 'other' };
}

/** Why a member that a manifest names as a layer cannot be read as one. */
export function notALayer(member: string, kind: MemberKind): string | null {
  if (kind.kind === 'layer') {
    if (kind.compression === 'bzip2' || kind.compression === 'xz') {
      return `layer ${JSON.stringify(member)} is ${kind.compression}-compressed, which image tools do not write and this reader does not read`;
    }
    return null;
  }
  const what = kind.kind === 'metadata' ? 'JSON' : 'neither a tar nor gzip or zstd';
  return `layer ${JSON.stringify(member)} is not a tar: no tar header at byte 0 (it is ${what})`;
}
