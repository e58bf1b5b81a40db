import { CancelledError, errorMessage } from '../domain/errors';
import type { EventSink, Reviewer } from '../domain/ports';
import type { RoundRecord } from '../domain/record';
import type { EditProblem, ProposalView } from '../domain/session';
import type { Rejection } from './prompt';

// Rounds that bring no proposal: a reply without any edit (the model asks a question or
// gives up), and an agent call that failed. Both are rounds of the record, so the
// report and the CLI's last line count the same rounds.

export const NO_EDITS_NOTE = "the agent replied without edits (a question, or giving up); its reply above is the round's outcome";

/** The record of a round whose agent call failed: no proposal, the error as its note. */
export function failedRound(round: number, startedAt: number, agentId: string, error: unknown): RoundRecord {
  const proposal = { summary: '', patch: '', files: [], protectedPaths: [], editProblems: [] };
  const note = error instanceof CancelledError ? 'stopped during the agent call' : `the agent call failed: ${errorMessage(error)}`;
  return { round, startedAt, agentId, tokens: {}, proposal, reverted: false, note };
}

export interface ReplyWithoutEdits {
  readonly round: number;
  readonly summary: string;
  readonly problems: readonly EditProblem[];
}

/**
 * reviewEachRound: the person sees the reply at the review gate (no diff) and may
 * answer it with a reason, which goes back to the agent; or stop. Approving passes
 * the round on without an answer.
 */
export async function answerReplyWithoutEdits(
  reply: ReplyWithoutEdits,
  session: { readonly sessionId: string; readonly maxRounds: number; readonly reviewer: Reviewer; readonly emit: EventSink },
  signal: AbortSignal,
): Promise<{ review: NonNullable<RoundRecord['review']>; rejections: Rejection[]; stop: boolean }> {
  const view: ProposalView = { sessionId: session.sessionId, round: reply.round, maxRounds: session.maxRounds, summary: reply.summary, changes: [], diffs: [], protectedPaths: [], editProblems: reply.problems };
  const decision = await session.reviewer.review(view, signal);
  const reason = decision.kind === 'reject' ? decision.reason : undefined;
  session.emit({ type: 'reviewDecided', round: reply.round, decision: decision.kind, by: 'person', ...(reason !== undefined ? { reason } : {}) });
  return {
    review: { decision: decision.kind, by: 'person', ...(reason !== undefined ? { reason } : {}), hunkRejections: [], droppedProtected: [] },
    rejections: reason !== undefined ? [{ reason: `Your last reply had no edits. The reviewer answers: ${reason}` }] : [],
    stop: decision.kind === 'stop',
  };
}
