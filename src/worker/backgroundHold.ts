/**
 * The explorer's background work (stats, analysis, saving, seek points) and its heavy queries,
 * put off while the page says a comparison needs the machine: the comparison's worker reads and
 * builds beside the explorer's, and on a machine of two cores the two halve each other's speed
 * (measured: see README, "Compare"). The page's ask lapses by itself `maxMs` after it was last
 * made, so a page that never lets go cannot stall the explorer for good.
 */
export interface HoldTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  /**
   * Runs `run` one task later, behind the messages already queued. Without it, a zero timer: but
   * timers set from timers are clamped to 4 ms past the fifth, and a build pauses a dozen times.
   */
  nextTask?(run: () => void): void;
}

const realTimers: HoldTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  nextTask: (run) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      run();
    };
    channel.port2.postMessage(null);
  },
};

export class BackgroundHold {
  private release: (() => void) | null = null;
  private lifted: Promise<void> = Promise.resolve();
  private lapse: unknown = null;

  constructor(
    private readonly maxMs: number,
    private readonly timers: HoldTimers = realTimers,
  ) {}

  get held(): boolean {
    return this.release !== null;
  }

  /** Holds (again: the lapse restarts from now) or lets go. */
  set(held: boolean): void {
    if (this.lapse !== null) this.timers.clearTimeout(this.lapse);
    this.lapse = null;
    if (!held) {
      const release = this.release;
      this.release = null;
      release?.();
      return;
    }
    if (!this.release) {
      this.lifted = new Promise<void>((resolve) => {
        this.release = resolve;
      });
    }
    this.lapse = this.timers.setTimeout(() => this.set(false), this.maxMs);
  }

  /**
   * Resolves when nothing is held. It first lets the tasks already queued run: the page's ask may
   * be a message queued behind the work now asking (a worker busy for a second reads its
   * messages only between tasks, and an awaited chain runs before any of them).
   */
  async wait(): Promise<void> {
    await new Promise<void>((resolve) => this.timers.setTimeout(resolve, 0));
    while (this.release) await this.lifted;
  }

  /**
   * `wait` between the steps of a long build (the explorer's file system, stacking.ts BuildPause):
   * its hop is a task, not a timer, so a build that is not held loses nothing to timer clamping.
   */
  async pause(): Promise<void> {
    const { nextTask } = this.timers;
    await new Promise<void>((resolve) => (nextTask ? nextTask(resolve) : this.timers.setTimeout(resolve, 0)));
    while (this.release) await this.lifted;
  }
}
