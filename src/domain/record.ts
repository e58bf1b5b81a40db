import * as z from 'zod';
import { approvalModes } from './settings';
import { outcomes, toolReadSchema } from './session';

// What a session leaves behind: the history (patches and summaries, zod-checked JSON,
// listed and exported) and the journal (full pre- and post-images of the files one
// round touched, written before the round applies: it is the round's checkpoint too).

export const testSummarySchema = z.object({ passed: z.number(), failed: z.number(), skipped: z.number(), problems: z.number() });
export type TestSummary = z.infer<typeof testSummarySchema>;

export const testResultRecordSchema = z.object({
  summary: testSummarySchema,
  scope: z.enum(['full', 'selected']),
  green: z.boolean(),
  /** Ids of the failing tests, for progress and for the report. */
  failing: z.array(z.string()),
  problems: z.array(z.string()).default([]),
  exitCode: z.number().int().nullable(),
  durationMs: z.number(),
  newlyFailing: z.number().default(0),
  fixed: z.number().default(0),
  /** The feedback's one-line summary, as the agent got it. */
  summaryLine: z.string().default(''),
  /** Set when the run lacked tests of the inventory or skipped tests that ran then. */
  suiteShrank: z.object({ missing: z.array(z.string()), newlySkipped: z.array(z.string()), summary: z.string() }).optional(),
});
export type TestResultRecord = z.infer<typeof testResultRecordSchema>;

/** The pinned suite: per test file ('' when the runner named none), the ids of its tests, a repeated id once per test. */
export const testInventorySchema = z.object({
  /** Round whose full run pinned it: 0 is the baseline; later when the person accepted a smaller suite. */
  pinnedAt: z.number().int(),
  files: z.record(z.string(), z.array(z.string())),
  /** Ids that were already skipped when it was pinned. */
  skipped: z.array(z.string()).default([]),
});
export type TestInventory = z.infer<typeof testInventorySchema>;

/** Best of N: one attempt of a round, kept whether or not it was chosen. */
export const candidateRecordSchema = z.object({
  /** 1-based, in the order the attempts were asked for. */
  attempt: z.number().int().positive(),
  /** 1 is the best. */
  rank: z.number().int().positive(),
  agentId: z.string(),
  tokens: z.object({ input: z.number().optional(), output: z.number().optional() }).default({}),
  durationMs: z.number().default(0),
  summary: z.string().default(''),
  patch: z.string(),
  files: z.array(z.object({ path: z.string(), status: z.string(), additions: z.number(), deletions: z.number() })),
  protectedPaths: z.array(z.string()).default([]),
  /** Its full-suite run in its scratch copy; absent when it brought nothing to test. */
  tests: testResultRecordSchema.optional(),
  error: z.string().optional(),
  why: z.string().default(''),
});
export type CandidateRecord = z.infer<typeof candidateRecordSchema>;

export const roundRecordSchema = z.object({
  round: z.number().int().positive(),
  startedAt: z.number(),
  agentId: z.string().optional(),
  tokens: z.object({ input: z.number().optional(), output: z.number().optional() }).default({}),
  proposal: z.object({
    summary: z.string(),
    /** Unified patch of everything the agent proposed. */
    patch: z.string(),
    files: z.array(z.object({ path: z.string(), status: z.string(), additions: z.number(), deletions: z.number() })),
    protectedPaths: z.array(z.string()).default([]),
    editProblems: z.array(z.string()).default([]),
  }),
  /** What the agent read with the read-only tools before it proposed (tool, path or query, characters of the result). */
  reads: z.array(toolReadSchema).optional(),
  review: z
    .object({
      decision: z.enum(['approve', 'reject', 'stop']),
      /** `rule`: decided by the approval mode or a limit, not a person. */
      by: z.enum(['person', 'rule']),
      reason: z.string().optional(),
      hunkRejections: z.array(z.object({ path: z.string(), hunkId: z.string(), reason: z.string() })).default([]),
      /** Unified patch of the person's own changes to the proposal. */
      userEdits: z.string().optional(),
      droppedProtected: z.array(z.string()).default([]),
    })
    .optional(),
  /** Unified patch of what was written (after hunk choices and the person's edits). */
  appliedPatch: z.string().optional(),
  tests: testResultRecordSchema.optional(),
  afterTests: z
    .object({
      decision: z.enum(['continue', 'stopKeep', 'stopRevert', 'revertRetry', 'restore', 'acceptSmallerSuite']),
      by: z.enum(['person', 'rule']),
      reason: z.string().optional(),
      restoreRound: z.number().int().optional(),
    })
    .optional(),
  reverted: z.boolean().default(false),
  note: z.string().optional(),
  /** Best of N: every attempt of the round, best first. */
  candidates: z.array(candidateRecordSchema).optional(),
  /** Best of N: the attempt number that went to the review (absent when every attempt was rejected). */
  chosenCandidate: z.number().int().optional(),
});
export type RoundRecord = z.infer<typeof roundRecordSchema>;

export const sessionRecordSchema = z.object({
  version: z.literal(1),
  sessionId: z.string().min(1),
  task: z.string(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  approvalMode: z.enum(approvalModes),
  maxRounds: z.number().int(),
  /** Every setting the session started with (`refineLoop.*` without the prefix). */
  settings: z.record(z.string(), z.unknown()).optional(),
  baseline: testResultRecordSchema.optional(),
  /** The test inventory the session holds later full runs to. */
  inventory: testInventorySchema.optional(),
  /** The person's kept lessons that were in at least one prompt of the session, in file order. */
  lessons: z.array(z.string()).optional(),
  rounds: z.array(roundRecordSchema),
  outcome: z.enum(outcomes).optional(),
  reason: z.string().optional(),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

export interface SessionSummary {
  readonly sessionId: string;
  readonly task: string;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly rounds: number;
  readonly outcome?: SessionRecord['outcome'];
}

// ---------------------------------------------------------------- Journal / checkpoint

/** One file's images around a round: undefined means the file does not exist. */
export interface FileImages {
  readonly path: string;
  readonly before: Uint8Array | undefined;
  readonly beforeHash: string | null;
  readonly after: Uint8Array | undefined;
  readonly afterHash: string | null;
}

export const journalStates = ['pending', 'committed', 'reverted', 'abandoned'] as const;
export type JournalState = (typeof journalStates)[number];

/**
 * Written before a round's files are touched (`pending`), marked `committed` once
 * they all are. A `pending` entry found later means the apply was interrupted; a
 * `committed` one is the round's checkpoint until it is `reverted`.
 */
export interface JournalEntry {
  readonly sessionId: string;
  readonly round: number;
  readonly createdAt: number;
  readonly state: JournalState;
  readonly files: readonly FileImages[];
}
