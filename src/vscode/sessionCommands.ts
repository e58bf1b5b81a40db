import * as vscode from 'vscode';
import { restoreCheckpoint } from '../loop/checkpoints';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError } from '../domain/errors';
import type { FileChange } from '../domain/model';
import type { Agent, Journal, SessionHistory } from '../domain/ports';
import { registerCommand } from './commands';
import { candidatesFor } from './candidateStart';
import { readSessionSettings } from './configuration';
import type { LoopApi, SessionResult } from './loopApi';
import type { Log } from './log';
import type { ApiKeys } from './secrets';
import type { GateDecisions } from './gateDecisions';
import type { SessionController } from './sessionController';
import type { SessionsNode, SessionsView } from './sessionsView';
import { askTask, pickScope, resolveTestCommand, workspaceRoot, type ConfirmedTestCommands, type StartArguments } from './start';
import { VscodeWorkspace } from './workspaceAdapter';

export interface SessionCommandDeps {
  readonly log: Log;
  readonly controller: SessionController;
  readonly decisions: GateDecisions;
  readonly sessions: SessionsView;
  readonly keys: ApiKeys;
  readonly confirmed: ConfirmedTestCommands;
  readonly history: () => SessionHistory;
  readonly journal: () => Journal;
  /** The loop and providers, once wired; undefined parts make Start explain what is missing. */
  readonly loop: () => Promise<LoopApi | undefined>;
}

type RoundNode = Extract<SessionsNode, { kind: 'round' }>;
type FileNode = Extract<SessionsNode, { kind: 'file' }>;
type SessionNode = Extract<SessionsNode, { kind: 'session' }>;

/** The commands of sessions: start, stop, diffs, checkpoints, report, keys (the gate decisions are gateDecisions.ts'). */
export class SessionCommands extends Disposable {
  constructor(private readonly deps: SessionCommandDeps) {
    super();
    const { log, controller } = deps;
    const command = (id: string, handler: (...args: never[]) => unknown): void => {
      this._register(registerCommand(log, id, handler));
    };
    command('refineLoop.start', (args?: StartArguments) => this.start(args));
    command('refineLoop.stop', (choice?: 'keep' | 'revert') => controller.stop(choice));
    command('refineLoop.revertRound', (node?: RoundNode) => this.revertRound(node));
    command('refineLoop.restoreCheckpoint', (node?: RoundNode) => this.restoreCheckpoint(node));
    command('refineLoop.openRoundDiff', (node?: RoundNode | FileNode) => this.openRoundDiff(node));
    command('refineLoop.openAllChanges', (node?: RoundNode) => this.openAllChanges(node));
    command('refineLoop.exportReport', (node?: SessionNode) => this.exportReport(node));
    command('refineLoop.setApiKey', () => deps.keys.prompt());
    command('refineLoop.refreshSessions', () => deps.sessions.refresh({ stored: true }));
    this._register(controller.model.onDidChange(() => deps.sessions.refresh()));
    this._register(controller.onDidEndSession(() => deps.sessions.refresh({ stored: true })));
  }

  /**
   * The one start path: the Start command, the language-model tool and the chat participant.
   * Only in-process callers pass `direct` (a test command the person confirmed in the tool's
   * confirmation, the chat's model): the command's arguments never skip the confirmation.
   */
  async start(args: StartArguments = {}, direct: { readonly testCommand?: string; readonly agent?: Agent } = {}): Promise<SessionResult | undefined> {
    const { controller, log } = this.deps;
    controller.trust.require(vscode.l10n.t('Starting a session'));
    if (controller.isRunning) throw new UsageError(vscode.l10n.t('A session is already running in this window. Stop it first (Refine Loop: Stop).'));
    const loop = await this.deps.loop();
    if (!loop) throw new UsageError(vscode.l10n.t('The refinement loop is not available in this build.'));
    const root = workspaceRoot();
    const settings = await readSessionSettings(root);
    const task = await askTask(args.task);
    const workspace = new VscodeWorkspace(root, log);
    const scope = await pickScope(root, workspace, args.scope);
    const testCommand = direct.testCommand?.trim() || (await resolveTestCommand(settings, root, loop, this.deps.confirmed, log));
    const agent = direct.agent ?? loop.createAgent(settings, root.fsPath, await this.deps.keys.keyFor(settings['agent.provider'], settings['agent.baseUrl']), log);
    const tests = loop.createTestRunner({ root: root.fsPath, command: testCommand, timeoutMs: settings['test.timeoutSeconds'] * 1000, log, secretVariables: settings.secretVariables });
    const candidates = await candidatesFor(loop, settings, { root: root.fsPath, testCommand, log }, async (own) => direct.agent ?? loop.createAgent(own, root.fsPath, await this.deps.keys.keyFor(own['agent.provider'], own['agent.baseUrl']), log));
    const result = await controller.start({ task: { task, scope, baseline: true, testCommand }, settings, root, agent, tests, history: this.deps.history(), journal: this.deps.journal(), runSession: loop.runSession, ...(candidates ? { candidates } : {}) });
    return result;
  }

