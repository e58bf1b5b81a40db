import { diffChanges, keepHunks, unifiedPatch } from '../edits';
import { restoreCheckpoint } from './checkpoints';
import { errorMessage } from '../domain/errors';
import { limitBefore, madeProgress, ProgressTracker, proposalFingerprint } from './limits';
import type { FileChange, TokenUsage } from '../domain/model';
import type { AgentRequest, ToolRead } from '../domain/ports';
import { bestOfRound, settledRound, type CandidatePorts } from './candidateRound';
import { scopeFilesNow } from './scopeFiles';
import { changesOfReply, type ReplyChanges } from './replyChanges';
import { buildPrompt, type Rejection } from './prompt';
import type { RoundRecord, SessionRecord, TestResultRecord } from '../domain/record';
import { resolveApproval } from './review';
import { writeRound } from './roundWrite';
import { runRoundTests, testResultRecord } from './roundTests';
import { end, next, roundViewOf, type Next, type Proposal, type SessionPorts, type SessionTask, type TestedRound } from './steps';
import { answerReplyWithoutEdits, failedRound, NO_EDITS_NOTE } from './replyWithoutEdits';
import { SuiteGuard } from './suiteGuard';
import { shrinkageFeedback } from '../testing/inventory';
import type { AfterTestsDecision, EditProblem, Outcome, ProposalView } from '../domain/session';
import type { Settings } from '../domain/settings';
import { isGreen, type SuiteShrinkage, type TestReport } from '../domain/testReport';
import { newSessionId } from '../domain/sessionId';

// The state and the steps of one session, for the loop in ./loop.ts: each method is
// one step of a round. The session record is saved after every step, so the history
// survives whatever happens next.

export type { Next, Proposal, SessionPorts, SessionTask, TestedRound } from './steps';

export class SessionRun {
  readonly sessionId: string;
  readonly record: SessionRecord;
  round = 0;
  private tokens = 0;
  private readonly progress: ProgressTracker;
  private readonly fingerprints = new Set<string>();
  /** Test results the workspace stands on: round 0 is the baseline; reverted rounds are removed. */
  private readonly results = new Map<number, { report: TestReport; feedback: string; green: boolean }>();
  private readonly suite: SuiteGuard;
  private readonly appliedPatches = new Map<number, string>();
  private readonly touched = new Set<string>();
  private failingSources: string[] = [];
  /** What the agent is told next round, besides the test feedback. */
  private rejections: Rejection[] = [];
  private userEdits: string | undefined;
  private editProblems: EditProblem[] = [];
  /** Best of N: the other attempts' failures, for the next prompt's feedback. */
  private attemptsNote: string | undefined;

