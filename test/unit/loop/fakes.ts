// Fakes of the core's ports for unit tests of the loop: an in-memory workspace,
// history and journal, a scripted reviewer, agent and test runner. Each records what it was asked.
import type { Agent, AgentReply, AgentRequest, CommitResult, FileWrite, Journal, Logger, Reviewer, SessionHistory, TestPlan, TestRunner, Workspace } from '../../../src/domain/ports';
import type { JournalEntry, SessionRecord } from '../../../src/domain/record';
import type { AfterTestsDecision, ConflictChoice, ConflictView, ProposalView, ReviewDecision, RoundView, SessionEvent } from '../../../src/domain/session';
import type { TestCase, TestReport } from '../../../src/domain/testReport';
import { contentHash } from '../../../src/domain/hash';

export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (data: Uint8Array | undefined) => (data === undefined ? undefined : new TextDecoder().decode(data));

export class MemoryWorkspace implements Workspace {
  readonly files = new Map<string, Uint8Array>();
  commits = 0;
  /** Runs just before a commit checks hashes: a person typing at the worst moment. */
  beforeCommit: (() => void) | undefined;

  constructor(initial: Record<string, string> = {}) {
    for (const [path, content] of Object.entries(initial)) this.files.set(path, bytes(content));
  }
  async read(path: string) {
    return this.files.get(path);
  }
  async commit(writes: readonly FileWrite[]): Promise<CommitResult> {
    this.beforeCommit?.();
    const conflicts = [];
    for (const write of writes) {
      const actualHash = await contentHash(this.files.get(write.path));
      if (actualHash !== write.expectedHash) conflicts.push({ path: write.path, expectedHash: write.expectedHash, actualHash });
    }
    if (conflicts.length > 0) return { ok: false, conflicts };
    for (const write of writes) {
      if (write.content === null) this.files.delete(write.path);
      else this.files.set(write.path, write.content);
    }
    this.commits++;
    return { ok: true };
  }
  get(path: string): string | undefined {
    return text(this.files.get(path));
  }
}

export class MemoryHistory implements SessionHistory {
  readonly sessions = new Map<string, SessionRecord>();
  async list() {
    return [...this.sessions.values()].map((r) => ({ sessionId: r.sessionId, task: r.task, startedAt: r.startedAt, rounds: r.rounds.length, outcome: r.outcome }));
  }
  async load(id: string) {
    const record = this.sessions.get(id);
    return record && (JSON.parse(JSON.stringify(record)) as SessionRecord);
  }
  async save(record: SessionRecord) {
    this.sessions.set(record.sessionId, JSON.parse(JSON.stringify(record)) as SessionRecord);
  }
}

export class MemoryJournal implements Journal {
  readonly journals = new Map<string, JournalEntry>();
  async write(entry: JournalEntry) {
    this.journals.set(`${entry.sessionId}/${entry.round}`, entry);
  }
  async read(sessionId: string, round: number) {
    return this.journals.get(`${sessionId}/${round}`);
  }
  async list(filter: { sessionId?: string; states?: readonly JournalEntry['state'][] } = {}) {
    return [...this.journals.values()]
      .filter((e) => (filter.sessionId === undefined || e.sessionId === filter.sessionId) && (!filter.states || filter.states.includes(e.state)))
      .sort((a, b) => a.round - b.round);
  }
}

export type ReviewScript = (view: ProposalView) => ReviewDecision;
export type AfterScript = (view: RoundView) => AfterTestsDecision;

export class ScriptedReviewer implements Reviewer {
  readonly reviews: ProposalView[] = [];
  readonly afters: RoundView[] = [];
  readonly conflicts: ConflictView[] = [];
  constructor(
    private readonly reviewScript: ReviewScript[] = [],
    private readonly afterScript: AfterScript[] = [],
    private readonly conflictChoice: ConflictChoice = 'keepCurrent',
  ) {}
  async review(view: ProposalView) {
    const step = this.reviewScript[this.reviews.length];
    this.reviews.push(view);
    if (!step) throw new Error(`the reviewer was not expecting review #${this.reviews.length}`);
    return step(view);
  }
  async afterTests(view: RoundView) {
    const step = this.afterScript[this.afters.length];
    this.afters.push(view);
    if (!step) throw new Error(`the reviewer was not expecting after-tests gate #${this.afters.length}`);
    return step(view);
  }
  async resolveConflict(view: ConflictView) {
    this.conflicts.push(view);
    return this.conflictChoice;
  }
}

export class ScriptedAgent implements Agent {
  readonly id = 'scripted';
  readonly requests: AgentRequest[] = [];
  constructor(private readonly replies: (string | AgentReply | Error)[]) {}
  async propose(request: AgentRequest, signal: AbortSignal): Promise<AgentReply> {
    this.requests.push(request);
    const reply = this.replies[this.requests.length - 1];
    if (reply === undefined) throw new Error(`the agent was not expecting request #${this.requests.length}`);
    if (signal.aborted) throw new Error('aborted');
    if (reply instanceof Error) throw reply;
    return typeof reply === 'string' ? { kind: 'text', text: reply, usage: { inputTokens: 100, outputTokens: 20 } } : reply;
  }
}

export function report(results: Record<string, 'passed' | 'failed'>, extra: Partial<TestReport> = {}): TestReport {
  const tests: TestCase[] = Object.entries(results).map(([id, status]) => ({
    id,
    name: id,
    suite: [],
    file: 'test/cart.test.js',
    status,
    stack: [],
    ...(status === 'failed' ? { message: `${id} failed`, errorType: 'AssertionError' } : {}),
  }));
  const failed = tests.some((t) => t.status === 'failed');
  return {
    format: 'tap',
    scope: 'full',
    tests,
    problems: [],
    run: { command: 'npm test', exitCode: failed ? 1 : 0, signal: null, durationMs: 10, timedOut: false, cancelled: false, outputHead: '', outputTail: '', droppedBytes: 0 },
    ...extra,
  };
}

/** Returns the scripted reports in order; a function entry computes one from the workspace. */
export class ScriptedTests implements TestRunner {
  readonly plans: TestPlan[] = [];
  constructor(private readonly reports: (TestReport | (() => TestReport))[]) {}
  async run(plan: TestPlan) {
    this.plans.push(plan);
    const next = this.reports[this.plans.length - 1];
    if (next === undefined) throw new Error(`the test runner was not expecting run #${this.plans.length}`);
    return typeof next === 'function' ? next() : next;
  }
}

export class Events {
  readonly events: SessionEvent[] = [];
  readonly emit = (event: SessionEvent) => {
    this.events.push(event);
  };
  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

export const silentLog: Logger = { info() {}, warn() {}, error() {} };

export class TickingClock {
  constructor(
    public time = 1_700_000_000_000,
    public step = 1000,
  ) {}
  now = () => (this.time += this.step);
}
