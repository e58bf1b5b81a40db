import { changesFromReply, diffChanges, keepHunks, unifiedPatch } from '../edits';
import { buildFeedback, sourcesNeeded } from '../testing/feedback';
import { applyJournaled, imagesOf, restoreCheckpoint } from './checkpoints';
import { errorMessage } from '../domain/errors';
import { protectedAmong } from '../domain/glob';
import { limitBefore, madeProgress, ProgressTracker, proposalFingerprint } from './limits';
import type { FileChange, FileDiff } from '../domain/model';
import type { Agent, Clock, EventSink, Journal, Logger, Reviewer, SessionHistory, TestRunner, Workspace } from '../domain/ports';
import { buildPrompt, type Rejection, type ScopeFile } from './prompt';
import type { RoundRecord, SessionRecord, TestResultRecord } from '../domain/record';
import { rebaseChange, resolveApproval } from './review';
import type { AfterTestsDecision, EditProblem, Outcome, ProposalView, RoundView } from '../domain/session';
import type { Settings } from '../domain/settings';
import { failingTests, isGreen, summarize, type TestReport } from '../domain/testReport';

// The state and the steps of one session, for the loop in ./loop.ts: each method is
// one step of a round. The session record is saved after every step, so the history
// survives whatever happens next.

export interface SessionTask {
  readonly task: string;
  readonly scope: readonly ScopeFile[];
  readonly sessionId?: string;
  /** Run the tests once before the first round (the baseline the first round is measured against). */
  readonly baseline?: boolean;
}

export interface SessionPorts {
  readonly agent: Agent;
  readonly tests: TestRunner;
  readonly workspace: Workspace;
  readonly reviewer: Reviewer;
  readonly history: SessionHistory;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly log: Logger;
  readonly emit: EventSink;
}

export interface Proposal {
  readonly round: number;
  readonly summary: string;
  readonly changes: readonly FileChange[];
  readonly diffs: readonly FileDiff[];
  readonly protectedPaths: readonly string[];
  readonly problems: readonly EditProblem[];
  /** The agent proposed exactly what it proposed in an earlier round. */
  readonly repeated: boolean;
}

export interface TestedRound {
  readonly round: number;
  readonly report: TestReport;
  readonly feedback: string;
  readonly green: boolean;
  /** Set when no further round may start: which limit, or stuck. */
  readonly stopReason?: string;
  readonly stuck: boolean;
}

/** What follows a gate: another round, or the end with an outcome. */
export type Next = { readonly end: false } | { readonly end: true; readonly outcome: Outcome; readonly reason: string };
const next: Next = { end: false };
const end = (outcome: Outcome, reason: string): Next => ({ end: true, outcome, reason });

const decoder = new TextDecoder();

function newSessionId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

export class SessionRun {
  readonly sessionId: string;
  readonly record: SessionRecord;
  round = 0;
  private tokens = 0;
  private readonly progress: ProgressTracker;
  private readonly fingerprints = new Set<string>();
  /** Test results the workspace stands on: round 0 is the baseline; reverted rounds are removed. */
  private readonly results = new Map<number, { report: TestReport; feedback: string }>();
  private readonly appliedPatches = new Map<number, string>();
  private readonly touched = new Set<string>();
  private failingSources: string[] = [];
  /** What the agent is told next round, besides the test feedback. */
  private rejections: Rejection[] = [];
  private userEdits: string | undefined;
  private editProblems: EditProblem[] = [];

  constructor(
    private readonly task: SessionTask,
    private readonly ports: SessionPorts,
    private readonly settings: Settings,
  ) {
    const startedAt = ports.clock.now();
    this.sessionId = task.sessionId ?? newSessionId(startedAt);
    this.progress = new ProgressTracker(settings.stopAfterRoundsWithoutProgress);
    this.record = {
      version: 1,
      sessionId: this.sessionId,
      task: task.task,
      startedAt,
      approvalMode: settings.approvalMode,
      maxRounds: settings.maxRounds,
      settings: { ...settings },
      rounds: [],
    };
  }

  private get auto(): boolean {
    return this.settings.approvalMode === 'autoUntilGreen';
  }

  private current(): RoundRecord {
    return this.record.rounds[this.record.rounds.length - 1]!;
  }

