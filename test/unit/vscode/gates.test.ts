import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, UsageError } from '../../../src/domain/errors';
import type { ProposalView, RoundView } from '../../../src/domain/session';
import { GateController } from '../../../src/vscode/gates';

const proposal = (round: number): ProposalView => ({ sessionId: 's', round, maxRounds: 3, summary: '', changes: [], diffs: [], protectedPaths: [], editProblems: [] });
const roundView = (round: number): RoundView => ({
  sessionId: 's',
  round,
  maxRounds: 3,
  feedback: '',
  passed: false,
  report: { format: 'raw', scope: 'full', tests: [], problems: [], run: { command: 'x', exitCode: 1, signal: null, durationMs: 1, timedOut: false, cancelled: false, outputHead: '', outputTail: '', droppedBytes: 0 } },
});

test('a review gate waits until a person decides, and tells its listeners', async () => {
  const gates = new GateController();
  const seen: (string | undefined)[] = [];
  gates.onDidChange((gate) => seen.push(gate?.kind));
  const decision = gates.review(proposal(1), new AbortController().signal);
  assert.equal(gates.pending?.kind, 'review');
  gates.decideReview({ kind: 'reject', reason: 'no' });
  assert.deepEqual(await decision, { kind: 'reject', reason: 'no' });
  assert.equal(gates.pending, undefined);
  assert.deepEqual(seen, ['review', undefined]);
});

test('a decision for the wrong gate or the wrong round is refused with what waits instead', async () => {
  const gates = new GateController();
  assert.throws(() => gates.decideReview({ kind: 'stop' }), (error: unknown) => error instanceof UsageError && /Nothing is waiting/.test(error.message));
  const decision = gates.afterTests(roundView(2), new AbortController().signal);
  assert.throws(() => gates.decideReview({ kind: 'stop' }), /waits for a decision after the tests, not for the review/);
  assert.throws(() => gates.decideAfterTests({ kind: 'continue' }, 1), /for round 1, but round 2 is waiting/);
  gates.decideAfterTests({ kind: 'continue' }, 2);
  assert.deepEqual(await decision, { kind: 'continue' });
});

test('aborting the session ends the waiting gate with CancelledError', async () => {
  const gates = new GateController();
  const abort = new AbortController();
  const decision = gates.review(proposal(1), abort.signal);
  abort.abort();
  await assert.rejects(decision, CancelledError);
  assert.equal(gates.pending, undefined);
  const again = gates.review(proposal(2), new AbortController().signal);
  gates.cancel();
  await assert.rejects(again, CancelledError);
});

test('only one gate waits at a time', async () => {
  const gates = new GateController();
  const first = gates.review(proposal(1), new AbortController().signal);
  assert.throws(() => gates.afterTests(roundView(1), new AbortController().signal), /already waiting/);
  gates.cancel();
  await assert.rejects(first, CancelledError);
});
