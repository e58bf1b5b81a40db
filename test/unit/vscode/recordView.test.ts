import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionRecord } from '../../../src/domain/record';
import { hunksOfPatch, panelStateFromRecord } from '../../../src/vscode/recordView';

const patch = `--- a/src/a.js
+++ b/src/a.js
@@ -1,2 +1,2 @@
 keep
-old
+new
@@ -10,1 +10,1 @@ function f() {
-x
+y
--- a/src/gone.js
+++ /dev/null
@@ -1,1 +0,0 @@
-bye
`;

test('a unified patch of several files becomes their hunks', () => {
  const files = hunksOfPatch(patch);
  assert.deepEqual([...files.keys()], ['src/a.js', 'src/gone.js']);
  assert.deepEqual(files.get('src/a.js'), [
    { id: '1', header: '@@ -1,2 +1,2 @@', lines: [' keep', '-old', '+new'], location: { startLine: 2, endLine: 2, onlyDeletes: false } },
    { id: '2', header: '@@ -10,1 +10,1 @@', lines: ['-x', '+y'], location: { startLine: 10, endLine: 10, onlyDeletes: false } },
  ]);
  assert.deepEqual(files.get('src/gone.js')?.[0]?.lines, ['-bye']);
});

test('a stored session becomes an ended panel state with its last proposal, tests and chart', () => {
  const tests = (failed: number, passed: number, green: boolean) => ({
    summary: { passed, failed, skipped: 0, problems: 0 },
    scope: 'full' as const,
    green,
    failing: failed ? ['cart › subtotal'] : [],
    problems: [],
    exitCode: green ? 0 : 1,
    durationMs: 5,
    newlyFailing: 0,
    fixed: green ? 1 : 0,
    summaryLine: '',
  });
  const record: SessionRecord = {
    version: 1,
    sessionId: 's',
    task: 'fix the cart',
    startedAt: 0,
    endedAt: 120_000,
    approvalMode: 'reviewEachRound',
    maxRounds: 5,
    baseline: tests(2, 1, false),
    rounds: [
      { round: 1, startedAt: 0, tokens: { input: 10, output: 5 }, proposal: { summary: 'one', patch: '', files: [], protectedPaths: [], editProblems: [] }, tests: tests(1, 2, false), reverted: false },
      { round: 2, startedAt: 0, tokens: {}, proposal: { summary: 'two', patch, files: [{ path: 'src/a.js', status: 'modified', additions: 2, deletions: 2 }], protectedPaths: [], editProblems: [] }, tests: tests(0, 3, true), reverted: false },
    ],
    outcome: 'passed',
    reason: 'the tests pass',
  };
  const state = panelStateFromRecord(record, 999_999);
  assert.equal(state.phase, 'ended');
  assert.equal(state.round, 2);
  assert.equal(state.budget.minutesUsed, 2);
  assert.equal(state.budget.tokensUsed, 15);
  assert.equal(state.proposal?.summary, 'two');
  assert.equal(state.proposal?.files[0]?.hunks.length, 2);
  assert.equal(state.tests?.round, 2);
  assert.equal(state.tests?.passed, true);
  assert.deepEqual(state.history.map((point) => point.failed), [2, 1, 0]);
  assert.deepEqual(state.outcome, { outcome: 'passed', reason: 'the tests pass', rounds: 2 });
});

test('the restored panel marks as edited only the files the person edited, read from the patch', async () => {
  const { createTwoFilesPatch } = await import('diff');
  // The person edited src/a.jsx; src/a.js (a substring of that path) was not edited.
  const userEdits = createTwoFilesPatch('a/src/a.jsx', 'b/src/a.jsx', 'x\n', 'y\n', 'proposed', 'edited by the person');
  const proposalPatch = `${patch}--- a/src/a.jsx\n+++ b/src/a.jsx\n@@ -1,1 +1,1 @@\n-x\n+y\n`;
  const record: SessionRecord = {
    version: 1,
    sessionId: 's',
    task: 't',
    startedAt: 0,
    approvalMode: 'reviewEachRound',
    maxRounds: 5,
    rounds: [
      {
        round: 1,
        startedAt: 0,
        tokens: {},
        proposal: {
          summary: 's',
          patch: proposalPatch,
          files: [
            { path: 'src/a.js', status: 'modified', additions: 2, deletions: 2 },
            { path: 'src/a.jsx', status: 'modified', additions: 1, deletions: 1 },
          ],
          protectedPaths: [],
          editProblems: [],
        },
        review: { decision: 'approve', by: 'person', hunkRejections: [], droppedProtected: [], userEdits },
        reverted: false,
      },
    ],
    outcome: 'stopped',
    reason: 'r',
  };
  const files = panelStateFromRecord(record, 0).proposal?.files ?? [];
  assert.deepEqual(files.map((file) => [file.path, file.edited]), [['src/a.js', false], ['src/a.jsx', true]]);
  assert.deepEqual(files[1]?.hunks, [{ id: '1', header: '@@ -1,1 +1,1 @@', lines: ['-x', '+y'], location: { startLine: 1, endLine: 1, onlyDeletes: false } }]);
});
