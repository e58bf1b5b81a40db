import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AgentProgress } from '../../../src/domain/ports';
import { PROGRESS_INTERVAL_MS, throttleProgress } from '../../../src/agents/progress';

describe('throttleProgress', () => {
  it('passes statuses, at most one count per interval, and the last count on flush', () => {
    let clock = 0;
    const seen: AgentProgress[] = [];
    const progress = throttleProgress((event) => seen.push(event), 100, () => clock);
    progress.report({ kind: 'status', message: 'Asking' });
    progress.report({ kind: 'text', characters: 10 });
    clock = 50;
    progress.report({ kind: 'text', characters: 20 });
    progress.report({ kind: 'status', message: 'still there' });
    clock = 120;
    progress.report({ kind: 'text', characters: 30 });
    clock = 130;
    progress.report({ kind: 'text', characters: 40 });
    progress.flush();
    progress.flush();
    assert.deepEqual(seen, [
      { kind: 'status', message: 'Asking' },
      { kind: 'text', characters: 10 },
      { kind: 'status', message: 'still there' },
      { kind: 'text', characters: 30 },
      { kind: 'text', characters: 40 },
    ]);
  });

  it('holds counts for the default interval; flush sends only what was held, once', () => {
    let clock = 1000;
    const seen: AgentProgress[] = [];
    const progress = throttleProgress((event) => seen.push(event), undefined, () => clock);
    progress.report({ kind: 'text', characters: 1 });
    clock += PROGRESS_INTERVAL_MS - 1;
    progress.report({ kind: 'text', characters: 2 });
    assert.deepEqual(seen, [{ kind: 'text', characters: 1 }], 'a count within the default interval is held');
    progress.flush();
    progress.flush();
    assert.deepEqual(seen, [{ kind: 'text', characters: 1 }, { kind: 'text', characters: 2 }]);
    clock += 1;
    progress.report({ kind: 'text', characters: 3 });
    assert.equal(seen.length, 3, 'a count after the interval passes at once');
    progress.flush();
    assert.equal(seen.length, 3, 'nothing held, nothing sent');
  });
});
