/**
 * The Files tree: the selected layer's own changes or the merged filesystem at that layer. The
 * worker flattens, filters and sorts; this component asks for pages of rows around the viewport
 * and renders only those (a 100k-entry directory stays at a few dozen DOM rows).
 */
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { messageOf } from '../core/errors';
import {
  collapseAll,
  expandAll,
  fileViewSpec,
  getState,
  selectPath,
  setExpanded,
  setFilter,
  setMode,
  setRegex,
  setSort,
  toggleChange,
  useExplorer,
} from '../store';
import { isStale, query } from '../store/client';
import { revealPath } from '../store/placement';
import type { DiffType, FileRow, FileViewSpec, SortKey } from '../worker/protocol';
import { parentPath, viewKey } from '../worker/protocol';
import { FileRowView, ROW_H } from './FileRowView';
import { formatCount, plural, visible } from './format';
import { movedRow, rowsPerPage, TREE_KEYS } from './treeKeys';
import { PAGE, pagesBetween, useTreeRows } from './treeRows';
import { useQuery } from './useQuery';

interface Cache {
  key: string;
  spec: FileViewSpec;
  total: number | null;
  pages: Map<number, FileRow[]>;
  inflight: Set<number>;
  matches: number | null;
  filterError: string | null;
  /** Why a page of this view's rows could not be read. */
  error: string | null;
  ready: boolean;
}

function emptyCache(key: string, spec: FileViewSpec): Cache {
  return {
    key,
    spec,
    total: null,
    pages: new Map(),
    inflight: new Set(),
    matches: null,
    filterError: null,
    error: null,
    ready: true,
  };
}

const CHANGES: { key: DiffType; label: string }[] = [
  { key: 'added', label: 'Added' },
  { key: 'modified', label: 'Modified' },
  { key: 'removed', label: 'Removed' },
  { key: 'unmodified', label: 'Unmodified' },
];

