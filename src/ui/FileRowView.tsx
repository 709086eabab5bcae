/** One row of the Files tree, placed absolutely at its index (the tree renders only rows in view). */
import type { FileRow } from '../worker/protocol';
import { changeLabel } from './changeLabels';
import { formatBytes, modeString, visible } from './format';

export const ROW_H = 24;

export function FileRowView({
  index,
  row,
  active,
  selected,
  flash = false,
  onSelect,
  onToggle,
}: {
  index: number;
  row: FileRow;
  active: boolean;
  selected: boolean;
  /** Just revealed by a jump: highlighted for a moment. */
  flash?: boolean;
  onSelect: () => void;
  onToggle: () => void;
}) {
  const isDir = row.type === 'dir';
  const shown = changeLabel(row.change, row.note);
  const name = visible(row.name);
  // Merged view: a folder whose subtree this layer changed says so, as dive colours it.
  const below = row.subtreeChanged && row.change === 'unmodified' && !row.note;
  const size = isDir ? formatBytes(row.subtreeSize) : row.type === 'file' ? formatBytes(row.size) : '';
  const mode = modeString(row.mode, row.type);
  // The name starts with what the row shows, in order (axe label-content-name-mismatch: speech
  // input names a row by what it sees). A plain change is shown as its word; a change that needs
  // more words than its badge ("same bytes, rewritten unchanged" for "same bytes") is drawn from
  // data-label by CSS and said after the columns, so the visible text stays one run of the name.
  const plainChange = shown.badge !== null && shown.spoken === shown.badge;
  const label = [
    row.linkTarget ? `${name} ${row.type === 'hardlink' ? '⇒' : '→'} ${visible(row.linkTarget)}` : name,
    plainChange ? shown.spoken : null,
    size,
    mode,
    `${row.uid}:${row.gid}`,
    plainChange ? null : shown.spoken,
    below ? 'changes inside' : null,
  ]
    .filter(Boolean)
    .join(', ');
  const special = (row.mode & 0o7000) !== 0;
  return (
    // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the tree (aria-activedescendant)
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree handles the keyboard for all rows
    <div
      id={`file-row-${index}`}
      role="treeitem"
      aria-label={label}
      aria-level={row.depth + 1}
      aria-expanded={isDir ? row.expanded : undefined}
      aria-selected={selected}
      className={`file-row change-${row.change}${row.note ? ` note-${row.note}` : ''}${below ? ' subtree-changed' : ''}${active ? ' active' : ''}${selected ? ' selected' : ''}${flash ? ' revealed' : ''}`}
      style={{ top: index * ROW_H }}
      onClick={onSelect}
      title={visible(row.path)}
    >
      <span className="col-name" style={{ paddingLeft: 6 + row.depth * 16 }}>
        {isDir && row.childCount > 0 ? (
          <span
            className={`chevron${row.expanded ? ' open' : ''}`}
            aria-hidden="true"
            onClick={(e) => {
              e.stopPropagation();
              onToggle();
            }}
          />
        ) : (
          <span className="chevron-space" aria-hidden="true" />
        )}
        <span className={`ficon t-${row.type}`} aria-hidden="true" />
        <span className="fname">{name}</span>{' '}
        {row.linkTarget && (
          <span className="flink">
            {row.type === 'hardlink' ? '⇒ ' : '→ '}
            {visible(row.linkTarget)}
          </span>
        )}
      </span>{' '}
      <span className="col-change">
        {plainChange ? (
          <span className={`badge ${shown.className}`} title={shown.hint ?? undefined}>
            {shown.badge}
          </span>
        ) : shown.badge ? (
          <span
            className={`badge ${shown.className}`}
            title={shown.hint ?? undefined}
            data-label={shown.badge}
            aria-hidden="true"
          />
        ) : below ? (
          <span
            className="badge b-subtree"
            title="Something below changed in this layer"
            data-label="changes"
            aria-hidden="true"
          />
        ) : null}
      </span>{' '}
      <span className={`col-size${isDir ? ' muted' : ''}`}>{size}</span>{' '}
      <span className={`col-mode mono${special ? ' special' : ''}`}>{mode}</span>{' '}
      <span className="col-owner mono">
        {row.uid}:{row.gid}
      </span>
    </div>
  );
}
