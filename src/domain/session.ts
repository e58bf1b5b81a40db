import * as z from 'zod';
import type { FileChange, FileDiff, TokenUsage } from './model';
import { approvalModes } from './settings';
import type { SuiteShrinkage, TestReport } from './testReport';

// The session vocabulary of ../shared/DESIGN.md ("Words"): outcomes, gate decisions,
// what a gate shows, and the events the loop emits for the editor and the CLI.

export const outcomes = ['passed', 'stopped', 'limitReached', 'stuck', 'failed'] as const;
export type Outcome = (typeof outcomes)[number];

// ---------------------------------------------------------------- Gate 1: review

/** An edit the engine could not apply, written for the agent to repair. */
export interface EditProblem {
  readonly file?: string;
  /** 1-based index of the block in the reply. */
  readonly block?: number;
  readonly reason: string;
  readonly candidates?: readonly { readonly line: number; readonly similarity: number; readonly context: string }[];
}

/** What the review gate shows. */
export interface ProposalView {
  readonly sessionId: string;
  readonly round: number;
  readonly maxRounds: number;
  /** The agent's prose around its edits (its explanation). */
  readonly summary: string;
  readonly changes: readonly FileChange[];
  readonly diffs: readonly FileDiff[];
  /** Paths among `changes` that match `protectedPaths` or change the test configuration: approving them needs an explicit yes. */
  readonly protectedPaths: readonly string[];
  /** Per protected path, why it is protected (a pattern, a test file a report named, the test script…). */
  readonly protectedReasons?: Readonly<Record<string, string>>;
  readonly editProblems: readonly EditProblem[];
}

export interface HunkRejection {
  readonly path: string;
  readonly hunkId: string;
  readonly reason: string;
}

export type ReviewDecision =
  | {
      readonly kind: 'approve';
      /** Per path, the hunk ids kept; a path absent from the map keeps all its hunks. */
      readonly keptHunks?: Readonly<Record<string, readonly string[]>>;
      /** Rejected hunks with the person's reasons (told to the agent). */
      readonly hunkRejections?: readonly HunkRejection[];
      /** The person's own version of proposed files (edited in the diff editor): path to full content. */
      readonly editedFiles?: Readonly<Record<string, Uint8Array>>;
      /** The explicit yes that protected paths need. */
      readonly approveProtected?: boolean;
    }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'stop' };

// ---------------------------------------------------------------- Gate 2: after tests

export interface RoundView {
  readonly sessionId: string;
  readonly round: number;
  readonly maxRounds: number;
  readonly report: TestReport;
  /** Feedback text the agent would get next. */
  readonly feedback: string;
  readonly passed: boolean;
  /** Set when the loop would stop by rule: which limit, or stuck. */
  readonly stopReason?: string;
  /** Set when the suite shrank: `passed` then needs the `acceptSmallerSuite` answer. */
  readonly suiteShrank?: SuiteShrinkage;
}

export type AfterTestsDecision =
  | { readonly kind: 'continue' }
  | { readonly kind: 'stopKeep' }
  | { readonly kind: 'stopRevert' }
  | { readonly kind: 'revertRetry'; readonly reason?: string }
  | { readonly kind: 'restore'; readonly round: number }
  /** The person accepts the smaller suite (it becomes the pinned one): finish as passed when nothing else is wrong, else continue. */
  | { readonly kind: 'acceptSmallerSuite' };

// ---------------------------------------------------------------- Best of N: choosing an attempt

/** One attempt of a round as the choosing gate shows it; `rank` 1 is the best. */
export interface CandidateView {
  readonly rank: number;
  /** 1-based, in the order the attempts were asked for. */
  readonly attempt: number;
  readonly agentId: string;
  readonly summary: string;
  readonly diffs: readonly FileDiff[];
  /** Undefined when the attempt brought nothing to test (an error, no usable edits). */
  readonly tests?: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly problems: number };
  readonly failing: readonly string[];
  readonly newlyFailing: number;
  readonly fixed: number;
  readonly suiteShrank?: string;
  readonly protectedPaths: readonly string[];
  readonly tokens: number;
  readonly durationMs: number;
  /** Why the attempt could not be tested: the agent failed, or its reply had no usable edits. */
  readonly error?: string;
  /** Why it ranks where it does, in a sentence. */
  readonly why: string;
}

