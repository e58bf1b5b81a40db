import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rebaseChange, resolveApproval } from '../../../src/loop/review';
import { exportReport } from '../../../src/loop/report';
import type { FileChange, FileDiff } from '../../../src/domain/model';
import type { SessionRecord } from '../../../src/domain/record';
import { bytes, text } from './fakes';

const change = (path: string, before: string, after: string): FileChange => ({ path, kind: 'modify', before: bytes(before), after: bytes(after) });
const diff = (path: string, hunkIds: string[]): FileDiff => ({
  path,
  status: 'modified',
  additions: 1,
  deletions: 1,
  patch: '',
  hunks: hunkIds.map((id, i) => ({ id, oldStart: i * 10 + 1, oldLines: 1, newStart: i * 10 + 1, newLines: 1, lines: [`-old ${id}`, `+new ${id}`] })),
});
// A stand-in for the edit engine's keepHunks: keeps the change when any hunk is kept.
const keepAnyHunk = (c: FileChange, ids: readonly string[]) => (ids.length > 0 ? { ...c, after: bytes(`${text(c.after)} [kept ${ids.join(',')}]`) } : undefined);

test('approving all applies every change; protected paths without an explicit yes are left out and told to the agent', () => {
  const proposal = { changes: [change('src/cart.js', 'a', 'b'), change('test/cart.test.js', 't', 'weakened')], diffs: [], protectedPaths: ['test/cart.test.js'] };
  const plain = resolveApproval(proposal, { kind: 'approve' }, keepAnyHunk);
  assert.deepEqual(plain.changes.map((c) => c.path), ['src/cart.js']);
  assert.deepEqual(plain.droppedProtected, ['test/cart.test.js']);
  assert.match(plain.rejections[0]!.reason, /protected file test\/cart.test.js was not approved/);
  const yes = resolveApproval(proposal, { kind: 'approve', approveProtected: true }, keepAnyHunk);
  assert.deepEqual(yes.changes.map((c) => c.path), ['src/cart.js', 'test/cart.test.js']);
  assert.deepEqual(yes.rejections, []);
});

test('kept hunks, rejected hunks with reasons, and the person’s own edits', () => {
  const proposal = {
    changes: [change('a.js', 'a', 'A'), change('b.js', 'b', 'B'), change('c.js', 'c', 'agent c\n')],
    diffs: [diff('a.js', ['h1', 'h2']), diff('b.js', ['h3'])],
    protectedPaths: [],
  };
  const resolved = resolveApproval(
    proposal,
    {
      kind: 'approve',
      keptHunks: { 'a.js': ['h1'], 'b.js': [] },
      hunkRejections: [
        { path: 'a.js', hunkId: 'h2', reason: 'keep the old rounding' },
        { path: 'b.js', hunkId: 'h3', reason: 'not this file' },
      ],
      editedFiles: { 'c.js': bytes('person c\n') },
    },
    keepAnyHunk,
  );
  assert.deepEqual(resolved.changes.map((c) => [c.path, text(c.after)]), [
    ['a.js', 'A [kept h1]'],
    ['c.js', 'person c\n'],
  ]);
  assert.deepEqual(resolved.rejections, [
    { path: 'a.js', reason: 'keep the old rounding', hunk: '-old h2\n+new h2' },
    { path: 'b.js', reason: 'not this file', hunk: '-old h3\n+new h3' },
  ]);
  assert.match(resolved.userEdits!, /-agent c\n\+person c/);
});

test('a reviewed change is re-matched onto a file the person changed elsewhere, and refused when they overlap', () => {
  const before = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n';
  const agent = change('f.txt', before, before.replace('two', 'TWO'));
  const rebased = rebaseChange(agent, bytes(before.replace('nine', 'nine (person)')));
  assert.equal(text(rebased?.after), before.replace('two', 'TWO').replace('nine', 'nine (person)'));
  assert.equal(text(rebased?.before), before.replace('nine', 'nine (person)'));
  assert.equal(rebaseChange(agent, bytes(before.replace('two', 'two (person)'))), undefined);
  assert.equal(rebaseChange({ path: 'n.txt', kind: 'create', after: bytes('x') }, bytes('y')), undefined);
});

test('the Markdown report has the task, each round with its diff, tests and decisions, and the outcome', () => {
  const session: SessionRecord = {
    version: 1,
    sessionId: 's-1',
    task: 'Fix the discount',
    startedAt: 0,
    endedAt: 60_000,
    approvalMode: 'reviewEachRound',
    maxRounds: 5,
    baseline: { summary: { passed: 1, failed: 2, skipped: 0, problems: 0 }, scope: 'full', green: false, failing: ['cart > discount', 'cart > total'], problems: [], exitCode: 1, durationMs: 5, newlyFailing: 0, fixed: 0, summaryLine: '' },
    rounds: [
      {
        round: 1,
        startedAt: 1,
        tokens: {},
        proposal: { summary: 'Use percent', patch: '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n', files: [{ path: 'x', status: 'modified', additions: 1, deletions: 1 }], protectedPaths: [], editProblems: [] },
        review: { decision: 'approve', by: 'person', hunkRejections: [], droppedProtected: [] },
        appliedPatch: '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b ```\n',
        tests: { summary: { passed: 3, failed: 0, skipped: 0, problems: 0 }, scope: 'full', green: true, failing: [], problems: [], exitCode: 0, durationMs: 5, newlyFailing: 0, fixed: 2, summaryLine: '' },
        afterTests: { decision: 'stopKeep', by: 'person' },
        reverted: false,
      },
    ],
    outcome: 'passed',
    reason: 'the tests pass',
  };
  const markdown = exportReport(session);
  assert.match(markdown, /## Task\n\nFix the discount/);
  assert.match(markdown, /Baseline tests: not green: 1 passed, 2 failed/);
  assert.match(markdown, /failing: `cart > discount`/);
  assert.match(markdown, /## Round 1\n\nUse percent/);
  assert.match(markdown, /````diff\n--- a\/x/, 'the fence is longer than the backticks inside');
  assert.match(markdown, /Tests: green: 3 passed, 0 failed; 2 fixed, 0 newly failing/);
  assert.match(markdown, /After tests: stopKeep/);
  assert.match(markdown, /\*\*passed\*\* after 1 round: the tests pass/);
});
