import type { ImageArchive } from '../core/image/model';

/** What a command needs from the outside world, so commands can be tested without a terminal or files. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Raw bytes to stdout (`cat`, `export -o -`); resolves once they are taken, so large files stream. */
  stdoutBytes?(bytes: Uint8Array): Promise<void>;
  /**
   * Resolves once stdout has taken what it was given. A pipe slower than a listing would
   * otherwise queue all of it in memory (`ls` of 1,000,000 entries held 200 MiB that way).
   */
  stdoutDrained?(): Promise<void>;
  openArchive(path: string): Promise<ImageArchive>;
}
