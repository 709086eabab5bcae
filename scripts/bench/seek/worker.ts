/** The seek benchmark in a Chromium dedicated worker: the same core over the dropped File. */
import { BlobSource } from '../../../src/core/bytes/byteSource';
import { measureSeek } from './common';

self.onmessage = async (
  event: MessageEvent<{ file: File; seekPoints: boolean; compression: 'gzip' | 'zstd' }>,
) => {
  const post = (m: unknown) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);
  try {
    post({
      ok: true,
      result: await measureSeek(
        new BlobSource(event.data.file),
        event.data.seekPoints,
        event.data.compression,
      ),
    });
  } catch (error) {
    post({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
};