  private async revertRound(node?: RoundNode): Promise<void> {
    const { controller } = this.deps;
    const gate = controller.pending;
    if (!node && gate?.kind === 'afterTests') {
      const reason = await vscode.window.showInputBox({
        title: vscode.l10n.t('Refine Loop: revert round {0} and retry', gate.view.round),
        prompt: vscode.l10n.t('Optional: what should the agent do differently?'),
        ignoreFocusOut: true,
      });
      if (reason === undefined) throw new CancelledError();
      this.deps.decisions.decideAfterTests({ kind: 'revertRetry', ...(reason.trim() ? { reason: reason.trim() } : {}) });
      return;
    }
    const target = node ? { sessionId: node.session.sessionId, round: node.round.round } : await this.pickRound(vscode.l10n.t('Revert which round?'));
    await this.restore(target.sessionId, target.round, vscode.l10n.t('Revert round {0}', target.round));
  }

  private async restoreCheckpoint(node?: RoundNode): Promise<void> {
    const target = node ? { sessionId: node.session.sessionId, round: node.round.round } : await this.pickRound(vscode.l10n.t('Restore the files as they were before which round?'));
    await this.restore(target.sessionId, target.round, vscode.l10n.t('Restore the checkpoint before round {0}', target.round));
  }

  private async restore(sessionId: string, round: number, title: string): Promise<void> {
    const { controller, log } = this.deps;
    const gate = controller.pending;
    if (gate?.kind === 'afterTests' && gate.view.sessionId === sessionId) {
      this.deps.decisions.decideAfterTests({ kind: 'restore', round });
      return;
    }
    if (controller.isRunning) throw new UsageError(vscode.l10n.t('A session is running: restore a checkpoint at its after-tests gate, or stop it first.'));
    controller.trust.require(vscode.l10n.t('Restoring a checkpoint'));
    const yes = 'Restore';
    const answer = await vscode.window.showWarningMessage(
      `${title}?`,
      { modal: true, detail: vscode.l10n.t('This puts back the files that round {0} and every later round of the session wrote, as they were before. Nothing else is touched. A file changed since is not overwritten without asking.', round) },
      yes,
    );
    if (answer !== yes) return;
    const root = workspaceRoot();
    const result = await restoreCheckpoint(sessionId, round, { workspace: new VscodeWorkspace(root, log), history: this.deps.history(), journal: this.deps.journal(), reviewer: controller.reviewer, log });
    this.deps.sessions.refresh({ stored: true });
    const message =
      result.rounds.length === 0
        ? vscode.l10n.t('Nothing to restore: round {0} left no checkpoint that is not already reverted.', round)
        : result.kept.length
          ? vscode.l10n.t('Restored {0} file(s) of round(s) {1}; kept your newer version of {2}.', result.restored.length, result.rounds.join(', '), result.kept.join(', '))
          : vscode.l10n.t('Restored {0} file(s) of round(s) {1}.', result.restored.length, result.rounds.join(', '));
    void vscode.window.showInformationMessage(vscode.l10n.t('Refine Loop: {0}', message));
  }

