/**
 * The comparison's result as a tree: every path that differs (and, on demand, the ones that do
 * not) under the directories that hold it, folders that open and close. The worker keeps the
 * result, filters and folds it; this component asks for pages of rows around the viewport and
 * renders only those with @tanstack/react-virtual, as the Files tree does (100k changed paths
 * stay at a few dozen DOM rows).
 */
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { messageOf } from '../../core/errors';
import {
  type CompareKinds,
  compareQuery,
  getCompare,
  selectComparePath,
  setCompareFilter,
  setCompareFoldAll,
  setCompareFolder,
  toggleCompareKind,
  useCompare,
} from '../../store/compare';
import type { CompareRow, PathDifference, RowFilter } from '../../worker/compareProtocol';
import { formatBytes, plural, visible } from '../format';
import { movedRow, rowsPerPage, TREE_KEYS } from '../treeKeys';
import { PAGE, pagesBetween, ROW_H, useTreeRows } from '../treeRows';

/** The tree's height at most; a short result gets a box just as tall as its rows. */
const TREE_MAX_H = 420;
const KINDS: { key: Exclude<keyof CompareKinds, 'unchanged'>; label: string; chip: string }[] = [
  { key: 'added', label: 'Added', chip: 'added' },
  { key: 'removed', label: 'Removed', chip: 'removed' },
  { key: 'changed', label: 'Changed', chip: 'modified' },
];

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || '/';
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/** What a changed row says after its name: `content, mode 0644 → 0755`. */
export function whatText(r: Pick<PathDifference, 'change' | 'what' | 'a' | 'b'>): string {
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
  const what = row.change === 'changed' ? whatText(row) : '';
  return `${name}, ${row.change}${what ? `: ${what}` : ''}`;
}

interface Cache {
  key: string;
  filter: RowFilter;
  total: number | null;
  complete: boolean;
  pages: Map<number, CompareRow[]>;
  inflight: Set<number>;
  error: string | null;
}

function emptyCache(key: string, filter: RowFilter): Cache {
  return { key, filter, total: null, complete: false, pages: new Map(), inflight: new Set(), error: null };
}

