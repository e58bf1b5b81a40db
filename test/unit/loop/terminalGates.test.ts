import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalReviewer } from '../../../src/cli/run';
import { diffChanges } from '../../../src/edits';
import type { FileChange } from '../../../src/domain/model';
import type { ProposalView, RoundView } from '../../../src/domain/session';
import { bytes, report } from './fakes';

// The terminal gates of `refine-loop run`, answered by a script instead of a person.

function scripted(answers: (string | undefined)[]) {
  const asked: string[] = [];
  let said = '';
  const reviewer = terminalReviewer(
    async (question) => {
      asked.push(question);
      return answers.shift();
    },
    (text) => (said += text),
  );
  return { reviewer, asked, said: () => said };
}

const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
const before = lines.join('\n') + '\n';
const after = before.replace('line 2\n', 'line two\n').replace('line 25\n', 'line twenty-five\n');
const changes: FileChange[] = [
  { path: 'src/a.txt', kind: 'modify', before: bytes(before), after: bytes(after) },
  { path: 'test/a.test.js', kind: 'create', after: bytes('test\n') },
];
const view: ProposalView = { sessionId: 's', round: 1, maxRounds: 5, summary: 'two hunks', changes, diffs: diffChanges(changes), protectedPaths: ['test/a.test.js'], editProblems: [] };
const signal = new AbortController().signal;

test('review gate: y, n with a reason, q, and end of input', async () => {
  assert.deepEqual(await scripted(['y', 'y']).reviewer.review(view, signal), { kind: 'approve', approveProtected: true });
  assert.deepEqual(await scripted(['y', 'n']).reviewer.review(view, signal), { kind: 'approve', approveProtected: false });
  assert.deepEqual(await scripted(['n round up instead']).reviewer.review(view, signal), { kind: 'reject', reason: 'round up instead' });
  assert.deepEqual(await scripted(['n', 'asked separately']).reviewer.review(view, signal), { kind: 'reject', reason: 'asked separately' });
  assert.deepEqual(await scripted(['what?', 'q']).reviewer.review(view, signal), { kind: 'stop' });
  assert.deepEqual(await scripted([undefined]).reviewer.review(view, signal), { kind: 'stop' });
  const shown = scripted(['q']);
  await shown.reviewer.review(view, signal);
  assert.match(shown.said(), /\+line two/);
  assert.match(shown.said(), /protected paths: test\/a.test.js/);
});

test('review gate, hunk by hunk: kept hunks and per-hunk reasons', async () => {
  const hunks = view.diffs[0]!.hunks;
  assert.equal(hunks.length, 2);
  const decision = await scripted(['h', 'y', 'n not this one', 'y', 'n']).reviewer.review(view, signal);
  assert.deepEqual(decision, {
    kind: 'approve',
    keptHunks: { 'src/a.txt': [hunks[0]!.id], 'test/a.test.js': [view.diffs[1]!.hunks[0]!.id] },
    hunkRejections: [{ path: 'src/a.txt', hunkId: hunks[1]!.id, reason: 'not this one' }],
    approveProtected: false,
  });
  const none = await scripted(['h', 'n no', 'n neither', 'n nor this']).reviewer.review(view, signal);
  assert.deepEqual(none, { kind: 'reject', reason: 'src/a.txt: no; src/a.txt: neither; test/a.test.js: nor this' });
});

test('after-tests gate: y, n with a reason, q, u, r N, and at green or a limit y keeps', async () => {
  const round: RoundView = { sessionId: 's', round: 3, maxRounds: 5, report: report({ a: 'failed' }), feedback: 'a failed', passed: false };
  assert.deepEqual(await scripted(['y']).reviewer.afterTests(round, signal), { kind: 'continue' });
  assert.deepEqual(await scripted(['n try smaller steps']).reviewer.afterTests(round, signal), { kind: 'revertRetry', reason: 'try smaller steps' });
  assert.deepEqual(await scripted(['q']).reviewer.afterTests(round, signal), { kind: 'stopKeep' });
  assert.deepEqual(await scripted(['u']).reviewer.afterTests(round, signal), { kind: 'stopRevert' });
  assert.deepEqual(await scripted(['r 9', 'r 2']).reviewer.afterTests(round, signal), { kind: 'restore', round: 2 });
  assert.deepEqual(await scripted([undefined]).reviewer.afterTests(round, signal), { kind: 'stopKeep' });
  assert.deepEqual(await scripted(['y']).reviewer.afterTests({ ...round, passed: true, report: report({ a: 'passed' }) }, signal), { kind: 'stopKeep' });
  assert.deepEqual(await scripted(['y']).reviewer.afterTests({ ...round, stopReason: 'reached the limit of 3 rounds' }, signal), { kind: 'stopKeep' });
});

test('restore conflict: shows the difference, keeps the person’s version unless told o', async () => {
  const conflict = { path: 'a.txt', applied: bytes('agent\n'), current: bytes('person\n'), restore: bytes('original\n') };
  const keep = scripted(['k']);
  assert.equal(await keep.reviewer.resolveConflict(conflict, signal), 'keepCurrent');
  assert.match(keep.said(), /-person\n\+original/);
  assert.equal(await scripted(['o']).reviewer.resolveConflict(conflict, signal), 'overwrite');
  assert.equal(await scripted([undefined]).reviewer.resolveConflict(conflict, signal), 'keepCurrent');
});

test('after-tests gate with a smaller suite: it is shown, a accepts it, y does not, and a means nothing otherwise', async () => {
  const suiteShrank = { missing: [{ id: 'spec/a_spec.js::a', file: 'spec/a_spec.js' }], newlySkipped: [], causes: [], summary: '1 test of the pinned suite missing (pinned at the baseline)' };
  const round: RoundView = { sessionId: 's', round: 2, maxRounds: 5, report: report({ b: 'passed' }), feedback: 'suite shrank', passed: false, suiteShrank };
  const shrunk = scripted(['a']);
  assert.deepEqual(await shrunk.reviewer.afterTests(round, signal), { kind: 'acceptSmallerSuite' });
  assert.match(shrunk.said(), /! the test suite shrank: 1 test of the pinned suite missing/);
  assert.match(shrunk.asked[0]!, / \/ a accept the smaller suite: $/);
  assert.deepEqual(await scripted(['y']).reviewer.afterTests(round, signal), { kind: 'continue' });
  const plain = scripted(['a', 'q']);
  assert.deepEqual(await plain.reviewer.afterTests({ ...round, suiteShrank: undefined } as RoundView, signal), { kind: 'stopKeep' });
  assert.doesNotMatch(plain.asked[0]!, /smaller suite/);
});

test('review gate: the reason a path is protected is shown beside it', async () => {
  const gate = scripted(['q']);
  await gate.reviewer.review({ ...view, protectedPaths: ['package.json'], protectedReasons: { 'package.json': 'it changes the script the tests run with ("test")' } }, signal);
  assert.match(gate.said(), /! protected paths: package\.json \(it changes the script the tests run with \("test"\)\)/);
});
