/**
 * Worker events are applied in small doses so the main thread stays free while the worker reads
 * (on two cores it competes with the worker): progress at most every PROGRESS_INTERVAL_MS (a
 * status line needs no more; at every frame, repainting it took a quarter of the main thread),
 * and at most one event that changes what is shown (images, a layer, an image ready, stats) per
 * task, since each can re-render whole panels, until the read's end is queued.
 */
import type { SessionEvent } from '../worker/protocol';

export const PROGRESS_INTERVAL_MS = 200;

export interface EventQueue {
  push(session: number, event: SessionEvent): void;
  /** A new archive: its first progress shows at once, and nothing of the last one is still due. */
  clear(): void;
}

interface Queued {
  session: number;
  event: SessionEvent;
}

function isProgress(event: SessionEvent): boolean {
  return event.type === 'progress' || event.type === 'download' || event.type === 'verifyProgress';
}

function isEnd(event: SessionEvent): boolean {
  return event.type === 'done' || event.type === 'failed' || event.type === 'cancelled';
}

export function createEventQueue(apply: (session: number, event: SessionEvent) => void): EventQueue {
  let queue: Queued[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let flushAt = Number.POSITIVE_INFINITY;
  let lastProgressAt = Number.NEGATIVE_INFINITY;

  function scheduleFlush(delay: number): void {
    const at = performance.now() + delay;
    if (flushTimer !== null && flushAt <= at) return;
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushAt = at;
    flushTimer = setTimeout(flush, delay);
  }

  /** How long the next progress must wait for its interval (0: it is due). */
  function progressDelay(): number {
    return Math.max(0, PROGRESS_INTERVAL_MS - (performance.now() - lastProgressAt));
  }

  function flush(): void {
    flushTimer = null;
    flushAt = Number.POSITIVE_INFINITY;
    const progressDue = progressDelay() === 0;
    // only the latest progress of a kind matters: where each kind last stands in the queue
    const latest = new Map<SessionEvent['type'], number>();
    queue.forEach((q, i) => {
      if (isProgress(q.event)) latest.set(q.event.type, i);
    });
    // Once the end of a read is queued, what led up to it goes in this one task: a re-open from a
    // saved index sends the archive, its images ready and the end at once, and rendering them in
    // three tasks cost more than restoring the index did.
    const endAt = queue.findIndex((q) => isEnd(q.event));
    let shown = false;
    const kept: Queued[] = [];
    queue.forEach((item, i) => {
      const e = item.event;
      if (isProgress(e)) {
        // it waits for its interval, even when something else is shown now
        if (latest.get(e.type) !== i) return;
        if (progressDue) apply(item.session, e);
        else kept.push(item);
        return;
      }
      if (shown && i > endAt) {
        kept.push(item);
        return;
      }
      if (isEnd(e)) {
        // progress held back from before the end would only make the final status stale
        for (let k = kept.length - 1; k >= 0; k--) if (isProgress(kept[k].event)) kept.splice(k, 1);
      }
      apply(item.session, e);
      shown = true;
    });
    if (progressDue && latest.size > 0) lastProgressAt = performance.now();
    queue = kept;
    if (queue.length === 0) return;
    scheduleFlush(queue.some((q) => !isProgress(q.event)) ? 0 : progressDelay());
  }

  return {
    push(session, event) {
      queue.push({ session, event });
      scheduleFlush(isProgress(event) ? progressDelay() : 0);
    },
    clear() {
      queue = [];
      if (flushTimer !== null) clearTimeout(flushTimer);
      flushTimer = null;
      flushAt = Number.POSITIVE_INFINITY;
      lastProgressAt = Number.NEGATIVE_INFINITY;
    },
  };
}
