import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError, errorMessage } from '../domain/errors';
import type { Agent, Journal, Reviewer, SessionHistory, TestRunner } from '../domain/ports';
import type { SessionRecord } from '../domain/record';
import type { PanelMessage, PanelState, PersistedPanel } from '../protocol/reviewPanel';
import type { AfterTestsDecision, ConflictChoice, ConflictView, ProposalView, ReviewDecision, RoundView } from '../domain/session';
import type { Settings } from '../domain/settings';
import type { DiffDocuments } from './diffDocuments';
import { GateController, type PendingGate } from './gates';
import type { SessionPorts, SessionResult, SessionTask } from './loopApi';
import type { Log } from './log';
import { panelStateFromRecord } from './recordView';
import type { ReviewPanel } from './reviewPanel';
import { SessionModel, describeSummary, outcomeLabel } from './sessionModel';
import type { TrustGate } from './trust';
import { VscodeWorkspace } from './workspaceAdapter';

/** How long a review waits for its diff editor to open before showing the panel anyway. */
const DIFF_OPEN_WAIT_MS = 3000;

export const CONTEXT_RUNNING = 'refineLoop.running';
export const CONTEXT_GATE = 'refineLoop.gate';
export const CONTEXT_HAS_ROUND = 'refineLoop.hasRound';

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
}

interface Running {
  readonly sessionId: string;
  readonly abort: AbortController;
  readonly settings: Settings;
  readonly root: vscode.Uri;
  readonly done: Promise<SessionResult | undefined>;
}

/**
 * The running session in this window: the editor's Reviewer (the two gates, settled
 * from commands, the review panel or the diff editor), the diff documents of each
 * round, the context keys that decide which commands show, the status bar item and
 * the progress notifications around agent calls and test runs.
 */
export class SessionController extends Disposable implements Reviewer {
  readonly gates = new GateController();
  readonly model = new SessionModel();
  private running: Running | undefined;
  /** The last session of this window (running or ended), for the panel and the diff commands. */
  private lastSessionId: string | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  /** After a reload: the stored record of the session the panel showed. */
  private restoredState: PanelState | undefined;
  private readonly ended = this._register(new vscode.EventEmitter<SessionResult>());
  readonly onDidEndSession = this.ended.event;

