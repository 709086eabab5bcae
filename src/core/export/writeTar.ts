/**
 * Streams a planned export as tar bytes, written by tar-stream's pack (PAX headers for long and
 * non-ASCII names and link targets, base-256 sizes) and read through the ContentReader chunk
 * by chunk: at most one chunk of file data is in memory at a time, whatever the export's size.
 */
import tarStream from 'tar-stream';
import type { ContentReader } from '../image/content';
import type { ExportEntry, ExportEntryType, ExportPlan } from './plan';

export interface ExportProgress {
  entriesWritten: number;
  entries: number;
  contentBytesWritten: number;
  contentBytes: number;
}

export interface WriteTarOptions {
  signal?: AbortSignal;
  onProgress?(progress: ExportProgress): void;
  /** Bytes of file data read and written per step. */
  chunkSize?: number;
}

type PackHeader = Parameters<ReturnType<typeof tarStream.pack>['entry']>[0];
type PackType = NonNullable<PackHeader['type']>;

const PACK_TYPES: Record<ExportEntryType, PackType> = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  hardlink: 'link',
  char: 'character-device',
  block: 'block-device',
  fifo: 'fifo',
};

/**
 * File-type bits for the mode: tar-stream replaces a mode of 0 with 0644, so a mode-000 file
 * (`/etc/shadow` on Fedora) would come out readable. Its encoder keeps only the low 12 bits, so
 * the type bits make the value non-zero without reaching the archive.
 */
const TYPE_BITS: Record<ExportEntryType, number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  hardlink: 0o100000,
  char: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
};

/** tar-stream writes ids as 6 octal digits; larger ones need a PAX record. */
const MAX_OCTAL_ID = 0o777777;
/** Its mtime field takes whole seconds from 0 to 2^31 - 1 (it truncates to 32-bit int). */
const MAX_HEADER_MTIME = 2 ** 31 - 1;
/** ustar's owner name fields: 32 bytes. */
const MAX_OWNER_NAME = 32;
/**
 * The longest name ustar holds: a 155-byte prefix, the `/` between, a 100-byte name. A longer
 * one goes to PAX straight away: tar-stream would first try to split it, measuring the whole
 * rest of the name once per segment, which is quadratic in the depth (a 5,000-level directory's
 * names took 8 s of its export).
 */
const MAX_USTAR_NAME = 256;

const utf8 = new TextEncoder();

function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** The header tar-stream gets, with PAX records for whatever ustar cannot hold exactly. */
function headerFor(entry: ExportEntry): PackHeader {
  const pax: Record<string, string> = {};
  let forcePax = false;
  if (entry.uid > MAX_OCTAL_ID) pax.uid = String(entry.uid);
  if (entry.gid > MAX_OCTAL_ID) pax.gid = String(entry.gid);
  const wholeSeconds = Number.isInteger(entry.mtime);
  if (!wholeSeconds || entry.mtime < 0 || entry.mtime > MAX_HEADER_MTIME) {
    // Decimal digits only: PAX has no exponent notation (String(5e-7) would be "5e-7").
    pax.mtime = wholeSeconds ? String(entry.mtime) : entry.mtime.toFixed(9).replace(/\.?0+$/, '');
  }
  const headerMtime = Math.min(MAX_HEADER_MTIME, Math.max(0, Math.floor(entry.mtime)));
  let uname = entry.uname;
  let gname = entry.gname;
  if (utf8.encode(uname).length > MAX_OWNER_NAME || !isPlainAscii(uname)) {
    pax.uname = uname;
    uname = '';
  }
  if (utf8.encode(gname).length > MAX_OWNER_NAME || !isPlainAscii(gname)) {
    pax.gname = gname;
    gname = '';
  }
  // tar-stream puts a short non-ASCII link target raw into the header; PAX states it is UTF-8.
  if (entry.linkTarget && !isPlainAscii(entry.linkTarget)) forcePax = true;
  // Each UTF-16 unit is at least one byte: past this, ustar cannot hold the name.
  if (entry.name.length > MAX_USTAR_NAME) forcePax = true;
  if (entry.xattrs)
    for (const [key, value] of Object.entries(entry.xattrs)) pax[`SCHILY.xattr.${key}`] = value;
  const hasPax = forcePax || Object.keys(pax).length > 0;
  return {
    name: entry.name,
    type: PACK_TYPES[entry.type],
    mode: entry.mode | TYPE_BITS[entry.type],
    uid: Math.min(entry.uid, MAX_OCTAL_ID),
    gid: Math.min(entry.gid, MAX_OCTAL_ID),
    uname,
    gname,
    mtime: new Date(headerMtime * 1000),
    size: entry.type === 'file' ? entry.size : 0,
    linkname: entry.linkTarget || undefined,
    // With `pax` set, tar-stream writes the name and link target as PAX records as well.
    ...(hasPax ? { pax } : {}),
  };
}

