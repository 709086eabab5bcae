/**
 * The rows of a paged, virtualised tree, shared by Files and Compare's result tree: both ask their
 * worker for pages of PAGE rows, draw ROW_H-pixel rows through TanStack's virtualiser, and fetch
 * the pages around what is in view.
 */
import { elementScroll, type Rect, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { type RefObject, useCallback, useRef } from 'react';
import { ROW_H } from './FileRowView';

export { ROW_H };

/** Rows a request for a page asks the worker for. */
export const PAGE = 128;
/** Rows drawn above and below the viewport, so a scroll shows rows, not blank space. */
export const OVERSCAN = 16;

/**
 * The scroller's size, from a ResizeObserver alone. The virtualiser's own first measurement reads
 * clientHeight inside React's layout effect, which forces a layout of everything that commit
 * changed: the tree mounting beside the rest of the workspace at Indexed made a 60–150 ms
 * main-thread task, a third to a half of it that layout. The observer's first call comes after
 * the browser's own layout, where reading the size costs nothing; until then the rows drawn are
 * those of `initialRect` (lazyInitialRect: the window's height, so the first frame is full).
 */
export function observeRectLazily<S extends Element>(
  instance: Virtualizer<S, Element>,
  cb: (rect: Rect) => void,
): undefined | (() => void) {
  const element = instance.scrollElement;
  const Observer = instance.targetWindow?.ResizeObserver;
  if (!element) return undefined;
  if (!Observer) {
    cb({ width: element.clientWidth, height: element.clientHeight });
    return undefined;
  }
  const observer = new Observer(() => cb({ width: element.clientWidth, height: element.clientHeight }));
  observer.observe(element, { box: 'content-box' });
  return () => observer.disconnect();
}

/** Scrollers the virtualiser has written a scroll position to (see scrollLazily). */
const scrolled = new WeakSet<Element>();

/**
 * The virtualiser's scroll writes, except its first one to the top of a scroller it was just
 * given: a new scroller is already there, and `scrollTo` forces a layout of everything the commit
 * changed (37–42% of a 73–114 ms main-thread task when the tree mounted at Indexed).
 */
export function scrollLazily<S extends Element>(
  offset: number,
  options: { adjustments?: number; behavior?: ScrollBehavior },
  instance: Virtualizer<S, Element>,
): void {
  const element = instance.scrollElement;
  if (element && !scrolled.has(element)) {
    scrolled.add(element);
    if (offset + (options.adjustments ?? 0) === 0) return;
  }
  elementScroll(offset, options, instance);
}

/** What the virtualiser assumes of the scroller until its observer first reports. */
export function lazyInitialRect(): Rect {
  return { width: 0, height: typeof window === 'undefined' ? 0 : window.innerHeight };
}

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
    observeElementRect: observeRectLazily,
    initialRect: lazyInitialRect(),
    scrollToFn: scrollLazily,
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