  private async save(): Promise<void> {
    await this.ports.history.save(this.record);
  }

  private latest(): { report: TestReport; feedback: string } | undefined {
    const rounds = [...this.results.keys()].sort((a, b) => b - a);
    return rounds.length > 0 ? this.results.get(rounds[0]!) : undefined;
  }

  async start(): Promise<void> {
    await this.save();
    this.ports.emit({ type: 'sessionStarted', sessionId: this.sessionId, task: this.task.task, approvalMode: this.settings.approvalMode, maxRounds: this.settings.maxRounds });
  }

  limitBeforeNextRound(): string | undefined {
    return limitBefore({ startedAt: this.record.startedAt, now: this.ports.clock.now(), rounds: this.round, tokens: this.tokens }, this.settings);
  }

  // ------------------------------------------------------------ tests

  private async runTests(round: number, signal: AbortSignal): Promise<{ report: TestReport; result: TestResultRecord; feedback: string }> {
    const previous = this.latest()?.report;
    const failingFirst = previous ? failingTests(previous) : [];
    this.ports.emit({ type: 'testsStarted', round, scope: failingFirst.length > 0 ? 'failingFirst' : 'full' });
    const onOutput = (chunk: string) => this.ports.emit({ type: 'testOutput', round, chunk });
    let report = await this.ports.tests.run(failingFirst.length > 0 ? { failingFirst } : {}, signal, onOutput);
    // Only the whole suite can say green: when the selected tests pass, run everything.
    if (report.scope === 'selected' && failingTests(report).length === 0 && report.problems.length === 0) report = await this.ports.tests.run({}, signal, onOutput);
    this.failingSources = sourcesNeeded(report);
    const sources: Record<string, string> = {};
    for (const path of this.failingSources) {
      const bytes = await this.ports.workspace.read(path).catch(() => undefined);
      if (bytes !== undefined) sources[path] = decoder.decode(bytes);
    }
    const feedback = buildFeedback({ report, previous, sources, maxTokens: this.settings['feedback.maxTokens'] });
    const result: TestResultRecord = {
      summary: summarize(report),
      scope: report.scope,
      green: isGreen(report),
      failing: failingTests(report).map((test) => test.id),
      problems: report.problems.map((problem) => `${problem.kind}: ${problem.message}`),
      exitCode: report.run.exitCode,
      durationMs: report.run.durationMs,
      // The baseline has nothing to be measured against.
      newlyFailing: previous ? feedback.delta.newlyFailing.length : 0,
      fixed: previous ? feedback.delta.fixed.length : 0,
      summaryLine: feedback.summaryLine,
    };
    this.ports.emit({ type: 'testsFinished', round, summary: result.summary, scope: report.scope, newlyFailing: result.newlyFailing, fixed: result.fixed });
    return { report, result, feedback: feedback.text };
  }

  async baseline(signal: AbortSignal): Promise<boolean> {
    const { report, result, feedback } = await this.runTests(0, signal);
    this.record.baseline = result;
    this.results.set(0, { report, feedback });
    await this.save();
    this.ports.emit({ type: 'baselineFinished', summary: result.summary });
    return result.green;
  }

  // ------------------------------------------------------------ propose

  private async scopeFiles(): Promise<ScopeFile[]> {
    const wanted = new Map<string, ScopeFile>();
    for (const file of this.task.scope) wanted.set(file.path, file);
    for (const path of this.failingSources) if (!wanted.has(path)) wanted.set(path, { path, content: '', reason: 'failing-test' });
    for (const path of this.touched) if (!wanted.has(path)) wanted.set(path, { path, content: '', reason: 'context' });
    const files: ScopeFile[] = [];
    for (const file of wanted.values()) {
      // Always the content as it is now: earlier rounds (and the person) changed it.
      const bytes = await this.ports.workspace.read(file.path).catch(() => undefined);
      if (bytes !== undefined) files.push({ ...file, content: decoder.decode(bytes) });
    }
    return files;
  }

