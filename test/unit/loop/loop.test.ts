import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreCheckpoint, runSession, type SessionPorts } from '../../../src/loop/loop';
import type { AgentRequest } from '../../../src/domain/ports';
import { parseSettings, type Settings } from '../../../src/domain/settings';
import { AgentError, TestRunError } from '../../../src/domain/errors';
import { sessionEventSchema, type AfterTestsDecision, type ReviewDecision } from '../../../src/domain/session';
import type { AfterScript, ReviewScript } from './fakes';
import { bytes, Events, MemoryHistory, MemoryJournal, MemoryWorkspace, report, ScriptedAgent, ScriptedReviewer, ScriptedTests, silentLog, TickingClock } from './fakes';

// The whole loop over fake ports (scripted agent, tests and reviewer; in-memory
// workspace, history and journal) with the real edit engine, prompt builder and feedback builder.

const CART = [
  'function total(items) {',
  '  return items.reduce((sum, item) => sum - item.price, 0);',
  '}',
  '',
  '// Prices are numbers of cents.',
  '// A discount is given in percent.',
  '// Both functions are pure.',
  '// Nothing here rounds.',
  '',
  'function discount(price, percent) {',
  '  return price * percent;',
  '}',
  '',
  'module.exports = { total, discount };',
  '',
].join('\n');
const TEST_FILE = "test('total', ...);\ntest('discount', ...);\n";

const block = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const FIX_TOTAL = `Add the prices instead of subtracting them.\n\n${block('src/cart.js', '  return items.reduce((sum, item) => sum - item.price, 0);', '  return items.reduce((sum, item) => sum + item.price, 0);')}`;
const FIX_DISCOUNT = `Percent means hundredths.\n\n${block('src/cart.js', '  return price * percent;', '  return price * (1 - percent / 100);')}`;
const BOTH = `Fix both.\n\n${block('src/cart.js', '  return items.reduce((sum, item) => sum - item.price, 0);', '  return items.reduce((sum, item) => sum + item.price, 0);')}\n${block('src/cart.js', '  return price * percent;', '  return price * (1 - percent / 100);')}`;
const WRONG_DISCOUNT = `Try this.\n\n${block('src/cart.js', '  return price * percent;', '  return price * percent / 10;')}`;
const WEAKEN_TEST = `The test is wrong.\n\n${block('test/cart.test.js', "test('discount', ...);", '')}`;

/** Judges the in-memory cart like its real tests would. */
function cartTests(workspace: MemoryWorkspace) {
  return () => {
    const cart = workspace.get('src/cart.js') ?? '';
    const tests = workspace.get('test/cart.test.js') ?? '';
    const results: Record<string, 'passed' | 'failed'> = {};
    results.total = cart.includes('sum + item.price') ? 'passed' : 'failed';
    if (tests.includes("test('discount'")) results.discount = cart.includes('price * (1 - percent / 100)') ? 'passed' : 'failed';
    return report(results);
  };
}

interface Setup {
  replies: (string | Error)[];
  reviews?: ReviewScript[];
  afters?: AfterScript[];
  settings?: Partial<Settings>;
  baseline?: boolean;
  conflictChoice?: 'keepCurrent' | 'overwrite';
  runs?: number;
}

function setUp(options: Setup) {
  const workspace = new MemoryWorkspace({ 'src/cart.js': CART, 'test/cart.test.js': TEST_FILE });
  const history = new MemoryHistory();
  const journal = new MemoryJournal();
  const agent = new ScriptedAgent(options.replies);
  const tests = new ScriptedTests(Array.from({ length: options.runs ?? 12 }, () => cartTests(workspace)));
  const reviewer = new ScriptedReviewer(options.reviews ?? [], options.afters ?? [], options.conflictChoice);
  const events = new Events();
  const ports: SessionPorts = { agent, tests, workspace, reviewer, history, journal, clock: new TickingClock(), log: silentLog, emit: events.emit };
  const settings = parseSettings({ ...options.settings } as never);
  const controller = new AbortController();
  const run = () =>
    runSession({ task: 'Make the cart tests pass', scope: [{ path: 'src/cart.js', content: CART, reason: 'explicit' }], sessionId: 'session-1', baseline: options.baseline ?? true }, ports, settings, controller.signal);
  return { workspace, history, journal, agent, tests, reviewer, events, ports, run, controller };
}

