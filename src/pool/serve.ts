import type { ByteSource } from '../core/bytes/byteSource';
import { messageOf } from '../core/errors';
import { indexLayer, packLayerIndex } from '../core/image/layerIndex';
import type { PoolWorkerPort, ToPoolWorker } from './protocol';

/** Progress is sent at most this often: a message per decoded chunk would cost more than it tells. */
const BYTES_EVERY_MS = 50;

/**
 * A pool worker's whole job: index each layer it is sent, reading the archive through its own
 * ByteSource (the same file the owner reads), and send the index back packed, its arrays
 * transferred. Its owner only ever sends one job at a time.
 */
export function serveLayerJobs(port: PoolWorkerPort, source: ByteSource): void {
  const running = new Map<number, AbortController>();
  const run = async (id: number, message: Extract<ToPoolWorker, { type: 'job' }>): Promise<void> => {
    const controller = new AbortController();
    running.set(id, controller);
    let pending = 0;
    let last = 0;
    const flush = (): void => {
      if (pending === 0) return;
      port.post({ type: 'bytes', id, bytes: pending }, []);
      pending = 0;
    };
    try {
      const result = await indexLayer(source, message.job, {
        signal: controller.signal,
        onBytes: (bytes) => {
          pending += bytes;
          const now = Date.now();
          if (now - last >= BYTES_EVERY_MS) {
            last = now;
            flush();
          }
        },
      });
      flush();
      const { packed, transfer } = packLayerIndex(result);
      port.post({ type: 'done', id, result: packed }, transfer);
    } catch (error) {
      port.post({ type: 'failed', id, message: messageOf(error) }, []);
    } finally {
      running.delete(id);
    }
  };
  port.listen((message) => {
    if (message.type === 'cancel') running.get(message.id)?.abort();
    else void run(message.id, message);
  });
}
