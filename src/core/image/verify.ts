import { createSHA256 } from 'hash-wasm';
import { decompressChunks } from '../compress/decompress';
import { storedChunks } from './content';
import { digestFromBlobPath } from './formats/context';
import type { ImageArchive } from './model';

export interface BlobCheck {
  member: string;
  /** Digest the archive claims for the stored blob (manifest, LayerSources or blob path), if any. */
  expectedDigest: string | null;
  actualDigest: string;
  /** Diff IDs the image configs give for this blob (normally one). */
  expectedDiffIds: string[];
  /** sha256 of the uncompressed tar. */
  actualDiffId: string;
  problems: string[];
}

export interface VerifyReport {
  blobs: BlobCheck[];
  configs: {
    image: number;
    configName: string;
    expectedDigest: string | null;
    actualDigest: string;
    ok: boolean;
  }[];
  /** Every mismatch, one line each, naming the member. */
  problems: string[];
}

export interface VerifyProgress {
  bytesHashed: number;
  totalBytes: number;
  blobsDone: number;
  blobsTotal: number;
}

/**
 * Hashes every layer blob (stored and uncompressed) with SHA-256 and compares the digests with what
 * the manifests and configs claim. Streams: a multi-GB layer is never held in memory.
 */
export async function verifyArchive(
  archive: ImageArchive,
  onProgress?: (p: VerifyProgress) => void,
  signal?: AbortSignal,
): Promise<VerifyReport> {
  const problems: string[] = [];
  const blobs = [...archive.blobs.entries()].filter(([, b]) => b.dataOffset >= 0 && b.error === null);
  const progress: VerifyProgress = {
    bytesHashed: 0,
    totalBytes: blobs.reduce((n, [, b]) => n + b.storedSize, 0),
    blobsDone: 0,
    blobsTotal: blobs.length,
  };
  const diffIdsByBlob = new Map<string, Set<string>>();
  for (const image of archive.images) {
    for (const layer of image.layers) {
      if (!layer.diffId) continue;
      const set = diffIdsByBlob.get(layer.blob) ?? new Set();
      set.add(layer.diffId);
      diffIdsByBlob.set(layer.blob, set);
    }
  }
  const checks: BlobCheck[] = [];
  let lastReport = 0;
  for (const [key, blob] of blobs) {
    const stored = await createSHA256();
    const uncompressed = blob.compression === 'none' ? stored : await createSHA256();
    stored.init();
    if (uncompressed !== stored) uncompressed.init();
    let hashedHere = 0;
    const input = async function* () {
      // Called again when gzip falls back to fflate (trailing garbage, several members): the
      // stored bytes are hashed from the start again, and counted once.
      stored.init();
      progress.bytesHashed -= hashedHere;
      hashedHere = 0;
      for await (const chunk of storedChunks(archive, blob)) {
        if (signal?.aborted) throw signal.reason ?? new DOMException('Verify was cancelled', 'AbortError');
        stored.update(chunk);
        progress.bytesHashed += chunk.length;
        hashedHere += chunk.length;
        if (onProgress && Date.now() - lastReport > 100) {
          lastReport = Date.now();
          onProgress({ ...progress });
        }
        yield chunk;
      }
    };
    if (blob.compression === 'none') {
      for await (const _ of input()) {
        // hashing happens in the generator
      }
    } else {
      const reader = decompressChunks(input, blob.compression, true, 0, {
        expansion: archive.expansionLimit,
      });
      try {
        for (;;) {
          const part = await reader.read(1 << 20);
          if (part.length === 0) break;
          uncompressed.update(part);
        }
      } finally {
        reader.close?.();
      }
    }
    const actualDigest = `sha256:${stored.digest('hex')}`;
    const actualDiffId = uncompressed === stored ? actualDigest : `sha256:${uncompressed.digest('hex')}`;
    const expectedDigest = blob.digest ?? digestFromBlobPath(blob.member);
    const expectedDiffIds = [...(diffIdsByBlob.get(key) ?? [])];
    const blobProblems: string[] = [];
    if (expectedDigest && expectedDigest !== actualDigest) {
      blobProblems.push(
        `layer ${JSON.stringify(blob.member)}: digest is ${actualDigest}, the archive says ${expectedDigest}`,
      );
    }
    for (const diffId of expectedDiffIds) {
      if (diffId !== actualDiffId) {
        blobProblems.push(
          `layer ${JSON.stringify(blob.member)}: diff ID is ${actualDiffId}, the config says ${diffId}`,
        );
      }
    }
    problems.push(...blobProblems);
    checks.push({
      member: blob.member,
      expectedDigest,
      actualDigest,
      expectedDiffIds,
      actualDiffId,
      problems: blobProblems,
    });
    progress.blobsDone++;
    onProgress?.({ ...progress });
  }
  const configs = archive.images.map((image, index) => {
    const expected = image.configName ? digestFromBlobPath(image.configName) : null;
    const ok = expected === null || expected === image.id;
    if (!ok)
      problems.push(
        `config ${JSON.stringify(image.configName)}: digest is ${image.id}, its name says ${expected}`,
      );
    return {
      image: index,
      configName: image.configName ?? '',
      expectedDigest: expected,
      actualDigest: image.id,
      ok,
    };
  });
  return { blobs: checks, configs, problems };
}
