/**
 * Exact content equality of two regular files, read on demand. Sizes are compared first (by
 * the caller); equal sizes are settled without reading only where the bytes are provably the
 * same — the very same entry of the same layer blob, or the same entry of two layer tars with
 * the same diff ID (the SHA-256 of the whole tar) — and otherwise by SHA-256 digests of both
 * contents, streamed a MiB at a time and computed once per entry.
 */
import { createSHA256 } from 'hash-wasm';
import type { ImageArchive } from '../image/model';
import type { CompareSide, ContentLocation } from './side';

type Sha256 = Awaited<ReturnType<typeof createSHA256>>;

const READ_CHUNK = 1 << 20;
/** Files up to this size are read whole, several to a read where they lie close (ContentReader.readWhole). */
const WHOLE_FILE = 1 << 20;
/**
 * Layers read at the same time: one. A ContentReader keeps a few decompression cursors and
 * closes the least recently made one when it needs another, even while it is being read; two
 * runners going through many compressed blobs could close each other's cursor mid-file.
 */
const PARALLEL_BLOBS = 1;

/** True when the bytes are the same without reading them; null when they must be read. */
export function provablySame(
  a: CompareSide,
  la: ContentLocation,
  b: CompareSide,
  lb: ContentLocation,
  trustDiffIds = true,
): boolean | null {
  if (la.entryIndex !== lb.entryIndex) return null;
  if (a.archive === b.archive && la.blobKey === lb.blobKey) return true;
  if (trustDiffIds && la.diffId !== null && la.diffId === lb.diffId && la.entryName === lb.entryName)
    return true;
  return null;
}

export interface DigestJob {
  side: CompareSide;
  location: ContentLocation;
  size: number;
}

/** SHA-256 digests of contents, cached per archive, blob and entry. */
export class ContentDigests {
  private readonly cache = new WeakMap<ImageArchive, Map<string, string>>();

  constructor(private readonly signal?: AbortSignal) {}

  known(side: CompareSide, location: ContentLocation): string | undefined {
    return this.cache.get(side.archive)?.get(key(location));
  }

  /**
   * Digests every job not yet known, a blob's entries in archive order so a compressed layer
   * is decompressed once. A content that cannot be read gets no digest and its reason goes
   * to `failed`, keyed like `known`.
   */
  async digestAll(
    jobs: readonly DigestJob[],
    failed: (job: DigestJob, reason: string) => void,
  ): Promise<void> {
    const groups = new Map<string, DigestJob[]>();
    const archiveIds = new Map<ImageArchive, number>();
    for (const job of jobs) {
      if (this.known(job.side, job.location) !== undefined) continue;
      let id = archiveIds.get(job.side.archive);
      if (id === undefined) {
        id = archiveIds.size;
        archiveIds.set(job.side.archive, id);
      }
      const groupKey = `${id}\n${job.location.blobKey}`;
      const group = groups.get(groupKey);
      if (group) group.push(job);
      else groups.set(groupKey, [job]);
    }
    const queues = [...groups.values()].map((group) =>
      group.sort((x, y) => x.location.entryIndex - y.location.entryIndex),
    );
    let next = 0;
    const work = async (): Promise<void> => {
      // One hasher per queue runner, initialised again for each file: making one costs more than hashing a small file.
      const hasher = await createSHA256();
      const fail = (job: DigestJob, error: unknown) => {
        if (this.signal?.aborted) throw this.signal.reason;
        failed(job, error instanceof Error ? error.message : String(error));
      };
      while (next < queues.length) {
        const queue = queues[next++];
        // Small files go to the reader a run at a time (in archive order, as the big ones between them).
        let run: DigestJob[] = [];
        const flush = async () => {
          if (run.length === 0) return;
          const byEntry = new Map<number, DigestJob[]>();
          for (const job of run) {
            const same = byEntry.get(job.location.entryIndex);
            if (same) same.push(job);
            else byEntry.set(job.location.entryIndex, [job]);
          }
          run = [];
          const { side, location } = byEntry.values().next().value![0];
          await side.reader.readWhole(location.blobKey, [...byEntry.keys()], (entryIndex, bytes) => {
            this.signal?.throwIfAborted();
            for (const job of byEntry.get(entryIndex)!) {
              if (bytes instanceof Error) fail(job, bytes);
              else if (bytes.length !== job.size)
                fail(
                  job,
                  new Error(`${job.location.entryName} ended ${job.size - bytes.length} bytes early`),
                );
              else {
                hasher.init();
                hasher.update(bytes);
                this.remember(job, `sha256:${hasher.digest('hex')}`);
              }
            }
          });
        };
        for (const job of queue) {
          this.signal?.throwIfAborted();
          if (this.known(job.side, job.location) !== undefined) continue;
          if (job.size <= WHOLE_FILE && !job.location.sparse) {
            run.push(job);
            continue;
          }
          await flush();
          try {
            this.remember(job, await digestOf(job, this.signal, hasher));
          } catch (error) {
            fail(job, error);
          }
        }
        await flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_BLOBS, queues.length) }, work));
  }

  private remember(job: DigestJob, digest: string): void {
    let map = this.cache.get(job.side.archive);
    if (!map) {
      map = new Map();
      this.cache.set(job.side.archive, map);
    }
    map.set(key(job.location), digest);
  }
}

function key(location: ContentLocation): string {
  return `${location.blobKey}\n${location.entryIndex}`;
}

/** `sha256:<hex>` of a file's bytes. */
export async function digestOf(job: DigestJob, signal?: AbortSignal, reuse?: Sha256): Promise<string> {
  const { side, location, size } = job;
  if (location.sparse)
    throw new Error(`${location.entryName} is a sparse file; its contents cannot be compared`);
  const hasher = reuse ?? (await createSHA256());
  hasher.init();
  for (let offset = 0; offset < size; ) {
    signal?.throwIfAborted();
    const part = await side.reader.read(
      location.blobKey,
      location.entryIndex,
      offset,
      Math.min(READ_CHUNK, size - offset),
    );
    if (part.length === 0) throw new Error(`${location.entryName} ended ${size - offset} bytes early`);
    hasher.update(part);
    offset += part.length;
  }
  return `sha256:${hasher.digest('hex')}`;
}
