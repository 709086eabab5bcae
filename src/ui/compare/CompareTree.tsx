/** The comparison's result as a tree: every path that differs under the directories that hold it. */
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  type CompareKinds,
  compareQuery,
  selectComparePath,
  setCompareFilter,
  toggleCompareKind,
  useCompare,
} from '../../store/compare';
import type { ComparePage, CompareRow, PathComparison } from '../../worker/compareProtocol';
import { formatBytes, visible } from '../format';

const PAGE = 500;
const KINDS: { key: keyof CompareKinds; label: string }[] = [
  { key: 'added', label: 'Added' },
  { key: 'removed', label: 'Removed' },
  { key: 'changed', label: 'Changed' },
  { key: 'unchanged', label: 'Unchanged' },
];

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || '/';
}

/** What a changed row says after its name: `content, mode 0644 → 0755`. */
export function whatText(r: PathComparison): string {
  if (r.change !== 'changed' || !r.a || !r.b) return '';
  const { a, b } = r;
  return r.what
    .map((w) => {
      if (w === 'size') return `size ${formatBytes(a.size)} → ${formatBytes(b.size)}`;
      if (w === 'mode')
        return `mode ${a.mode.toString(8).padStart(4, '0')} → ${b.mode.toString(8).padStart(4, '0')}`;
      if (w === 'type') return `type ${a.type} → ${b.type}`;
      if (w === 'uid') return `owner ${a.uid} → ${b.uid}`;
      if (w === 'gid') return `group ${a.gid} → ${b.gid}`;
      if (w === 'linkTarget') return `link ${visible(a.linkTarget)} → ${visible(b.linkTarget)}`;
      return w === 'mtime' ? 'time' : w;
    })
    .join(', ');
}

/** The row's words in the order it shows them, as its accessible name (axe label-content-name-mismatch). */
function rowLabel(row: CompareRow): string {
  const name = visible(nameOf(row.path));
  if (row.context) return name;
  const what = whatText(row);
  return `${name}, ${row.change}${what ? `: ${what}` : ''}`;
}

export function CompareTree() {
  const s = useCompare(
    useShallow((st) => ({
      version: st.version,
      kinds: st.kinds,
      filter: st.filter,
      selected: st.selected,
      phase: st.phase,
    })),
  );
  const [limit, setLimit] = useState(PAGE);
  const [page, setPage] = useState<ComparePage | null>(null);
  const listRef = useRef<HTMLDivElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version (results arrived) and phase (the run ended) ask again
  useEffect(() => {
    let live = true;
    void compareQuery('rows', { ...s.kinds, filter: s.filter, offset: 0, limit })
      .then((p) => {
        if (live) setPage(p);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
    // version: results arrived; phase: the run ended
  }, [s.version, s.kinds, s.filter, limit, s.phase]);

  const rows = page?.rows ?? [];
  const move = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const at = rows.findIndex((r) => r.path === s.selected);
    const next =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? rows.length - 1
          : Math.max(0, Math.min(rows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)));
    const row = rows[next];
    if (row) {
      selectComparePath(row.path);
      listRef.current
        ?.querySelector<HTMLElement>(`[data-index="${next}"]`)
        ?.scrollIntoView({ block: 'nearest' });
    }
  };

  return (
    <section className="cmp-block cmp-tree-block" aria-labelledby="cmp-tree-title">
      <h3 id="cmp-tree-title">Differences</h3>
      <div className="cmp-toolbar">
        <input
          type="search"
          className="cmp-filter"
          aria-label="Filter compared paths"
          placeholder="Filter paths"
          value={s.filter}
          onChange={(e) => setCompareFilter(e.target.value)}
        />
        <div className="chips" role="group" aria-label="Show differences">
          {KINDS.map((k) => (
            <label
              key={k.key}
              className={`chip chip-${k.key === 'changed' ? 'modified' : k.key === 'unchanged' ? 'unmodified' : k.key}${s.kinds[k.key] ? ' on' : ''}`}
            >
              <input type="checkbox" checked={s.kinds[k.key]} onChange={() => toggleCompareKind(k.key)} />
              <span className="chip-dot" aria-hidden="true" />
              {k.label}
            </label>
          ))}
        </div>
      </div>
      {page && page.total === 0 && (
        <p className="muted">
          {page.complete ? 'No path differs with these filters.' : 'Nothing found yet…'}
        </p>
      )}
      <div
        ref={listRef}
        className="cmp-tree"
        role="tree"
        aria-label="Differences"
        tabIndex={0}
        onKeyDown={move}
      >
        {rows.map((row, i) => (
          <div
            key={row.path}
            tabIndex={-1}
            data-index={i}
            role="treeitem"
            aria-level={row.depth + 1}
            aria-selected={row.path === s.selected}
            aria-label={rowLabel(row)}
            className={`cmp-row ${row.context ? 'context' : row.change}${row.path === s.selected ? ' selected' : ''}`}
            onClick={() => selectComparePath(row.path)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') selectComparePath(row.path);
            }}
          >
            <span className="cmp-indent" style={{ width: `${row.depth * 14}px` }} aria-hidden="true" />
            {/* The spaces between the words are for axe's reading of the row's text, which joins spans as they are. */}
            <span className="cmp-name">{visible(nameOf(row.path))}</span>{' '}
            {!row.context && <span className={`cmp-badge ${row.change}`}>{row.change}</span>}{' '}
            {!row.context && row.change === 'changed' && (
              <span className="cmp-what muted">{whatText(row)}</span>
            )}
          </div>
        ))}
      </div>
      {page && page.total > rows.length && (
        <button type="button" className="btn small" onClick={() => setLimit((l) => l + PAGE)}>
          Show more rows ({rows.length} of {page.total})
        </button>
      )}
    </section>
  );
}
