import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportReport, runSession, type SessionPorts } from '../../../src/loop/loop';
import { parseSettings, type Settings } from '../../../src/domain/settings';
import type { TestCase, TestReport } from '../../../src/domain/testReport';
import type { AfterTestsDecision } from '../../../src/domain/session';
import { checkInventory, extendInventory, pinInventory } from '../../../src/testing/inventory';
import type { AfterScript, ReviewScript } from './fakes';
import { Events, MemoryHistory, MemoryJournal, MemoryWorkspace, report, ScriptedAgent, ScriptedReviewer, ScriptedTests, silentLog, TickingClock } from './fakes';

// The suite is pinned, and the test configuration is protected: what an agent that
// cannot fix the code does instead (narrow the script, delete the failing test, skip it)
// never ends `passed` without the person.

const run = report({}).run;
function suite(tests: Record<string, { file: string; status: TestCase['status']; skipReason?: string }>): TestReport {
  const cases: TestCase[] = Object.entries(tests).map(([name, t]) => ({ id: `${t.file}::${name}`, name, suite: [], file: t.file, status: t.status, stack: [], ...(t.skipReason ? { skipReason: t.skipReason } : {}) }));
  const failed = cases.some((t) => t.status === 'failed');
  return { format: 'tap', scope: 'full', tests: cases, problems: [], run: { ...run, exitCode: failed ? 1 : 0 } };
}

test('inventory: missing tests, newly skipped tests with the reason, counted per id', () => {
  const baseline = suite({ total: { file: 'spec/cart_spec.js', status: 'passed' }, discount: { file: 'spec/discount_spec.js', status: 'failed' }, later: { file: 'spec/cart_spec.js', status: 'skipped' } });
  const inventory = pinInventory(baseline, 0);
  assert.deepEqual(inventory.files, { 'spec/cart_spec.js': ['spec/cart_spec.js::total', 'spec/cart_spec.js::later'], 'spec/discount_spec.js': ['spec/discount_spec.js::discount'] });
  assert.equal(checkInventory(inventory, baseline), undefined);

  const deleted = checkInventory(inventory, suite({ total: { file: 'spec/cart_spec.js', status: 'passed' }, later: { file: 'spec/cart_spec.js', status: 'skipped' } }), new Map([['spec/discount_spec.js', 1]]))!;
  assert.deepEqual(deleted.missing, [{ id: 'spec/discount_spec.js::discount', file: 'spec/discount_spec.js' }]);
  assert.match(deleted.summary, /1 test of the pinned suite missing \(pinned at the baseline\): spec\/discount_spec.js was deleted or renamed in round 1/);

  const skipped = checkInventory(inventory, suite({ total: { file: 'spec/cart_spec.js', status: 'skipped', skipReason: "skipped: 'only' option not set" }, discount: { file: 'spec/discount_spec.js', status: 'passed' }, later: { file: 'spec/cart_spec.js', status: 'skipped' } }))!;
  assert.deepEqual(skipped.missing, []);
  assert.deepEqual(skipped.newlySkipped, [{ id: 'spec/cart_spec.js::total', reason: "skipped: 'only' option not set" }]);
  assert.match(skipped.summary, /1 test newly skipped.*'only' option not set/);

  // node:test's TAP names no file for a passing test: two files' "works" share an id, and are counted.
  const twice: TestReport = { ...report({}), tests: [0, 1].map(() => ({ id: '::works', name: 'works', suite: [], status: 'passed' as const, stack: [] })) };
  const once: TestReport = { ...twice, tests: twice.tests.slice(1) };
  assert.equal(checkInventory(pinInventory(twice, 0), once)?.missing.length, 1);
  // A selected run, a timeout, or a run with no tests at all is not held to it (they are not green anyway).
  assert.equal(checkInventory(inventory, { ...baseline, scope: 'selected', tests: [] }), undefined);
  assert.equal(checkInventory(inventory, { ...baseline, tests: [] }), undefined);
  // The suite may grow.
  const grown = extendInventory(inventory, suite({ total: { file: 'spec/cart_spec.js', status: 'passed' }, discount: { file: 'spec/discount_spec.js', status: 'passed' }, later: { file: 'spec/cart_spec.js', status: 'skipped' }, added: { file: 'spec/new_spec.js', status: 'passed' } }));
  assert.deepEqual(grown.files['spec/new_spec.js'], ['spec/new_spec.js::added']);
});

// ---------------------------------------------------------------- the loop

