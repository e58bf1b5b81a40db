import type { FileChange, FileDiff, TokenUsage } from '../domain/model';
import type { CandidateRecord, TestResultRecord } from '../domain/record';
import type { CandidateView, EditProblem } from '../domain/session';
import type { SuiteShrinkage, TestReport } from '../domain/testReport';
import { failingTests, summarize } from '../domain/testReport';

// Best of N, the ranking: the attempts of one round ordered by what the tests said of
// them in their scratch copies. Pure: the running lives in ./candidateRound.ts.

/** One attempt of a round, after its agent call and (when it had changes) its test run. */
export interface Attempt {
  /** 1-based, in the order the attempts were asked for. */
  readonly attempt: number;
  /** 0-based order in which its agent call finished: the last tie-break. */
  readonly arrival: number;
  readonly agentId: string;
  readonly summary: string;
  readonly changes: readonly FileChange[];
  readonly diffs: readonly FileDiff[];
  readonly problems: readonly EditProblem[];
  readonly noEdits: boolean;
  readonly protectedPaths: readonly string[];
  readonly usage: TokenUsage;
  /** Input and output tokens, as the provider reported them (or the prompt's estimate). */
  readonly tokens: number;
  readonly durationMs: number;
  /** The full-suite run in its scratch copy; absent when there was nothing to test. */
  readonly report?: TestReport;
  readonly result?: TestResultRecord;
  readonly shrank?: SuiteShrinkage;
  /** The agent failed, or the changes could not be written into the copy. */
  readonly error?: string;
  /** The raw reply's extras the chosen attempt carries into the round record. */
  readonly reads?: readonly { tool: string; target: string; size: number; error?: string }[];
}

/** Failing count a run stands for: a run that could not run counts as worse than any that did. */
export function failingCount(report: TestReport | undefined): number {
  if (report === undefined) return Number.POSITIVE_INFINITY;
  if (report.problems.length > 0 || report.run.timedOut || report.run.cancelled) return Number.MAX_SAFE_INTEGER;
  return failingTests(report).length;
}

/** Tests that passed in `previous` and fail in `current`. */
export function newlyFailingCount(previous: TestReport | undefined, current: TestReport): number {
  if (previous === undefined) return 0;
  const passedBefore = new Set(previous.tests.filter((test) => test.status === 'passed').map((test) => test.id));
  return failingTests(current).filter((test) => passedBefore.has(test.id)).length;
}

export function diffSize(diffs: readonly FileDiff[]): number {
  return diffs.reduce((sum, diff) => sum + diff.additions + diff.deletions, 0);
}

