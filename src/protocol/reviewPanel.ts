import * as z from 'zod';
import { toolReadSchema } from '../domain/session';

// The review panel's messages, in both directions, as zod discriminated unions. The
// host (src/vscode/reviewPanel.ts) checks what the panel sends (untrusted input) and
// what it posts itself with these schemas; the browser code (src/webview) imports only
// their types and checks a message's shape, so the panel's bundle carries no zod.
// Nothing else crosses the boundary. The host posts only after the panel said `ready`.

export const REVIEW_PANEL_VIEW_TYPE = 'refineLoop.review';

const hunkSchema = z.object({
  id: z.string(),
  /** `@@ -a,b +c,d @@` */
  header: z.string(),
  /** Lines with their ' ', '+', '-' prefix. */
  lines: z.array(z.string()),
  /** Where the hunk is, for a person: the changed lines on the new side and what encloses them. */
  location: z.object({ startLine: z.number(), endLine: z.number(), onlyDeletes: z.boolean(), symbol: z.string().optional() }).optional(),
});

const panelFileSchema = z.object({
  path: z.string(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed']),
  additions: z.number(),
  deletions: z.number(),
  protected: z.boolean(),
  /** True when the person edited the proposed side in the diff editor. */
  edited: z.boolean(),
  hunks: z.array(hunkSchema),
});
export type PanelFile = z.infer<typeof panelFileSchema>;

const failureSchema = z.object({
  name: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  message: z.string().optional(),
});

const failureGroupSchema = z.object({
  /** What the failures share: the error type and message, or the file. */
  title: z.string(),
  failures: z.array(failureSchema),
});

const testSummarySchema = z.object({ passed: z.number(), failed: z.number(), skipped: z.number(), problems: z.number() });

export const panelPhases = ['idle', 'working', 'review', 'afterTests', 'ended', 'choose'] as const;
export type PanelPhase = (typeof panelPhases)[number];

export const panelStateSchema = z.object({
  sessionId: z.string(),
  task: z.string(),
  round: z.number(),
  maxRounds: z.number(),
  approvalMode: z.string(),
  phase: z.enum(panelPhases),
  /** One line of what is going on now ("Waiting for the agent…"). */
  status: z.string(),
  budget: z.object({
    minutesUsed: z.number(),
    maxMinutes: z.number(),
    tokensUsed: z.number(),
    maxTokens: z.number(),
  }),
  proposal: z
    .object({
      round: z.number(),
      summary: z.string(),
      files: z.array(panelFileSchema),
      editProblems: z.array(z.object({ file: z.string().optional(), reason: z.string() })),
      /** What the agent read before it proposed (tool, path or query, characters of the result). */
      reads: z.array(toolReadSchema).optional(),
    })
    .optional(),
  tests: z
    .object({
      round: z.number(),
      summary: testSummarySchema,
      scope: z.enum(['full', 'selected']),
      passed: z.boolean(),
      newlyFailing: z.number(),
      fixed: z.number(),
      groups: z.array(failureGroupSchema),
      problems: z.array(z.object({ kind: z.string(), message: z.string() })),
      stopReason: z.string().optional(),
      /** The suite ran fewer tests than the baseline pinned: which, in one line. */
      suiteShrank: z.string().optional(),
    })
    .optional(),
  /** Failing tests after each round's run (round 0: the baseline), for the chart. */
  history: z.array(z.object({ round: z.number(), failed: z.number(), passed: z.number() })),
  outcome: z.object({ outcome: z.string(), reason: z.string(), rounds: z.number() }).optional(),
  /** Best of N, at the choice of an attempt (phase `choose`): the attempts, best first. */
  candidates: z
    .object({
      round: z.number(),
      currentFailing: z.number().optional(),
      list: z.array(
        z.object({
          rank: z.number(),
          attempt: z.number(),
          agentId: z.string(),
          summary: z.string(),
          tests: testSummarySchema.optional(),
          newlyFailing: z.number(),
          fixed: z.number(),
          files: z.array(z.object({ path: z.string(), additions: z.number(), deletions: z.number() })),
          tokens: z.number(),
          durationMs: z.number(),
          suiteShrank: z.string().optional(),
          protectedPaths: z.array(z.string()),
          error: z.string().optional(),
          why: z.string(),
        }),
      ),
    })
    .optional(),
});
export type PanelState = z.infer<typeof panelStateSchema>;

const lessonEvidenceSchema = z.object({
  round: z.number(),
  kind: z.enum(['rejection', 'hunk', 'revert', 'edit']),
  /** The reason as the person typed it, or the lines the person wrote in an edit. */
  text: z.string(),
  path: z.string().optional(),
});

/** A lesson proposed at the end of a session, and what the person decided about it. */
const proposedLessonSchema = z.object({
  id: z.string(),
  text: z.string(),
  evidence: z.array(lessonEvidenceSchema),
  /** A model condensed several of the person's reasons (the evidence) into this sentence. */
  condensed: z.boolean().optional(),
  decision: z.enum(['open', 'kept', 'discarded']),
  /** What was kept, when the person edited it first. */
  keptText: z.string().optional(),
});

/** The lessons part of the panel: the kept lessons a session's prompts carry, and the ones it proposes at its end. */
export const panelLessonsSchema = z.object({
  sessionId: z.string(),
  /** Kept lessons (.refine-loop/lessons.md) in this session's prompts, in file order. */
  inPrompt: z.array(z.string()),
  proposed: z.array(proposedLessonSchema),
  /** Why a lesson could not be kept (a broken lessons file, a sentence too short): shown, nothing lost. */
  problem: z.string().optional(),
});
export type PanelLessons = z.infer<typeof panelLessonsSchema>;

/** Host → panel. */
export const hostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: panelStateSchema }),
  z.object({ type: z.literal('focus'), target: z.enum(['approve', 'continue', 'reason']) }),
  z.object({ type: z.literal('lessons'), lessons: panelLessonsSchema }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

export const afterTestsChoices = ['continue', 'stopKeep', 'stopRevert', 'revertRetry', 'acceptSmallerSuite'] as const;

/** Panel → host. */
export const panelMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** The panel checked and rendered a state (the acknowledgement of a `state` message). */
  z.object({ type: z.literal('shown'), sessionId: z.string(), round: z.number(), phase: z.enum(panelPhases) }),
  z.object({
    type: z.literal('approve'),
    round: z.number(),
    /** Hunks the person rejected, with a reason each; every other hunk is kept. */
    rejectedHunks: z.array(z.object({ path: z.string(), hunkId: z.string(), reason: z.string() })),
    approveProtected: z.boolean(),
  }),
  z.object({ type: z.literal('reject'), round: z.number(), reason: z.string().trim().min(1, 'Say why, so the agent can do better.') }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('afterTests'), round: z.number(), decision: z.enum(afterTestsChoices), reason: z.string().optional() }),
  /** `line`: reveal this line (1-based, new side) in the diff. */
  z.object({ type: z.literal('openDiff'), path: z.string().optional(), line: z.number().int().positive().optional() }),
  z.object({ type: z.literal('showLog') }),
  /** Keep (with `text` when the person edited it) or discard a proposed lesson. */
  z.object({ type: z.literal('lessonDecision'), sessionId: z.string(), id: z.string(), decision: z.enum(['keep', 'discard']), text: z.string().max(2000).optional() }),
  /** The panel rendered these proposed lessons (the acknowledgement of a `lessons` message). */
  z.object({ type: z.literal('lessonsShown'), sessionId: z.string(), ids: z.array(z.string()) }),
  /** Best of N: review the attempt ranked `rank` (1 = the best). */
  z.object({ type: z.literal('chooseCandidate'), round: z.number(), rank: z.number().int().positive() }),
  /** Best of N: none of the attempts; the reason goes to the next round's attempts. */
  z.object({ type: z.literal('rejectCandidates'), round: z.number(), reason: z.string().trim().min(1, 'Say why, so the next attempts can do better.') }),
]);
export type PanelMessage = z.infer<typeof panelMessageSchema>;

/** What the panel keeps with `setState`, for a reload: only the last state it was shown. */
export const persistedPanelSchema = z.object({ state: panelStateSchema.optional() });
export type PersistedPanel = z.infer<typeof persistedPanelSchema>;
