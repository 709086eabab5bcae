/** Taking files out of an image as a tar: a layer (a valid layer, whiteouts included), a merged view, or a directory. */
import type { ImageFileSystem } from '../fs/imageFileSystem';
import type { ContentReader } from '../image/content';
import type { ImageArchive } from '../image/model';
import { type ExportSpec, planExport } from './plan';
import { type WriteTarOptions, writeTar } from './writeTar';

export { type ExportEntry, type ExportEntryType, type ExportPlan, type ExportSpec, planExport } from './plan';
export { type ExportProgress, tarReadableStream, type WriteTarOptions, writeTar } from './writeTar';

/** Plans and streams in one call: `for await (const chunk of exportTar(…)) sink.write(chunk)`. */
export function exportTar(
  archive: ImageArchive,
  fs: ImageFileSystem,
  imageIndex: number,
  spec: ExportSpec,
  reader: ContentReader,
  options: WriteTarOptions = {},
): AsyncGenerator<Uint8Array> {
  return writeTar(planExport(archive, fs, imageIndex, spec), reader, options);
}
