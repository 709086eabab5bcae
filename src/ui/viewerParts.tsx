/**
 * Pieces of a file view's toolbar and body that the File contents panel and the Compare pane's
 * file share: the page buttons, a diff's line counts, and the rows of a hex dump.
 */
import { formatCount } from './format';

/** Previous and next page buttons; `position` puts "page / pages" between them. */
export function PageButtons({
  page,
  pages,
  onPage,
  previous = 'Previous page',
  next = 'Next page',
  position = false,
}: {
  page: number;
  /** Null while the total is not known yet: Next stays enabled. */
  pages: number | null;
  onPage(page: number): void;
  previous?: string;
  next?: string;
  position?: boolean;
}) {
  return (
    <>
      <button type="button" className="btn small" disabled={page <= 0} onClick={() => onPage(page - 1)}>
        {previous}
      </button>
      {position && pages !== null && (
        <span>
          {page + 1} / {pages}
        </span>
      )}
      <button
        type="button"
        className="btn small"
        disabled={pages !== null && page >= pages - 1}
        onClick={() => onPage(page + 1)}
      >
        {next}
      </button>
    </>
  );
}

/** "+3 −1", or "+0 −0 · same text" when the two texts do not differ. */
export function DiffCounts({
  added,
  removed,
  totalLines,
}: {
  added: number;
  removed: number;
  totalLines: number;
}) {
  return (
    <>
      <span className="c-added">+{formatCount(added)}</span>{' '}
      <span className="c-removed">−{formatCount(removed)}</span>
      {totalLines === 0 ? ' · same text' : ''}
    </>
  );
}

export interface HexRow {
  offset: number;
  hex: string;
  ascii: string;
}

/** A hex dump's rows; `targetRow` (an offset) is marked, and `rowIds` gives each row an id to scroll to. */
export function HexRows({
  rows,
  targetRow = null,
  rowIds = false,
}: {
  rows: readonly HexRow[];
  targetRow?: number | null;
  rowIds?: boolean;
}) {
  return (
    <tbody>
      {rows.map((row) => (
        <tr
          key={row.offset}
          id={rowIds ? `hex-row-${row.offset}` : undefined}
          className={row.offset === targetRow ? 'hex-target' : undefined}
          aria-current={row.offset === targetRow ? 'true' : undefined}
        >
          <th scope="row" className="ho">
            {row.offset.toString(16).padStart(8, '0')}
          </th>
          <td className="hb">{row.hex}</td>
          <td className="ha">{row.ascii}</td>
        </tr>
      ))}
    </tbody>
  );
}