const approve: ReviewScript = () => ({ kind: 'approve' });
const decide =
  (decision: AfterTestsDecision): AfterScript =>
  () =>
    decision;
const prompt = (agent: ScriptedAgent, index: number) => agent.requests[index]!.messages.map((m) => m.content).join('\n');

test('review each round: approve, continue, approve, stop and keep at green → passed after 2 rounds', async () => {
  const s = setUp({ replies: [FIX_TOTAL, FIX_DISCOUNT], reviews: [approve, approve], afters: [decide({ kind: 'continue' }), decide({ kind: 'stopKeep' })] });
  const result = await s.run();
  assert.deepEqual(result, { sessionId: 'session-1', outcome: 'passed', rounds: 2, reason: 'the tests pass' });
  assert.match(s.workspace.get('src/cart.js')!, /sum \+ item\.price/);
  assert.match(s.workspace.get('src/cart.js')!, /price \* \(1 - percent \/ 100\)/);
  // Gate views: the proposal diff, then the test result with the feedback the agent gets next.
  assert.equal(s.reviewer.reviews[0]!.diffs[0]!.path, 'src/cart.js');
  assert.deepEqual([s.reviewer.afters[0]!.passed, s.reviewer.afters[1]!.passed], [false, true]);
  // The second prompt carries the failing test and the first round's diff.
  assert.match(prompt(s.agent, 1), /discount/);
  assert.match(prompt(s.agent, 1), /sum \+ item\.price/);
  assert.doesNotMatch(prompt(s.agent, 0), /sum \+ item\.price/);
  // The second run put the failing test first.
  assert.deepEqual(s.tests.plans[2]!.failingFirst?.map((t) => t.id), ['discount']);
  // The stored history: baseline, both rounds with their patch, test summary and decisions.
  const record = (await s.history.load('session-1'))!;
  assert.equal(record.outcome, 'passed');
  assert.equal(record.settings?.stopAfterRoundsWithoutProgress, 2, 'the settings it started with');
  assert.deepEqual(record.baseline?.failing, ['total', 'discount']);
  assert.deepEqual(record.rounds.map((r) => [r.review?.decision, r.tests?.summary.failed, r.afterTests?.decision]), [
    ['approve', 1, 'continue'],
    ['approve', 0, 'stopKeep'],
  ]);
  assert.match(record.rounds[1]!.appliedPatch!, /\+ {2}return price \* \(1 - percent \/ 100\);/);
  assert.deepEqual((await s.journal.list({ states: ['committed'] })).map((e) => e.round), [1, 2]);
  assert.deepEqual(s.events.types().filter((t) => t !== 'testOutput'), [
    'sessionStarted',
    'testsStarted',
    'testsFinished',
    'baselineFinished',
    'roundStarted',
    'proposalReady',
    'reviewDecided',
    'applied',
    'testsStarted',
    'testsFinished',
    'afterTestsDecided',
    'roundStarted',
    'proposalReady',
    'reviewDecided',
    'applied',
    'testsStarted',
    'testsFinished',
    'afterTestsDecided',
    'sessionEnded',
  ]);
  for (const event of s.events.events) assert.deepEqual(sessionEventSchema.parse(event), event, 'every event matches the shared schema');
});

test('reject with a reason: nothing is written and the reason reaches the agent', async () => {
  const s = setUp({
    replies: [WRONG_DISCOUNT, BOTH],
    reviews: [() => ({ kind: 'reject', reason: 'a percent is out of 100, not 10' }), approve],
    afters: [decide({ kind: 'stopKeep' })],
  });
  const result = await s.run();
  assert.equal(result.outcome, 'passed');
  assert.equal(s.workspace.commits, 1, 'only the approved round wrote');
  assert.match(prompt(s.agent, 1), /a percent is out of 100, not 10/);
  const record = (await s.history.load('session-1'))!;
  assert.deepEqual([record.rounds[0]!.review?.decision, record.rounds[0]!.review?.reason, record.rounds[0]!.appliedPatch], ['reject', 'a percent is out of 100, not 10', undefined]);
});