  async propose(signal: AbortSignal): Promise<Proposal> {
    const round = ++this.round;
    this.ports.emit({ type: 'roundStarted', round });
    const latest = this.latest();
    const lastApplied = [...this.appliedPatches.entries()].sort((a, b) => b[0] - a[0])[0]?.[1];
    const request = buildPrompt({
      round,
      task: this.task.task,
      files: await this.scopeFiles(),
      ...(lastApplied !== undefined ? { previousDiff: lastApplied } : {}),
      rejections: this.rejections,
      ...(this.userEdits !== undefined ? { userEdits: this.userEdits } : {}),
      editProblems: this.editProblems,
      ...(latest && !isGreen(latest.report) ? { feedback: latest.feedback } : {}),
      budgetTokens: this.settings['agent.maxPromptTokens'],
      offerTools: this.ports.agent.acceptsTools === true,
    });
    const startedAt = this.ports.clock.now();
    const reply = await this.ports.agent.propose(request, signal, (progress) =>
      this.ports.emit({ type: 'agentProgress', round, ...(progress.kind === 'text' ? { characters: progress.characters } : { message: progress.message }) }),
    );
    const usage = reply.usage ?? {};
    this.tokens += (usage.inputTokens ?? request.estimatedInputTokens) + (usage.outputTokens ?? 0);
    let summary: string;
    let changes: FileChange[];
    let problems: EditProblem[];
    if (reply.kind === 'text') {
      // The one reply-to-changes function `refine-loop apply` uses too: all or nothing.
      const fromReply = await changesFromReply(reply, this.ports.workspace);
      summary = fromReply.prose;
      changes = fromReply.changes;
      problems = [...fromReply.problems];
      if (fromReply.editCount === 0 && problems.length === 0) problems.push({ reason: 'The reply contained no edits. Reply with search/replace blocks.' });
      if (fromReply.status === 'nothing' && fromReply.alreadyApplied.length > 0)
        problems.push({ reason: `These edits are already in the files: ${fromReply.alreadyApplied.join(', ')}. Look at the test output for what is still wrong.` });
    } else {
      summary = reply.summary;
      changes = [...reply.changes];
      problems = [];
    }
    const diffs = diffChanges(changes);
    const paths = changes.flatMap((change) => (change.oldPath !== undefined ? [change.path, change.oldPath] : [change.path]));
    const protectedPaths = protectedAmong(paths, this.settings.protectedPaths);
    const fingerprint = await proposalFingerprint(changes);
    const repeated = changes.length > 0 && this.fingerprints.has(fingerprint);
    this.fingerprints.add(fingerprint);
    const files = diffs.map((diff) => ({ path: diff.path, status: diff.status, additions: diff.additions, deletions: diff.deletions }));
    this.record.rounds.push({
      round,
      startedAt,
      agentId: this.ports.agent.id,
      tokens: { input: usage.inputTokens ?? request.estimatedInputTokens, ...(usage.outputTokens !== undefined ? { output: usage.outputTokens } : {}) },
      proposal: { summary, patch: changes.length > 0 ? unifiedPatch(changes) : '', files, protectedPaths, editProblems: problems.map((p) => (p.file ? `${p.file}: ${p.reason}` : p.reason)) },
      reverted: false,
    });
    await this.save();
    this.ports.emit({ type: 'proposalReady', round, files, editProblems: problems.length, protectedPaths, tokens: { input: usage.inputTokens, output: usage.outputTokens } });
    // What the agent was told has now been answered.
    this.rejections = [];
    this.userEdits = undefined;
    this.editProblems = [];
    return { round, summary, changes, diffs, protectedPaths, problems, repeated };
  }

  // ------------------------------------------------------------ gate 1 and apply

