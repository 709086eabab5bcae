/**
 * How a row's or a history entry's change is shown and spoken, one place for the Files tree,
 * File details and the Layers counts, following the counting rule (core/fs/changeRule.ts).
 */
import type { ChangeNote, DiffType, LayerChangeCounts } from '../worker/protocol';

export interface ChangeLabel {
  /** The badge's text; null when there is nothing to show (an unmodified path). */
  badge: string | null;
  /** Badge class (`b-…`). */
  className: string;
  /**
   * Words for the accessible name, after the file's name: they start with the badge's text (the
   * name must contain what is visible, WCAG 2.5.3) and include the DiffType when changed.
   */
  spoken: string | null;
  /** A sentence for the tooltip. */
  hint: string | null;
}

export function changeLabel(change: DiffType | 'rewritten' | 'replaced', note?: ChangeNote): ChangeLabel {
  if (note === 'underRemoved')
    return {
      badge: 'removed',
      className: 'b-removed b-under',
      spoken: 'removed with its directory',
      hint: 'Went with a directory this layer removed (counted once, on that directory)',
    };
  if (note === 'underReplaced')
    return {
      badge: 'hidden',
      className: 'b-removed b-under',
      spoken: 'hidden, removed with the replaced directory',
      hint: 'Hidden because this layer replaced a directory above it (counted once, as replaced)',
    };
  if (note === 'rewritten' || change === 'rewritten')
    return {
      badge: 'same bytes',
      className: 'b-rewritten',
      spoken: 'same bytes, rewritten unchanged',
      hint: 'Written again with the same bytes and metadata: unchanged, but stored again',
    };
  if (note === 'replaced' || change === 'replaced')
    return {
      badge: 'replaced',
      className: 'b-replaced',
      spoken: 'replaced',
      hint: 'Made opaque: nothing below it from earlier layers shows through',
    };
  if (change === 'unmodified') return { badge: null, className: '', spoken: null, hint: null };
  return { badge: change, className: `b-${change}`, spoken: change, hint: null };
}

/** "N added, N modified, N removed", then rewritten and replaced where there are any. */
export function countsSentence(counts: LayerChangeCounts): string {
  return (
    `${counts.added} added, ${counts.modified} modified, ${counts.removed} removed` +
    (counts.rewritten ? `, ${counts.rewritten} rewritten unchanged` : '') +
    (counts.replaced ? `, ${counts.replaced} replaced` : '')
  );
}
