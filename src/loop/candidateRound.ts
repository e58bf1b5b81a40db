import { diffChanges, unifiedPatch } from '../edits';
import { CancelledError, errorMessage } from '../domain/errors';
import type { Agent, AgentRequest, Clock, EventSink, FileWrite, Logger, Reviewer, ScratchCopies, Workspace } from '../domain/ports';
import type { CandidateRecord, RoundRecord } from '../domain/record';
import type { Rejection } from './prompt';
import type { Proposal } from './steps';
import type { CandidatesView } from '../domain/session';
import type { TestReport } from '../domain/testReport';
import { summarize } from '../domain/testReport';
import { buildFeedback } from '../testing/feedback';
import { betterThanCurrent, candidateRecord, candidateView, failingCount, newlyFailingCount, otherAttemptsNote, rankAttempts, type Attempt } from './candidates';
import { imagesOf } from './checkpoints';
import { changesOfReply } from './replyChanges';
import { testResultRecord } from './roundTests';
import type { SuiteGuard } from './suiteGuard';

// Best of N, one round: the same prompt to N attempts at once, each attempt's changes
// written into its own scratch copy and the whole suite run there (at most
// `parallelTests` runs at a time), the attempts ranked, and the one that goes to the
// review chosen (by the person, or by rule). The person's workspace is not touched.

/** What the candidates of a round need besides the session's own ports. */
export interface CandidatePorts {
  /** Where each attempt's proposal comes from, taken in turn (the session's agent when empty). */
  readonly agents?: readonly Agent[];
  readonly scratch: ScratchCopies;
  /** Most test runs at once (at least 1). */
  readonly parallelTests: number;
}

export interface AttemptsInput {
  readonly round: number;
  readonly count: number;
  readonly request: AgentRequest;
  readonly agents: readonly Agent[];
  readonly scratch: ScratchCopies;
  readonly parallelTests: number;
  /** The person's workspace: edits are matched against it, never written to it. */
  readonly workspace: Workspace;
  readonly previous: TestReport | undefined;
  readonly suite: SuiteGuard;
  readonly feedbackMaxTokens: number;
  readonly clock: Clock;
  readonly emit: EventSink;
  readonly log: Logger;
}

/** The sampling temperature of best-of-N attempts (a server's usual default for chat). */
export const CANDIDATE_TEMPERATURE = 0.8;

