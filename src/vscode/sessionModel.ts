// What the editor knows about sessions: built from the loop's events and the views the
// gates show. Pure (no `vscode`), so the Sessions view, the status bar and the review
// panel read one model, and unit tests check it without an editor.
import type { FileChange, FileDiff } from '../domain/model';
import type { ToolRead } from '../domain/ports';
import type { PanelFile, PanelPhase, PanelState } from '../protocol/reviewPanel';
import type { CandidatesView, ProposalView, RoundView, SessionEvent } from '../domain/session';
import { summarize, type TestReport } from '../domain/testReport';
import { locateHunk } from '../edits/hunkLocation';
import { failingFirstWords } from '../protocol/testWords';
import { t } from './translate';
import { panelCandidates } from './candidatesPanel';

export interface TestSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly problems: number;
}

export interface LiveRound {
  readonly round: number;
  files: { path: string; status: string; additions: number; deletions: number }[];
  /** review: approve | reject | stop; then after tests: continue | stopKeep | … */
  decision?: string;
  reason?: string;
  afterTests?: string;
  applied: boolean;
  /** Its files were put back (a revert of this round or of all rounds). */
  reverted?: boolean;
  tests?: TestSummary;
  newlyFailing?: number;
  fixed?: number;
  testsScope?: 'full' | 'selected';
  /** The proposal as the review gate saw it (contents for the diff documents). */
  proposal?: ProposalView;
  /** What the agent read with the read-only tools before it proposed. */
  reads?: readonly ToolRead[];
  /** The changes that were applied (after hunk selection and the person's edits). */
  appliedChanges?: readonly FileChange[];
  roundView?: RoundView;
}

export interface LiveSession {
  readonly sessionId: string;
  task: string;
  approvalMode: string;
  maxRounds: number;
  readonly startedAt: number;
  endedAt?: number;
  outcome?: string;
  reason?: string;
  /** Rounds the loop counted at the end. */
  roundsDone?: number;
  baseline?: TestSummary;
  tokens: number;
  /** How the person knows the agent ("my-agent.mjs", a model name). */
  agentName?: string;
  phase: PanelPhase;
  status: string;
  /** Best of N: the attempts at the choice, while it is open. */
  candidates?: CandidatesView;
  currentRound: number;
  readonly rounds: LiveRound[];
}

export interface Limits {
  readonly maxMinutes: number;
  readonly maxTokens: number;
}

export class SessionModel {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly listeners = new Set<(sessionId: string) => void>();

  list(): LiveSession[] {
    return [...this.sessions.values()].sort((a, b) => b.startedAt - a.startedAt);
  }

  get(sessionId: string): LiveSession | undefined {
    return this.sessions.get(sessionId);
  }