  constructor(
    private readonly log: Log,
    readonly trust: TrustGate,
    readonly diffs: DiffDocuments,
    readonly panel: ReviewPanel,
    private readonly loadRecord: (sessionId: string) => Promise<SessionRecord | undefined>,
  ) {
    super();
    this.statusItem = this._register(vscode.window.createStatusBarItem('refineLoop.status', vscode.StatusBarAlignment.Left, 50));
    this.statusItem.name = 'Refine Loop';
    this.statusItem.command = 'refineLoop.showReview';
    this._register(this.gates.onDidChange((gate) => this.gateChanged(gate)));
    this._register(this.model.onDidChange((sessionId) => this.modelChanged(sessionId)));
    this._register(this.panel.onDidReceiveMessage((message) => void this.onPanelMessage(message)));
    this._register(this.panel.onDidBecomeReady(() => this.pushPanelState()));
    this._register(this.panel.onDidRestore((kept) => void this.restorePanel(kept)));
    this._register(this.diffs.onDidEditProposal(() => this.pushPanelState()));
    this._register({ dispose: () => this.running?.abort.abort() });
    void this.setContext();
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get currentSessionId(): string | undefined {
    return this.running?.sessionId ?? this.lastSessionId;
  }

  get pending(): PendingGate | undefined {
    return this.gates.pending;
  }

  /** Runs a session to its outcome; resolves when it ends (undefined when it could not start). */
  start(request: StartRequest): Promise<SessionResult | undefined> {
    if (this.running) throw new UsageError('A session is already running in this window. Stop it first (Refine Loop: Stop).');
    this.trust.require('Starting a session');
    const sessionId = request.task.sessionId ?? newSessionId();
    const abort = new AbortController();
    const workspace = new VscodeWorkspace(request.root, this.log);
    this.model.begin(sessionId, request.task.task, Date.now(), request.settings.maxRounds, request.settings.approvalMode);
    this.lastSessionId = sessionId;
    const ports: SessionPorts = {
      agent: this.withAgentProgress(request.agent),
      tests: this.withTestProgress(request.tests),
      workspace,
      reviewer: this,
      history: request.history,
      journal: request.journal,
      clock: { now: () => Date.now() },
      log: this.log,
      emit: (event) => {
        if (event.type === 'testOutput' || event.type === 'agentProgress') {
          this.model.apply(sessionId, event, Date.now());
          return;
        }
        this.log.info('session', `${sessionId}: ${event.type}${'round' in event ? ` (round ${event.round})` : ''}`);
        this.model.apply(sessionId, event, Date.now());
      },
    };
    this.log.info('session', `starting ${sessionId}: ${JSON.stringify(request.task.task)} with ${request.task.scope.length} file(s) in scope, agent ${request.agent.id}`);
    const done = request
      .runSession({ ...request.task, sessionId }, ports, request.settings, abort.signal)
      .then(
        (result) => {
          this.log.info('session', `${sessionId} ended: ${result.outcome} after ${result.rounds} round(s): ${result.reason}`);
          const live = this.model.get(sessionId);
          if (live && live.phase !== 'ended') {
            this.model.apply(sessionId, { type: 'sessionEnded', outcome: result.outcome, rounds: result.rounds, reason: result.reason }, Date.now());
          }
          this.ended.fire(result);
          const summary = `Refine Loop: ${outcomeLabel(result.outcome)} after ${result.rounds} round${result.rounds === 1 ? '' : 's'}${result.reason ? `: ${result.reason}` : ''}.`;
          if (result.outcome === 'passed') void vscode.window.showInformationMessage(summary);
          else {
            void vscode.window.showWarningMessage(summary, 'Show Log').then((choice) => {
              if (choice) this.log.show();
            });
          }
          return result;
        },
        (error: unknown) => {
          const cancelled = error instanceof CancelledError || abort.signal.aborted;
          const reason = cancelled ? 'Stopped.' : errorMessage(error);
          this.log.error('session', `${sessionId} ended with an error: ${error instanceof Error && error.stack ? error.stack : reason}`);
          this.model.apply(sessionId, { type: 'sessionEnded', outcome: cancelled ? 'stopped' : 'failed', rounds: this.model.get(sessionId)?.rounds.length ?? 0, reason }, Date.now());
          if (!cancelled) {
            void vscode.window.showErrorMessage(`Refine Loop: the session failed: ${reason}`, 'Show Log').then((choice) => {
              if (choice) this.log.show();
            });
          }
          return undefined;
        },
      )
      .finally(() => {
        this.gates.cancel();
        if (this.running?.sessionId === sessionId) this.running = undefined;
        void this.setContext();
        this.pushPanelState();
      });
    this.running = { sessionId, abort, settings: request.settings, root: request.root, done };
    void this.setContext();
    this.panel.show(true);
    this.pushPanelState();
    return done;
  }

  /** Stops the running session: at a gate by its own "stop" decision, else by cancelling the work in progress. */
  async stop(choice?: 'keep' | 'revert'): Promise<void> {
    const running = this.running;
    if (!running) throw new UsageError('No session is running.');
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
              { label: '$(check) Stop and keep the changes', value: 'keep' as const },
              { label: '$(discard) Stop and revert every round of this session', value: 'revert' as const },
            ],
            { title: 'Refine Loop: Stop', placeHolder: 'What happens to the files this session changed?' },
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

  /** Approve at the review gate: every hunk unless `rejected` says otherwise, plus the person's edits in the diff editor. */
  async approve(options: { rejectedHunks?: readonly { path: string; hunkId: string; reason: string }[]; approveProtected?: boolean; round?: number } = {}): Promise<void> {
    const gate = this.expectGate('review');
    const view = gate.view;
    await this.diffs.saveOpenEdits(view.sessionId, view.round);
    const editedFiles = this.diffs.editedFiles(view.sessionId, view.round);
    let approveProtected = options.approveProtected ?? false;
    if (view.protectedPaths.length > 0 && !approveProtected) {
      const yes = 'Allow and Approve';
      const answer = await vscode.window.showWarningMessage(
        `This proposal changes protected files: ${view.protectedPaths.join(', ')}. Protected paths (tests, CI, lock files…) change only with an explicit yes.`,
        { modal: true },
        yes,
      );
      if (answer !== yes) return;
      approveProtected = true;
    }
    const rejected = options.rejectedHunks ?? [];
    let keptHunks: Record<string, string[]> | undefined;
    if (rejected.length > 0) {
      keptHunks = {};
      for (const diff of view.diffs) {
        const out = rejected.filter((rejection) => rejection.path === diff.path).map((rejection) => rejection.hunkId);
        if (out.length > 0) keptHunks[diff.path] = diff.hunks.map((hunk) => hunk.id).filter((id) => !out.includes(id));
      }
    }
    this.diffs.freeze(view.sessionId, view.round);
    this.log.info('review', `round ${view.round}: approved${rejected.length ? ` with ${rejected.length} hunk(s) rejected` : ''}${Object.keys(editedFiles).length ? `, with your edits to ${Object.keys(editedFiles).join(', ')}` : ''}`);
    this.gates.decideReview(
      {
        kind: 'approve',
        ...(keptHunks ? { keptHunks } : {}),
        ...(rejected.length ? { hunkRejections: rejected } : {}),
        ...(Object.keys(editedFiles).length ? { editedFiles } : {}),
        ...(approveProtected ? { approveProtected } : {}),
      },
      options.round,
    );
  }

  reject(reason: string, round?: number): void {
    const gate = this.expectGate('review');
    const text = reason.trim();
    if (!text) throw new UsageError('A rejection needs a reason: the agent reads it to do better next round.');
    this.diffs.freeze(gate.view.sessionId, gate.view.round);
    this.log.info('review', `round ${gate.view.round}: rejected: ${text}`);
    this.gates.decideReview({ kind: 'reject', reason: text }, round);
  }

  decideAfterTests(decision: AfterTestsDecision, round?: number): void {
    this.expectGate('afterTests');
    this.log.info('review', `after tests: ${decision.kind}`);
    this.gates.decideAfterTests(decision, round);
  }

  // ---------------------------------------------------------------- Reviewer

  async review(proposal: ProposalView, signal: AbortSignal): Promise<ReviewDecision> {
    this.diffs.setRound(proposal.sessionId, proposal.round, proposal.changes, true);
    this.model.proposalShown(proposal);
    const decision = this.gates.review(proposal, signal);
    const first = proposal.diffs[0]?.path ?? proposal.changes[0]?.path;
    if (first) {
      const opened = this.diffs.openDiff(proposal.sessionId, proposal.round, first, { viewColumn: vscode.ViewColumn.One, preserveFocus: false, preview: true }).catch((error: unknown) => {
        this.log.warn('review', `could not open the diff of ${first}: ${errorMessage(error)}`);
      });
      // Wait for the diff so the panel can go beside it, but not for ever: opening an
      // editor can stall (an editor closed while it opens, a language server starting),
      // and the gate must stay answerable from the panel and the commands meanwhile.
      await Promise.race([opened, new Promise((resolve) => setTimeout(resolve, DIFF_OPEN_WAIT_MS))]);
    }
    // The panel goes beside the diff (moved there if it shared the diff's column).
    this.panel.show(true, vscode.ViewColumn.Two);
    try {
      return await decision;
    } finally {
      this.diffs.freeze(proposal.sessionId, proposal.round);
      this.model.gateClosed(proposal.sessionId);
    }
  }

  async afterTests(round: RoundView, signal: AbortSignal): Promise<AfterTestsDecision> {
    this.model.testsShown(round);
    const decision = this.gates.afterTests(round, signal);
    this.panel.show(true);
    if (round.suiteShrank) this.offerSmallerSuite(round);
    try {
      return await decision;
    } finally {
      this.model.gateClosed(round.sessionId);
    }
  }

  /** A smaller suite passes only with the person's explicit acceptance (the panel's other answers still work). */
  private offerSmallerSuite(round: RoundView): void {
    const accept = vscode.l10n.t('Accept Smaller Suite');
    const message = vscode.l10n.t('Refine Loop: the test suite shrank in round {0}: {1}. It does not pass unless you accept the smaller suite.', round.round, round.suiteShrank?.summary ?? '');
    void vscode.window.showWarningMessage(message, accept).then((pick) => {
      const gate = this.gates.pending;
      if (pick === accept && gate?.kind === 'afterTests' && gate.view.sessionId === round.sessionId && gate.view.round === round.round) this.gates.decideAfterTests({ kind: 'acceptSmallerSuite' }, round.round);
    });
  }

  async resolveConflict(conflict: ConflictView, signal: AbortSignal): Promise<ConflictChoice> {
    const decision = this.gates.resolveConflict(conflict, signal);
    const overwrite = 'Restore Anyway';
    const keep = 'Keep Current';
    void vscode.window
      .showWarningMessage(
        `${conflict.path} changed after Refine Loop wrote it. Restoring it would lose that change.`,
        { modal: true, detail: 'Keep Current leaves the file as it is now; Restore Anyway puts back the checkpoint and drops the newer change.' },
        keep,
        overwrite,
      )
      .then((answer) => {
        if (this.gates.pending?.kind === 'conflict') this.gates.decideConflict(answer === overwrite ? 'overwrite' : 'keepCurrent');
      });
    return decision;
  }

  // ---------------------------------------------------------------- the round's diffs

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

  // ---------------------------------------------------------------- panel

  showPanel(): void {
    this.panel.show(false);
    this.pushPanelState();
  }

  /** After a reload the session is gone from memory: the panel shows its stored record. */
  private async restorePanel(kept: PersistedPanel): Promise<void> {
    const sessionId = kept.state?.sessionId;
    if (!sessionId || this.currentSessionId) {
      this.pushPanelState();
      return;
    }
    try {
      const record = await this.loadRecord(sessionId);
      if (!record || this.currentSessionId) return;
      this.restoredState = panelStateFromRecord(record, Date.now());
      this.panel.setState(this.restoredState);
      this.log.info('panel', `showing the stored record of ${sessionId} after a reload`);
    } catch (error) {
      this.log.warn('panel', `could not load session ${sessionId} for the restored panel: ${errorMessage(error)}`);
    }
  }

  pushPanelState(): void {
    const sessionId = this.currentSessionId;
    if (!sessionId) {
      if (this.restoredState) this.panel.setState(this.restoredState);
      return;
    }
    const settings = this.running?.settings;
    const pending = this.gates.pending;
    const edited =
      pending?.kind === 'review' ? new Set(Object.keys(this.diffs.editedFiles(pending.view.sessionId, pending.view.round))) : new Set<string>();
    const state = this.model.panelState(sessionId, { maxMinutes: settings?.maxMinutes ?? 0, maxTokens: settings?.maxTokens ?? 0 }, Date.now(), edited);
    if (state) this.panel.setState(state);
  }

  private async onPanelMessage(message: PanelMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'approve':
          await this.approve({ rejectedHunks: message.rejectedHunks, approveProtected: message.approveProtected, round: message.round });
          break;
        case 'reject':
          this.reject(message.reason, message.round);
          break;
        case 'stop':
          await this.stop();
          break;
        case 'afterTests':
          this.decideAfterTests(message.decision === 'revertRetry' ? { kind: 'revertRetry', reason: message.reason } : { kind: message.decision }, message.round);
          break;
        case 'openDiff': {
          const current = this.currentRound();
          if (!current) throw new UsageError('There is no round with a diff to open yet.');
          // Through the commands, which load a round's contents from the journal when needed.
          if (message.path) await vscode.commands.executeCommand('refineLoop.openRoundDiff', { kind: 'file', sessionId: current.sessionId, round: current.round, path: message.path });
          else await vscode.commands.executeCommand('refineLoop.openAllChanges', { kind: 'round', session: { sessionId: current.sessionId }, round: { round: current.round } });
          break;
        }
        case 'showLog':
          this.log.show();
          break;
        case 'ready':
        case 'shown':
          break;
      }
    } catch (error) {
      this.log.warn('panel', `${message.type}: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`Refine Loop: ${errorMessage(error)}`);
    }
  }

  // ---------------------------------------------------------------- progress, status, context

  private withAgentProgress(agent: Agent): Agent {
    return {
      id: agent.id,
      propose: async (request, signal, onProgress) =>
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Refine Loop: round ${request.round}, waiting for ${agent.id}`, cancellable: true },
          (progress, token) => {
            const linked = linkSignal(signal, token);
            return agent
              .propose(request, linked.signal, (update) => {
                progress.report({ message: update.kind === 'text' ? `${update.characters.toLocaleString()} characters so far` : update.message });
                onProgress?.(update);
              })
              .finally(() => linked.dispose());
          },
        ),
    };
  }

  private withTestProgress(tests: TestRunner): TestRunner {
    return {
      run: async (plan, signal, onOutput) =>
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Refine Loop: running the tests', cancellable: true }, (_progress, token) => {
          const linked = linkSignal(signal, token);
          return tests
            .run(plan, linked.signal, (chunk) => {
              onOutput?.(chunk);
            })
            .finally(() => linked.dispose());
        }),
    };
  }

  private gateChanged(gate: PendingGate | undefined): void {
    void this.setContext();
    this.pushPanelState();
    this.updateStatus();
    if (gate) this.log.info('review', `waiting for ${gate.kind === 'review' ? 'the review of' : gate.kind === 'afterTests' ? 'a decision after the tests of' : 'a choice in'} ${'round' in gate.view ? `round ${gate.view.round}` : gate.view.path}`);
  }

  private modelChanged(sessionId: string): void {
    if (sessionId !== this.currentSessionId) return;
    this.updateStatus();
    this.pushPanelState();
    void this.setContext();
  }

  private updateStatus(): void {
    const sessionId = this.currentSessionId;
    const live = sessionId ? this.model.get(sessionId) : undefined;
    if (!live) {
      this.statusItem.hide();
      return;
    }
    const latestTests = [...live.rounds].reverse().find((round) => round.tests)?.tests ?? live.baseline;
    const failing = latestTests ? `, ${latestTests.failed + latestTests.problems} failing` : '';
    const round = live.currentRound === 0 ? 'Refine Loop: baseline tests' : `Round ${live.currentRound}/${live.maxRounds}`;
    switch (live.phase) {
      case 'working':
        this.statusItem.text = `$(sync~spin) ${round}${failing}`;
        this.statusItem.backgroundColor = undefined;
        break;
      case 'review':
      case 'afterTests':
        this.statusItem.text = `$(eye) ${round}${failing}: your decision`;
        this.statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      default:
        this.statusItem.text = `${live.outcome === 'passed' ? '$(pass)' : '$(circle-slash)'} Refine Loop: ${outcomeLabel(live.outcome ?? 'ended')}${failing}`;
        this.statusItem.backgroundColor = undefined;
    }
    this.statusItem.tooltip = new vscode.MarkdownString(`**Refine Loop**: ${escapeMarkdown(live.task)}\n\n${escapeMarkdown(live.status)}${latestTests ? `\n\nTests: ${describeSummary(latestTests)}` : ''}\n\nClick to show the review panel.`);
    this.statusItem.show();
  }

  private async setContext(): Promise<void> {
    const gate = this.gates.pending;
    await vscode.commands.executeCommand('setContext', CONTEXT_RUNNING, this.running !== undefined);
    await vscode.commands.executeCommand('setContext', CONTEXT_GATE, gate?.kind ?? '');
    await vscode.commands.executeCommand('setContext', CONTEXT_HAS_ROUND, this.currentRound() !== undefined);
  }

  private expectGate<K extends PendingGate['kind']>(kind: K): Extract<PendingGate, { kind: K }> {
    const gate = this.gates.pending;
    if (!this.running) throw new UsageError('No session is running.');
    if (!gate || gate.kind !== kind) {
      const now = gate ? (gate.kind === 'review' ? 'a review of the proposal' : gate.kind === 'afterTests' ? 'a decision after the tests' : 'a choice about a changed file') : 'nothing (the agent or the tests are working)';
      throw new UsageError(`This decision does not fit now: the session waits for ${now}.`);
    }
    return gate as Extract<PendingGate, { kind: K }>;
  }
}

export function newSessionId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const random = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(3)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${stamp}-${random}`;
}

function linkSignal(signal: AbortSignal, token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (signal.aborted || token.isCancellationRequested) controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  const subscription = token.onCancellationRequested(abort);
  return {
    signal: controller.signal,
    dispose: () => {
      signal.removeEventListener('abort', abort);
      subscription.dispose();
    },
  };
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
