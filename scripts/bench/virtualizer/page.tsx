/**
 * The Files tree's rows, 100k of them, virtualised two ways for `scripts/bench/virtualizer.ts`:
 * `?impl=ours` is FileTree's own windowing (fixed 24 px rows, the scroll position in React state,
 * rows from the first to the last in view plus 16 either side); `?impl=tanstack` is
 * @tanstack/react-virtual's `useVirtualizer` with the same row height and overscan. Both render
 * the app's own FileRowView with the app's CSS, so only the virtualiser differs.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { FileRowView, ROW_H } from '../../../src/ui/FileRowView';
import type { FileRow } from '../../../src/worker/protocol';
import '../../../src/ui/styles.css';

const params = new URLSearchParams(location.search);
const impl = params.get('impl') === 'tanstack' ? 'tanstack' : 'ours';
const COUNT = Number(params.get('rows') ?? 100_000);
const OVERSCAN = 16;
const CHANGES = ['added', 'modified', 'removed', 'unmodified'] as const;

function rowAt(i: number): FileRow {
  const dir = i % 50 === 0;
  return {
    path: `/usr/share/dir-${Math.floor(i / 50)}/file-${i}.txt`,
    name: dir ? `dir-${Math.floor(i / 50)}` : `file-${i}-with-a-longer-name.txt`,
    type: dir ? 'dir' : 'file',
    size: (i * 7919) % 100_000,
    subtreeSize: (i * 7919) % 100_000,
    mode: dir ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    linkTarget: '',
    change: CHANGES[i % 4],
    childCount: dir ? 49 : 0,
    layer: i % 7,
    depth: dir ? 0 : 1,
    expanded: dir,
  };
}
const rows = Array.from({ length: COUNT }, (_, i) => rowAt(i));

function Ours() {
  const [scrollTop, setScrollTop] = useState(0);
  const viewportH = 600;
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(COUNT, Math.ceil((scrollTop + viewportH) / ROW_H) + OVERSCAN);
  const shown = [];
  for (let i = first; i < last; i++)
    shown.push(
      <FileRowView
        key={i}
        index={i}
        row={rows[i]}
        active={false}
        selected={false}
        onSelect={noop}
        onToggle={noop}
      />,
    );
  return (
    <div
      id="scroller"
      className="file-scroll file-tree"
      role="tree"
      aria-label="Files"
      style={{ flex: `0 0 ${viewportH}px` }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="file-sizer" style={{ height: COUNT * ROW_H }}>
        {shown}
      </div>
    </div>
  );
}

function Tanstack() {
  const ref = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: COUNT,
    getScrollElement: () => ref.current,
    estimateSize: () => ROW_H,
    overscan: OVERSCAN,
  });
  return (
    <div
      id="scroller"
      ref={ref}
      className="file-scroll file-tree"
      role="tree"
      aria-label="Files"
      style={{ flex: '0 0 600px' }}
    >
      <div className="file-sizer" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => (
          <FileRowView
            key={item.key}
            index={item.index}
            row={rows[item.index]}
            active={false}
            selected={false}
            onSelect={noop}
            onToggle={noop}
          />
        ))}
      </div>
    </div>
  );
}

function noop(): void {}

function App() {
  return (
    <section className="panel files-panel" style={{ width: 900, height: 640, margin: 20 }}>
      {impl === 'tanstack' ? <Tanstack /> : <Ours />}
    </section>
  );
}

interface FrameResult {
  frames: number[];
  /** Frames after which rows did not cover the viewport (blank space showed). */
  blank: number;
  maxDomRows: number;
  loafs: number[];
}

/** Scrolls `step` px per animation frame for `count` frames, timing each frame. */
async function run(count: number, step: number): Promise<FrameResult> {
  const el = document.getElementById('scroller') as HTMLDivElement;
  const loafs: number[] = [];
  const observer =
    'PerformanceObserver' in window &&
    PerformanceObserver.supportedEntryTypes?.includes('long-animation-frame')
      ? new PerformanceObserver((list) => {
          for (const e of list.getEntries()) loafs.push(e.duration);
        })
      : null;
  observer?.observe({ type: 'long-animation-frame', buffered: false });
  const frames: number[] = [];
  let blank = 0;
  let maxDomRows = 0;
  await new Promise<void>((done) => {
    let last = performance.now();
    let n = 0;
    const tick = (now: number) => {
      if (n > 0) frames.push(now - last);
      last = now;
      // what the previous frame painted: rows covering the viewport?
      const top = el.scrollTop;
      const rowsInDom = el.querySelectorAll('[role="treeitem"]');
      maxDomRows = Math.max(maxDomRows, rowsInDom.length);
      let minTop = Number.POSITIVE_INFINITY;
      let maxBottom = 0;
      for (const r of rowsInDom) {
        const t = (r as HTMLElement).offsetTop;
        minTop = Math.min(minTop, t);
        maxBottom = Math.max(maxBottom, t + ROW_H);
      }
      if (n > 0 && (minTop > top || maxBottom < Math.min(COUNT * ROW_H, top + el.clientHeight))) blank++;
      if (n++ >= count) {
        done();
        return;
      }
      el.scrollTop = (el.scrollTop + step) % (COUNT * ROW_H - el.clientHeight);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  observer?.disconnect();
  return { frames, blank, maxDomRows, loafs };
}

declare global {
  interface Window {
    benchRun: typeof run;
  }
}
window.benchRun = run;
createRoot(document.getElementById('root') as HTMLElement).render(<App />);