  onDidChange(listener: (sessionId: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** A session about to start (before its first event), so views show it at once. */
  begin(sessionId: string, task: string, now: number, maxRounds: number, approvalMode: string): LiveSession {
    const record: LiveSession = {
      sessionId,
      task,
      approvalMode,
      maxRounds,
      startedAt: now,
      tokens: 0,
      phase: 'working',
      status: 'Starting…',
      currentRound: 0,
      rounds: [],
    };
    this.sessions.set(sessionId, record);
    this.fire(sessionId);
    return record;
  }

  /** Names the session's agent for the status lines. */
  nameAgent(sessionId: string, name: string): void {
    const session = this.sessions.get(sessionId);
    if (session) session.agentName = name;
  }

  /** Takes one event of the loop. */
  apply(sessionId: string, event: SessionEvent, now: number): void {
    let session = this.sessions.get(sessionId);
    if (event.type === 'sessionStarted') {
      if (!session) session = this.begin(event.sessionId, event.task, now, event.maxRounds, event.approvalMode);
      session.task = event.task;
      session.maxRounds = event.maxRounds;
      session.approvalMode = event.approvalMode;
      session.status = 'Started';
    }
    if (!session) return;
    switch (event.type) {
      case 'sessionStarted':
        break;
      case 'baselineFinished':
        session.baseline = event.summary;
        session.status = t('Baseline: {0}', describeSummary(event.summary));
        break;
      case 'roundStarted':
        session.currentRound = event.round;
        this.round(session, event.round);
        session.phase = 'working';
        session.status = t('Round {0}: waiting for {1}…', event.round, session.agentName ?? t('the agent'));
        break;
      case 'agentProgress':
        session.status = event.message ? t('{0}: {1}', session.agentName ?? t('The agent'), event.message) : t('{0} is writing, {1} characters', session.agentName ?? t('The agent'), (event.characters ?? 0).toLocaleString());
        break;
      case 'proposalReady': {
        const round = this.round(session, event.round);
        round.files = event.files.map((file) => ({ ...file }));
        if (event.reads) round.reads = event.reads.map((read) => ({ ...read }));
        session.tokens += (event.tokens.input ?? 0) + (event.tokens.output ?? 0);
        session.status = t('Round {0}: proposal ready', event.round);
        break;
      }
      case 'reviewDecided': {
        const round = this.round(session, event.round);
        round.decision = event.decision;
        round.reason = event.reason;
        session.phase = 'working';
        session.status = event.decision === 'approve' ? t('Round {0}: applying…', event.round) : event.decision === 'reject' ? t('Round {0}: rejected', event.round) : t('Round {0}: stopping', event.round);
        break;
      }
      case 'applied': {
        const round = this.round(session, event.round);
        round.applied = true;
        round.files = event.files.map((file) => ({ ...file }));
        break;
      }
      case 'testsStarted':
        session.phase = 'working';
        session.status = event.round === 0 ? t('Running the tests once before the first round…') : t('Round {0}: running the tests…', event.round);
        break;
      case 'testOutput':
        return; // too frequent for the views; the log has it
      case 'testsFinished': {
        if (event.round === 0) {
          // The baseline run: not a round (baselineFinished follows).
          session.baseline = event.summary;
          break;
        }
        const round = this.round(session, event.round);
        round.tests = event.summary;
        round.testsScope = event.scope;
        round.newlyFailing = event.newlyFailing;
        round.fixed = event.fixed;
        session.status = t('Round {0}: {1}', event.round, event.scope === 'selected' ? failingFirstWords(event.summary, t) : describeSummary(event.summary));
        break;
      }
      case 'afterTestsDecided':
        this.round(session, event.round).afterTests = event.decision;
        session.phase = 'working';
        break;
      case 'reverted':
        for (const number of event.rounds) {
          const round = session.rounds.find((candidate) => candidate.round === number);
          if (round) {
            round.afterTests = round.afterTests ?? 'reverted';
            round.reverted = true;
          }
        }
        session.status = t('Reverted {0} file(s)', event.files.length);
        break;
      case 'warning':
        session.status = event.message;
        break;
      case 'sessionEnded':
        session.outcome = event.outcome;
        session.reason = event.reason;
        session.roundsDone = event.rounds;
        session.endedAt = now;
        session.phase = 'ended';
        session.status = `${outcomeLabel(event.outcome)}: ${event.reason}`;
        break;
    }
    this.fire(session.sessionId);
  }

  /** The review gate opened: keep the proposal (its contents back the diff documents). */
  proposalShown(view: ProposalView): void {
    const session = this.sessions.get(view.sessionId);
    if (!session) return;
    const round = this.round(session, view.round);
    round.proposal = view;
    if (round.files.length === 0) round.files = view.diffs.map((diff) => ({ path: diff.path, status: diff.status, additions: diff.additions, deletions: diff.deletions }));
    session.currentRound = view.round;
    session.phase = 'review';
    session.status = t('Round {0}: review the proposal', view.round);
    this.fire(session.sessionId);
  }

  candidatesShown(view: CandidatesView): void {
    const session = this.sessions.get(view.sessionId);
    if (!session) return;
    [session.candidates, session.currentRound, session.phase] = [view, view.round, 'choose'];
    session.status = t('Round {0}: {1} attempts, ranked by the tests: choose one to review', view.round, view.candidates.length);
    this.fire(session.sessionId);
  }

  testsShown(view: RoundView): void {
    const session = this.sessions.get(view.sessionId);
    if (!session) return;
    const round = this.round(session, view.round);
    round.roundView = view;
    round.tests = summarize(view.report);
    session.currentRound = view.round;
    session.phase = 'afterTests';
    session.status = view.passed ? t('Round {0}: the tests pass', view.round) : t('Round {0}: {1}', view.round, view.report.scope === 'selected' ? failingFirstWords(round.tests, t) : describeSummary(round.tests));
    this.fire(session.sessionId);
  }

  /** The phase goes back to working when a gate was decided (events follow). */
  gateClosed(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.phase === 'ended') return;
    session.phase = 'working';
    this.fire(sessionId);
  }

  /** The changes a round applied, where known. */
  appliedChanges(sessionId: string, roundNumber: number, changes: readonly FileChange[]): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    this.round(session, roundNumber).appliedChanges = changes;
  }