export interface CandidatesView {
  readonly sessionId: string;
  readonly round: number;
  readonly maxRounds: number;
  /** Best first. */
  readonly candidates: readonly CandidateView[];
  /** The failing count the workspace stands on now (undefined without a baseline). */
  readonly currentFailing?: number;
}

export type CandidateChoice =
  /** Review the attempt ranked `rank` (1 = the best) at the review gate as usual. */
  | { readonly kind: 'choose'; readonly rank: number }
  /** None of them: the reason goes to the next round's attempts. */
  | { readonly kind: 'rejectAll'; readonly reason: string }
  | { readonly kind: 'stop' };

// ---------------------------------------------------------------- Restore conflicts

export interface ConflictView {
  readonly path: string;
  /** What the round wrote, what the file holds now, what restoring would put back. */
  readonly applied: Uint8Array | undefined;
  readonly current: Uint8Array | undefined;
  readonly restore: Uint8Array | undefined;
}

export type ConflictChoice = 'overwrite' | 'keepCurrent';

// ---------------------------------------------------------------- Events

const testSummarySchema = z.object({ passed: z.number(), failed: z.number(), skipped: z.number(), problems: z.number() });
const fileStatSchema = z.object({ path: z.string(), status: z.string(), additions: z.number(), deletions: z.number() });
/** One read-only tool call of the agent (ToolRead in ./ports): the tool, its path or query, the characters it returned. */
export const toolReadSchema = z.object({ tool: z.string(), target: z.string(), size: z.number(), error: z.string().optional() });

export const sessionEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sessionStarted'), sessionId: z.string(), task: z.string(), approvalMode: z.enum(approvalModes), maxRounds: z.number() }),
  z.object({ type: z.literal('baselineFinished'), summary: testSummarySchema }),
  z.object({ type: z.literal('roundStarted'), round: z.number() }),
  z.object({ type: z.literal('agentProgress'), round: z.number(), characters: z.number().optional(), message: z.string().optional() }),
  z.object({
    type: z.literal('proposalReady'),
    round: z.number(),
    files: z.array(fileStatSchema),
    editProblems: z.number(),
    protectedPaths: z.array(z.string()),
    tokens: z.object({ input: z.number().optional(), output: z.number().optional() }),
    /** What the agent read with the read-only tools before it proposed. */
    reads: z.array(toolReadSchema).optional(),
  }),
  z.object({
    type: z.literal('reviewDecided'),
    round: z.number(),
    decision: z.enum(['approve', 'reject', 'stop']),
    reason: z.string().optional(),
    /** `rule`: decided by the approval mode, not asked. */
    by: z.enum(['person', 'rule']).optional(),
  }),
  z.object({ type: z.literal('applied'), round: z.number(), files: z.array(fileStatSchema) }),
  z.object({ type: z.literal('testsStarted'), round: z.number(), scope: z.enum(['failingFirst', 'full']) }),
  z.object({ type: z.literal('testOutput'), round: z.number(), chunk: z.string() }),
  z.object({ type: z.literal('testsFinished'), round: z.number(), summary: testSummarySchema, scope: z.enum(['full', 'selected']), newlyFailing: z.number(), fixed: z.number() }),
  z.object({
    type: z.literal('afterTestsDecided'),
    round: z.number(),
    decision: z.enum(['continue', 'stopKeep', 'stopRevert', 'revertRetry', 'restore', 'acceptSmallerSuite']),
    by: z.enum(['person', 'rule']).optional(),
  }),
  z.object({ type: z.literal('reverted'), rounds: z.array(z.number()), files: z.array(z.string()) }),
  /** Best of N: one attempt of the round was tested in its scratch copy (or could not be). */
  z.object({
    type: z.literal('candidateTested'),
    round: z.number(),
    attempt: z.number(),
    agentId: z.string(),
    summary: testSummarySchema.optional(),
    newlyFailing: z.number(),
    files: z.array(fileStatSchema),
    tokens: z.number(),
    error: z.string().optional(),
  }),
  /** Best of N: the attempts ranked (attempt numbers, best first) and which one goes to the review. */
  z.object({ type: z.literal('candidatesRanked'), round: z.number(), ranking: z.array(z.number()), chosen: z.number().optional(), by: z.enum(['person', 'rule']), reason: z.string().optional() }),
  z.object({ type: z.literal('warning'), message: z.string() }),
  z.object({ type: z.literal('sessionEnded'), outcome: z.enum(outcomes), rounds: z.number(), reason: z.string() }),
]);
export type SessionEvent = z.infer<typeof sessionEventSchema>;

export type { TokenUsage };