test('stop at the review gate: outcome stopped, the proposal never written', async () => {
  const s = setUp({ replies: [FIX_TOTAL], reviews: [() => ({ kind: 'stop' })] });
  const result = await s.run();
  assert.equal(result.outcome, 'stopped');
  assert.equal(s.workspace.get('src/cart.js'), CART);
  assert.equal(s.workspace.commits, 0);
});

test('keep only some hunks: the rejected hunk is not written and its reason goes to the agent', async () => {
  const s = setUp({
    replies: [BOTH, FIX_DISCOUNT],
    reviews: [
      (view) => {
        const hunks = view.diffs[0]!.hunks;
        assert.equal(hunks.length, 2);
        return {
          kind: 'approve',
          keptHunks: { 'src/cart.js': [hunks[0]!.id] },
          hunkRejections: [{ path: 'src/cart.js', hunkId: hunks[1]!.id, reason: 'explain the discount change first' }],
        } satisfies ReviewDecision;
      },
      approve,
    ],
    afters: [decide({ kind: 'continue' }), decide({ kind: 'stopKeep' })],
  });
  const result = await s.run();
  assert.equal(result.outcome, 'passed', result.reason);
  assert.match(prompt(s.agent, 1), /explain the discount change first/);
  const record = (await s.history.load('session-1'))!;
  assert.match(record.rounds[0]!.appliedPatch!, /sum \+ item\.price/);
  assert.doesNotMatch(record.rounds[0]!.appliedPatch!, /percent \/ 100/);
});

