/**
 * Saving bytes the worker streams out (a file's contents, an export tar). Large ones go straight to
 * disk through the File System Access API when the browser has it; otherwise (and for small ones,
 * where a save dialog would only be in the way) the chunks become a Blob that a link downloads.
 */

/** Gives the next chunk, or null at the end. */
export type ChunkSource = () => Promise<Uint8Array<ArrayBuffer> | null>;

/** From this size on, a save dialog (where there is one) writes to disk instead of memory. */
export const SAVE_PICKER_FROM = 64 * 1024 * 1024;

interface WritableLike {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}
type SavePicker = (options: {
  suggestedName: string;
}) => Promise<{ createWritable(): Promise<WritableLike> }>;

function savePicker(): SavePicker | null {
  const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  return typeof picker === 'function' ? picker.bind(globalThis) : null;
}

/** A link click that downloads `blob` as `name`. */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Saves every chunk of `next` as `name`. `expectedBytes` decides between the save dialog and a
 * Blob. Resolves to false when the person closed the dialog.
 */
export async function saveChunks(
  name: string,
  expectedBytes: number,
  next: ChunkSource,
  type = 'application/octet-stream',
): Promise<boolean> {
  const picker = expectedBytes >= SAVE_PICKER_FROM ? savePicker() : null;
  if (picker) {
    let handle: Awaited<ReturnType<SavePicker>>;
    try {
      handle = await picker({ suggestedName: name });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return false;
      throw error;
    }
    const writable = await handle.createWritable();
    try {
      for (let chunk = await next(); chunk; chunk = await next()) await writable.write(chunk);
      await writable.close();
    } catch (error) {
      await writable.abort().catch(() => undefined);
      throw error;
    }
    return true;
  }
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let chunk = await next(); chunk; chunk = await next()) parts.push(chunk);
  downloadBlob(new Blob(parts, { type }), name);
  return true;
}
