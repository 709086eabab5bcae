/**
 * The byte ranges our walker reads from an archive in the browser, recorded in Node: the archive is
 * opened through a source that reports the Blob source's read-ahead, so the walker asks for exactly
 * the windows it asks a dropped File for. The read floor replays them in Chromium.
 */

import { NodeFileSource } from '../../src/cli/nodeFileSource';
import { BlobSource, type ByteSource } from '../../src/core/bytes/byteSource';
import { openArchive } from '../../src/core/image/open';

class RecordingSource implements ByteSource {
  readonly ranges: [number, number][] = [];
  readonly readAhead = new BlobSource(new Blob([])).readAhead;
  constructor(private readonly inner: NodeFileSource) {}
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = await this.inner.read(offset, length);
    this.ranges.push([offset, out.length]);
    return out;
  }
}

export async function walkerRanges(path: string): Promise<[number, number][]> {
  const inner = new NodeFileSource(path);
  const source = new RecordingSource(inner);
  try {
    await openArchive(source);
  } finally {
    inner.close();
  }
  return source.ranges;
}