  constructor(
    private readonly task: SessionTask,
    private readonly ports: SessionPorts,
    private readonly settings: Settings,
  ) {
    const startedAt = ports.clock.now();
    this.sessionId = task.sessionId ?? newSessionId(startedAt);
    this.progress = new ProgressTracker(settings.stopAfterRoundsWithoutProgress);
    this.suite = new SuiteGuard(task.testCommand ?? settings['test.command'], settings.protectedPaths);
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

  private latest(): { report: TestReport; feedback: string; green: boolean } | undefined {
    const rounds = [...this.results.keys()].sort((a, b) => b - a);
    return rounds.length > 0 ? this.results.get(rounds[0]!) : undefined;
  }

  async start(): Promise<void> {
    await this.suite.readScripts((path) => this.ports.workspace.read(path));
    await this.save();
    this.ports.emit({ type: 'sessionStarted', sessionId: this.sessionId, task: this.task.task, approvalMode: this.settings.approvalMode, maxRounds: this.settings.maxRounds });
  }

  limitBeforeNextRound(): string | undefined {
    return limitBefore({ startedAt: this.record.startedAt, now: this.ports.clock.now(), rounds: this.round, tokens: this.tokens }, this.settings);
  }

  // ------------------------------------------------------------ tests

  private async runTests(round: number, signal: AbortSignal): Promise<{ report: TestReport; result: TestResultRecord; feedback: string; shrank?: SuiteShrinkage }> {
    const previous = this.latest()?.report;
    const { report, feedback, failingSources } = await runRoundTests(this.ports, round, previous, this.settings['feedback.maxTokens'], signal);
    this.failingSources = failingSources;
    // Fewer tests than the pinned suite is never green, and the agent is told.
    const shrank = this.suite.observe(report, round);
    this.record.inventory = this.suite.inventory;
    if (shrank) this.ports.emit({ type: 'warning', message: `The test suite shrank: ${shrank.summary}.` });
    const result = testResultRecord(report, previous, feedback, shrank);
    this.ports.emit({ type: 'testsFinished', round, summary: result.summary, scope: report.scope, newlyFailing: result.newlyFailing, fixed: result.fixed });
    return { report, result, feedback: shrank ? `${feedback.text}\n\n${shrinkageFeedback(shrank)}` : feedback.text, ...(shrank ? { shrank } : {}) };
  }

  async baseline(signal: AbortSignal): Promise<boolean> {
    const { report, result, feedback } = await this.runTests(0, signal);
    this.record.baseline = result;
    this.results.set(0, { report, feedback, green: result.green });
    await this.save();
    this.ports.emit({ type: 'baselineFinished', summary: result.summary });
    return result.green;
  }

  // ------------------------------------------------------------ propose

  async propose(signal: AbortSignal, gateSignal: AbortSignal = signal): Promise<Proposal> {
    const round = ++this.round;
    this.ports.emit({ type: 'roundStarted', round });
    const latest = this.latest();
    const lastApplied = [...this.appliedPatches.entries()].sort((a, b) => b[0] - a[0])[0]?.[1];
    const feedback = latest && !latest.green ? (this.attemptsNote ? `${latest.feedback}\n\n${this.attemptsNote}` : latest.feedback) : undefined;
    this.attemptsNote = undefined;
    const request = buildPrompt({
      round,
      task: this.task.task,
      files: await scopeFilesNow(this.task.scope, this.failingSources, this.touched, this.ports.workspace),
      ...(lastApplied !== undefined ? { previousDiff: lastApplied } : {}),
      rejections: this.rejections,
      ...(this.userEdits !== undefined ? { userEdits: this.userEdits } : {}),
      editProblems: this.editProblems,
      ...(feedback !== undefined ? { feedback } : {}),
      budgetTokens: this.settings['agent.maxPromptTokens'],
      offerTools: this.ports.agent.acceptsTools === true,
      maxToolCalls: this.settings['agent.maxToolCalls'],
      ...(this.settings.maxTokens > 0 ? { sessionTokensLeft: this.settings.maxTokens - this.tokens } : {}),
      ...(this.task.lessons && this.task.lessons.length > 0 ? { lessons: this.task.lessons } : {}),
    });
    if (request.lessons.length > 0) {
      const used = new Set([...(this.record.lessons ?? []), ...request.lessons]);
      this.record.lessons = (this.task.lessons ?? []).filter((lesson) => used.has(lesson));
    }
    const startedAt = this.ports.clock.now();
    if (this.settings.candidates > 1 && this.ports.candidates) return this.proposeBestOf(round, request, startedAt, this.ports.candidates, signal, gateSignal);
    const reply = await this.ports.agent
      .propose(request, signal, (progress) => this.ports.emit({ type: 'agentProgress', round, ...(progress.kind === 'text' ? { characters: progress.characters } : { message: progress.message }) }))
      .catch((error: unknown) => this.failed(round, startedAt, this.ports.agent.id, error));
    const usage = reply.usage ?? {};
    this.tokens += (usage.inputTokens ?? request.estimatedInputTokens) + (usage.outputTokens ?? 0);
    const reads = reply.kind === 'text' && reply.reads ? reply.reads.map((read) => ({ ...read })) : undefined;
    return this.proposalOf(round, startedAt, this.ports.agent.id, usage, request.estimatedInputTokens, await changesOfReply(reply, this.ports.workspace), reads);
  }

  /** The round happened even though it brought nothing: the record counts it as the CLI's last line does. */
  private async failed(round: number, startedAt: number, agentId: string, error: unknown): Promise<never> {
    this.record.rounds.push(failedRound(round, startedAt, agentId, error));
    await this.save().catch(() => undefined);
    throw error;
  }

  /** Best of N (./candidateRound.ts): the attempts run, ranked and chosen; the chosen one is the round's proposal. */
  private async proposeBestOf(round: number, request: AgentRequest, startedAt: number, candidates: CandidatePorts, signal: AbortSignal, gateSignal: AbortSignal): Promise<Proposal> {
    const agents = candidates.agents && candidates.agents.length > 0 ? candidates.agents : [this.ports.agent];
    const [{ settings, ports }, previous] = [this, this.latest()?.report];
    const input = { ...candidates, ...ports, round, count: settings.candidates, request, agents, previous, suite: this.suite, feedbackMaxTokens: settings['feedback.maxTokens'] };
    const best = await bestOfRound({ ...input, sessionId: this.sessionId, maxRounds: settings.maxRounds, auto: this.auto }, signal, gateSignal).catch((error: unknown) => this.failed(round, startedAt, agents[0]!.id, error));
    this.tokens += best.tokens;
    this.attemptsNote = best.note;
    if (best.kind === 'chosen') {
      const { attempt } = best;
      const parsed = { summary: attempt.summary, changes: [...attempt.changes], problems: [...attempt.problems], noEdits: attempt.noEdits };
      return this.proposalOf(round, startedAt, attempt.agentId, attempt.usage, request.estimatedInputTokens, parsed, attempt.reads, { candidates: best.records, chosenCandidate: attempt.attempt });
    }
    const settled = settledRound(round, startedAt, agents[0]!.id, best);
    this.record.rounds.push(settled.record);
    [this.rejections, this.userEdits, this.editProblems] = [settled.rejections, undefined, []];
    if (settled.reason !== undefined) this.progress.record(false);
    await this.save();
    return settled.proposal;
  }

  /** The round's proposal from the changes of a reply: recorded, announced, and what the agent was told marked answered. */
  private async proposalOf(round: number, startedAt: number, agentId: string, usage: TokenUsage, estimatedInputTokens: number, parsed: ReplyChanges, reads: readonly ToolRead[] | undefined, candidates?: Pick<RoundRecord, 'candidates' | 'chosenCandidate'>): Promise<Proposal> {
    const { summary, changes, problems, noEdits } = parsed;
    const diffs = diffChanges(changes);
    const protectedReasons = this.suite.protectedIn(changes);
    const protectedPaths = [...protectedReasons.keys()];
    const fingerprint = await proposalFingerprint(changes);
    const repeated = changes.length > 0 && this.fingerprints.has(fingerprint);
    this.fingerprints.add(fingerprint);
    const files = diffs.map((diff) => ({ path: diff.path, status: diff.status, additions: diff.additions, deletions: diff.deletions }));
    this.record.rounds.push({
      round,
      startedAt,
      agentId,
      tokens: { input: usage.inputTokens ?? estimatedInputTokens, ...(usage.outputTokens !== undefined ? { output: usage.outputTokens } : {}) },
      proposal: { summary, patch: changes.length > 0 ? unifiedPatch(changes) : '', files, protectedPaths, editProblems: problems.map((p) => (p.file ? `${p.file}: ${p.reason}` : p.reason)) },
      ...(reads ? { reads: reads.map((read) => ({ ...read })) } : {}),
      reverted: false,
      ...candidates,
    });
    await this.save();
    this.ports.emit({ type: 'proposalReady', round, files, editProblems: problems.length, protectedPaths, tokens: { input: usage.inputTokens, output: usage.outputTokens }, ...(reads ? { reads: reads.map((read) => ({ ...read })) } : {}) });
    // What the agent was told has now been answered.
    this.rejections = [];
    this.userEdits = undefined;
    this.editProblems = [];
    return { round, summary, changes, diffs, protectedPaths, protectedReasons: Object.fromEntries(protectedReasons), problems, repeated, ...(noEdits ? { noEdits } : {}) };
  }

  // ------------------------------------------------------------ gate 1 and apply

  /**
   * Gate 1, then the write. Returns `applied` when files were written, `skipped` when
   * the round ends without writing (rejected, nothing usable, a conflict), or `stop`.
   */
  async reviewAndApply(proposal: Proposal, signal: AbortSignal): Promise<'applied' | 'skipped' | 'stop'> {
    if (proposal.settled) return proposal.settled === 'stop' ? 'stop' : 'skipped';
    const record = this.current();
    if (proposal.changes.length === 0) {
      // The edit engine could not use the reply: its problems go back to the agent.
      this.editProblems = [...proposal.problems];
      record.note = proposal.noEdits ? NO_EDITS_NOTE : 'nothing to apply';
      if (proposal.noEdits && !this.auto) {
        const answer = await answerReplyWithoutEdits(proposal, { sessionId: this.sessionId, maxRounds: this.settings.maxRounds, reviewer: this.ports.reviewer, emit: this.ports.emit }, signal);
        record.review = answer.review;
        this.rejections = answer.rejections;
        await this.save();
        return answer.stop ? 'stop' : 'skipped';
      }
      this.progress.record(false);
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
      ...(proposal.protectedReasons ? { protectedReasons: proposal.protectedReasons } : {}),
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
    this.suite.noteWritten(proposal.round, written);
    await this.save();
    const diffs = diffChanges(written);
    this.ports.emit({ type: 'applied', round: proposal.round, files: diffs.map((d) => ({ path: d.path, status: d.status, additions: d.additions, deletions: d.deletions })) });
    return 'applied';
  }

  /** Journaled write (./roundWrite.ts); when it cannot be written, the agent and the person are told why. */
  private async write(round: number, changes: readonly FileChange[]): Promise<readonly FileChange[] | undefined> {
    const outcome = await writeRound(this.sessionId, round, changes, this.ports);
    if (outcome.written) return outcome.written;
    this.ports.emit({ type: 'warning', message: outcome.message });
    this.current().note = outcome.message;
    this.editProblems = outcome.conflicts.map((file) => ({ file, reason: 'The file was changed by the person meanwhile; your edit no longer matches. Propose it again against the current content.' }));
    return undefined;
  }

  // ------------------------------------------------------------ tests and gate 2

  async test(signal: AbortSignal): Promise<TestedRound> {
    const round = this.round;
    const previous = this.latest()?.report;
    const { report, result, feedback, shrank } = await this.runTests(round, signal);
    this.current().tests = result;
    this.results.set(round, { report, feedback, green: result.green });
    // Deleting a failing test shrinks the failing set: that is not progress.
    this.progress.record(madeProgress(previous, report) && shrank === undefined);
    await this.save();
    const stuckReason = result.green ? undefined : this.progress.stuckReason;
    const stopReason = this.limitBeforeNextRound() ?? stuckReason;
    return { round, report, feedback, green: result.green, stuck: stopReason !== undefined && stopReason === stuckReason, ...(stopReason !== undefined ? { stopReason } : {}), ...(shrank ? { shrank } : {}) };
  }

  /** Gate 2: asks when the mode says so (or the loop would stop), and carries the decision out. */
  async afterTests(tested: TestedRound, signal: AbortSignal): Promise<Next> {
    // A smaller suite always asks: only the person can accept it.
    const ask = !this.auto || tested.green || tested.stopReason !== undefined || tested.shrank !== undefined;
    const view = roundViewOf(this.sessionId, this.settings.maxRounds, tested);
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
    const why = !tested.green && tested.stopReason !== undefined ? tested.stopReason : tested.shrank ? `stopped by the person; the test suite shrank (${tested.shrank.summary})` : 'stopped by the person';
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
      case 'acceptSmallerSuite': {
        if (!tested.shrank) return tested.green ? end('passed', 'the tests pass') : next;
        this.suite.accept(tested.report, tested.round);
        this.record.inventory = this.suite.inventory;
        await this.save();
        if (isGreen(tested.report)) return end('passed', `the tests pass; the person accepted the smaller suite (${tested.shrank.summary})`);
        if (tested.stopReason !== undefined && !tested.stuck) return end('limitReached', tested.stopReason);
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
