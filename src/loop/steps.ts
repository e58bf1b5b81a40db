// What the steps of a session (./sessionRun.ts) take and give: the task, the ports,
// a proposal, a tested round, and what follows a gate.
import type { FileChange, FileDiff } from '../domain/model';
import type { Agent, Clock, EventSink, Journal, Logger, Reviewer, SessionHistory, TestRunner, Workspace } from '../domain/ports';
import type { EditProblem, Outcome, RoundView } from '../domain/session';
import type { SuiteShrinkage, TestReport } from '../domain/testReport';
import type { ScopeFile } from './prompt';
import type { CandidatePorts } from './candidateRound';

export interface SessionTask {
  readonly task: string;
  readonly scope: readonly ScopeFile[];
  readonly sessionId?: string;
  /** Run the tests once before the first round (the baseline the first round is measured against). */
  readonly baseline?: boolean;
  /** The person's kept lessons (.refine-loop/lessons.md), oldest first; every prompt carries those that fit. */
  readonly lessons?: readonly string[];
  /** The command line the tests run with, when the caller resolved it (else the `test.command` setting). */
  readonly testCommand?: string;
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
  /** Best of N: used when the `candidates` setting is above 1. */
  readonly candidates?: CandidatePorts;
}

export interface Proposal {
  readonly round: number;
  readonly summary: string;
  readonly changes: readonly FileChange[];
  readonly diffs: readonly FileDiff[];
  readonly protectedPaths: readonly string[];
  /** Per protected path, why (a pattern, a test file a report named, the test script…). */
  readonly protectedReasons?: Readonly<Record<string, string>>;
  readonly problems: readonly EditProblem[];
  /** The agent proposed exactly what it proposed in an earlier round. */
  readonly repeated: boolean;
  /** The reply held no edit at all (a question, giving up): its text is the round's outcome. */
  readonly noEdits?: boolean;
  /** Best of N: the round ended at the choice of an attempt (all rejected, or stop); nothing to review. */
  readonly settled?: 'rejected' | 'stop';
}

export interface TestedRound {
  readonly round: number;
  readonly report: TestReport;
  readonly feedback: string;
  readonly green: boolean;
  /** Set when no further round may start: which limit, or stuck. */
  readonly stopReason?: string;
  readonly stuck: boolean;
  /** Set when the suite is smaller than the pinned one: then not green. */
  readonly shrank?: SuiteShrinkage;
}

/** What follows a gate: another round, or the end with an outcome. */
export type Next = { readonly end: false } | { readonly end: true; readonly outcome: Outcome; readonly reason: string };
export const next: Next = { end: false };
export const end = (outcome: Outcome, reason: string): Next => ({ end: true, outcome, reason });


/** What the after-tests gate shows of a tested round. */
export function roundViewOf(sessionId: string, maxRounds: number, tested: TestedRound): RoundView {
  return {
    sessionId,
    round: tested.round,
    maxRounds,
    report: tested.report,
    feedback: tested.feedback,
    passed: tested.green,
    ...(tested.stopReason !== undefined ? { stopReason: tested.stopReason } : {}),
    ...(tested.shrank ? { suiteShrank: tested.shrank } : {}),
  };
}
