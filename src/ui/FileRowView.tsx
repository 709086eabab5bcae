/** One row of the Files tree, placed absolutely at its index (the tree renders only rows in view). */
import type { FileRow } from '../worker/protocol';
import { formatBytes, modeString, visible } from './format';

export const ROW_H = 24;

export function FileRowView({
  index,
  row,
  active,
  selected,
  onSelect,
  onToggle,
}: {
  index: number;
  row: FileRow;
  active: boolean;
  selected: boolean;
  onSelect: () => void;
  onToggle: () => void;
}) {
  const isDir = row.type === 'dir';
  const changed = row.change !== 'unmodified';
  const name = visible(row.name);
  const size = isDir ? formatBytes(row.subtreeSize) : row.type === 'file' ? formatBytes(row.size) : '';
  const mode = modeString(row.mode, row.type);
  // Every column the row shows, in order: speech input names a row by what it sees (axe
  // label-content-name-mismatch); it still starts with the name and its change.
  const label = [
    row.linkTarget ? `${name} ${row.type === 'hardlink' ? '⇒' : '→'} ${visible(row.linkTarget)}` : name,
    changed ? row.change : '',
    size,
    mode,
    `${row.uid}:${row.gid}`,
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
      className={`file-row change-${row.change}${active ? ' active' : ''}${selected ? ' selected' : ''}`}
      style={{ top: index * ROW_H }}
      onClick={onSelect}
      onDoubleClick={isDir ? onToggle : undefined}
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
        {changed && <span className={`badge b-${row.change}`}>{row.change}</span>}
      </span>{' '}
      <span className={`col-size${isDir ? ' muted' : ''}`}>{size}</span>{' '}
      <span className={`col-mode mono${special ? ' special' : ''}`}>{mode}</span>{' '}
      <span className="col-owner mono">
        {row.uid}:{row.gid}
      </span>
    </div>
  );
}