/** The ranking key, compared element by element; smaller is better. */
function key(attempt: Attempt, previous: TestReport | undefined): number[] {
  const tested = attempt.report !== undefined && attempt.error === undefined;
  return [
    // Nothing tested never beats something tested.
    tested ? 0 : 1,
    // A shrunken suite never wins: deleting a failing test is not fixing it.
    attempt.shrank ? 1 : 0,
    failingCount(attempt.report),
    attempt.report ? newlyFailingCount(previous, attempt.report) : 0,
    // The other integrity flag: changes to protected files (tests, configuration).
    attempt.protectedPaths.length,
    diffSize(attempt.diffs),
    attempt.tokens,
    attempt.arrival,
  ];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** The attempts best first: tested, suite intact, failing, newly failing, protected paths, diff size, tokens, arrival. */
export function rankAttempts(attempts: readonly Attempt[], previous: TestReport | undefined): Attempt[] {
  const keys = new Map(attempts.map((attempt) => [attempt, key(attempt, previous)]));
  return [...attempts].sort((a, b) => compare(keys.get(a)!, keys.get(b)!));
}

/**
 * Whether an attempt is strictly better than the state the workspace stands on:
 * fewer failing tests in the whole suite, the suite intact and nothing protected
 * touched. Without a known state, any attempt whose tests ran is better.
 */
export function betterThanCurrent(attempt: Attempt, current: TestReport | undefined): boolean {
  if (attempt.report === undefined || attempt.error !== undefined || attempt.shrank !== undefined || attempt.protectedPaths.length > 0) return false;
  const now = failingCount(attempt.report);
  if (now === Number.MAX_SAFE_INTEGER) return false;
  return current === undefined || now < failingCount(current);
}

/** Why an attempt ranks where it does, in a sentence for the person. */
export function whyRanked(attempt: Attempt, previous: TestReport | undefined): string {
  if (attempt.error !== undefined) return `not tested: ${attempt.error}`;
  if (attempt.report === undefined) return attempt.noEdits ? 'not tested: the reply had no edits' : 'not tested: no usable edits';
  const parts: string[] = [];
  const failing = failingCount(attempt.report);
  parts.push(failing === Number.MAX_SAFE_INTEGER ? 'the tests could not run' : `${failing} failing`);
  const newly = newlyFailingCount(previous, attempt.report);
  if (newly > 0) parts.push(`${newly} newly failing`);
  if (attempt.shrank) parts.push(`the suite shrank (${attempt.shrank.summary})`);
  if (attempt.protectedPaths.length > 0) parts.push(`touches protected ${attempt.protectedPaths.join(', ')}`);
  parts.push(`${diffSize(attempt.diffs)} changed lines`, `${attempt.tokens} tokens`);
  return parts.join(', ');
}

export function candidateView(attempt: Attempt, rank: number, previous: TestReport | undefined): CandidateView {
  return {
    rank,
    attempt: attempt.attempt,
    agentId: attempt.agentId,
    summary: attempt.summary,
    diffs: attempt.diffs,
    ...(attempt.report ? { tests: summarize(attempt.report) } : {}),
    failing: attempt.report ? failingTests(attempt.report).map((test) => test.id) : [],
    newlyFailing: attempt.report ? newlyFailingCount(previous, attempt.report) : 0,
    fixed: attempt.result?.fixed ?? 0,
    ...(attempt.shrank ? { suiteShrank: attempt.shrank.summary } : {}),
    protectedPaths: attempt.protectedPaths,
    tokens: attempt.tokens,
    durationMs: attempt.durationMs,
    ...(attempt.error !== undefined ? { error: attempt.error } : attempt.report === undefined ? { error: attempt.noEdits ? 'the reply had no edits' : 'no usable edits' } : {}),
    why: whyRanked(attempt, previous),
  };
}

export function candidateRecord(attempt: Attempt, rank: number, previous: TestReport | undefined, patch: string): CandidateRecord {
  return {
    attempt: attempt.attempt,
    rank,
    agentId: attempt.agentId,
    tokens: { ...(attempt.usage.inputTokens !== undefined ? { input: attempt.usage.inputTokens } : {}), ...(attempt.usage.outputTokens !== undefined ? { output: attempt.usage.outputTokens } : {}) },
    durationMs: attempt.durationMs,
    summary: attempt.summary,
    patch,
    files: attempt.diffs.map((diff) => ({ path: diff.path, status: diff.status, additions: diff.additions, deletions: diff.deletions })),
    protectedPaths: [...attempt.protectedPaths],
    ...(attempt.result ? { tests: attempt.result } : {}),
    ...(attempt.error !== undefined ? { error: attempt.error } : {}),
    why: whyRanked(attempt, previous),
  };
}

/**
 * What the next round learns of the attempts not chosen: their distinct failures, in
 * one short section (at most `maxLines` lines), so the model knows what did not work.
 */
export function otherAttemptsNote(others: readonly Attempt[], maxLines = 12): string | undefined {
  if (others.length === 0) return undefined;
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const attempt of others) {
    const files = attempt.diffs.map((diff) => diff.path).join(', ') || 'no files';
    if (attempt.error !== undefined || attempt.report === undefined) {
      lines.push(`- Another attempt (${files}) could not be tested: ${attempt.error ?? (attempt.noEdits ? 'its reply had no edits' : 'its edits did not apply')}.`);
      continue;
    }
    const failing = failingTests(attempt.report).filter((test) => !seen.has(test.id));
    failing.forEach((test) => seen.add(test.id));
    const problems = attempt.report.problems.map((problem) => problem.message.split('\n')[0]!.slice(0, 160));
    const what = [
      ...(failing.length > 0 ? [`failing ${failing.slice(0, 5).map((test) => test.id).join(', ')}${failing.length > 5 ? ` and ${failing.length - 5} more` : ''}`] : []),
      ...problems.slice(0, 2),
      ...(attempt.shrank ? [`the test suite shrank (${attempt.shrank.summary})`] : []),
    ];
    if (what.length > 0) lines.push(`- Another attempt changing ${files}: ${what.join('; ')}.`);
  }
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`- … and ${lines.length - maxLines} more attempts.`);
  return ['## Other attempts this round that did not work', '', ...shown].join('\n');
}
