import { describe, expect, it } from 'vitest';
import { BackgroundHold, type HoldTimers } from './backgroundHold';

/** Timers run by hand: `advance` fires whatever is due. */
function manualTimers(): HoldTimers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; run: () => void }>();
  return {
    setTimeout(run, ms) {
      const id = next++;
      due.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout(timer) {
      due.delete(timer as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due]) {
        if (t.at > now) continue;
        due.delete(id);
        t.run();
      }
    },
    pending: () => due.size,
  };
}

/** Whether `p` settles once the tasks due now have run (a wait's own task hop among them). */
async function settledWithin(p: Promise<void>, timers: ReturnType<typeof manualTimers>): Promise<boolean> {
  let settled = false;
  void p.then(() => {
    settled = true;
  });
  for (let i = 0; i < 5; i++) {
    timers.advance(0);
    await Promise.resolve();
  }
  return settled;
}

describe('BackgroundHold', () => {
  it('lets work through at once when nothing is held', async () => {
    const timers = manualTimers();
    const hold = new BackgroundHold(1000, timers);
    expect(hold.held).toBe(false);
    expect(await settledWithin(hold.wait(), timers)).toBe(true);
  });

  it('keeps work waiting until the page lets go, then lets every waiter through', async () => {
    const timers = manualTimers();
    const hold = new BackgroundHold(1000, timers);
    hold.set(true);
    const first = hold.wait();
    const second = hold.wait();
    expect(await settledWithin(first, timers)).toBe(false);
    timers.advance(999);
    expect(await settledWithin(second, timers)).toBe(false);
    hold.set(false);
    expect(hold.held).toBe(false);
    expect(await settledWithin(first, timers)).toBe(true);
    expect(await settledWithin(second, timers)).toBe(true);
    expect(timers.pending()).toBe(0);
  });

  it('reads an ask queued before the wait: a hold set in the task after it still holds', async () => {
    const timers = manualTimers();
    const hold = new BackgroundHold(1000, timers);
    const waiting = hold.wait();
    hold.set(true); // the page's message, handled before the wait's own task hop
    expect(await settledWithin(waiting, timers)).toBe(false);
    hold.set(false);
    expect(await settledWithin(waiting, timers)).toBe(true);
  });

  it('lapses by itself maxMs after the last ask, and a new ask restarts the lapse', async () => {
    const timers = manualTimers();
    const hold = new BackgroundHold(1000, timers);
    hold.set(true);
    const waiting = hold.wait();
    timers.advance(800);
    hold.set(true); // asked again: another 1000 ms from here
    timers.advance(800);
    expect(await settledWithin(waiting, timers)).toBe(false);
    expect(timers.pending()).toBe(1);
    timers.advance(200);
    expect(hold.held).toBe(false);
    expect(await settledWithin(waiting, timers)).toBe(true);
  });

  it('holds afresh after a release: work asked later waits for the new release', async () => {
    const timers = manualTimers();
    const hold = new BackgroundHold(1000, timers);
    hold.set(true);
    hold.set(false);
    hold.set(true);
    const later = hold.wait();
    expect(await settledWithin(later, timers)).toBe(false);
    hold.set(false);
    expect(await settledWithin(later, timers)).toBe(true);
  });

  it('takes a release with nothing held as nothing', async () => {
    const timers = manualTimers();
    const hold = new BackgroundHold(1000, timers);
    hold.set(false);
    expect(hold.held).toBe(false);
    expect(timers.pending()).toBe(0);
    expect(await settledWithin(hold.wait(), timers)).toBe(true);
  });
});