/** At most `limit` of the tasks at a time, in the order they ask. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

async function writesOf(changes: Attempt['changes']): Promise<FileWrite[]> {
  const images = await imagesOf(changes, async () => undefined);
  return images.map((image) => ({ path: image.path, expectedHash: image.beforeHash, content: image.after ?? null }));
}

/** Every attempt of the round, in the order they were asked for; throws only when the round is cancelled or every agent call failed. */
export async function runAttempts(input: AttemptsInput, signal: AbortSignal): Promise<Attempt[]> {
  const testing = limiter(Math.max(1, input.parallelTests));
  // Attempts at the same prompt differ only if the model samples: above 0 where the provider takes a temperature.
  const request = input.request.temperature === undefined ? { ...input.request, temperature: CANDIDATE_TEMPERATURE } : input.request;
  let arrivals = 0;
  const one = async (index: number): Promise<Attempt> => {
    const agent = input.agents[index % input.agents.length]!;
    const number = index + 1;
    const startedAt = input.clock.now();
    const base = { attempt: number, agentId: agent.id, summary: '', changes: [], diffs: [], problems: [], noEdits: false, protectedPaths: [], usage: {}, tokens: 0 };
    let reply;
    try {
      reply = await agent.propose(request, signal, (progress) => {
        if (progress.kind === 'status') input.emit({ type: 'agentProgress', round: input.round, message: `attempt ${number}: ${progress.message}` });
      });
    } catch (error) {
      if (signal.aborted || error instanceof CancelledError) throw error;
      const failed: Attempt = { ...base, arrival: arrivals++, durationMs: input.clock.now() - startedAt, error: `the agent call failed: ${errorMessage(error)}` };
      input.emit({ type: 'candidateTested', round: input.round, attempt: number, agentId: agent.id, newlyFailing: 0, files: [], tokens: 0, error: failed.error });
      return failed;
    }
    const arrival = arrivals++;
    const usage = reply.usage ?? {};
    const tokens = (usage.inputTokens ?? input.request.estimatedInputTokens) + (usage.outputTokens ?? 0);
    const parsed = await changesOfReply(reply, input.workspace);
    const diffs = diffChanges(parsed.changes);
    const attempt = {
      ...base,
      arrival,
      summary: parsed.summary,
      changes: parsed.changes,
      diffs,
      problems: parsed.problems,
      noEdits: parsed.noEdits,
      protectedPaths: [...input.suite.protectedIn(parsed.changes).keys()],
      usage,
      tokens,
      ...(reply.kind === 'text' && reply.reads ? { reads: reply.reads.map((read) => ({ ...read })) } : {}),
    };
    const files = diffs.map((d) => ({ path: d.path, status: d.status, additions: d.additions, deletions: d.deletions }));
    const tested = parsed.changes.length === 0 ? { ...attempt, durationMs: input.clock.now() - startedAt } : await testInCopy(attempt, number, startedAt);
    input.emit({
      type: 'candidateTested',
      round: input.round,
      attempt: number,
      agentId: agent.id,
      ...(tested.report ? { summary: summarize(tested.report) } : {}),
      newlyFailing: tested.report ? newlyFailingCount(input.previous, tested.report) : 0,
      files,
      tokens,
      ...(tested.error !== undefined ? { error: tested.error } : {}),
    });
    return tested;
  };

  const testInCopy = async (attempt: Omit<Attempt, 'durationMs'>, number: number, startedAt: number): Promise<Attempt> => {
    const copy = await input.scratch.create(`round ${input.round} attempt ${number}`, signal);
    try {
      const written = await copy.workspace.commit(await writesOf(attempt.changes));
      if (!written.ok) return { ...attempt, durationMs: input.clock.now() - startedAt, error: `its changes did not fit the scratch copy (${written.conflicts.map((c) => c.path).join(', ')})` };
      // The whole suite: only full runs rank fairly against each other.
      const report = await testing(() => copy.tests.run({}, signal));
      if (signal.aborted) throw new CancelledError();
      const shrank = input.suite.check(report);
      const feedback = buildFeedback({ report, previous: input.previous, sources: {}, maxTokens: input.feedbackMaxTokens });
      const result = testResultRecord(report, input.previous, feedback, shrank);
      return { ...attempt, durationMs: input.clock.now() - startedAt, report, result, ...(shrank ? { shrank } : {}) };
    } finally {
      await copy.remove().catch((error: unknown) => input.log.warn('loop', `could not remove the scratch copy of attempt ${number}: ${errorMessage(error)}`));
    }
  };

  const settled = await Promise.allSettled(Array.from({ length: input.count }, (_, index) => one(index)));
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  const attempts = settled.map((outcome) => (outcome as PromiseFulfilledResult<Attempt>).value);
  // Every agent call failed: the round failed, as a single attempt's would.
  if (attempts.every((attempt) => attempt.error?.startsWith('the agent call failed') === true)) throw new Error(attempts[0]!.error!.replace(/^the agent call failed: /, ''));
  return attempts;
}

export type CandidateOutcome =
  | { readonly kind: 'chosen'; readonly attempt: Attempt; readonly by: 'person' | 'rule' }
  | { readonly kind: 'rejectAll'; readonly reason: string; readonly by: 'person' | 'rule' }
  | { readonly kind: 'stop' };

export function candidatesView(sessionId: string, round: number, maxRounds: number, ranked: readonly Attempt[], previous: TestReport | undefined): CandidatesView {
  const current = previous ? failingCount(previous) : undefined;
  return {
    sessionId,
    round,
    maxRounds,
    candidates: ranked.map((attempt, index) => candidateView(attempt, index + 1, previous)),
    ...(current !== undefined && Number.isFinite(current) && current !== Number.MAX_SAFE_INTEGER ? { currentFailing: current } : {}),
  };
}

/**
 * Which attempt goes to the review. autoUntilGreen: the best one strictly better than
 * the workspace's state, else all are rejected by rule. Otherwise the person chooses
 * (a reviewer that cannot show attempts gets the best one).
 */