  private async pickRound(placeHolder: string): Promise<{ sessionId: string; round: number }> {
    const sessions = await this.deps.sessions.provider.sessions();
    const items = sessions.flatMap((session) =>
      session.rounds
        .filter((round) => round.applied && !round.reverted)
        .map((round) => ({ label: `Round ${round.round}`, description: session.task, detail: vscode.l10n.t('{0}', round.files.map((file) => file.path).join(', ')), sessionId: session.sessionId, round: round.round })),
    );
    if (items.length === 0) throw new UsageError(vscode.l10n.t('No applied round to restore: rounds that were rejected or already reverted have no checkpoint left.'));
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Refine Loop'), placeHolder });
    if (!picked) throw new CancelledError();
    return { sessionId: picked.sessionId, round: picked.round };
  }

  private async roundContents(sessionId: string, round: number): Promise<void> {
    const { controller } = this.deps;
    if (controller.diffs.hasRound(sessionId, round)) return;
    const entry = await this.deps.journal().read(sessionId, round);
    if (!entry) throw new UsageError(vscode.l10n.t('Round {0} has no stored contents to show (only applied rounds keep their files).', round));
    const changes: FileChange[] = entry.files.map((file) => ({
      path: file.path,
      kind: file.before === undefined ? 'create' : file.after === undefined ? 'delete' : 'modify',
      before: file.before,
      after: file.after,
    }));
    controller.diffs.setRound(sessionId, round, changes, false);
  }

  private async openRoundDiff(node?: RoundNode | FileNode): Promise<void> {
    const { controller } = this.deps;
    const target = node ? { sessionId: node.kind === 'file' ? node.sessionId : node.session.sessionId, round: node.kind === 'file' ? node.round : node.round.round } : controller.currentRound();
    if (!target) throw new UsageError(vscode.l10n.t('There is no round with a diff yet.'));
    await this.roundContents(target.sessionId, target.round);
    let file = node?.kind === 'file' ? node.path : undefined;
    if (!file) {
      const paths = controller.diffs.paths(target.sessionId, target.round);
      if (paths.length === 1) file = paths[0];
      else {
        const picked = await vscode.window.showQuickPick(paths, { title: vscode.l10n.t('Refine Loop: round {0}', target.round), placeHolder: vscode.l10n.t('Which file?') });
        if (!picked) throw new CancelledError();
        file = picked;
      }
    }
    if (!file) throw new UsageError(vscode.l10n.t('Round {0} changed no file.', target.round));
    if (!controller.diffs.paths(target.sessionId, target.round).includes(file)) throw new UsageError(vscode.l10n.t('Round {0} did not change {1}.', target.round, file));
    await controller.diffs.openDiff(target.sessionId, target.round, file, { viewColumn: vscode.ViewColumn.One });
  }

  private async openAllChanges(node?: RoundNode): Promise<void> {
    const { controller } = this.deps;
    const target = node ? { sessionId: node.session.sessionId, round: node.round.round } : controller.currentRound();
    if (!target) throw new UsageError(vscode.l10n.t('There is no round with changes yet.'));
    await this.roundContents(target.sessionId, target.round);
    await controller.diffs.openAll(target.sessionId, target.round, workspaceRoot());
  }

  private async exportReport(node?: SessionNode): Promise<vscode.TextDocument> {
    const { controller } = this.deps;
    const loop = await this.deps.loop();
    if (!loop) throw new UsageError(vscode.l10n.t('Reports are not available in this build.'));
    let sessionId = node?.session.sessionId ?? controller.currentSessionId;
    if (!sessionId) {
      const sessions = await this.deps.sessions.provider.sessions();
      const picked = await vscode.window.showQuickPick(
        sessions.map((session) => ({ label: session.task, description: new Date(session.startedAt).toLocaleString(), sessionId: session.sessionId })),
        { title: vscode.l10n.t('Refine Loop: Export Report'), placeHolder: vscode.l10n.t('Which session?') },
      );
      if (!picked) throw new CancelledError();
      sessionId = picked.sessionId;
    }
    const record = await this.deps.history().load(sessionId);
    if (!record) throw new UsageError(vscode.l10n.t('Session {0} is not in the store (yet): nothing to export.', sessionId));
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: loop.exportReport(record) });
    await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.One });
    return document;
  }
}
