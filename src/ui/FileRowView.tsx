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
  const label = [name, shown.spoken, below ? 'changes inside' : null].filter(Boolean).join(', ');
  // The name holds what is visible of the name and change columns (WCAG 2.5.3, checked by axe);
  // the link target, size, mode and owner are said in the description instead.
  const size = isDir ? formatBytes(row.subtreeSize) : row.type === 'file' ? formatBytes(row.size) : '';
  const description = [
    row.linkTarget
      ? `${row.type === 'hardlink' ? 'hard link to' : 'points to'} ${visible(row.linkTarget)}`
      : '',
    size,
    modeString(row.mode, row.type),
    `owner ${row.uid}:${row.gid}`,
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
      aria-description={description}
      aria-level={row.depth + 1}
      aria-expanded={isDir ? row.expanded : undefined}
      aria-selected={selected}
      className={`file-row change-${row.change}${row.note ? ` note-${row.note}` : ''}${below ? ' subtree-changed' : ''}${active ? ' active' : ''}${selected ? ' selected' : ''}${flash ? ' revealed' : ''}`}
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
        <span className="fname">{name}</span>
        {row.linkTarget && (
          <span className="flink" aria-hidden="true">
            {row.type === 'hardlink' ? '⇒ ' : '→ '}
            {visible(row.linkTarget)}
          </span>
        )}
      </span>
      <span className="col-change">
        {shown.badge ? (
          <span className={`badge ${shown.className}`} title={shown.hint ?? undefined}>
            {shown.badge}
          </span>
        ) : below ? (
          <span className="badge b-subtree" title="Something below changed in this layer">
            changes
          </span>
        ) : null}
      </span>
      <span className={`col-size${isDir ? ' muted' : ''}`} aria-hidden="true">
        {size}
      </span>
      <span className={`col-mode mono${special ? ' special' : ''}`} aria-hidden="true">
        {modeString(row.mode, row.type)}
      </span>
      <span className="col-owner mono" aria-hidden="true">
        {row.uid}:{row.gid}
      </span>
    </div>
  );
}
