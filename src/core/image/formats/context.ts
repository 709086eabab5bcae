import type { Compression } from '../../compress/sniff';
import type { ArchiveDirectory } from '../directory';
import type { ArchiveFormat, Image, LayerBlob } from '../model';

const MAX_MESSAGES = 1000;

/** What every format reader gets: the archive's members, and a place to register layer blobs and problems. */
export class FormatContext {
  readonly blobs = new Map<string, LayerBlob>();
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  private readonly seen = new Set<string>();
  private dropped = { warnings: 0, errors: 0 };

  constructor(readonly dir: ArchiveDirectory) {}

  /**
   * A hostile manifest can produce a message per entry: keep each message once (a Set, not a
   * quadratic list search) and at most MAX_MESSAGES of each kind, then count the rest.
   */
  private add(list: string[], kind: 'warnings' | 'errors', message: string): void {
    const key = `${kind}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (list.length < MAX_MESSAGES) {
      list.push(message);
      return;
    }
    this.dropped[kind]++;
    list[MAX_MESSAGES] = `… and ${this.dropped[kind]} more`;
  }

  warn(message: string): void {
    this.add(this.warnings, 'warnings', message);
  }

  error(message: string): void {
    this.add(this.errors, 'errors', message);
  }

  /**
   * Registers the blob behind a layer member and returns its key. Many images (and docker's
   * `layer.tar` symlinks) point at the same stored copy, which is then read once.
   */
  blobFor(memberName: string, digest: string | null, mediaTypeCompression?: Compression): string {
    const member = this.dir.resolve(memberName);
    if (!member) {
      const key = `missing:${memberName}`;
      if (!this.blobs.has(key)) {
        const reason = `layer ${this.dir.explainMissing(memberName)}`;
        this.error(reason);
        this.blobs.set(key, {
          member: memberName,
          storedName: memberName,
          dataOffset: -1,
          digest,
          compression: mediaTypeCompression ?? 'none',
          storedSize: 0,
          entries: null,
          error: reason,
        });
      }
      return key;
    }
    const existing = this.blobs.get(member.name);
    if (existing) {
      existing.digest ??= digest;
    } else {
      this.blobs.set(member.name, {
        member: member.name,
        storedName: member.storedName,
        dataOffset: member.dataOffset,
        digest,
        compression: 'none', // sniffed from the bytes when the layer is indexed
        storedSize: member.size,
        entries: null,
        error: null,
      });
    }
    return member.name;
  }
}

export interface FormatReader {
  readonly format: Exclude<ArchiveFormat, 'rootfs'>;
  /** Cheap test on member names only. */
  detect(dir: ArchiveDirectory): boolean;
  read(ctx: FormatContext): Promise<Image[]>;
}

export function digestFromBlobPath(path: string): string | null {
  const m = /(?:^|\/)blobs\/([a-z0-9]+)\/([a-f0-9]{32,128})$/.exec(path);
  if (m) return `${m[1]}:${m[2]}`;
  // kaniko names members `sha256:<hex>`, docker save names configs `<hex>.json`
  const kaniko =
    /(?:^|\/)(?:sha256:)?([a-f0-9]{64})(?:\.tar(?:\.gz|\.zst)?|\.json)$|(?:^|\/)sha256:([a-f0-9]{64})$/.exec(
      path,
    );
  return kaniko ? `sha256:${kaniko[1] ?? kaniko[2]}` : null;
}
