import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportReport, runSession, type SessionPorts } from '../../../src/loop/loop';
import { betterThanCurrent, otherAttemptsNote, rankAttempts, type Attempt } from '../../../src/loop/candidates';
import type { Agent, AgentReply, AgentRequest, ScratchCopies, ScratchCopy, TestRunner } from '../../../src/domain/ports';
import type { FileDiff } from '../../../src/domain/model';
import { parseSettings, type Settings } from '../../../src/domain/settings';
import type { CandidateChoice, CandidatesView } from '../../../src/domain/session';
import type { TestReport } from '../../../src/domain/testReport';
import { Events, MemoryHistory, MemoryJournal, MemoryWorkspace, report, ScriptedReviewer, silentLog, TickingClock, type ReviewScript } from './fakes';

// Best of N over fake ports: the ranking on its own (every criterion, and the ties),
// then whole sessions whose attempts are tested in in-memory scratch copies.

// ------------------------------------------------------------------ ranking

const diff = (lines: number): FileDiff => ({ path: 'src/a.js', status: 'modified', additions: lines, deletions: 0, patch: '', hunks: [] });
function attempt(number: number, over: Partial<Attempt> & { failing?: number; passing?: string[] } = {}): Attempt {
  const { failing = 0, passing = [], ...rest } = over;
  const results: Record<string, 'passed' | 'failed'> = {};
  for (let i = 0; i < failing; i++) results[`f${i}`] = 'failed';
  for (const id of passing) results[id] = 'passed';
  return {
    attempt: number,
    arrival: number - 1,
    agentId: 'fake',
    summary: '',
    changes: [{ path: 'src/a.js', kind: 'modify', before: new Uint8Array(), after: new Uint8Array([1]) }],
    diffs: [diff(1)],
    problems: [],
    noEdits: false,
    protectedPaths: [],
    usage: {},
    tokens: 100,
    durationMs: 1,
    report: report(results),
    ...rest,
  };
}
const order = (attempts: Attempt[], previous?: TestReport) => rankAttempts(attempts, previous).map((a) => a.attempt);

describe('rankAttempts', () => {
  it('fewer failing tests first', () => {
    assert.deepEqual(order([attempt(1, { failing: 2 }), attempt(2, { failing: 0 }), attempt(3, { failing: 1 })]), [2, 3, 1]);
  });

  it('a run that could not run ranks after any that ran, and an untested attempt after both', () => {
    const broken = attempt(1, { report: report({}, { problems: [{ kind: 'runner', message: 'build failed' }] }) });
    const untested = attempt(2, { report: undefined, changes: [], diffs: [] });
    assert.deepEqual(order([untested, broken, attempt(3, { failing: 5 })]), [3, 1, 2]);
  });

  it('the agent failing counts as untested', () => {
    assert.deepEqual(order([attempt(1, { error: 'the agent call failed: 500', report: undefined }), attempt(2, { failing: 3 })]), [2, 1]);
  });

  it('same failing count: fewer newly failing first', () => {
    const previous = report({ a: 'passed', b: 'passed', f0: 'failed' });
    const breaksA = attempt(1, { report: report({ a: 'failed', b: 'passed', f0: 'passed' }) });
    const keeps = attempt(2, { report: report({ a: 'passed', b: 'passed', f0: 'failed' }) });
    assert.deepEqual(order([breaksA, keeps], previous), [2, 1]);
  });

  it('a shrunken suite never wins, even with fewer failing tests', () => {
    const shrank = attempt(1, { failing: 0, shrank: { missing: [], newlySkipped: [], summary: '1 test missing' } as never });
    assert.deepEqual(order([shrank, attempt(2, { failing: 3 })]), [2, 1]);
  });

  it('then fewer protected paths touched', () => {
    assert.deepEqual(order([attempt(1, { protectedPaths: ['test/a.test.js'] }), attempt(2)]), [2, 1]);
  });

  it('then the smaller diff', () => {
    assert.deepEqual(order([attempt(1, { diffs: [diff(9)] }), attempt(2, { diffs: [diff(2)] })]), [2, 1]);
  });

  it('then fewer tokens', () => {
    assert.deepEqual(order([attempt(1, { tokens: 500 }), attempt(2, { tokens: 200 })]), [2, 1]);
  });

  it('a full tie keeps the order of arrival, not the order asked', () => {
    assert.deepEqual(order([attempt(1, { arrival: 2 }), attempt(2, { arrival: 0 }), attempt(3, { arrival: 1 })]), [2, 3, 1]);
  });

  it('strictly better than the current state: fewer failing, suite intact, nothing protected', () => {
    const current = report({ a: 'failed', b: 'failed' });
    assert.equal(betterThanCurrent(attempt(1, { failing: 1 }), current), true);
    assert.equal(betterThanCurrent(attempt(1, { failing: 2 }), current), false);
    assert.equal(betterThanCurrent(attempt(1, { failing: 0, protectedPaths: ['test/x.js'] }), current), false);
    assert.equal(betterThanCurrent(attempt(1, { failing: 0, shrank: { summary: 'x' } as never }), current), false);
  });

  it('the note on the other attempts names their distinct failures once', () => {
    const note = otherAttemptsNote([attempt(1, { report: report({ t1: 'failed' }) }), attempt(2, { report: report({ t1: 'failed', t2: 'failed' }) })])!;
    assert.match(note, /Other attempts this round that did not work/);
    assert.equal(note.match(/t1/g)?.length, 1);
    assert.match(note, /failing t2/);
  });
});