test("the person's own edit of the proposal is written and told to the agent as a diff", async () => {
  const s = setUp({
    replies: [FIX_TOTAL, FIX_DISCOUNT],
    reviews: [
      (view) => ({ kind: 'approve', editedFiles: { 'src/cart.js': bytes(new TextDecoder().decode(view.changes[0]!.after).replace('sum + item.price', 'sum + item.price /* person */')) } }),
      approve,
    ],
    afters: [decide({ kind: 'continue' }), decide({ kind: 'stopKeep' })],
  });
  await s.run();
  assert.match(s.workspace.get('src/cart.js')!, /\/\* person \*\//);
  assert.match(prompt(s.agent, 1), /\+.*sum \+ item\.price \/\* person \*\//);
  assert.match((await s.history.load('session-1'))!.rounds[0]!.review!.userEdits!, /person/);
});

test('stop and revert: every round is undone and the session is stopped', async () => {
  const s = setUp({ replies: [FIX_TOTAL, WRONG_DISCOUNT], reviews: [approve, approve], afters: [decide({ kind: 'continue' }), decide({ kind: 'stopRevert' })] });
  const result = await s.run();
  assert.equal(result.outcome, 'stopped');
  assert.match(result.reason, /every round was reverted/);
  assert.equal(s.workspace.get('src/cart.js'), CART);
  const reverted = s.events.events.find((e) => e.type === 'reverted');
  assert.deepEqual(reverted && reverted.type === 'reverted' && reverted.rounds, [2, 1]);
  assert.deepEqual((await s.history.load('session-1'))!.rounds.map((r) => r.reverted), [true, true]);
});

test('revert this round and retry: the round is undone, the reason reaches the agent, the retry passes', async () => {
  const s = setUp({
    replies: [WRONG_DISCOUNT, BOTH],
    reviews: [approve, approve],
    afters: [decide({ kind: 'revertRetry', reason: 'that broke nothing but fixed nothing' }), decide({ kind: 'stopKeep' })],
  });
  const result = await s.run();
  assert.equal(result.outcome, 'passed');
  assert.equal(result.rounds, 2);
  assert.match(prompt(s.agent, 1), /Round 1 was reverted: that broke nothing but fixed nothing/);
  assert.doesNotMatch(prompt(s.agent, 1), /percent \/ 10;/, 'the reverted diff is not offered as the previous round');
});

test('restore an earlier checkpoint: rounds 1 and 2 undone, then the loop goes on from there', async () => {
  const s = setUp({
    replies: [FIX_TOTAL, WRONG_DISCOUNT, BOTH],
    reviews: [approve, approve, approve],
    afters: [decide({ kind: 'continue' }), decide({ kind: 'restore', round: 1 }), decide({ kind: 'stopKeep' })],
  });
  const result = await s.run();
  assert.equal(result.outcome, 'passed');
  assert.equal(result.rounds, 3);
  const reverted = s.events.events.find((e) => e.type === 'reverted');
  assert.deepEqual(reverted && reverted.type === 'reverted' && reverted.rounds, [2, 1]);
  assert.match(prompt(s.agent, 2), /Rounds 1 to 2 were reverted/);
});

test('limit reached: the last round asks with the limit as the reason, and continue cannot pass it', async () => {
  const s = setUp({ replies: [WRONG_DISCOUNT, FIX_TOTAL], reviews: [approve, approve], afters: [decide({ kind: 'continue' }), decide({ kind: 'continue' })], settings: { maxRounds: 2 } });
  const result = await s.run();
  assert.equal(result.outcome, 'limitReached');
  assert.match(result.reason, /limit of 2 rounds/);
  assert.equal(s.reviewer.afters[0]!.stopReason, undefined);
  assert.match(s.reviewer.afters[1]!.stopReason!, /limit of 2 rounds/);
  assert.equal(s.agent.requests.length, 2);
});

test('token limit: a session stops once the reported tokens reach maxTokens', async () => {
  const s = setUp({ replies: [WRONG_DISCOUNT, FIX_TOTAL], reviews: [approve, approve], afters: [decide({ kind: 'stopKeep' })], settings: { maxTokens: 100 } });
  const result = await s.run();
  assert.equal(result.outcome, 'limitReached');
  assert.match(result.reason, /100 tokens \(used 120\)/);
  assert.equal(s.agent.requests.length, 1);
});

test('stuck: rounds without progress stop the loop in auto mode, which asks only then', async () => {
  const line = (n: number) => `  return price * percent;${n > 0 ? ` // attempt ${n}` : ''}`;
  const useless = (n: number) => `Try again.\n\n${block('src/cart.js', line(n - 1), line(n))}`;
  const s = setUp({
    replies: [useless(1), useless(2), useless(3)],
    afters: [decide({ kind: 'stopKeep' })],
    settings: { approvalMode: 'autoUntilGreen', stopAfterRoundsWithoutProgress: 2 },
  });
  const result = await s.run();
  assert.equal(result.outcome, 'stuck', result.reason);
  assert.match(result.reason, /no progress in 2 rounds/);
  assert.equal(s.reviewer.reviews.length, 0, 'auto mode applies without asking');
  assert.equal(s.reviewer.afters.length, 1, 'and asks once, when stuck');
  assert.match(s.reviewer.afters[0]!.stopReason!, /no progress/);
  assert.equal(s.agent.requests.length, 2);
});

test('stuck: the agent repeating an identical proposal stops the loop', async () => {
  const s = setUp({ replies: [WRONG_DISCOUNT, WRONG_DISCOUNT], reviews: [() => ({ kind: 'reject', reason: 'no' })] });
  const result = await s.run();
  assert.equal(result.outcome, 'stuck');
  assert.match(result.reason, /repeated its proposal/);
});

test('auto until green: applies and tests without asking, asks at green, outcome passed', async () => {
  const s = setUp({ replies: [FIX_TOTAL, FIX_DISCOUNT], afters: [decide({ kind: 'stopKeep' })], settings: { approvalMode: 'autoUntilGreen' } });
  const result = await s.run();
  assert.equal(result.outcome, 'passed');
  assert.equal(s.reviewer.reviews.length, 0);
  assert.equal(s.reviewer.afters.length, 1);
  assert.equal(s.reviewer.afters[0]!.passed, true);
  const record = (await s.history.load('session-1'))!;
  assert.deepEqual(record.rounds.map((r) => [r.review?.by, r.afterTests?.by]), [
    ['rule', 'rule'],
    ['rule', 'person'],
  ]);
});

test('protected paths need an explicit yes even in auto mode; without it the test file is untouched', async () => {
  const s = setUp({
    replies: [`${WEAKEN_TEST}\n${block('src/cart.js', '  return items.reduce((sum, item) => sum - item.price, 0);', '  return items.reduce((sum, item) => sum + item.price, 0);')}`, FIX_DISCOUNT],
    reviews: [(view) => (assert.deepEqual(view.protectedPaths, ['test/cart.test.js']), { kind: 'approve' })],
    afters: [decide({ kind: 'stopKeep' })],
    settings: { approvalMode: 'autoUntilGreen' },
  });
  const result = await s.run();
  assert.equal(result.outcome, 'passed');
  assert.equal(s.workspace.get('test/cart.test.js'), TEST_FILE, 'the agent did not get to delete the test');
  assert.equal(s.reviewer.reviews.length, 1, 'round 2 touched no protected path and was not asked');
  assert.match(prompt(s.agent, 1), /protected file test\/cart.test.js was not approved/);

  const yes = setUp({
    replies: [WEAKEN_TEST],
    reviews: [() => ({ kind: 'approve', approveProtected: true })],
    afters: [decide({ kind: 'stopKeep' })],
    settings: { approvalMode: 'autoUntilGreen', maxRounds: 1 },
  });
  await yes.run();
  assert.doesNotMatch(yes.workspace.get('test/cart.test.js')!, /discount/);
});

test('an unusable reply writes nothing and its problems go back to the agent', async () => {
  const s = setUp({
    replies: [block('src/cart.js', '  return price * nonsense;', '  return 0;'), FIX_TOTAL],
    reviews: [approve],
    afters: [decide({ kind: 'stopKeep' })],
    settings: { maxRounds: 2 },
  });
  const result = await s.run();
  assert.equal(s.reviewer.reviews.length, 1, 'nothing to review in round 1');
  assert.equal(result.outcome, 'limitReached');
  assert.match(prompt(s.agent, 1), /nonsense|not found|match/i);
  assert.equal((await s.history.load('session-1'))!.rounds[0]!.note, 'nothing to apply');
});

test('a reply with one readable block and one cut off proposes nothing: all or nothing, the problems go back', async () => {
  const cutOff = `${FIX_TOTAL}\nsrc/cart.js\n<<<<<<< SEARCH\n  return price * percent;\n=======\n  return price * (1 - percent`;
  const s = setUp({ replies: [cutOff, BOTH], reviews: [approve], afters: [decide({ kind: 'stopKeep' })], settings: { maxRounds: 2 } });
  const result = await s.run();
  assert.equal(s.reviewer.reviews.length, 1, 'the half-readable reply of round 1 was not put to review');
  assert.equal((await s.history.load('session-1'))!.rounds[0]!.note, 'nothing to apply');
  assert.match(prompt(s.agent, 1), /Nothing of this reply was applied/);
  assert.equal(result.outcome, 'passed');
  assert.match(s.workspace.get('src/cart.js')!, /sum \+ item\.price/);
});

test('failed: an agent error ends the session as failed with its message', async () => {
  const s = setUp({ replies: [new AgentError('The model server refused the key.', 'agent.unauthorized')] });
  const result = await s.run();
  assert.deepEqual([result.outcome, result.reason], ['failed', 'The model server refused the key.']);
  assert.equal((await s.history.load('session-1'))!.outcome, 'failed');
});

test('cancelled: aborting the signal ends the session as stopped', async () => {
  const s = setUp({ replies: [FIX_TOTAL], reviews: [approve] });
  s.reviewer.review = async () => {
    s.controller.abort();
    throw new Error('the review panel was closed');
  };
  const result = await s.run();
  assert.deepEqual([result.outcome, result.reason], ['stopped', 'cancelled']);
  assert.equal(s.workspace.get('src/cart.js'), CART);
});

test('concurrent edit elsewhere in the file: the approved change is re-matched and the person’s typing survives', async () => {
  const s = setUp({ replies: [FIX_TOTAL], reviews: [approve], afters: [decide({ kind: 'stopKeep' })], settings: { maxRounds: 1 } });
  s.workspace.beforeCommit = () => {
    s.workspace.beforeCommit = undefined;
    s.workspace.files.set('src/cart.js', bytes(CART.replace('module.exports', '// typed by the person\nmodule.exports')));
  };
  await s.run();
  const cart = s.workspace.get('src/cart.js')!;
  assert.match(cart, /typed by the person/);
  assert.match(cart, /sum \+ item\.price/);
});

test('concurrent edit of the same lines: nothing is written, the person’s version stays, both are told', async () => {
  const s = setUp({ replies: [FIX_TOTAL, FIX_DISCOUNT], reviews: [approve, () => ({ kind: 'stop' })] });
  const typed = CART.replace('sum - item.price', 'sum - item.price * 1 /* person */');
  s.workspace.beforeCommit = () => {
    s.workspace.beforeCommit = undefined;
    s.workspace.files.set('src/cart.js', bytes(typed));
  };
  const result = await s.run();
  assert.equal(s.workspace.get('src/cart.js'), typed);
  assert.ok(s.events.events.some((e) => e.type === 'warning' && /changed while round 1 was under review/.test(e.message)));
  assert.match(prompt(s.agent, 1), /changed by the person meanwhile/);
  assert.equal(result.outcome, 'stopped', result.reason);
  assert.equal((await s.journal.list({ states: ['abandoned'] })).length, 1);
});

test('stop and revert asks before overwriting a file the person changed after the round applied', async () => {
  const s = setUp({ replies: [FIX_TOTAL], reviews: [approve], conflictChoice: 'keepCurrent' });
  s.reviewer.afterTests = async () => {
    s.workspace.files.set('src/cart.js', bytes(s.workspace.get('src/cart.js') + '// later edit\n'));
    return { kind: 'stopRevert' };
  };
  await s.run();
  assert.equal(s.reviewer.conflicts.length, 1);
  assert.match(s.workspace.get('src/cart.js')!, /later edit/);
  assert.ok(s.events.events.some((e) => e.type === 'warning' && /Kept your later changes to src\/cart.js/.test(e.message)));
});

test('failed: tests that cannot run end the session as failed, and the history says so', async () => {
  const s = setUp({ replies: [FIX_TOTAL], reviews: [approve] });
  s.ports.tests.run = async () => {
    throw new TestRunError('The test command `npm test` was not found.', 'tests.notFound');
  };
  const result = await s.run();
  assert.deepEqual([result.outcome, result.reason, result.rounds], ['failed', 'The test command `npm test` was not found.', 0]);
});

test('restoring a checkpoint after the session marks the rounds reverted in the stored history', async () => {
  const s = setUp({ replies: [FIX_TOTAL, FIX_DISCOUNT], reviews: [approve, approve], afters: [decide({ kind: 'continue' }), decide({ kind: 'stopKeep' })] });
  await s.run();
  const restored = await restoreCheckpoint('session-1', 2, s.ports);
  assert.deepEqual(restored.rounds, [2]);
  assert.match(s.workspace.get('src/cart.js')!, /sum \+ item\.price/);
  assert.match(s.workspace.get('src/cart.js')!, /return price \* percent;/);
  assert.deepEqual((await s.history.load('session-1'))!.rounds.map((r) => r.reverted), [false, true]);
});

test('time limit: no round starts once maxMinutes have passed', async () => {
  const s = setUp({ replies: [WRONG_DISCOUNT, FIX_TOTAL], reviews: [approve, approve], afters: [decide({ kind: 'continue' })], settings: { maxMinutes: 1 } });
  (s.ports.clock as TickingClock).step = 20_000;
  const result = await s.run();
  assert.equal(result.outcome, 'limitReached');
  assert.match(result.reason, /1 minutes/);
  assert.equal(s.agent.requests.length, 1);
  assert.match(s.reviewer.afters[0]!.stopReason!, /1 minutes/, 'the gate of the last round already said why');
});

test('at the round limit with green tests: continue cannot go on, but the outcome is passed; stop and revert is stopped', async () => {
  const kept = setUp({ replies: [BOTH], reviews: [approve], afters: [decide({ kind: 'continue' })], settings: { maxRounds: 1 } });
  assert.deepEqual(await kept.run().then((r) => [r.outcome, r.reason]), ['passed', 'the tests pass']);
  const reverted = setUp({ replies: [BOTH], reviews: [approve], afters: [decide({ kind: 'stopRevert' })], settings: { maxRounds: 1 } });
  const result = await reverted.run();
  assert.deepEqual([result.outcome, result.reason], ['stopped', 'stopped by the person; every round was reverted']);
  assert.equal(reverted.workspace.get('src/cart.js'), CART);
});

test('an agent that takes tools is offered the edit tool, and its tool calls are applied like edit blocks', async () => {
  const s = setUp({ replies: [], reviews: [approve], afters: [decide({ kind: 'stopKeep' })], settings: { maxRounds: 1 } });
  const requests: AgentRequest[] = [];
  s.ports = {
    ...s.ports,
    agent: {
      id: 'tools',
      acceptsTools: true,
      async propose(request) {
        requests.push(request);
        const edits = [
          { kind: 'replace', path: 'src/cart.js', search: '  return items.reduce((sum, item) => sum - item.price, 0);\n', replace: '  return items.reduce((sum, item) => sum + item.price, 0);\n' },
          { kind: 'replace', path: 'src/cart.js', search: '  return price * percent;\n', replace: '  return price * (1 - percent / 100);\n' },
        ];
        return { kind: 'text', text: '', toolCalls: [{ name: requests[0]!.tools![0]!.name, input: { summary: 'both', edits } }] };
      },
    },
  };
  const result = await runSession({ task: 'Make the cart tests pass', scope: [] }, s.ports, parseSettings({ maxRounds: 1 }), new AbortController().signal);
  assert.equal(result.outcome, 'passed', result.reason);
  assert.equal(requests[0]!.tools?.length, 1);
  assert.equal(s.agent.requests.length, 0);
});

test('a session id that exists already is refused before anything is written', async () => {
  const s = setUp({ replies: [FIX_TOTAL], reviews: [() => ({ kind: 'stop' })] });
  await s.run();
  const before = JSON.stringify(await s.history.load('session-1'));
  await assert.rejects(s.run(), /Session session-1 exists already/);
  assert.equal(JSON.stringify(await s.history.load('session-1')), before);
});

test('time limit in the middle of a slow agent call: the call is cut off and the outcome is limitReached', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const s = setUp({ replies: [], settings: { maxMinutes: 1 }, baseline: false });
  let called!: () => void;
  const agentCalled = new Promise<void>((resolve) => (called = resolve));
  let aborted = false;
  s.ports = {
    ...s.ports,
    agent: {
      id: 'slow',
      propose: (_request, signal) =>
        new Promise((_resolve, reject) => {
          called();
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new AgentError('The agent call was cancelled.', 'agent.cancelled'));
          });
        }),
    },
  };
  const outer = new AbortController();
  const running = runSession({ task: 'Make the cart tests pass', scope: [], sessionId: 'slow-1' }, s.ports, parseSettings({ maxMinutes: 1 }), outer.signal);
  await agentCalled;
  t.mock.timers.tick(60_000);
  const result = await running;
  assert.equal(aborted, true);
  assert.deepEqual([result.outcome, result.reason], ['limitReached', 'reached the limit of 1 minutes during round 1']);
  assert.equal(outer.signal.aborted, false, "the caller's signal is untouched");
});