/**
 * The tar as chunks. Lock-step with the consumer: tar-stream's output is captured as it is
 * produced (its `mapReadable` hook) and handed out before the next piece is written, so nothing
 * piles up when the consumer (a disk, a download) is slower than the reading.
 */
export async function* writeTar(
  plan: ExportPlan,
  reader: ContentReader,
  options: WriteTarOptions = {},
): AsyncGenerator<Uint8Array> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  const produced: Uint8Array[] = [];
  const pack = tarStream.pack({
    mapReadable: (data: unknown) => {
      produced.push(data as Uint8Array);
      return null; // captured: nothing is buffered inside the stream
    },
  });
  let packError: Error | null = null;
  pack.on('error', (error: Error) => {
    packError = error;
  });
  const progress: ExportProgress = {
    entriesWritten: 0,
    entries: plan.entryCount,
    contentBytesWritten: 0,
    contentBytes: plan.contentBytes,
  };
  const takeProduced = (): Uint8Array[] => produced.splice(0, produced.length);

  try {
    for (const entry of plan.entries()) {
      options.signal?.throwIfAborted();
      let sink: ReturnType<typeof pack.entry> | undefined;
      const done = new Promise<void>((resolve, reject) => {
        sink = pack.entry(headerFor(entry), (error?: Error | null) => (error ? reject(error) : resolve()));
      });
      // Settled either way below; when the consumer stops early, destroying the pack rejects it unseen.
      done.catch(() => undefined);
      const writable = sink!;
      const failed = new Promise<never>((_, reject) => {
        writable.on('error', reject);
      });
      // Settled, so an entry that fails after its last await leaves no unhandled rejection.
      failed.catch(() => undefined);
      if (entry.content) {
        const { blobKey, entryIndex } = entry.content;
        for (let offset = 0; offset < entry.size; offset += chunkSize) {
          options.signal?.throwIfAborted();
          const chunk = await reader.read(
            blobKey,
            entryIndex,
            offset,
            Math.min(chunkSize, entry.size - offset),
          );
          if (!writable.write(chunk)) {
            await Promise.race([
              new Promise<void>((resolve) => writable.once('drain', () => resolve())),
              failed,
            ]);
          }
          yield* takeProduced();
          progress.contentBytesWritten += chunk.length;
          options.onProgress?.({ ...progress });
        }
      }
      // A regular file's entry completes when its sink ends, even an empty one (a whiteout);
      // the other types complete on their own.
      if (entry.type === 'file') writable.end(null);
      await Promise.race([done, failed]);
      if (packError) throw packError;
      yield* takeProduced();
      progress.entriesWritten++;
      if (!entry.content) options.onProgress?.({ ...progress });
    }
    pack.finalize();
    if (packError) throw packError;
    yield* takeProduced();
  } finally {
    // Stopped early (cancelled, an error, the consumer gone): drop what tar-stream still holds.
    if (!pack.destroyed) pack.destroy();
  }
}

/** The same as a web ReadableStream, for a worker to transfer or a download to pipe. */
export function tarReadableStream(
  plan: ExportPlan,
  reader: ContentReader,
  options: Omit<WriteTarOptions, 'signal'> = {},
): ReadableStream<Uint8Array> {
  const controller = new AbortController();
  const chunks = writeTar(plan, reader, { ...options, signal: controller.signal });
  return new ReadableStream<Uint8Array>({
    async pull(stream) {
      const next = await chunks.next();
      if (next.done) stream.close();
      else stream.enqueue(next.value);
    },
    async cancel(reason) {
      controller.abort(reason);
      await chunks.return(undefined);
    },
  });
}
