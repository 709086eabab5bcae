import type { ImageArchive } from '../core/image/model';

/** What a command needs from the outside world, so commands can be tested without a terminal or files. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Raw bytes to stdout (`cat`, `export -o -`); resolves once they are taken, so large files stream. */
  stdoutBytes?(bytes: Uint8Array): Promise<void>;
  openArchive(path: string): Promise<ImageArchive>;
}
