/** Resolved by the harness bundler to zstddec/stream when installed (see experiments.ts), else to a stub. */
declare module 'bench-zstddec' {
  export class ZSTDDecoder {
    init(): Promise<void>;
    decodeStreaming(arrays: Iterable<Uint8Array>): Generator<Uint8Array>;
  }
}