  /**
   * Gate 1, then the write. Returns `applied` when files were written, `skipped` when
   * the round ends without writing (rejected, nothing usable, a conflict), or `stop`.
   */
  async reviewAndApply(proposal: Proposal, signal: AbortSignal): Promise<'applied' | 'skipped' | 'stop'> {
    const record = this.current();
    if (proposal.changes.length === 0) {
      // The edit engine could not use the reply: its problems go back to the agent.
      this.editProblems = [...proposal.problems];
      this.progress.record(false);
      record.note = 'nothing to apply';
      await this.save();
      return 'skipped';
    }
    const view: ProposalView = {
      sessionId: this.sessionId,
      round: proposal.round,
      maxRounds: this.settings.maxRounds,
      summary: proposal.summary,
      changes: proposal.changes,
      diffs: proposal.diffs,
      protectedPaths: proposal.protectedPaths,
      editProblems: proposal.problems,
    };
    // Protected paths need an explicit yes in every mode.
    const byPerson = !this.auto || proposal.protectedPaths.length > 0;
    const decision = byPerson ? await this.ports.reviewer.review(view, signal) : ({ kind: 'approve' } as const);
    const reason = decision.kind === 'reject' ? decision.reason : undefined;
    this.ports.emit({ type: 'reviewDecided', round: proposal.round, decision: decision.kind, by: byPerson ? 'person' : 'rule', ...(reason !== undefined ? { reason } : {}) });
    record.review = { decision: decision.kind, by: byPerson ? 'person' : 'rule', ...(reason !== undefined ? { reason } : {}), hunkRejections: [], droppedProtected: [] };
    if (decision.kind !== 'approve') {
      if (decision.kind === 'reject') this.rejections = [{ reason: decision.reason }];
      await this.save();
      return decision.kind === 'stop' ? 'stop' : 'skipped';
    }
    const resolved = resolveApproval(proposal, decision, keepHunks);
    record.review = {
      ...record.review,
      hunkRejections: [...(decision.hunkRejections ?? [])],
      droppedProtected: resolved.droppedProtected,
      ...(resolved.userEdits !== undefined ? { userEdits: resolved.userEdits } : {}),
    };
    this.rejections = resolved.rejections;
    this.userEdits = resolved.userEdits;
    if (resolved.changes.length === 0) {
      record.note = 'nothing left to apply after the review';
      await this.save();
      return 'skipped';
    }
    const written = await this.write(proposal.round, resolved.changes);
    if (!written) {
      await this.save();
      return 'skipped';
    }
    record.appliedPatch = unifiedPatch(written);
    this.appliedPatches.set(proposal.round, record.appliedPatch);
    written.forEach((change) => this.touched.add(change.path));
    await this.save();
    const diffs = diffChanges(written);
    this.ports.emit({ type: 'applied', round: proposal.round, files: diffs.map((d) => ({ path: d.path, status: d.status, additions: d.additions, deletions: d.deletions })) });
    return 'applied';
  }

  /** Journaled write; on a base-hash conflict the changes are re-matched on the files as they are now, once, or not written. */
  private async write(round: number, changes: readonly FileChange[]): Promise<readonly FileChange[] | undefined> {
    const read = (path: string) => this.ports.workspace.read(path);
    const first = await applyJournaled(this.sessionId, round, await imagesOf(changes, read), this.ports, this.ports.clock.now());
    if (first.ok) return changes;
    const rebased: FileChange[] = [];
    for (const change of changes) {
      if (!first.conflicts.includes(change.path)) rebased.push(change);
      else {
        const again = rebaseChange(change, await read(change.path));
        if (again) rebased.push(again);
      }
    }
    if (rebased.length === changes.length) {
      const second = await applyJournaled(this.sessionId, round, await imagesOf(rebased, read), this.ports, this.ports.clock.now());
      if (second.ok) {
        this.ports.log.info('loop', `round ${round}: ${first.conflicts.join(', ')} changed during review; the approved hunks were re-matched and applied`);
        return rebased;
      }
    }
    const message = `${first.conflicts.join(', ')} changed while round ${round} was under review and the approved changes no longer fit; nothing was written, your edits are kept.`;
    this.ports.emit({ type: 'warning', message });
    this.current().note = message;
    this.editProblems = first.conflicts.map((file) => ({ file, reason: 'The file was changed by the person meanwhile; your edit no longer matches. Propose it again against the current content.' }));
    return undefined;
  }

  // ------------------------------------------------------------ tests and gate 2

  async test(signal: AbortSignal): Promise<TestedRound> {
    const round = this.round;
    const previous = this.latest()?.report;
    const { report, result, feedback } = await this.runTests(round, signal);
    this.current().tests = result;
    this.results.set(round, { report, feedback });
    this.progress.record(madeProgress(previous, report));
    await this.save();
    const stuckReason = result.green ? undefined : this.progress.stuckReason;
    const stopReason = this.limitBeforeNextRound() ?? stuckReason;
    return { round, report, feedback, green: result.green, stuck: stopReason !== undefined && stopReason === stuckReason, ...(stopReason !== undefined ? { stopReason } : {}) };
  }