export async function chooseCandidate(
  ranked: readonly Attempt[],
  options: { readonly auto: boolean; readonly reviewer: Reviewer; readonly view: CandidatesView; readonly current: TestReport | undefined },
  signal: AbortSignal,
): Promise<CandidateOutcome> {
  const usable = ranked.filter((attempt) => attempt.changes.length > 0 && attempt.error === undefined);
  if (options.auto) {
    const best = usable.find((attempt) => betterThanCurrent(attempt, options.current));
    if (best) return { kind: 'chosen', attempt: best, by: 'rule' };
    const now = options.current ? failingCount(options.current) : undefined;
    const state = now === undefined ? '' : now === Number.MAX_SAFE_INTEGER ? ' (the tests could not run)' : ` (${now} failing)`;
    return { kind: 'rejectAll', reason: `none of the ${ranked.length} attempts was better than the current state${state}`, by: 'rule' };
  }
  if (!options.reviewer.chooseCandidate) {
    const best = usable[0];
    return best ? { kind: 'chosen', attempt: best, by: 'rule' } : { kind: 'rejectAll', reason: `none of the ${ranked.length} attempts brought usable edits`, by: 'rule' };
  }
  const choice = await options.reviewer.chooseCandidate(options.view, signal);
  if (choice.kind === 'stop') return choice;
  if (choice.kind === 'rejectAll') return { kind: 'rejectAll', reason: choice.reason, by: 'person' };
  const picked = ranked[Math.floor(choice.rank) - 1];
  if (!picked) throw new Error(`There is no attempt ranked ${choice.rank} (there are ${ranked.length}).`);
  return { kind: 'chosen', attempt: picked, by: 'person' };
}

export type BestOf = CandidateOutcome & {
  /** Every attempt, best first, for the round record. */
  readonly records: CandidateRecord[];
  /** Tokens of every attempt: all of them count against the budget. */
  readonly tokens: number;
  /** What the next round learns of the attempts not chosen. */
  readonly note?: string;
};

/** Runs, ranks and chooses: one round's attempts, up to the attempt that goes to the review. */
export async function bestOfRound(
  input: AttemptsInput & { readonly sessionId: string; readonly maxRounds: number; readonly auto: boolean; readonly reviewer: Reviewer },
  signal: AbortSignal,
  gateSignal: AbortSignal,
): Promise<BestOf> {
  const attempts = await runAttempts(input, signal);
  const ranked = rankAttempts(attempts, input.previous);
  const records = ranked.map((attempt, index) => candidateRecord(attempt, index + 1, input.previous, attempt.changes.length > 0 ? unifiedPatch(attempt.changes) : ''));
  const tokens = attempts.reduce((sum, attempt) => sum + attempt.tokens, 0);
  const view = candidatesView(input.sessionId, input.round, input.maxRounds, ranked, input.previous);
  const outcome = await chooseCandidate(ranked, { auto: input.auto, reviewer: input.reviewer, view, current: input.previous }, gateSignal);
  input.emit({
    type: 'candidatesRanked',
    round: input.round,
    ranking: ranked.map((attempt) => attempt.attempt),
    ...(outcome.kind === 'chosen' ? { chosen: outcome.attempt.attempt } : {}),
    by: outcome.kind === 'stop' ? 'person' : outcome.by,
    ...(outcome.kind === 'rejectAll' ? { reason: outcome.reason } : {}),
  });
  if (outcome.kind !== 'chosen') {
    const reason = outcome.kind === 'rejectAll' ? outcome.reason : undefined;
    input.emit({ type: 'reviewDecided', round: input.round, decision: reason !== undefined ? 'reject' : 'stop', by: outcome.kind === 'rejectAll' ? outcome.by : 'person', ...(reason !== undefined ? { reason } : {}) });
  }
  const note = otherAttemptsNote(outcome.kind === 'chosen' ? ranked.filter((attempt) => attempt !== outcome.attempt) : ranked);
  return { ...outcome, records, tokens, ...(note !== undefined ? { note } : {}) };
}

/** The record of a round that ended at the choice of an attempt (all rejected, or stop), and what the agent is told. */
export function settledRound(round: number, startedAt: number, agentId: string, best: BestOf & { readonly kind: 'rejectAll' | 'stop' }): { record: RoundRecord; reason?: string; rejections: Rejection[]; proposal: Proposal } {
  const reason = best.kind === 'rejectAll' ? best.reason : undefined;
  const by = best.kind === 'rejectAll' ? best.by : 'person';
  const record: RoundRecord = {
    round,
    startedAt,
    agentId,
    tokens: {},
    proposal: { summary: '', patch: '', files: [], protectedPaths: [], editProblems: [] },
    review: { decision: reason !== undefined ? 'reject' : 'stop', by, ...(reason !== undefined ? { reason } : {}), hunkRejections: [], droppedProtected: [] },
    reverted: false,
    candidates: best.records,
    note: reason !== undefined ? `every attempt was rejected: ${reason}` : 'stopped at the choice of an attempt',
  };
  return {
    record,
    ...(reason !== undefined ? { reason } : {}),
    rejections: reason !== undefined ? [{ reason: `Every attempt of the last round was rejected: ${reason}` }] : [],
    proposal: { round, summary: '', changes: [], diffs: [], protectedPaths: [], problems: [], repeated: false, settled: reason !== undefined ? 'rejected' : 'stop' },
  };
}
