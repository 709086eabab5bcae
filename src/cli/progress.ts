/**
 * Progress on stderr while an archive is read or an image saved: bytes, layer n of m, rate and
 * time left on one line redrawn in place, at most ten times a second, and only when stderr is a
 * terminal: a pipe or a file gets nothing (CI logs stay clean, JSON on stdout is never touched).
 */

export interface ProgressState {
  bytes: number;
  /** Total bytes when known (an archive's size); an estimate is fine (an engine's image size). */
  total?: number | null;
  layer?: number;
  layers?: number;
}

export interface ProgressLine {
  update(state: ProgressState): void;
  /** Clears the line (the report that follows starts at the margin). */
  done(): void;
}

const NONE: ProgressLine = { update() {}, done() {} };

export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

/** The line for a state, `elapsed` seconds after the start. */
export function progressText(label: string, state: ProgressState, elapsed: number): string {
  const parts = [`${label} ${formatSize(state.bytes)}${state.total ? ` of ${formatSize(state.total)}` : ''}`];
  if (state.layers) parts.push(`layer ${Math.min(state.layer ?? 0, state.layers)} of ${state.layers}`);
  const rate = elapsed > 0 ? state.bytes / elapsed : 0;
  if (rate > 0) parts.push(`${formatSize(rate)}/s`);
  if (state.total && rate > 0 && state.bytes < state.total)
    parts.push(`${formatDuration((state.total - state.bytes) / rate)} left`);
  return parts.join(' · ');
}

export function terminalProgress(
  label: string,
  stream: { isTTY?: boolean; columns?: number; write(text: string): unknown } = process.stderr,
  now: () => number = () => performance.now(),
): ProgressLine {
  if (!stream.isTTY) return NONE;
  const start = now();
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    update(state) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      const line = progressText(label, state, (t - start) / 1000).slice(
        0,
        Math.max(20, (stream.columns || 80) - 1),
      );
      stream.write(`\r\x1b[2K${line}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
