import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProposalView } from '../../../src/domain/session';
import type { TestReport } from '../../../src/domain/testReport';
import { SessionModel, groupFailures } from '../../../src/vscode/sessionModel';

const run = { command: 'x', exitCode: 1, signal: null, durationMs: 1, timedOut: false, cancelled: false, outputHead: '', outputTail: '', droppedBytes: 0 };

test('the model follows the events of a session into the panel state: rounds, tokens, chart, outcome', () => {
  const model = new SessionModel();
  const t0 = 1_000_000;
  model.apply('s1', { type: 'sessionStarted', sessionId: 's1', task: 'fix', approvalMode: 'reviewEachRound', maxRounds: 4 }, t0);
  model.apply('s1', { type: 'testsFinished', round: 0, summary: { passed: 1, failed: 2, skipped: 0, problems: 0 }, scope: 'full', newlyFailing: 0, fixed: 0 }, t0);
  model.apply('s1', { type: 'baselineFinished', summary: { passed: 1, failed: 2, skipped: 0, problems: 0 } }, t0);
  model.apply('s1', { type: 'roundStarted', round: 1 }, t0);
  model.apply('s1', { type: 'proposalReady', round: 1, files: [{ path: 'a.js', status: 'modified', additions: 1, deletions: 1 }], editProblems: 0, protectedPaths: [], tokens: { input: 100, output: 20 } }, t0);
  const view: ProposalView = {
    sessionId: 's1',
    round: 1,
    maxRounds: 4,
    summary: 'Fixed it.',
    changes: [],
    diffs: [{ path: 'a.js', status: 'modified', additions: 1, deletions: 1, patch: '', hunks: [{ id: 'h1', oldStart: 2, oldLines: 1, newStart: 2, newLines: 1, lines: ['-a', '+b'] }] }],
    protectedPaths: ['a.js'],
    editProblems: [],
  };
  model.proposalShown(view);
  let state = model.panelState('s1', { maxMinutes: 30, maxTokens: 0 }, t0 + 120_000, new Set(['a.js']))!;
  assert.equal(state.phase, 'review');
  assert.equal(state.round, 1);
  assert.equal(state.budget.tokensUsed, 120);
  assert.equal(state.budget.minutesUsed, 2);
  assert.deepEqual(state.proposal?.files[0], { path: 'a.js', status: 'modified', additions: 1, deletions: 1, protected: true, edited: true, hunks: [{ id: 'h1', header: '@@ -2,1 +2,1 @@', lines: ['-a', '+b'], location: { startLine: 2, endLine: 2, onlyDeletes: false } }] });
  model.apply('s1', { type: 'reviewDecided', round: 1, decision: 'approve' }, t0);
  model.apply('s1', { type: 'testsFinished', round: 1, summary: { passed: 3, failed: 0, skipped: 0, problems: 0 }, scope: 'full', newlyFailing: 0, fixed: 2 }, t0);
  model.apply('s1', { type: 'sessionEnded', outcome: 'passed', rounds: 1, reason: 'green' }, t0 + 180_000);
  state = model.panelState('s1', { maxMinutes: 30, maxTokens: 0 }, t0 + 999_999)!;
  assert.equal(state.phase, 'ended');
  assert.deepEqual(state.history, [
    { round: 0, failed: 2, passed: 1 },
    { round: 1, failed: 0, passed: 3 },
  ]);
  assert.deepEqual(state.outcome, { outcome: 'passed', reason: 'green', rounds: 1 });
  assert.deepEqual(model.get('s1')!.rounds.map((round) => round.round), [1], 'the baseline run is not a round');
  assert.equal(state.budget.minutesUsed, 3, 'the clock stops at the end');
});

test('failures are grouped by error type and first message line, numbers aside', () => {
  const report: TestReport = {
    format: 'tap',
    scope: 'full',
    problems: [],
    run,
    tests: [
      { id: '1', name: 'a', suite: ['s'], status: 'failed', errorType: 'AssertionError', message: 'expected 1 to equal 2', stack: [{ file: 'src/a.js', line: 4, inWorkspace: true, raw: '' }] },
      { id: '2', name: 'b', suite: [], status: 'failed', errorType: 'AssertionError', message: 'expected 3 to equal 4\nmore', stack: [] },
      { id: '3', name: 'c', suite: [], status: 'failed', errorType: 'TypeError', message: 'x is undefined', stack: [] },
      { id: '4', name: 'd', suite: [], status: 'passed', stack: [] },
    ],
  };
  const groups = groupFailures(report);
  assert.equal(groups.length, 2);
  assert.deepEqual(groups[0]!.failures.map((failure) => failure.name), ['s › a', 'b']);
  assert.equal(groups[0]!.failures[0]!.file, 'src/a.js');
  assert.equal(groups[0]!.failures[0]!.line, 4);
  assert.equal(groups[1]!.title, 'TypeError: x is undefined');
});
