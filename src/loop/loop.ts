import { CancelledError, RefineError, errorMessage } from '../domain/errors';
import type { Outcome } from '../domain/session';
import type { Settings } from '../domain/settings';
import { workSignal } from './limits';
import { SessionRun, type SessionPorts, type SessionTask } from './sessionRun';

// The refinement loop of ../shared/DESIGN.md: rounds of propose → review → apply →
// test → decide, until an outcome. Every step with depth lives in SessionRun
// (./sessionRun.ts) and behind the ports; this function is only the order of things.

export type { SessionPorts, SessionTask } from './sessionRun';
export { restoreCheckpoint, recoverJournal, recoverEntry, pendingJournals, type RestoreResult, type RecoveryChoice } from './checkpoints';
export { exportReport } from './report';

export interface SessionResult {
  readonly sessionId: string;
  readonly outcome: Outcome;
  readonly rounds: number;
  readonly reason: string;
}

export async function runSession(task: SessionTask, ports: SessionPorts, settings: Settings, signal: AbortSignal): Promise<SessionResult> {
  // A session's history and checkpoints are never overwritten by another run.
  if (task.sessionId !== undefined && (await ports.history.load(task.sessionId))) {
    throw new RefineError(`Session ${task.sessionId} exists already: start a new session (its checkpoints stay restorable).`, 'session.exists');
  }
  const run = new SessionRun(task, ports, settings);
  const work = workSignal(signal, settings.maxMinutes > 0 ? run.record.startedAt + settings.maxMinutes * 60_000 - ports.clock.now() : undefined);
  try {
    await run.start();
    if (task.baseline) await run.baseline(work.signal);
    for (;;) {
      const limit = run.limitBeforeNextRound();
      if (limit) return await run.finish('limitReached', limit);
      if (signal.aborted) throw new CancelledError();

      const proposal = await run.propose(work.signal, signal);
      if (proposal.repeated) return await run.finish('stuck', `the agent repeated its proposal of an earlier round (round ${proposal.round})`);

      const applied = await run.reviewAndApply(proposal, signal);
      if (applied === 'stop') return await run.finish('stopped', `stopped at the review of round ${proposal.round}`);
      if (applied === 'skipped') {
        const stuck = run.stuckWithoutTests();
        if (stuck) return await run.finish('stuck', stuck);
        continue;
      }

      const tested = await run.test(work.signal);
      const next = await run.afterTests(tested, signal);
      if (next.end) return await run.finish(next.outcome, next.reason);
    }
  } catch (error) {
    if (work.expired()) return run.finish('limitReached', `reached the limit of ${settings.maxMinutes} minutes during ${run.round === 0 ? 'the baseline' : `round ${run.round}`}`);
    const cancelled = signal.aborted || error instanceof CancelledError;
    if (!cancelled) ports.log.error('loop', `session ${run.sessionId} failed: ${error instanceof Error && error.stack ? error.stack : errorMessage(error)}`);
    return run.finish(cancelled ? 'stopped' : 'failed', cancelled ? 'cancelled' : errorMessage(error));
  } finally {
    work.dispose();
  }
}
