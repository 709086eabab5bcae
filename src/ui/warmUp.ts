/**
 * Work the first archive would otherwise pay for on the main thread, done while the person is
 * still choosing a file. In a fresh browser the first layout that uses a font style looks the
 * font up and shapes with it cold: the workspace's first layout took 24 ms for 113 boxes, and
 * the layer tree's first canvas measurements a tenth of its 80 ms mount (scripts/bench/
 * mainThread.ts). Laying out a hidden line in each style the workspace uses, once, in idle time,
 * is meant to move that cost out of the tasks that show the archive; in npm run bench its effect
 * could not be told apart from run-to-run noise.
 */

/** The font sizes and weights styles.css uses, with its own family variables. */
const SANS = 'var(--sans)';
const MONO = 'var(--mono)';
const STYLES = [
  `13px ${SANS}`,
  `600 13px ${SANS}`,
  `550 13px ${SANS}`,
  `12.5px ${SANS}`,
  `12px ${SANS}`,
  `600 12px ${SANS}`,
  `11px ${SANS}`,
  `600 11px ${SANS}`,
  `11px ${MONO}`,
  `12px ${MONO}`,
  `600 12px ${MONO}`,
  `13px ${MONO}`,
];
/** Letters, digits and every symbol the UI writes (a symbol missing from a font is a fallback lookup). */
const SAMPLE = 'sha256:0123456789abcdef RUN /bin/sh -c apt-get · 1.5 GB +12 ~3 −4 … – — → ⇒ × ⚠ é';

export function warmUpFonts(canvasFonts: readonly string[]): void {
  const run = (): void => {
    const box = document.createElement('div');
    box.setAttribute('aria-hidden', 'true');
    box.className = 'warm-up';
    for (const font of STYLES) {
      for (const numeric of ['normal', 'tabular-nums']) {
        const line = document.createElement('div');
        line.style.font = font;
        line.style.fontVariantNumeric = numeric;
        line.textContent = SAMPLE;
        box.append(line);
      }
    }
    document.body.append(box);
    void box.offsetHeight; // lay it out now, in idle time
    const ctx = document.createElement('canvas').getContext('2d');
    if (ctx) {
      for (const font of canvasFonts) {
        ctx.font = font;
        ctx.measureText(SAMPLE);
      }
    }
    box.remove();
  };
  const idle = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback;
  if (idle) idle(run, { timeout: 2000 });
  else setTimeout(run, 200);
}
