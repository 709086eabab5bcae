/**
 * A column splitter: a `separator` that can be dragged and moved with the keyboard (arrows by
 * 16 px, with Shift by 64, Home and End to the limits). The value is the width, in CSS pixels, of
 * the column it sizes; `grows` says which way the pointer makes that column wider.
 */
import { type KeyboardEvent, type PointerEvent, useRef } from 'react';

const STEP = 16;
const BIG_STEP = 64;

export function Splitter({
  label,
  controls,
  value,
  min,
  max,
  grows,
  onChange,
}: {
  label: string;
  /** The id of the column it resizes. */
  controls: string;
  value: number;
  min: number;
  max: number;
  grows: 'right' | 'left';
  onChange: (width: number) => void;
}) {
  const drag = useRef<{ x: number; width: number } | null>(null);
  const clamp = (n: number) => Math.round(Math.max(min, Math.min(max, n)));
  const sign = grows === 'right' ? 1 : -1;

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus({ preventScroll: true });
    drag.current = { x: e.clientX, width: value };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    onChange(clamp(d.width + sign * (e.clientX - d.x)));
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? BIG_STEP : STEP;
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = value + sign * step;
    else if (e.key === 'ArrowLeft') next = value - sign * step;
    else if (e.key === 'Home') next = min;
    else if (e.key === 'End') next = max;
    if (next === null) return;
    e.preventDefault();
    onChange(clamp(next));
  };

  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-controls={controls}
      aria-valuenow={Math.round(value)}
      aria-valuemin={Math.round(min)}
      aria-valuemax={Math.round(max)}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKeyDown}
    />
  );
}
