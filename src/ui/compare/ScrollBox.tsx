import type { ReactNode } from 'react';

/** A box that scrolls sideways when its table is too wide; focusable, so a keyboard can scroll it. */
export function ScrollBox({ children }: { children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable)
    <div className="cmp-scroll" tabIndex={0}>
      {children}
    </div>
  );
}
