import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpenProgress, SessionEvent } from '../worker/protocol';
import { createEventQueue, PROGRESS_INTERVAL_MS } from './eventQueue';

const progress = (entries: number): SessionEvent => {
  const p: OpenProgress = {
    phase: 'indexing',
    bytesRead: entries,
    totalBytes: 1000,
    layersDone: 0,
    layersTotal: 2,
    entries,
  };
  return { type: 'progress', progress: p };
};

const entriesOf = (event: SessionEvent): number | string =>
  event.type === 'progress' ? event.progress.entries : event.type;

describe('createEventQueue', () => {
  let applied: (number | string)[];
  const apply = (_session: number, event: SessionEvent) => {
    applied.push(entriesOf(event));
  };
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    applied = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps its state to itself: two queues do not delay each other', async () => {
    const other: (number | string)[] = [];
    const a = createEventQueue(apply);
    const b = createEventQueue((_s, e) => other.push(entriesOf(e)));
    a.push(1, progress(1));
    await vi.advanceTimersByTimeAsync(0);
    b.push(1, progress(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([1]);
    expect(other).toEqual([2]);
  });

  it('clear drops what is still due and lets the next progress show at once', async () => {
    const queue = createEventQueue(apply);
    queue.push(1, progress(1));
    await vi.advanceTimersByTimeAsync(0);
    queue.push(1, progress(2));
    queue.clear();
    await vi.advanceTimersByTimeAsync(PROGRESS_INTERVAL_MS * 2);
    expect(applied).toEqual([1]);
    queue.push(2, progress(3));
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([1, 3]);
  });

  it('shows the latest progress of a kind alongside one event that changes what is shown', async () => {
    const queue = createEventQueue(apply);
    queue.push(1, progress(1));
    queue.push(1, { type: 'imageReady', image: 0 });
    queue.push(1, progress(2));
    queue.push(1, { type: 'imageReady', image: 1 });
    await vi.advanceTimersToNextTimerAsync();
    expect(applied).toEqual(['imageReady', 2]);
    await vi.advanceTimersToNextTimerAsync();
    expect(applied).toEqual(['imageReady', 2, 'imageReady']);
  });

  it('applies everything up to a queued end in one task, and what follows the end in the next', async () => {
    const queue = createEventQueue(apply);
    const archive = { type: 'archive' } as SessionEvent;
    const done = { type: 'done' } as SessionEvent;
    const stats = { type: 'imageStats' } as SessionEvent;
    queue.push(1, progress(1));
    queue.push(1, archive);
    queue.push(1, { type: 'imageReady', image: 0 });
    queue.push(1, done);
    queue.push(1, stats);
    queue.push(1, { type: 'imageReady', image: 1 });
    await vi.advanceTimersToNextTimerAsync();
    // the first progress is due at once; the three events up to the end share its task
    expect(applied).toEqual([1, 'archive', 'imageReady', 'done']);
    await vi.advanceTimersToNextTimerAsync();
    expect(applied).toEqual([1, 'archive', 'imageReady', 'done', 'imageStats']);
    await vi.advanceTimersToNextTimerAsync();
    expect(applied).toEqual([1, 'archive', 'imageReady', 'done', 'imageStats', 'imageReady']);
  });
});