  panelState(sessionId: string, limits: Limits, now: number, editedPaths: ReadonlySet<string> = new Set()): PanelState | undefined {
    const session = this.sessions.get(sessionId);
    if (!session) return undefined;
    const current = session.rounds.find((round) => round.round === session.currentRound);
    const proposalRound = [...session.rounds].reverse().find((round) => round.proposal);
    const proposal = proposalRound?.proposal;
    const testsRound = [...session.rounds].reverse().find((round) => round.roundView);
    const history: PanelState['history'] = [];
    if (session.baseline) history.push({ round: 0, failed: session.baseline.failed + session.baseline.problems, passed: session.baseline.passed });
    for (const round of session.rounds) {
      if (round.tests) history.push({ round: round.round, failed: round.tests.failed + round.tests.problems, passed: round.tests.passed });
    }
    return {
      sessionId,
      task: session.task,
      round: current?.round ?? session.currentRound,
      maxRounds: session.maxRounds,
      approvalMode: session.approvalMode,
      phase: session.phase,
      status: session.status,
      budget: {
        minutesUsed: Math.floor(((session.endedAt ?? now) - session.startedAt) / 60_000),
        maxMinutes: limits.maxMinutes,
        tokensUsed: session.tokens,
        maxTokens: limits.maxTokens,
      },
      proposal: proposal
        ? {
            round: proposal.round,
            summary: proposal.summary,
            files: proposal.diffs.map((diff) => panelFile(diff, proposal.protectedPaths, editedPaths, proposal.changes.find((change) => change.path === diff.path))),
            editProblems: proposal.editProblems.map((problem) => ({ file: problem.file, reason: problem.reason })),
            ...(proposalRound?.reads ? { reads: proposalRound.reads.map((read) => ({ ...read })) } : {}),
          }
        : undefined,
      tests: testsRound?.roundView ? panelTests(testsRound.roundView, testsRound) : undefined,
      history,
      outcome: session.outcome ? { outcome: session.outcome, reason: session.reason ?? '', rounds: session.roundsDone ?? session.rounds.length } : undefined,
      ...(session.phase === 'choose' && session.candidates ? { candidates: panelCandidates(session.candidates) } : {}),
    };
  }

  private round(session: LiveSession, number: number): LiveRound {
    let round = session.rounds.find((candidate) => candidate.round === number);
    if (!round) {
      round = { round: number, files: [], applied: false };
      session.rounds.push(round);
      session.rounds.sort((a, b) => a.round - b.round);
    }
    return round;
  }

  private fire(sessionId: string): void {
    for (const listener of [...this.listeners]) listener(sessionId);
  }
}

function panelFile(diff: FileDiff, protectedPaths: readonly string[], edited: ReadonlySet<string>, change?: FileChange): PanelFile {
  const newLines = change?.after ? new TextDecoder().decode(change.after).split(/\r?\n/) : [];
  return {
    path: diff.path,
    status: diff.status,
    additions: diff.additions,
    deletions: diff.deletions,
    protected: protectedPaths.includes(diff.path),
    edited: edited.has(diff.path),
    hunks: diff.hunks.map((hunk) => ({
      id: hunk.id,
      header: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
      lines: [...hunk.lines],
      location: locateHunk(hunk, newLines),
    })),
  };
}

function panelTests(view: RoundView, record: LiveRound): NonNullable<PanelState['tests']> {
  const summary = summarize(view.report);
  return {
    round: view.round,
    summary,
    scope: view.report.scope,
    passed: view.passed,
    newlyFailing: record.newlyFailing ?? 0,
    fixed: record.fixed ?? 0,
    groups: groupFailures(view.report),
    problems: view.report.problems.map((problem) => ({ kind: problem.kind, message: problem.message })),
    stopReason: view.stopReason,
    ...(view.suiteShrank ? { suiteShrank: view.suiteShrank.summary } : {}),
  };
}

/** Failing tests grouped by what they share: the error's type and first message line. */
export function groupFailures(report: TestReport): NonNullable<PanelState['tests']>['groups'] {
  const groups = new Map<string, NonNullable<PanelState['tests']>['groups'][number]>();
  for (const test of report.tests) {
    if (test.status !== 'failed') continue;
    const firstLine = (test.message ?? '').split('\n')[0]?.trim() ?? '';
    const key = `${test.errorType ?? 'Error'}: ${firstLine.replace(/\d+/g, 'N')}`;
    let group = groups.get(key);
    if (!group) {
      group = { title: `${test.errorType ?? 'Failure'}${firstLine ? `: ${firstLine}` : ''}`, failures: [] };
      groups.set(key, group);
    }
    const frame = test.stack.find((candidate) => candidate.inWorkspace && candidate.file);
    group.failures.push({
      name: [...test.suite, test.name].join(' › '),
      file: frame?.file ?? test.file,
      line: frame?.line ?? test.line,
      message: test.message,
    });
  }
  return [...groups.values()];
}

export function describeSummary(summary: TestSummary): string {
  const parts = [t('{0} failing', summary.failed), t('{0} passing', summary.passed)];
  if (summary.skipped) parts.push(t('{0} skipped', summary.skipped));
  if (summary.problems) parts.push(summary.problems === 1 ? t('1 problem') : t('{0} problems', summary.problems));
  return parts.join(', ');
}

export function outcomeLabel(outcome: string): string {
  switch (outcome) {
    case 'passed':
      return t('Passed');
    case 'stopped':
      return t('Stopped');
    case 'limitReached':
      return t('Limit reached');
    case 'stuck':
      return t('Stuck');
    case 'failed':
      return t('Failed');
    default:
      return outcome;
  }
}