export function FileTree() {
  const spec = useExplorer(useShallow(fileViewSpec));
  const key = useMemo(() => viewKey(spec), [spec]);
  const ready = useExplorer((s) => !!s.ready[s.selection.image]);
  const sessionId = useExplorer((s) => s.session.id);
  const selectedPath = useExplorer((s) => s.selection.path);
  const revealSeq = useExplorer((s) => s.revealSeq);
  const view = useExplorer((s) => s.view);
  const layersInfo = useExplorer(
    useShallow((s) => {
      const img = s.archive?.images[s.selection.image];
      const total = img?.layers.length ?? 0;
      const done =
        img?.layers.filter((l) => s.blobs[l.blob] && s.blobs[l.blob].state !== 'pending').length ?? 0;
      return { total, done };
    }),
  );

  const scrollRef = useRef<HTMLDivElement>(null);
  const treeRef = useRef<HTMLDivElement>(null);
  const cacheRef = useRef<Cache>(emptyCache('', spec));
  const [, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const [active, setActive] = useState(-1);
  const activeRef = useRef(-1);
  const fullKey = `${sessionId}|${ready ? 1 : 0}|${key}`;

  // A new view (layer, mode, filters, expansion…): a new cache; the old rows stay on screen until
  // the new one has its total (or its error), and then it is shown.
  const [display, setDisplay] = useState<Cache>(cacheRef.current);

  /** A view's rows that could not be read: said in place of them, never dropped. */
  const failed = useCallback(
    (cache: Cache, error: unknown) => {
      if (cacheRef.current !== cache || isStale(error)) return;
      cache.error = messageOf(error);
      setDisplay(cache);
      bump();
    },
    [bump],
  );

  const fetchPage = useCallback(
    (page: number) => {
      const cache = cacheRef.current;
      if (cache.pages.has(page) || cache.inflight.has(page)) return;
      cache.inflight.add(page);
      query('rows', { view: cache.spec, offset: page * PAGE, limit: PAGE })
        .then((res) => {
          if (cacheRef.current !== cache) return;
          cache.inflight.delete(page);
          cache.pages.set(page, res.rows);
          cache.total = res.total;
          cache.matches = res.matches;
          cache.filterError = res.filterError;
          cache.ready = res.ready;
          setDisplay(cache);
          bump();
        })
        .catch((error: unknown) => {
          cache.inflight.delete(page);
          failed(cache, error);
        });
    },
    [bump, failed],
  );

  const total = display.total ?? 0;

  // The rows in view, by @tanstack/react-virtual: measured against our hand-written windowing at
  // 100k rows (scripts/bench/virtualizer.ts), it renders the rows of a scroll in the same frame
  // (ours showed blank space on fast scrolls) with fewer long frames. Rows stay 24 px.
  const { virtualizer, firstRow, lastRow, firstPage } = useTreeRows(scrollRef, total);
  useEffect(() => {
    if (cacheRef.current.key === fullKey) return;
    const next = emptyCache(fullKey, spec);
    cacheRef.current = next;
    if (!ready) {
      next.ready = false;
      next.total = 0;
      setDisplay(next);
      return;
    }
    const first = firstPage();
    fetchPage(first);
    fetchPage(first + 1);
  }, [fullKey, spec, ready, fetchPage, firstPage]);
  // Pages around the viewport.
  useEffect(() => {
    if (!ready) return;
    const c = cacheRef.current;
    if (c.total === null) return;
    for (const p of pagesBetween(firstRow, lastRow)) fetchPage(p);
  }, [firstRow, lastRow, ready, fetchPage]);

  const rowAt = (i: number): FileRow | undefined => display.pages.get(Math.floor(i / PAGE))?.[i % PAGE];

  // The observer reports the first size too, after the browser's own layout: reading clientHeight
  // here at mount would force a layout of the whole new workspace inside React's task.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (typeof ResizeObserver === 'undefined') return;
    // When the tree shrinks (the File contents panel opening below it, a narrower window), the
    // active row that was in view stays in view: a jump must not land out of sight a moment later.
    // null until the observer's first report, which is the size at mount
    let lastH: number | null = null;
    const ro = new ResizeObserver(() => {
      const h = el.clientHeight;
      if (lastH === null) {
        lastH = h;
        return;
      }
      const top = activeRef.current * ROW_H;
      const wasInView = activeRef.current >= 0 && top >= el.scrollTop && top + ROW_H <= el.scrollTop + lastH;
      lastH = h;
      if (wasInView && top + ROW_H > el.scrollTop + h) el.scrollTop = Math.max(0, top - h / 2 + ROW_H / 2);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const scrollToIndex = useCallback((index: number, center = false) => {
    const el = scrollRef.current;
    if (!el || index < 0) return;
    const top = index * ROW_H;
    if (center) {
      el.scrollTop = Math.max(0, top - el.clientHeight / 2 + ROW_H / 2);
    } else if (top < el.scrollTop) {
      el.scrollTop = top;
    } else if (top + ROW_H > el.scrollTop + el.clientHeight) {
      el.scrollTop = top + ROW_H - el.clientHeight;
    }
  }, []);

  // Keep the active row on the selected path when the view changes; scroll to it when asked to reveal.
  const located = useQuery(
    ready && selectedPath !== null ? () => query('locate', { view: spec, path: selectedPath }) : null,
    [selectedPath, revealSeq, ready, spec],
  );
  /** True while the selected path's row is being found in a new view: keys wait for it. */
  const locating = located.loading;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a view without a selection starts with no active row
  useEffect(() => {
    if (selectedPath !== null) return;
    activeRef.current = -1;
    setActive(-1);
  }, [selectedPath, revealSeq, ready, spec]);
  // A reveal (a jump from search, waste, the size map, a link, the history) scrolls only once the
  // view it asked for is the one on screen: scrolling the previous, shorter list would stop short.
  // A target this view cannot show (a collapsed folder, another view, a filter) is handed to
  // revealPath once, which changes what must change and says so.
  const lastReveal = useRef(revealSeq);
  const fallbackFor = useRef<string | null>(null);
  const [flash, setFlash] = useState<{ index: number; seq: number } | null>(null);
  const shownIsCurrent = display === cacheRef.current && display.total !== null;
  useEffect(() => {
    const index = located.data?.index;
    if (index === undefined) return;
    activeRef.current = index;
    setActive(index);
    if (lastReveal.current !== revealSeq && shownIsCurrent && selectedPath !== null) {
      if (index >= 0 && index < (display.total ?? 0)) {
        lastReveal.current = revealSeq;
        fallbackFor.current = null;
        scrollToIndex(index, true);
        setFlash({ index, seq: revealSeq });
      } else if (index < 0 && fallbackFor.current !== selectedPath) {
        lastReveal.current = revealSeq;
        fallbackFor.current = selectedPath;
        void revealPath(selectedPath);
      }
    }
    drainRef.current();
  }, [located.data, revealSeq, scrollToIndex, shownIsCurrent, display.total, selectedPath]);
  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), 1600);
    return () => clearTimeout(timer);
  }, [flash]);
  const notice = useExplorer((s) => (s.notice && s.notice.seq === s.revealSeq ? s.notice.text : null));

  const activate = useCallback(
    (index: number) => {
      const t = cacheRef.current.total ?? 0;
      if (t === 0) return;
      const i = Math.max(0, Math.min(t - 1, index));
      activeRef.current = i;
      setActive(i);
      scrollToIndex(i);
      const row = cacheRef.current.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
      if (row) {
        selectPath(row.path);
        return;
      }
      const page = Math.floor(i / PAGE);
      const c = cacheRef.current;
      query('rows', { view: c.spec, offset: page * PAGE, limit: PAGE })
        .then((res) => {
          if (cacheRef.current !== c) return;
          c.pages.set(page, res.rows);
          bump();
          const r = res.rows[i % PAGE];
          if (r) selectPath(r.path);
        })
        .catch((error: unknown) => failed(c, error));
    },
    [scrollToIndex, bump, failed],
  );

  /** One key's action on the current view; false when the key is not ours. */
  const handleKey = (key: string): boolean => {
    const c = cacheRef.current;
    const at = activeRef.current;
    const rowOf = (i: number) => c.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
    const moved = movedRow(key, at, c.total ?? 0, rowsPerPage(scrollRef.current, ROW_H));
    if (moved !== null) {
      activate(moved);
      return true;
    }
    const row = at >= 0 ? rowOf(at) : undefined;
    switch (key) {
      case 'ArrowRight':
        if (row?.type === 'dir' && row.childCount > 0 && !row.expanded) setExpanded(row.path, true);
        else if (row?.type === 'dir' && row.expanded) activate(at + 1);
        return true;
      case 'ArrowLeft': {
        if (!row) return true;
        if (row.type === 'dir' && row.expanded) {
          setExpanded(row.path, false);
          return true;
        }
        const parent = parentPath(row.path);
        if (parent === '/') return true;
        for (let i = at - 1; i >= 0 && i >= at - 5000; i--) {
          const r = rowOf(i);
          if (!r) break;
          if (r.path === parent) {
            activate(i);
            return true;
          }
        }
        selectPath(parent, true);
        return true;
      }
      case ' ':
      case 'Enter':
        if (!row) activate(Math.max(0, at));
        else if (row.type === 'dir' && row.childCount > 0) setExpanded(row.path, !row.expanded);
        else selectPath(row.path);
        return true;
      default:
        return false;
    }
  };

  /**
   * Keys wait while the view they act on is still loading (typing fast after a filter or an
   * expand), then run in order: a key always acts on what the previous one produced.
   */
  const pendingKeys = useRef<string[]>([]);
  const settled = () => {
    const c = cacheRef.current;
    if (c.total === null || locating) return false;
    const at = activeRef.current;
    return at < 0 || at >= c.total || c.pages.has(Math.floor(at / PAGE));
  };
  const drain = () => {
    while (pendingKeys.current.length && settled()) {
      const key = pendingKeys.current.shift();
      if (key !== undefined) handleKey(key);
    }
  };
  const drainRef = useRef(drain);
  drainRef.current = drain;
  useEffect(() => {
    if (pendingKeys.current.length) drainRef.current();
  });

  const runKey = (key: string): void => {
    pendingKeys.current.push(key);
    drain();
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!TREE_KEYS.has(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    runKey(e.key);
  };

  const treeError = display.error ?? located.error;
  const rows: { i: number; row: FileRow | undefined }[] = [];
  for (let i = firstRow; i < lastRow; i++) rows.push({ i, row: rowAt(i) });
  const activeRow = active >= 0 && active >= firstRow && active < lastRow ? `file-row-${active}` : undefined;

  return (
    <section className="panel files-panel" aria-labelledby="files-title">
      <header className="panel-head">
        <h2 id="files-title">Files</h2>
        <fieldset className="segmented" aria-label="View">
          <button
            type="button"
            aria-pressed={view.mode === 'changes'}
            onClick={() => setMode('changes')}
            title="Only what this layer changed"
          >
            Changes
          </button>
          <button
            type="button"
            aria-pressed={view.mode === 'merged'}
            onClick={() => setMode('merged')}
            title="The whole filesystem as it is at this layer"
          >
            Merged
          </button>
        </fieldset>
        <span className="grow" />
        <span className="muted small" aria-live="off">
          {display.ready ? plural(total, 'row', 'rows') : ''}
          {display.matches !== null ? ` · ${formatCount(display.matches)} matches` : ''}
        </span>
      </header>
      <div className="files-toolbar">
        <div className={`filter-box${display.filterError ? ' invalid' : ''}`}>
          <svg viewBox="0 0 16 16" aria-hidden="true" className="filter-icon">
            <circle cx="7" cy="7" r="4.5" fill="none" />
            <path d="M10.5 10.5l3.5 3.5" />
          </svg>
          <input
            id="file-filter"
            type="search"
            aria-label="Filter paths"
            placeholder={view.regex ? 'Regular expression on the path' : 'Filter paths'}
            value={view.filter}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setFilter(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                if (view.filter) setFilter('');
                else treeRef.current?.focus();
                e.preventDefault();
              } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
                treeRef.current?.focus();
                if (activeRef.current < 0) runKey('Home');
                e.preventDefault();
              }
            }}
            aria-invalid={display.filterError ? true : undefined}
            aria-describedby={display.filterError ? 'filter-error' : undefined}
          />
          <span className="hint" aria-hidden="true">
            /
          </span>
          <button
            type="button"
            className={`regex-toggle${view.regex ? ' on' : ''}`}
            aria-pressed={view.regex}
            aria-label="Regular expression"
            title="Regular expression"
            onClick={() => setRegex(!view.regex)}
          >
            .*
          </button>
        </div>
        <div className="chips" role="group" aria-label="Show changes">
          {CHANGES.map((c) => (
            <label key={c.key} className={`chip chip-${c.key}${view.changes[c.key] ? ' on' : ''}`}>
              <input type="checkbox" checked={view.changes[c.key]} onChange={() => toggleChange(c.key)} />
              <span className="chip-dot" aria-hidden="true" />
              {c.label}
            </label>
          ))}
        </div>
        <label className="sort">
          <span className="muted">Sort</span>
          <select aria-label="Sort by" value={view.sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            <option value="name">Name</option>
            <option value="size">Size</option>
          </select>
        </label>
        <button
          type="button"
          className="icon-btn"
          aria-label="Expand all"
          title="Expand all"
          onClick={expandAll}
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
          onClick={collapseAll}
        >
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <path d="M4 10l4-4 4 4" fill="none" />
            <path d="M2 2.5h12M2 13.5h12" />
          </svg>
        </button>
      </div>
      {notice && (
        <p className="reveal-notice" aria-live="polite">
          {visible(notice)}
        </p>
      )}
      {display.filterError && (
        <div id="filter-error" className="filter-error">
          {display.filterError}
        </div>
      )}
      {treeError && (
        <div className="tree-error" role="alert">
          Could not read this view: {visible(treeError)}
        </div>
      )}
      <div className="file-columns" aria-hidden="true">
        <span className="col-name">Name</span>
        <span className="col-change">Change</span>
        <span className="col-size">Size</span>
        <span className="col-mode">Mode</span>
        <span className="col-owner">Owner</span>
      </div>
      <div
        ref={(el) => {
          scrollRef.current = el;
          treeRef.current = el;
        }}
        className="file-scroll file-tree"
        role="tree"
        aria-label="Files"
        aria-multiselectable={false}
        tabIndex={0}
        aria-activedescendant={activeRow}
        onKeyDown={onKey}
        onFocus={() => {
          if (activeRef.current < 0 && total > 0 && getState().selection.path === null) {
            activeRef.current = 0;
            setActive(0);
          }
        }}
      >
        {!display.ready ? (
          <div className="empty-note" role="none">
            <div className="spinner" aria-hidden="true" />
            Indexing this image's layers ({layersInfo.done} of {layersInfo.total})…
          </div>
        ) : total === 0 && display.total !== null ? (
          <div className="empty-note" role="none">
            {view.filter || Object.values(view.changes).some((v) => !v)
              ? 'Nothing matches these filters at this layer.'
              : view.mode === 'changes'
                ? 'This layer changes no files.'
                : 'No files at this layer.'}
          </div>
        ) : null}
        <div className="file-sizer" role="none" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map(({ i, row }) =>
            row ? (
              <FileRowView
                key={`${i}:${row.path}`}
                index={i}
                row={row}
                active={i === active}
                selected={row.path === selectedPath}
                flash={flash?.index === i && row.path === selectedPath}
                onSelect={() => {
                  activeRef.current = i;
                  setActive(i);
                  selectPath(row.path);
                  // A tap on a closed folder opens it too: on a phone the chevron is a small
                  // target, and a folder is tapped to see inside it (closing: the chevron, ← or Space).
                  if (row.type === 'dir' && row.childCount > 0 && !row.expanded) setExpanded(row.path, true);
                }}
                onToggle={() => setExpanded(row.path, !row.expanded)}
              />
            ) : (
              <div key={i} className="file-row placeholder" style={{ top: i * ROW_H }} aria-hidden="true">
                <span className="skeleton" />
              </div>
            ),
          )}
        </div>
      </div>
    </section>
  );
}