const PKG = JSON.stringify({ name: 'cart', scripts: { test: 'node --test spec/' }, dependencies: { diff: '9.0.0' } }, null, 2) + '\n';
const CART = 'function total(items) {\n  return items.reduce((sum, item) => sum - item.price, 0);\n}\n';
const block = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const NARROW = `Run only the passing test.\n\n${block('package.json', '"test": "node --test spec/"', '"test": "node --test --test-name-pattern=empty spec/"')}`;
const EMPTY_SCRIPT = `The tests are flaky.\n\n${block('package.json', '"test": "node --test spec/"', '"test": "exit 0"')}`;
const BUMP = `Newer diff.\n\n${block('package.json', '    "diff": "9.0.0"', '    "diff": "9.1.0"')}\n${block('src/cart.js', '  return items.reduce((sum, item) => sum - item.price, 0);', '  return items.reduce((sum, item) => sum + item.price, 0);')}`;
const DELETE_DIFF = 'The discount spec is obsolete.\n\n```diff\n--- a/spec/discount_spec.js\n+++ /dev/null\n@@ -1 +0,0 @@\n-total\n```\n';
const DELETE_PATCH = '*** Begin Patch\n*** Delete File: spec/discount_spec.js\n*** End Patch\n';
const FIX = `Add the prices.\n\n${block('src/cart.js', '  return items.reduce((sum, item) => sum - item.price, 0);', '  return items.reduce((sum, item) => sum + item.price, 0);')}`;

/** The tests of the in-memory project, as its runner would report them: a deleted spec file's tests are gone, `exit 0` runs none. */
function projectTests(workspace: MemoryWorkspace): () => TestReport {
  return () => {
    const script = (JSON.parse(workspace.get('package.json') ?? '{}') as { scripts?: { test?: string } }).scripts?.test ?? '';
    if (script === 'exit 0') return { ...report({}), format: 'raw', problems: [{ kind: 'runner', message: 'no evidence that any test ran' }] };
    const fixed = (workspace.get('src/cart.js') ?? '').includes('sum + item.price');
    const tests: Record<string, { file: string; status: TestCase['status'] }> = { empty: { file: 'spec/cart_spec.js', status: 'passed' } };
    if (workspace.get('spec/discount_spec.js') !== undefined) tests.total = { file: 'spec/discount_spec.js', status: fixed ? 'passed' : 'failed' };
    return suite(tests);
  };
}

function setUp(options: { replies: string[]; reviews?: ReviewScript[]; afters?: AfterScript[]; settings?: Partial<Settings>; baseline?: boolean }) {
  const workspace = new MemoryWorkspace({ 'package.json': PKG, 'src/cart.js': CART, 'spec/cart_spec.js': 'empty\n', 'spec/discount_spec.js': 'total\n' });
  const history = new MemoryHistory();
  const agent = new ScriptedAgent(options.replies);
  const tests = new ScriptedTests(Array.from({ length: 12 }, () => projectTests(workspace)));
  const reviewer = new ScriptedReviewer(options.reviews ?? [], options.afters ?? []);
  const events = new Events();
  const ports: SessionPorts = { agent, tests, workspace, reviewer, history, journal: new MemoryJournal(), clock: new TickingClock(), log: silentLog, emit: events.emit };
  const settings = parseSettings({ approvalMode: 'autoUntilGreen', maxRounds: 3, ...options.settings } as never);
  const start = () => runSession({ task: 'Make the cart tests pass', scope: [], sessionId: 's', baseline: options.baseline ?? true, testCommand: 'npm test' }, ports, settings, new AbortController().signal);
  return { workspace, history, agent, reviewer, events, start };
}
const decide =
  (decision: AfterTestsDecision): AfterScript =>
  () =>
    decision;

test('auto mode: an agent that sets the test script to `exit 0` is asked about; without a yes, package.json keeps its script', async () => {
  const s = setUp({ replies: [EMPTY_SCRIPT, FIX], reviews: [(view) => (assert.match(view.protectedReasons?.['package.json'] ?? '', /"test"/), { kind: 'approve' })], afters: [decide({ kind: 'stopKeep' })] });
  const result = await s.start();
  assert.equal(s.reviewer.reviews[0]!.protectedPaths[0], 'package.json');
  assert.equal(s.workspace.get('package.json'), PKG);
  assert.equal(result.outcome, 'passed', result.reason);
  assert.match(s.agent.requests[1]!.messages.map((m) => m.content).join('\n'), /protected file package.json was not approved/);
});

