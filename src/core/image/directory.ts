import type { ByteSource } from '../bytes/byteSource';
import { readFully, type SequentialReader } from '../bytes/reader';
import { MAX_LINK_HOPS } from '../limits';
import type { EntryType } from '../tar/types';
import { jsonParseReason } from './json';

/** Members larger than this are never parsed as JSON: a hostile archive must not make us allocate gigabytes. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface ArchiveMember {
  /** Cleaned name: no leading './' or '/', no trailing '/'. */
  name: string;
  /** The name exactly as stored in the archive (for messages, and to hand to other tools). */
  storedName: string;
  type: EntryType;
  size: number;
  /** Offset of the data in the outer archive (in decompressed bytes when the whole archive is compressed). */
  dataOffset: number;
  linkTarget: string;
}

export function cleanMemberName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.startsWith('/')) n = n.slice(1);
  while (n.endsWith('/')) n = n.slice(0, -1);
  return n;
}

function joinRelative(fromMember: string, target: string): string {
  if (target.startsWith('/')) return cleanMemberName(target);
  const parts = fromMember.split('/');
  parts.pop();
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

export class MemberNotFoundError extends Error {}

/**
 * The members of an outer archive by name. Format readers ask it for JSON and for the member that
 * really holds a layer (docker save writes `layer.tar` as a symlink to another image's copy).
 */
export class ArchiveDirectory {
  readonly members = new Map<string, ArchiveMember>();
  /** Bodies kept while streaming a compressed outer archive, where nothing can be re-read later. */
  readonly bodies = new Map<string, Uint8Array>();

  constructor(private readonly source: ByteSource | null) {}

  add(member: ArchiveMember): void {
    // A later duplicate wins, as it does when the archive is extracted.
    this.members.set(member.name, member);
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  /** Follows symlinks and hardlinks between members; a loop or a dangling link gives undefined. */
  resolve(name: string): ArchiveMember | undefined {
    let current = cleanMemberName(name);
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const member = this.members.get(current);
      if (!member) return undefined;
      if (member.type === 'symlink') current = joinRelative(member.name, member.linkTarget);
      else if (member.type === 'hardlink') current = cleanMemberName(member.linkTarget);
      else return member;
    }
    return undefined;
  }

  /** Why resolve() failed, for a message that names the member. */
  explainMissing(name: string): string {
    const clean = cleanMemberName(name);
    if (!this.members.has(clean)) return `member ${JSON.stringify(clean)} is not in the archive`;
    const seen = new Set<string>();
    let current = clean;
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const m = this.members.get(current);
      if (!m)
        return `member ${JSON.stringify(clean)} links to ${JSON.stringify(current)}, which is not in the archive`;
      if (m.type !== 'symlink' && m.type !== 'hardlink') return `member ${JSON.stringify(clean)} is readable`;
      if (seen.has(current)) return `member ${JSON.stringify(clean)} is part of a link loop`;
      seen.add(current);
      current = m.type === 'symlink' ? joinRelative(m.name, m.linkTarget) : cleanMemberName(m.linkTarget);
    }
    return `member ${JSON.stringify(clean)} starts a chain of more than ${MAX_LINK_HOPS} links`;
  }

  async readBytes(name: string, limit = MAX_JSON_BYTES): Promise<Uint8Array> {
    const member = this.resolve(name);
    if (!member) throw new MemberNotFoundError(this.explainMissing(name));
    if (member.size > limit) {
      throw new Error(
        `member ${JSON.stringify(member.name)} is ${member.size} bytes, over the ${limit}-byte limit for metadata`,
      );
    }
    const kept = this.bodies.get(member.name);
    if (kept) return kept;
    if (!this.source) {
      throw new Error(`member ${JSON.stringify(member.name)} was not kept while streaming the archive`);
    }
    const bytes = await this.source.read(member.dataOffset, member.size);
    return bytes.slice();
  }

  async readJson(name: string): Promise<unknown> {
    const bytes = await this.readBytes(name);
    const text = new TextDecoder().decode(bytes);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(
        `member ${JSON.stringify(cleanMemberName(name))} is not valid JSON: ${jsonParseReason(error)}`,
      );
    }
  }

  async keepBody(name: string, reader: SequentialReader, size: number): Promise<void> {
    this.bodies.set(name, await readFully(reader, size));
  }

  names(): string[] {
    return [...this.members.keys()];
  }
}
