// Runs a function at most once per interval for a stream of requests: the first request
// of a quiet spell runs at once (on the next tick), later ones are folded into one run
// when the interval is over. Unlike a debounce, a steady stream (test output arriving
// every few milliseconds) cannot postpone the run for ever.

export interface Scheduler {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private pending: unknown;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs: number,
    private readonly scheduler: Scheduler = realScheduler,
  ) {}

  request(): void {
    if (this.pending !== undefined) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.scheduler.now());
    this.pending = this.scheduler.setTimeout(() => {
      this.pending = undefined;
      this.last = this.scheduler.now();
      this.run();
    }, wait);
  }

  dispose(): void {
    if (this.pending !== undefined) this.scheduler.clearTimeout(this.pending);
    this.pending = undefined;
  }
}