test('auto mode: an agent that narrows the script with --test-name-pattern is asked about; stopping leaves the script as it was', async () => {
  const s = setUp({ replies: [NARROW], reviews: [() => ({ kind: 'stop' })] });
  const result = await s.start();
  assert.equal(result.outcome, 'stopped');
  assert.deepEqual(s.reviewer.reviews[0]!.protectedPaths, ['package.json']);
  assert.equal(s.workspace.get('package.json'), PKG);
});

test('auto mode: a dependency bump in package.json is not a test change and is not asked about', async () => {
  const s = setUp({ replies: [BUMP], afters: [decide({ kind: 'stopKeep' })] });
  const result = await s.start();
  assert.equal(result.outcome, 'passed');
  assert.equal(s.reviewer.reviews.length, 0);
  assert.match(s.workspace.get('package.json')!, /"diff": "9.1.0"/);
});

test('auto mode: deleting the failing test in spec/ is asked about; approved, the smaller suite is never passed without the person', async () => {
  for (const reply of [DELETE_DIFF, DELETE_PATCH]) {
    const s = setUp({ replies: [reply, FIX], reviews: [() => ({ kind: 'approve', approveProtected: true })], afters: [decide({ kind: 'stopKeep' })], settings: { maxRounds: 1 } });
    const result = await s.start();
    assert.deepEqual(s.reviewer.reviews[0]!.protectedPaths, ['spec/discount_spec.js']);
    assert.equal(s.workspace.get('spec/discount_spec.js'), undefined, 'the person approved the deletion');
    // The run is otherwise green, but the gate says the suite shrank, and "keep" is not "passed".
    const view = s.reviewer.afters[0]!;
    assert.equal(view.passed, false);
    assert.match(view.suiteShrank!.summary, /1 test of the pinned suite missing \(pinned at the baseline\): spec\/discount_spec.js was deleted or renamed in round 1/);
    assert.notEqual(result.outcome, 'passed');
    const record = (await s.history.load('s'))!;
    assert.deepEqual(record.inventory?.files['spec/discount_spec.js'], ['spec/discount_spec.js::total']);
    assert.deepEqual(record.rounds[0]!.tests?.suiteShrank?.missing, ['spec/discount_spec.js::total']);
    assert.equal(record.rounds[0]!.tests?.green, false);
  }
});

test('a smaller suite asks in auto mode even when otherwise green; continuing tells the agent; accepting it passes', async () => {
  const s = setUp({
    replies: [DELETE_PATCH, FIX],
    reviews: [() => ({ kind: 'approve', approveProtected: true })],
    afters: [decide({ kind: 'continue' }), decide({ kind: 'acceptSmallerSuite' })],
  });
  const result = await s.start();
  assert.equal(s.reviewer.afters.length, 2, 'asked after round 1 although auto mode and nothing failed');
  const feedback = s.agent.requests[1]!.feedback ?? '';
  assert.match(feedback, /The test suite shrank: 1 test of the pinned suite missing/);
  assert.match(feedback, /spec\/discount_spec.js: total/);
  assert.deepEqual(result, { sessionId: 's', outcome: 'passed', rounds: 2, reason: result.reason });
  assert.match(result.reason, /the person accepted the smaller suite/);
  const record = (await s.history.load('s'))!;
  assert.equal(record.inventory?.pinnedAt, 2, 'the accepted run is the suite from now on');
  assert.equal(record.rounds[1]!.afterTests?.decision, 'acceptSmallerSuite');
  assert.ok(s.events.events.some((event) => event.type === 'warning' && /test suite shrank/.test(event.message)));
  assert.match(exportReport(record), /## Round 1[\s\S]*- the test suite shrank: 1 test of the pinned suite missing[\s\S]*After tests: continue/);
});

test('without a baseline the first full run pins the suite', async () => {
  const s = setUp({
    baseline: false,
    replies: [FIX, DELETE_PATCH],
    reviews: [() => ({ kind: 'approve' }), () => ({ kind: 'approve', approveProtected: true })],
    afters: [decide({ kind: 'continue' }), decide({ kind: 'stopKeep' })],
    settings: { approvalMode: 'reviewEachRound' },
  });
  const result = await s.start();
  const record = (await s.history.load('s'))!;
  assert.equal(record.inventory?.pinnedAt, 1);
  assert.equal(s.reviewer.afters[0]!.passed, true);
  assert.ok(s.reviewer.afters[1]!.suiteShrank, 'round 2 deleted a test the first run had');
  assert.equal(result.outcome, 'stopped');
  assert.match(result.reason, /stopped by the person; the test suite shrank \(1 test of the pinned suite missing \(pinned at round 1\)/);
});