// ------------------------------------------------------------------ whole sessions

const SOURCE = 'let a = 1;\nlet b = 1;\nlet c = 1;\n';
const block = (search: string, replace: string) => `src/a.js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const FIX_A = `Fix a.\n\n${block('let a = 1;', 'let a = 2;')}`;
const FIX_AB = `Fix a and b.\n\n${block('let a = 1;\nlet b = 1;', 'let a = 2;\nlet b = 2;')}`;
const BREAK_C = `Fix a, lose c.\n\n${block('let a = 1;\nlet b = 1;\nlet c = 1;', 'let a = 2;\nlet b = 1;\nlet c = 0;')}`;

/** t_a passes when a = 2, t_b when b = 2, t_c while c = 1: the workspace's (or a copy's) tests. */
function judge(workspace: MemoryWorkspace): TestReport {
  const source = workspace.get('src/a.js') ?? '';
  return report({ t_a: source.includes('a = 2') ? 'passed' : 'failed', t_b: source.includes('b = 2') ? 'passed' : 'failed', t_c: source.includes('c = 1') ? 'passed' : 'failed' });
}
class JudgedTests implements TestRunner {
  runs = 0;
  constructor(private readonly workspace: MemoryWorkspace) {}
  async run(): Promise<TestReport> {
    this.runs++;
    return judge(this.workspace);
  }
}

/** In-memory scratch copies of a MemoryWorkspace; remembers which are still there. */
class MemoryScratch implements ScratchCopies {
  readonly live = new Set<MemoryWorkspace>();
  made = 0;
  constructor(private readonly source: MemoryWorkspace) {}
  async create(): Promise<ScratchCopy> {
    const copy = new MemoryWorkspace();
    for (const [path, content] of this.source.files) copy.files.set(path, content);
    this.live.add(copy);
    this.made++;
    return { workspace: copy, tests: new JudgedTests(copy), remove: async () => void this.live.delete(copy) };
  }
  async sweep(): Promise<number> {
    const count = this.live.size;
    this.live.clear();
    return count;
  }
}

/** Answers each prompt's k-th request with replies[k]; counts the prompts. */
class AttemptsAgent implements Agent {
  readonly id = 'attempts';
  readonly requests: AgentRequest[] = [];
  constructor(private readonly rounds: (string | Error)[][]) {}
  async propose(request: AgentRequest): Promise<AgentReply> {
    this.requests.push(request);
    const replies = this.rounds[request.round - 1] ?? this.rounds.at(-1)!;
    const index = this.requests.filter((r) => r.round === request.round).length - 1;
    const reply = replies[index % replies.length]!;
    if (reply instanceof Error) throw reply;
    return { kind: 'text', text: reply, usage: { inputTokens: 100, outputTokens: 20 } };
  }
}

class ChoosingReviewer extends ScriptedReviewer {
  readonly choices: CandidatesView[] = [];
  constructor(
    private readonly choose: ((view: CandidatesView) => CandidateChoice)[],
    reviews: ReviewScript[],
  ) {
    super(reviews, [() => ({ kind: 'stopKeep' }), () => ({ kind: 'continue' }), () => ({ kind: 'stopKeep' })]);
  }
  async chooseCandidate(view: CandidatesView): Promise<CandidateChoice> {
    this.choices.push(view);
    const step = this.choose[this.choices.length - 1];
    if (!step) throw new Error('not expecting another choice');
    return step(view);
  }
}

async function session(options: { rounds: (string | Error)[][]; settings: Partial<Settings>; reviewer?: ScriptedReviewer }) {
  const workspace = new MemoryWorkspace({ 'src/a.js': SOURCE });
  const scratch = new MemoryScratch(workspace);
  const agent = new AttemptsAgent(options.rounds);
  const tests = new JudgedTests(workspace);
  const history = new MemoryHistory();
  const events = new Events();
  const reviewer = options.reviewer ?? new ScriptedReviewer([], [() => ({ kind: 'stopKeep' })]);
  const ports: SessionPorts = { agent, tests, workspace, reviewer, history, journal: new MemoryJournal(), clock: new TickingClock(), log: silentLog, emit: events.emit, candidates: { scratch, parallelTests: 2 } };
  const settings = parseSettings({ 'test.command': 'npm test', stopAfterRoundsWithoutProgress: 0, ...options.settings });
  const result = await runSession({ task: 'make the tests pass', scope: [], baseline: true, sessionId: 's1' }, ports, settings, new AbortController().signal);
  return { result, workspace, scratch, agent, tests, events, record: (await history.load('s1'))!, reviewer };
}

describe('best of N sessions (fake ports)', () => {
  it('autoUntilGreen takes the best attempt; every copy is removed; the record keeps every attempt', async () => {
    const { result, workspace, scratch, agent, record, events } = await session({ rounds: [[FIX_A, BREAK_C, FIX_AB]], settings: { candidates: 3, approvalMode: 'autoUntilGreen' } });
    assert.equal(result.outcome, 'passed');
    assert.equal(result.rounds, 1);
    assert.equal(agent.requests.length, 3);
    assert.match(workspace.get('src/a.js')!, /a = 2;\nlet b = 2;\nlet c = 1;/);
    assert.equal(scratch.made, 3);
    assert.equal(scratch.live.size, 0);
    const round = record.rounds[0]!;
    assert.equal(round.chosenCandidate, 3);
    assert.deepEqual(round.candidates!.map((c) => [c.rank, c.attempt, c.tests?.summary.failed]), [[1, 3, 0], [2, 1, 1], [3, 2, 2]]);
    assert.ok(round.candidates!.every((c) => c.patch.includes('src/a.js')));
    assert.equal(events.events.filter((e) => e.type === 'candidateTested').length, 3);
    assert.match(exportReport(record), /1\. attempt 3 \(chosen\)/);
  });

  it('the person chooses the attempt ranked 2, then reviews it at the review gate as today', async () => {
    const reviewer = new ChoosingReviewer([() => ({ kind: 'choose', rank: 2 })], [() => ({ kind: 'approve' })]);
    const { workspace, record } = await session({ rounds: [[FIX_A, BREAK_C, FIX_AB]], settings: { candidates: 3, maxRounds: 1 }, reviewer });
    const view = reviewer.choices[0]!;
    assert.deepEqual(view.candidates.map((c) => c.attempt), [3, 1, 2]);
    assert.equal(view.currentFailing, 2);
    assert.equal(reviewer.reviews.length, 1);
    assert.match(reviewer.reviews[0]!.summary, /Fix a\./);
    assert.equal(workspace.get('src/a.js'), 'let a = 2;\nlet b = 1;\nlet c = 1;\n');
    assert.equal(record.rounds[0]!.chosenCandidate, 1);
  });

  it('rejecting all: nothing is written, and the reason and the failures reach the next round', async () => {
    const reviewer = new ChoosingReviewer([() => ({ kind: 'rejectAll', reason: 'keep the variable c alone' }), (view) => ({ kind: 'choose', rank: view.candidates.findIndex((c) => c.tests?.failed === 0) + 1 })], [() => ({ kind: 'approve' })]);
    const { result, workspace, agent, record } = await session({ rounds: [[FIX_A, BREAK_C], [FIX_AB, FIX_A]], settings: { candidates: 2 }, reviewer });
    assert.equal(result.outcome, 'passed');
    assert.equal(result.rounds, 2);
    assert.equal(record.rounds[0]!.review?.decision, 'reject');
    assert.equal(record.rounds[0]!.candidates?.length, 2);
    assert.equal(record.rounds[0]!.appliedPatch, undefined);
    const second = agent.requests.filter((r) => r.round === 2)[0]!;
    const prompt = second.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /keep the variable c alone/);
    assert.match(workspace.get('src/a.js')!, /b = 2/);
  });

  it('after a chosen attempt, the next prompt carries the other attempts\' distinct failures', async () => {
    const { agent } = await session({ rounds: [[FIX_A, BREAK_C], [FIX_AB]], settings: { candidates: 2, approvalMode: 'autoUntilGreen', maxRounds: 2 } });
    const prompt = agent.requests.filter((r) => r.round === 2)[0]!.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /Other attempts this round that did not work/);
    assert.match(prompt, /failing .*t_c/);
  });

  it('autoUntilGreen rejects all by rule when no attempt beats the current state', async () => {
    const { result, workspace, record } = await session({ rounds: [[BREAK_C, BREAK_C]], settings: { candidates: 2, approvalMode: 'autoUntilGreen', maxRounds: 1 } });
    assert.equal(result.outcome, 'limitReached');
    assert.equal(workspace.get('src/a.js'), SOURCE);
    assert.equal(record.rounds[0]!.review?.by, 'rule');
    assert.match(record.rounds[0]!.review?.reason ?? '', /none of the 2 attempts was better than the current state \(2 failing\)/);
  });

  it('the token budget counts every attempt', async () => {
    // One attempt is 120 tokens; three are 360, past a 300-token budget after one round.
    const { result, record } = await session({ rounds: [[FIX_A, FIX_A, FIX_A]], settings: { candidates: 3, approvalMode: 'autoUntilGreen', maxTokens: 300, maxRounds: 5 } });
    assert.equal(result.outcome, 'limitReached');
    assert.equal(result.rounds, 1);
    assert.match(result.reason, /300 tokens \(used 360\)/);
    assert.equal(record.rounds[0]!.candidates?.length, 3);
  });

  it('one agent call failing leaves the others; all failing fails the round as one attempt would', async () => {
    const one = await session({ rounds: [[new Error('boom'), FIX_AB]], settings: { candidates: 2, approvalMode: 'autoUntilGreen' } });
    assert.equal(one.result.outcome, 'passed');
    assert.match(one.record.rounds[0]!.candidates!.at(-1)!.error ?? '', /boom/);
    const all = await session({ rounds: [[new Error('down'), new Error('down')]], settings: { candidates: 2, approvalMode: 'autoUntilGreen' } });
    assert.equal(all.result.outcome, 'failed');
    assert.match(all.result.reason, /down/);
    assert.equal(all.scratch.live.size, 0);
  });

  it('candidates 1 never makes a scratch copy', async () => {
    const { result, scratch, tests } = await session({ rounds: [[FIX_AB]], settings: { candidates: 1, approvalMode: 'autoUntilGreen' } });
    assert.equal(result.outcome, 'passed');
    assert.equal(scratch.made, 0);
    assert.equal(tests.runs, 2);
  });
});
