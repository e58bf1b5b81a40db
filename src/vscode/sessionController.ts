import * as vscode from 'vscode';
import type { CandidatePorts } from '../loop/candidateRound';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError, errorMessage } from '../domain/errors';
import type { Agent, Journal, SessionHistory, TestRunner } from '../domain/ports';
import { newSessionId } from '../domain/sessionId';
import type { Settings } from '../domain/settings';
import type { DiffDocuments } from './diffDocuments';
import { EditorReviewer } from './editorReviewer';
import { GateController, type PendingGate } from './gates';
import type { SessionPorts, SessionResult, SessionTask } from './loopApi';
import type { Log } from './log';
import { agentName } from './agentName';
import { withAgentProgress, withTestProgress } from './progress';
import type { ReviewPanel } from './reviewPanel';
import { SessionModel, outcomeLabel } from './sessionModel';
import type { TrustGate } from './trust';
import { VscodeWorkspace } from './workspaceAdapter';

export type RunSessionFunction = (task: SessionTask, ports: SessionPorts, settings: Settings, signal: AbortSignal) => Promise<SessionResult>;

export interface StartRequest {
  readonly task: SessionTask;
  readonly settings: Settings;
  readonly root: vscode.Uri;
  readonly agent: Agent;
  readonly tests: TestRunner;
  readonly history: SessionHistory;
  readonly journal: Journal;
  readonly runSession: RunSessionFunction;
  /** Best of N: where the attempts are tested (set when the `candidates` setting is above 1). */
  readonly candidates?: CandidatePorts;
}

interface Running {
  readonly sessionId: string;
  readonly abort: AbortController;
  readonly settings: Settings;
  readonly root: vscode.Uri;
  readonly done: Promise<SessionResult | undefined>;
}

/**
 * The life of the session in this window: start, stop, the end and its message. The
 * parts around it register themselves and follow its events: the decisions at the gates
 * (gateDecisions.ts), the reviewer (editorReviewer.ts), the review panel
 * (panelBridge.ts), the status bar and context keys (sessionStatus.ts), the progress
 * (progress.ts).
 */
export class SessionController extends Disposable {
  readonly gates = new GateController();
  readonly model = new SessionModel();
  readonly reviewer: EditorReviewer;
  private running: Running | undefined;
  /** The last session of this window (running or ended), for the panel and the diff commands. */
  private lastSessionId: string | undefined;
  private readonly ended = this._register(new vscode.EventEmitter<SessionResult>());
  readonly onDidEndSession = this.ended.event;
  private readonly runningChanged = this._register(new vscode.EventEmitter<boolean>());
  /** Fires true when a session starts and false when it has ended. */
  readonly onDidChangeRunning = this.runningChanged.event;