export function CompareTree() {
  const s = useCompare(
    useShallow((st) => ({
      version: st.version,
      kinds: st.kinds,
      filter: st.filter,
      fold: st.fold,
      selected: st.selected,
      phase: st.phase,
      unchanged: st.progress?.unchanged ?? null,
    })),
  );
  const filter = useMemo<RowFilter>(
    () => ({ ...s.kinds, filter: s.filter, fold: s.fold }),
    [s.kinds, s.filter, s.fold],
  );
  // version: results arrived; phase: the run ended (its last rows).
  const key = `${s.version}|${s.phase}|${JSON.stringify(filter)}`;
  const scrollRef = useRef<HTMLDivElement>(null);
  const cacheRef = useRef<Cache>(emptyCache('', filter));
  const [display, setDisplay] = useState<Cache>(cacheRef.current);
  const [, setTick] = useState(0);
  const bump = useCallback(() => setTick((t) => t + 1), []);
  const [active, setActive] = useState(-1);
  const activeRef = useRef(-1);

  const fetchPage = useCallback(
    (page: number, then?: (rows: CompareRow[]) => void) => {
      const cache = cacheRef.current;
      const known = cache.pages.get(page);
      if (known) {
        then?.(known);
        return;
      }
      if (cache.inflight.has(page) && !then) return;
      cache.inflight.add(page);
      compareQuery('rows', { ...cache.filter, offset: page * PAGE, limit: PAGE })
        .then((res) => {
          cache.inflight.delete(page);
          if (cacheRef.current !== cache) return;
          cache.pages.set(page, res.rows);
          cache.total = res.total;
          cache.complete = res.complete;
          setDisplay(cache);
          bump();
          then?.(res.rows);
        })
        .catch((error: unknown) => {
          cache.inflight.delete(page);
          if (cacheRef.current !== cache) return;
          cache.error = messageOf(error);
          setDisplay(cache);
          bump();
        });
    },
    [bump],
  );

  // A new answer to ask for (more results, other filters, a folder opened): a new cache; the old
  // rows stay on screen until the new one has its first page.
  const total = display.total ?? 0;
  const { virtualizer, firstRow, lastRow, firstPage } = useTreeRows(scrollRef, total);
  useEffect(() => {
    if (cacheRef.current.key === key) return;
    cacheRef.current = emptyCache(key, filter);
    const first = firstPage();
    fetchPage(first);
    fetchPage(first + 1);
  }, [key, filter, fetchPage, firstPage]);
  useEffect(() => {
    if (cacheRef.current.total === null) return;
    for (const p of pagesBetween(firstRow, lastRow)) fetchPage(p);
  }, [firstRow, lastRow, fetchPage]);

  const scrollToIndex = useCallback((index: number, center = false) => {
    const el = scrollRef.current;
    if (!el || index < 0) return;
    const top = index * ROW_H;
    if (center) el.scrollTop = Math.max(0, top - el.clientHeight / 2 + ROW_H / 2);
    else if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_H - el.clientHeight;
  }, []);

  // The active row follows the selected path in every new answer; a path selected from outside
  // (a deep link) is scrolled to once its row exists.
  const revealed = useRef<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version and phase: the path's row may have arrived since
  useEffect(() => {
    const path = s.selected;
    if (path === null) {
      activeRef.current = -1;
      setActive(-1);
      return;
    }
    let live = true;
    compareQuery('locate', { ...filter, path })
      .then(({ index }) => {
        if (!live) return;
        activeRef.current = index;
        setActive(index);
        if (index >= 0 && revealed.current !== path) {
          revealed.current = path;
          scrollToIndex(index, true);
        }
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [s.selected, filter, scrollToIndex, s.version, s.phase]);

  /** Makes row `index` the active one and selects its path. */
  const activate = (index: number) => {
    const t = cacheRef.current.total ?? 0;
    if (t === 0) return;
    const i = Math.max(0, Math.min(t - 1, index));
    activeRef.current = i;
    setActive(i);
    scrollToIndex(i);
    fetchPage(Math.floor(i / PAGE), (rows) => {
      const row = rows[i % PAGE];
      if (row && activeRef.current === i) {
        revealed.current = row.path;
        selectComparePath(row.path);
      }
    });
  };

  const rowAt = (i: number): CompareRow | undefined => display.pages.get(Math.floor(i / PAGE))?.[i % PAGE];

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!TREE_KEYS.has(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const at = activeRef.current;
    const row = at >= 0 ? cacheRef.current.pages.get(Math.floor(at / PAGE))?.[at % PAGE] : undefined;
    const moved = movedRow(e.key, at, cacheRef.current.total ?? 0, rowsPerPage(scrollRef.current, ROW_H));
    if (moved !== null) return activate(moved);
    switch (e.key) {
      case 'ArrowRight':
        if (row && row.children > 0 && !row.expanded) setCompareFolder(row.path, true);
        else if (row && row.children > 0) activate(at + 1);
        return;
      case 'ArrowLeft': {
        if (!row) return;
        if (row.children > 0 && row.expanded) return setCompareFolder(row.path, false);
        const parent = parentOf(row.path);
        if (parent === '/') return;
        for (let i = at - 1; i >= 0 && i >= at - 5000; i--) {
          const r = rowAt(i);
          if (!r) break;
          if (r.path === parent) return activate(i);
        }
        revealed.current = null;
        selectComparePath(parent);
        return;
      }
      default:
        if (!row) return activate(Math.max(0, at));
        if (row.children > 0) setCompareFolder(row.path, !row.expanded);
        else selectComparePath(row.path);
    }
  };

  const rows: { i: number; row: CompareRow | undefined }[] = [];
  for (let i = firstRow; i < lastRow; i++) rows.push({ i, row: rowAt(i) });
  const activeId = active >= firstRow && active < lastRow ? `cmp-row-${active}` : undefined;
  const filtered = s.filter !== '' || !s.kinds.added || !s.kinds.removed || !s.kinds.changed;

  return (
    <section className="cmp-block cmp-tree-block" aria-labelledby="cmp-tree-title">
      <div className="cmp-tree-head">
        <h3 id="cmp-tree-title">Differences</h3>
        <span className="muted small">{display.total !== null ? plural(total, 'row', 'rows') : ''}</span>
      </div>
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
            <label key={k.key} className={`chip chip-${k.chip}${s.kinds[k.key] ? ' on' : ''}`}>
              <input type="checkbox" checked={s.kinds[k.key]} onChange={() => toggleCompareKind(k.key)} />
              <span className="chip-dot" aria-hidden="true" />
              {k.label}
            </label>
          ))}
        </div>
        <label
          className="cmp-check"
          title={s.unchanged !== null ? plural(s.unchanged, 'unchanged path', 'unchanged paths') : undefined}
        >
          <input
            type="checkbox"
            checked={s.kinds.unchanged}
            onChange={() => toggleCompareKind('unchanged')}
          />
          Show unchanged
        </label>
        <span className="cmp-fold-btns">
          <button
            type="button"
            className="icon-btn"
            aria-label="Expand all"
            title="Expand all"
            onClick={() => setCompareFoldAll(true)}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M4 6l4 4 4-4" fill="none" />
              <path d="M2 2.5h12M2 13.5h12" />
            </svg>
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Collapse all"
            title="Collapse all"
            onClick={() => setCompareFoldAll(false)}
          >
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <path d="M4 10l4-4 4 4" fill="none" />
              <path d="M2 2.5h12M2 13.5h12" />
            </svg>
          </button>
        </span>
      </div>
      {display.error && (
        <p className="cmp-error" role="alert">
          Could not read the differences: {visible(display.error)}
        </p>
      )}
      {display.total === 0 && (
        <p className="muted">
          {!display.complete
            ? 'Nothing found yet…'
            : filtered
              ? 'No path differs with these filters.'
              : 'No path differs.'}
        </p>
      )}
      <div
        ref={scrollRef}
        className="cmp-tree"
        role="tree"
        aria-label="Differences"
        tabIndex={0}
        aria-activedescendant={activeId}
        style={{ height: Math.min(TREE_MAX_H, Math.max(2, total) * ROW_H + 2) }}
        onKeyDown={onKey}
        onFocus={() => {
          if (activeRef.current < 0 && total > 0 && getCompare().selected === null) {
            activeRef.current = 0;
            setActive(0);
          }
        }}
      >
        <div className="cmp-sizer" role="none" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map(({ i, row }) =>
            row ? (
              // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the tree (aria-activedescendant)
              // biome-ignore lint/a11y/useKeyWithClickEvents: the tree handles the keyboard for all rows
              <div
                key={`${i}:${row.path}`}
                id={`cmp-row-${i}`}
                role="treeitem"
                aria-level={row.depth + 1}
                aria-expanded={row.children > 0 ? row.expanded : undefined}
                aria-selected={row.path === s.selected}
                aria-label={rowLabel(row)}
                title={visible(row.path)}
                className={`cmp-row ${row.context ? 'context' : row.change}${row.path === s.selected ? ' selected' : ''}${i === active ? ' active' : ''}`}
                style={{ top: i * ROW_H, paddingLeft: 6 + row.depth * 14 }}
                onClick={() => {
                  activeRef.current = i;
                  setActive(i);
                  revealed.current = row.path;
                  selectComparePath(row.path);
                  // As in Files: a tap on a closed folder opens it (closing: the chevron, ← or Space).
                  if (row.children > 0 && !row.expanded) setCompareFolder(row.path, true);
                }}
              >
                {row.children > 0 ? (
                  <span
                    className={`chevron${row.expanded ? ' open' : ''}`}
                    aria-hidden="true"
                    onClick={(e) => {
                      e.stopPropagation();
                      setCompareFolder(row.path, !row.expanded);
                    }}
                  />
                ) : (
                  <span className="chevron-space" aria-hidden="true" />
                )}
                {/* The spaces between the words are for axe's reading of the row's text, which joins spans as they are. */}
                <span className="cmp-name">{visible(nameOf(row.path))}</span>{' '}
                {!row.context && <span className={`cmp-badge ${row.change}`}>{row.change}</span>}{' '}
                {row.change === 'changed' && <span className="cmp-what muted">{whatText(row)}</span>}
              </div>
            ) : (
              <div key={i} className="cmp-row placeholder" style={{ top: i * ROW_H }} aria-hidden="true">
                <span className="skeleton" />
              </div>
            ),
          )}
        </div>
      </div>
    </section>
  );
}