  /** Gate 2: asks when the mode says so (or the loop would stop), and carries the decision out. */
  async afterTests(tested: TestedRound, signal: AbortSignal): Promise<Next> {
    const ask = !this.auto || tested.green || tested.stopReason !== undefined;
    const view: RoundView = {
      sessionId: this.sessionId,
      round: tested.round,
      maxRounds: this.settings.maxRounds,
      report: tested.report,
      feedback: tested.feedback,
      passed: tested.green,
      ...(tested.stopReason !== undefined ? { stopReason: tested.stopReason } : {}),
    };
    const decision: AfterTestsDecision = ask ? await this.ports.reviewer.afterTests(view, signal) : { kind: 'continue' };
    this.ports.emit({ type: 'afterTestsDecided', round: tested.round, decision: decision.kind, by: ask ? 'person' : 'rule' });
    const reason = decision.kind === 'revertRetry' ? decision.reason : undefined;
    this.current().afterTests = {
      decision: decision.kind,
      by: ask ? 'person' : 'rule',
      ...(reason !== undefined ? { reason } : {}),
      ...(decision.kind === 'restore' ? { restoreRound: decision.round } : {}),
    };
    await this.save();
    const ruled: Outcome = tested.green || tested.stopReason === undefined ? 'stopped' : tested.stuck ? 'stuck' : 'limitReached';
    const why = !tested.green && tested.stopReason !== undefined ? tested.stopReason : 'stopped by the person';
    switch (decision.kind) {
      case 'stopKeep':
        return tested.green ? end('passed', 'the tests pass') : end(ruled, why);
      case 'stopRevert':
        await this.revertFrom(1, signal);
        return end(ruled, `${why}; every round was reverted`);
      case 'revertRetry':
      case 'restore': {
        const from = decision.kind === 'restore' ? Math.min(Math.max(1, Math.floor(decision.round)), tested.round) : tested.round;
        await this.revertFrom(from, signal);
        const what = from === tested.round ? `Round ${from} was reverted` : `Rounds ${from} to ${tested.round} were reverted`;
        this.rejections = [{ reason: reason ? `${what}: ${reason}` : `${what}.` }];
        this.progress.reset();
        return next;
      }
      case 'continue':
        // Limits are hard: going on is not possible, and what is there is kept.
        if (tested.stopReason !== undefined && !tested.stuck) return tested.green ? end('passed', 'the tests pass') : end('limitReached', tested.stopReason);
        if (tested.stuck) this.progress.reset();
        return next;
    }
  }

  /** Restores the checkpoint of `from` (undoing it and every later round) and forgets their results. */
  async revertFrom(from: number, signal: AbortSignal): Promise<void> {
    const restored = await restoreCheckpoint(this.sessionId, from, this.ports, signal);
    for (const round of restored.rounds) {
      this.results.delete(round);
      this.appliedPatches.delete(round);
      const record = this.record.rounds.find((r) => r.round === round);
      if (record) record.reverted = true;
    }
    if (restored.kept.length > 0) this.ports.emit({ type: 'warning', message: `Kept your later changes to ${restored.kept.join(', ')} instead of restoring them.` });
    this.ports.emit({ type: 'reverted', rounds: [...restored.rounds], files: [...restored.restored] });
    await this.save();
  }

  /** A round that wrote nothing and ran no tests counts toward stuck only when the agent produced nothing usable. */
  stuckWithoutTests(): string | undefined {
    return this.progress.stuckReason;
  }

  async finish(outcome: Outcome, reason: string): Promise<{ sessionId: string; outcome: Outcome; rounds: number; reason: string }> {
    this.record.outcome = outcome;
    this.record.reason = reason;
    this.record.endedAt = this.ports.clock.now();
    try {
      await this.save();
    } catch (error) {
      this.ports.log.error('loop', `could not save the end of session ${this.sessionId}: ${errorMessage(error)}`);
    }
    this.ports.emit({ type: 'sessionEnded', outcome, rounds: this.round, reason });
    return { sessionId: this.sessionId, outcome, rounds: this.round, reason };
  }
}
