import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throttle, type Scheduler } from '../../../src/vscode/throttle';

/** A clock the test moves by hand, with the timers it holds. */
function fakeScheduler(): Scheduler & { advance(ms: number): void } {
  let now = 1000;
  let timers: { at: number; run: () => void; handle: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      const handle = next++;
      timers.push({ at: now + ms, run, handle });
      return handle;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((timer) => timer.handle !== handle);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((timer) => timer !== due);
        now = due.at;
        due.run();
      }
      now = until;
    },
  };
}

test('a burst of requests runs once at once, and a steady stream at most once per interval', () => {
  const scheduler = fakeScheduler();
  let runs = 0;
  const throttle = new Throttle(() => runs++, 250, scheduler);
  for (let i = 0; i < 10; i++) throttle.request();
  scheduler.advance(0);
  assert.equal(runs, 1, 'the first burst runs on the next tick, once');
  // A request every 10 ms for one second: a debounce would never run; this runs 4 times.
  for (let t = 0; t < 1000; t += 10) {
    throttle.request();
    scheduler.advance(10);
  }
  assert.equal(runs, 5);
  scheduler.advance(1000);
  assert.equal(runs, 5, 'nothing runs without a request');
});

test('dispose drops a pending run', () => {
  const scheduler = fakeScheduler();
  let runs = 0;
  const throttle = new Throttle(() => runs++, 250, scheduler);
  throttle.request();
  throttle.dispose();
  scheduler.advance(1000);
  assert.equal(runs, 0);
});
