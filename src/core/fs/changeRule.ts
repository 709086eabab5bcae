/**
 * The one rule by which a layer's changes are counted. The layer's counts (Layers badges,
 * `inspect`), the rows of its Changes listing and the path history all go through `countedAs`,
 * so they cannot disagree:
 *
 * - **added**: a path the layer creates that was not there below, or that it writes below a
 *   directory it replaces (what was there was hidden, not merged).
 * - **modified**: a path that was there below and that the layer wrote with another type,
 *   permission bits, owner, link target or content (mtime does not count).
 * - **rewritten** ("same bytes"): a file, link or device the layer wrote again with the same
 *   type, metadata and content. Its change stays `unmodified`; it is counted apart because it
 *   still costs space (dive counts it as wasted).
 * - **removed**: a path a whiteout (`.wh.<name>`) takes away. A directory counts once.
 * - **replaced**: a directory that was there below and that the layer made opaque
 *   (`.wh..wh..opq`, or a whiteout plus a new directory of the same name): it stays, and
 *   nothing below it from lower layers shows through. Counted once, whatever its metadata did.
 * - Paths that go with a removed or replaced directory (what was below it) are listed under it
 *   as `removed`, with the note `underRemoved` or `underReplaced`, and appear in their own
 *   history the same way; they are not counted on their own: their directory is.
 * - Directories that only lead to changes are `unmodified` and not counted.
 */
import type { ChangeNote, CountedChange, DiffType } from './types';

export const NOTE_NONE = 0;
export const NOTE_REWRITTEN = 1;
export const NOTE_REPLACED = 2;
export const NOTE_UNDER_REMOVED = 3;
export const NOTE_UNDER_REPLACED = 4;

const NOTES: readonly (ChangeNote | undefined)[] = [
  undefined,
  'rewritten',
  'replaced',
  'underRemoved',
  'underReplaced',
];

export function noteName(code: number): ChangeNote | undefined {
  return NOTES[code];
}

/** What a row (its change and note) counts as in its layer's counts; null when it is not counted. */
export function countedAs(change: DiffType, note: ChangeNote | undefined): CountedChange | null {
  if (note === 'underRemoved' || note === 'underReplaced') return null;
  if (note === 'rewritten' || note === 'replaced') return note;
  return change === 'unmodified' ? null : change;
}

/** What a path-history entry counts as: the same rule, for the same facts. */
export function historyCountedAs(entry: { change: CountedChange; note?: ChangeNote }): CountedChange | null {
  return entry.note === 'underRemoved' || entry.note === 'underReplaced' ? null : entry.change;
}
