/**
 * The keyboard of a virtualised tree of rows (WAI-ARIA's tree view pattern), shared by Files and
 * Compare's result tree: which keys it answers, and where the keys that only move take the
 * active row. Opening, closing and choosing differ per tree and stay with each.
 */

/** Keys a tree answers when pressed without Alt, Ctrl or Meta. */
export const TREE_KEYS: ReadonlySet<string> = new Set([
  'ArrowDown',
  'ArrowUp',
  'ArrowLeft',
  'ArrowRight',
  'PageDown',
  'PageUp',
  'Home',
  'End',
  ' ',
  'Enter',
]);

/** Rows a PageUp or PageDown moves: the rows in view less one, so one row stays in sight. */
export function rowsPerPage(scroller: HTMLElement | null, rowHeight: number): number {
  return scroller ? Math.max(1, Math.floor(scroller.clientHeight / rowHeight) - 1) : 10;
}

/**
 * The row a moving key makes active, from `at` (-1: none yet) among `total` rows; null for a key
 * that does not only move. The caller clamps.
 */
export function movedRow(key: string, at: number, total: number, pageRows: number): number | null {
  switch (key) {
    case 'ArrowDown':
      return at < 0 ? 0 : at + 1;
    case 'ArrowUp':
      return at < 0 ? 0 : at - 1;
    case 'PageDown':
      return at + pageRows;
    case 'PageUp':
      return at - pageRows;
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    default:
      return null;
  }
}
