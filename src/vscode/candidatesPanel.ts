import type { CandidatesView } from '../domain/session';
import type { PanelState } from '../protocol/reviewPanel';

// Best of N in the review panel: the attempts of the choice as the panel state carries
// them (best first), each with its tests, delta, diff stats and cost.

export function panelCandidates(view: CandidatesView): NonNullable<PanelState['candidates']> {
  return {
    round: view.round,
    ...(view.currentFailing !== undefined ? { currentFailing: view.currentFailing } : {}),
    list: view.candidates.map((candidate) => ({
      rank: candidate.rank,
      attempt: candidate.attempt,
      agentId: candidate.agentId,
      summary: candidate.summary,
      ...(candidate.tests ? { tests: { ...candidate.tests } } : {}),
      newlyFailing: candidate.newlyFailing,
      fixed: candidate.fixed,
      files: candidate.diffs.map((diff) => ({ path: diff.path, additions: diff.additions, deletions: diff.deletions })),
      tokens: candidate.tokens,
      durationMs: candidate.durationMs,
      ...(candidate.suiteShrank !== undefined ? { suiteShrank: candidate.suiteShrank } : {}),
      protectedPaths: [...candidate.protectedPaths],
      ...(candidate.error !== undefined ? { error: candidate.error } : {}),
      why: candidate.why,
    })),
  };
}
