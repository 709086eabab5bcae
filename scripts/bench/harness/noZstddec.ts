/** Stands in for zstddec when it is not installed: the harness then only offers fzstd. */
export class ZSTDDecoder {
  init(): Promise<void> {
    return Promise.reject(
      new Error('zstddec is not installed (run: npx tsx scripts/bench/experiments.ts --install)'),
    );
  }
  *decodeStreaming(_arrays: Iterable<Uint8Array>): Generator<Uint8Array> {
    yield* [];
    throw new Error('zstddec is not installed');
  }
}
