import type { ImageArchive } from '../core/image/model';

/** What a command needs from the outside world, so commands can be tested without a terminal or files. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  openArchive(path: string): Promise<ImageArchive>;
}