  constructor(
    private readonly log: Log,
    readonly trust: TrustGate,
    readonly diffs: DiffDocuments,
    panel: ReviewPanel,
  ) {
    super();
    this.reviewer = new EditorReviewer(this.gates, this.model, diffs, panel, log);
    this._register(this.gates.onDidChange((gate) => this.logGate(gate)));
    this._register({ dispose: () => this.running?.abort.abort() });
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get currentSessionId(): string | undefined {
    return this.running?.sessionId ?? this.lastSessionId;
  }

  /** The settings of the running session (its limits, for the panel). */
  get runningSettings(): Settings | undefined {
    return this.running?.settings;
  }

  get pending(): PendingGate | undefined {
    return this.gates.pending;
  }

  /** Runs a session to its outcome; resolves when it ends (undefined when it could not start). */
  start(request: StartRequest): Promise<SessionResult | undefined> {
    if (this.running) throw new UsageError(vscode.l10n.t('A session is already running in this window. Stop it first (Refine Loop: Stop).'));
    this.trust.require('Starting a session');
    const sessionId = request.task.sessionId ?? newSessionId(Date.now());
    const abort = new AbortController();
    const workspace = new VscodeWorkspace(request.root, this.log);
    this.model.begin(sessionId, request.task.task, Date.now(), request.settings.maxRounds, request.settings.approvalMode);
    this.lastSessionId = sessionId;
    const name = agentName(request.settings);
    this.model.nameAgent(sessionId, name);
    const ports: SessionPorts = {
      agent: withAgentProgress(request.agent, name),
      tests: withTestProgress(request.tests),
      workspace,
      reviewer: this.reviewer,
      history: request.history,
      journal: request.journal,
      clock: { now: () => Date.now() },
      log: this.log,
      ...(request.candidates ? { candidates: request.candidates } : {}),
      emit: (event) => {
        if (event.type !== 'testOutput' && event.type !== 'agentProgress') {
          this.log.info('session', `${sessionId}: ${event.type}${'round' in event ? ` (round ${event.round})` : ''}`);
        }
        this.model.apply(sessionId, event, Date.now());
      },
    };
    this.log.info('session', `starting ${sessionId}: ${JSON.stringify(request.task.task)} with ${request.task.scope.length} file(s) in scope, agent ${request.agent.id}`);
    const done = request
      .runSession({ ...request.task, sessionId }, ports, request.settings, abort.signal)
      .then(
        (result) => this.endedWith(sessionId, result),
        (error: unknown) => this.failedWith(sessionId, error, abort.signal.aborted),
      )
      .finally(() => {
        this.gates.cancel();
        if (this.running?.sessionId === sessionId) this.running = undefined;
        this.runningChanged.fire(false);
      });
    this.running = { sessionId, abort, settings: request.settings, root: request.root, done };
    this.runningChanged.fire(true);
    return done;
  }

  /** Stops the running session: at a gate by its own "stop" decision, else by cancelling the work in progress. */
  async stop(choice?: 'keep' | 'revert'): Promise<void> {
    const running = this.running;
    if (!running) throw new UsageError(vscode.l10n.t('No session is running.'));
    const gate = this.gates.pending;
    if (gate?.kind === 'review') {
      this.gates.decideReview({ kind: 'stop' });
      return;
    }
    if (gate?.kind === 'afterTests') {
      const pick =
        choice ??
        (
          await vscode.window.showQuickPick(
            [
              { label: `$(check) ${vscode.l10n.t('Stop and keep the changes')}`, value: 'keep' as const },
              { label: `$(discard) ${vscode.l10n.t('Stop and revert every round of this session')}`, value: 'revert' as const },
            ],
            { title: vscode.l10n.t('Refine Loop: Stop'), placeHolder: vscode.l10n.t('What happens to the files this session changed?') },
          )
        )?.value;
      if (!pick) return;
      this.gates.decideAfterTests({ kind: pick === 'keep' ? 'stopKeep' : 'stopRevert' });
      return;
    }
    this.log.info('session', `${running.sessionId}: stop requested while working`);
    running.abort.abort();
    this.gates.cancel();
  }

  /** The session and round whose diff the diff commands open: the one under review, else the latest with contents. */
  currentRound(): { sessionId: string; round: number } | undefined {
    const gate = this.gates.pending;
    if (gate && gate.kind !== 'conflict') return { sessionId: gate.view.sessionId, round: gate.view.round };
    const sessionId = this.currentSessionId;
    if (!sessionId) return undefined;
    const live = this.model.get(sessionId);
    // A round reviewed here has its contents in memory; an applied one (auto mode) has them in the journal.
    const round = [...(live?.rounds ?? [])].reverse().find((candidate) => this.diffs.hasRound(sessionId, candidate.round) || candidate.applied);
    return round ? { sessionId, round: round.round } : undefined;
  }

  private endedWith(sessionId: string, result: SessionResult): SessionResult {
    this.log.info('session', `${sessionId} ended: ${result.outcome} after ${result.rounds} round(s): ${result.reason}`);
    const live = this.model.get(sessionId);
    if (live && live.phase !== 'ended') {
      this.model.apply(sessionId, { type: 'sessionEnded', outcome: result.outcome, rounds: result.rounds, reason: result.reason }, Date.now());
    }
    this.ended.fire(result);
    const outcome = outcomeLabel(result.outcome);
    const summary = result.reason
      ? vscode.l10n.t('Refine Loop: {0} after {1} round(s): {2}.', outcome, result.rounds, result.reason)
      : vscode.l10n.t('Refine Loop: {0} after {1} round(s).', outcome, result.rounds);
    if (result.outcome === 'passed') void vscode.window.showInformationMessage(summary);
    else this.showWithLog(vscode.window.showWarningMessage, summary);
    return result;
  }

  private failedWith(sessionId: string, error: unknown, aborted: boolean): undefined {
    const cancelled = error instanceof CancelledError || aborted;
    const reason = cancelled ? vscode.l10n.t('Stopped.') : errorMessage(error);
    this.log.error('session', `${sessionId} ended with an error: ${error instanceof Error && error.stack ? error.stack : reason}`);
    this.model.apply(sessionId, { type: 'sessionEnded', outcome: cancelled ? 'stopped' : 'failed', rounds: this.model.get(sessionId)?.rounds.length ?? 0, reason }, Date.now());
    if (!cancelled) this.showWithLog(vscode.window.showErrorMessage, vscode.l10n.t('Refine Loop: the session failed: {0}', reason));
    return undefined;
  }

  private showWithLog(show: (message: string, ...items: string[]) => Thenable<string | undefined>, message: string): void {
    void show(message, vscode.l10n.t('Show Log')).then((choice) => {
      if (choice) this.log.show();
    });
  }

  private logGate(gate: PendingGate | undefined): void {
    if (!gate) return;
    const what = gate.kind === 'review' ? 'the review of' : gate.kind === 'afterTests' ? 'a decision after the tests of' : 'a choice in';
    this.log.info('review', `waiting for ${what} ${'round' in gate.view ? `round ${gate.view.round}` : gate.view.path}`);
  }
}
