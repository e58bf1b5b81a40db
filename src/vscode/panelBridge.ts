// Between the session and the review panel: the state the panel shows (pushed on every
// change of the gates, the live session or the person's edits), the decisions it sends
// back, and after a reload the stored record of the session it showed.
import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { UsageError, errorMessage } from '../domain/errors';
import type { SessionRecord } from '../domain/record';
import type { PanelMessage, PanelState, PersistedPanel } from '../protocol/reviewPanel';
import { registerCommand } from './commands';
import type { DiffDocuments } from './diffDocuments';
import type { GateDecisions } from './gateDecisions';
import type { Log } from './log';
import { panelStateFromRecord } from './recordView';
import type { ReviewPanel } from './reviewPanel';
import type { SessionController } from './sessionController';

export class PanelBridge extends Disposable {
  /** After a reload: the stored record of the session the panel showed. */
  private restoredState: PanelState | undefined;

  constructor(
    private readonly controller: SessionController,
    private readonly decisions: GateDecisions,
    private readonly panel: ReviewPanel,
    private readonly diffs: DiffDocuments,
    private readonly log: Log,
    private readonly loadRecord: (sessionId: string) => Promise<SessionRecord | undefined>,
  ) {
    super();
  }

  register(context: { subscriptions: { push(disposable: vscode.Disposable): unknown } }): this {
    context.subscriptions.push(this);
    const push = (): void => this.pushState();
    this._register(this.controller.gates.onDidChange(push));
    this._register(this.controller.model.onDidChange((sessionId) => sessionId === this.controller.currentSessionId && push()));
    this._register(this.controller.onDidChangeRunning((running) => {
      if (running) this.panel.show(true);
      push();
    }));
    this._register(this.panel.onDidReceiveMessage((message) => void this.onMessage(message)));
    this._register(this.panel.onDidBecomeReady(push));
    this._register(this.panel.onDidRestore((kept) => void this.restore(kept)));
    this._register(this.diffs.onDidEditProposal(push));
    this._register(registerCommand(this.log, 'refineLoop.showReview', () => this.show()));
    return this;
  }

  show(): void {
    this.panel.show(false);
    this.pushState();
  }

  pushState(): void {
    const sessionId = this.controller.currentSessionId;
    if (!sessionId) {
      if (this.restoredState) this.panel.setState(this.restoredState);
      return;
    }
    const settings = this.controller.runningSettings;
    const pending = this.controller.pending;
    const edited = pending?.kind === 'review' ? new Set(Object.keys(this.diffs.editedFiles(pending.view.sessionId, pending.view.round))) : new Set<string>();
    const state = this.controller.model.panelState(sessionId, { maxMinutes: settings?.maxMinutes ?? 0, maxTokens: settings?.maxTokens ?? 0 }, Date.now(), edited);
    if (state) this.panel.setState(state);
  }

  /** After a reload the session is gone from memory: the panel shows its stored record. */
  private async restore(kept: PersistedPanel): Promise<void> {
    const sessionId = kept.state?.sessionId;
    if (!sessionId || this.controller.currentSessionId) {
      this.pushState();
      return;
    }
    try {
      const record = await this.loadRecord(sessionId);
      if (!record || this.controller.currentSessionId) return;
      this.restoredState = panelStateFromRecord(record, Date.now());
      this.panel.setState(this.restoredState);
      this.log.info('panel', `showing the stored record of ${sessionId} after a reload`);
    } catch (error) {
      this.log.warn('panel', `could not load session ${sessionId} for the restored panel: ${errorMessage(error)}`);
    }
  }

  private async onMessage(message: PanelMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'approve':
          await this.decisions.approve({ rejectedHunks: message.rejectedHunks, approveProtected: message.approveProtected, round: message.round });
          break;
        case 'reject':
          this.decisions.reject(message.reason, message.round);
          break;
        case 'stop':
          await this.controller.stop();
          break;
        case 'afterTests':
          this.decisions.decideAfterTests(message.decision === 'revertRetry' ? { kind: 'revertRetry', reason: message.reason } : { kind: message.decision }, message.round);
          break;
        case 'openDiff': {
          const current = this.controller.currentRound();
          if (!current) throw new UsageError(vscode.l10n.t('There is no round with a diff to open yet.'));
          if (message.path && message.line && this.diffs.hasRound(current.sessionId, current.round)) {
            // A hunk's place: the diff opens at its first changed line (on the proposed side).
            const at = new vscode.Position(message.line - 1, 0);
            await this.diffs.openDiff(current.sessionId, current.round, message.path, { viewColumn: vscode.ViewColumn.One, preserveFocus: false, selection: new vscode.Range(at, at) });
            break;
          }
          // Through the commands, which load a round's contents from the journal when needed.
          if (message.path) await vscode.commands.executeCommand('refineLoop.openRoundDiff', { kind: 'file', sessionId: current.sessionId, round: current.round, path: message.path });
          else await vscode.commands.executeCommand('refineLoop.openAllChanges', { kind: 'round', session: { sessionId: current.sessionId }, round: { round: current.round } });
          break;
        }
        case 'chooseCandidate':
          this.decisions.chooseCandidate(message.rank, message.round);
          break;
        case 'rejectCandidates':
          this.decisions.rejectCandidates(message.reason, message.round);
          break;
        case 'showLog':
          this.log.show();
          break;
        case 'ready':
        case 'shown':
          break;
      }
    } catch (error) {
      this.log.warn('panel', `${message.type}: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Refine Loop: {0}', errorMessage(error)));
    }
  }
}
