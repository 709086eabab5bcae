/**
 * The rows of a paged, virtualised tree, shared by Files and Compare's result tree: both ask their
 * worker for pages of PAGE rows, draw ROW_H-pixel rows through TanStack's virtualiser, and fetch
 * the pages around what is in view.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { type RefObject, useCallback, useRef } from 'react';
import { ROW_H } from './FileRowView';

export { ROW_H };

/** Rows a request for a page asks the worker for. */
export const PAGE = 128;
/** Rows drawn above and below the viewport, so a scroll shows rows, not blank space. */
export const OVERSCAN = 16;

/** The page holding row `i`. */
export const pageOf = (i: number): number => Math.floor(i / PAGE);

/**
 * The virtualiser over `total` rows of the scroller and the range of rows in view. `firstPage` is where a new view starts fetching: the page at the scroll
 * offset as the virtualiser last saw it (from scroll events), because reading the element's
 * scrollTop in an effect would force a layout of everything that commit changed, inside React's
 * task (a 50 ms task when the first image's tree mounted beside the rest of the workspace).
 */
export function useTreeRows(scrollRef: RefObject<HTMLDivElement | null>, total: number) {
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: OVERSCAN,
  });
  const scrolledTo = useRef(0);
  scrolledTo.current = virtualizer.scrollOffset ?? 0;
  const virtualRows = virtualizer.getVirtualItems();
  const firstRow = virtualRows.length ? virtualRows[0].index : 0;
  const lastRow = virtualRows.length ? virtualRows[virtualRows.length - 1].index + 1 : 0;
  // reads a ref only, so effects can call it without running again on every render
  const firstPage = useCallback((): number => pageOf(Math.max(0, scrolledTo.current / ROW_H - OVERSCAN)), []);
  return { virtualizer, firstRow, lastRow, firstPage };
}

/** The pages rows `firstRow` (inclusive) to `lastRow` (exclusive) are on, first to last. */
export function pagesBetween(firstRow: number, lastRow: number): number[] {
  const pages: number[] = [];
  for (let p = pageOf(firstRow); p <= pageOf(Math.max(firstRow, lastRow - 1)); p++) pages.push(p);
  return pages;
}
