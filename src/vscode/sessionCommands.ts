import * as vscode from 'vscode';
import { restoreCheckpoint } from '../loop/checkpoints';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError } from '../domain/errors';
import type { FileChange } from '../domain/model';
import type { Agent, Journal, SessionHistory } from '../domain/ports';
import { registerCommand } from './commands';
import { readSettings } from './configuration';
import type { LoopApi, SessionResult } from './loopApi';
import type { Log } from './log';
import type { ApiKeys } from './secrets';
import type { SessionController } from './sessionController';
import type { SessionsNode, SessionsView } from './sessionsView';
import { askTask, pickScope, resolveTestCommand, workspaceRoot, type ConfirmedTestCommands, type StartArguments } from './start';
import { VscodeWorkspace } from './workspaceAdapter';

export interface SessionCommandDeps {
  readonly log: Log;
  readonly controller: SessionController;
  readonly sessions: SessionsView;
  readonly keys: ApiKeys;
  readonly confirmed: ConfirmedTestCommands;
  readonly history: () => SessionHistory;
  readonly journal: () => Journal;
  /** The loop and providers, once wired; undefined parts make Start explain what is missing. */
  readonly loop: () => LoopApi | undefined;
}

type RoundNode = Extract<SessionsNode, { kind: 'round' }>;
type FileNode = Extract<SessionsNode, { kind: 'file' }>;
type SessionNode = Extract<SessionsNode, { kind: 'session' }>;

/** Every command of a session: start, the gate decisions, diffs, checkpoints, report, keys. */
export class SessionCommands extends Disposable {
  constructor(private readonly deps: SessionCommandDeps) {
    super();
    const { log, controller } = deps;
    const command = (id: string, handler: (...args: never[]) => unknown): void => {
      this._register(registerCommand(log, id, handler));
    };
    command('refineLoop.start', (args?: StartArguments) => this.start(args));
    command('refineLoop.approve', () => controller.approve());
    command('refineLoop.rejectWithReason', (reason?: string) => this.reject(reason));
    command('refineLoop.continue', () => controller.decideAfterTests({ kind: 'continue' }));
    command('refineLoop.stop', (choice?: 'keep' | 'revert') => controller.stop(choice));
    command('refineLoop.revertRound', (node?: RoundNode) => this.revertRound(node));
    command('refineLoop.restoreCheckpoint', (node?: RoundNode) => this.restoreCheckpoint(node));
    command('refineLoop.openRoundDiff', (node?: RoundNode | FileNode) => this.openRoundDiff(node));
    command('refineLoop.openAllChanges', (node?: RoundNode) => this.openAllChanges(node));
    command('refineLoop.exportReport', (node?: SessionNode) => this.exportReport(node));
    command('refineLoop.setApiKey', () => deps.keys.prompt());
    command('refineLoop.showReview', () => controller.showPanel());
    command('refineLoop.refreshSessions', () => deps.sessions.refresh());
    this._register(controller.model.onDidChange(() => deps.sessions.refresh()));
    this._register(controller.onDidEndSession(() => deps.sessions.refresh()));
  }

  /**
   * The one start path: the Start command, the language-model tool and the chat participant.
   * Only in-process callers pass `direct` (a test command the person confirmed in the tool's
   * confirmation, the chat's model): the command's arguments never skip the confirmation.
   */
  async start(args: StartArguments = {}, direct: { readonly testCommand?: string; readonly agent?: Agent } = {}): Promise<SessionResult | undefined> {
    const { controller, log } = this.deps;
    controller.trust.require('Starting a session');
    if (controller.isRunning) throw new UsageError('A session is already running in this window. Stop it first (Refine Loop: Stop).');
    const loop = this.deps.loop();
    if (!loop) throw new UsageError('The refinement loop is not available in this build.');
    const root = workspaceRoot();
    const settings = readSettings(root);
    const task = await askTask(args.task);
    const workspace = new VscodeWorkspace(root, log);
    const scope = await pickScope(root, workspace, args.scope);
    const testCommand = direct.testCommand?.trim() || (await resolveTestCommand(settings, root, loop, this.deps.confirmed, log));
    const agent = direct.agent ?? loop.createAgent(settings, root.fsPath, await this.deps.keys.get(settings['agent.provider']), log);
    const tests = loop.createTestRunner({ root: root.fsPath, command: testCommand, timeoutMs: settings['test.timeoutSeconds'] * 1000, log });
    const result = await controller.start({ task: { task, scope, baseline: true }, settings, root, agent, tests, history: this.deps.history(), journal: this.deps.journal(), runSession: loop.runSession });
    return result;
  }

  private async reject(reason?: string): Promise<void> {
    const { controller } = this.deps;
    const gate = controller.pending;
    if (gate?.kind !== 'review') throw new UsageError('There is no proposal to reject right now.');
    const text =
      reason ??
      (await vscode.window.showInputBox({
        title: `Refine Loop: reject round ${gate.view.round}`,
        prompt: 'Why? The agent reads this and proposes again.',
        placeHolder: 'For example: keep the function signature; fix the quantity instead',
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() ? undefined : 'Say why, so the agent can do better.'),
      }));
    if (text === undefined) throw new CancelledError();
    controller.reject(text);
  }

  private async revertRound(node?: RoundNode): Promise<void> {
    const { controller } = this.deps;
    const gate = controller.pending;
    if (!node && gate?.kind === 'afterTests') {
      const reason = await vscode.window.showInputBox({
        title: `Refine Loop: revert round ${gate.view.round} and retry`,
        prompt: 'Optional: what should the agent do differently?',
        ignoreFocusOut: true,
      });
      if (reason === undefined) throw new CancelledError();
      controller.decideAfterTests({ kind: 'revertRetry', ...(reason.trim() ? { reason: reason.trim() } : {}) });
      return;
    }
    const target = node ? { sessionId: node.session.sessionId, round: node.round.round } : await this.pickRound('Revert which round?');
    await this.restore(target.sessionId, target.round, `Revert round ${target.round}`);
  }

  private async restoreCheckpoint(node?: RoundNode): Promise<void> {
    const target = node ? { sessionId: node.session.sessionId, round: node.round.round } : await this.pickRound('Restore the files as they were before which round?');
    await this.restore(target.sessionId, target.round, `Restore the checkpoint before round ${target.round}`);
  }

  private async restore(sessionId: string, round: number, title: string): Promise<void> {
    const { controller, log } = this.deps;
    const gate = controller.pending;
    if (gate?.kind === 'afterTests' && gate.view.sessionId === sessionId) {
      controller.decideAfterTests({ kind: 'restore', round });
      return;
    }
    if (controller.isRunning) throw new UsageError('A session is running: restore a checkpoint at its after-tests gate, or stop it first.');
    controller.trust.require('Restoring a checkpoint');
    const yes = 'Restore';
    const answer = await vscode.window.showWarningMessage(
      `${title}?`,
      { modal: true, detail: `This puts back the files that round ${round} and every later round of the session wrote, as they were before. Nothing else is touched. A file changed since is not overwritten without asking.` },
      yes,
    );
    if (answer !== yes) return;
    const root = workspaceRoot();
    const result = await restoreCheckpoint(sessionId, round, { workspace: new VscodeWorkspace(root, log), history: this.deps.history(), journal: this.deps.journal(), reviewer: controller, log });
    this.deps.sessions.refresh();
    const message = result.rounds.length === 0 ? `Nothing to restore: round ${round} left no checkpoint that is not already reverted.` : `Restored ${result.restored.length} file(s) of round(s) ${result.rounds.join(', ')}${result.kept.length ? `; kept your newer version of ${result.kept.join(', ')}` : ''}.`;
    void vscode.window.showInformationMessage(`Refine Loop: ${message}`);
  }

  private async pickRound(placeHolder: string): Promise<{ sessionId: string; round: number }> {
    const sessions = await this.deps.sessions.provider.sessions();
    const items = sessions.flatMap((session) =>
      session.rounds
        .filter((round) => round.applied && !round.reverted)
        .map((round) => ({ label: `Round ${round.round}`, description: session.task, detail: `${round.files.map((file) => file.path).join(', ')}`, sessionId: session.sessionId, round: round.round })),
    );
    if (items.length === 0) throw new UsageError('No applied round to restore: rounds that were rejected or already reverted have no checkpoint left.');
    const picked = await vscode.window.showQuickPick(items, { title: 'Refine Loop', placeHolder });
    if (!picked) throw new CancelledError();
    return { sessionId: picked.sessionId, round: picked.round };
  }

  private async roundContents(sessionId: string, round: number): Promise<void> {
    const { controller } = this.deps;
    if (controller.diffs.hasRound(sessionId, round)) return;
    const entry = await this.deps.journal().read(sessionId, round);
    if (!entry) throw new UsageError(`Round ${round} has no stored contents to show (only applied rounds keep their files).`);
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
    if (!target) throw new UsageError('There is no round with a diff yet.');
    await this.roundContents(target.sessionId, target.round);
    let file = node?.kind === 'file' ? node.path : undefined;
    if (!file) {
      const paths = controller.diffs.paths(target.sessionId, target.round);
      if (paths.length === 1) file = paths[0];
      else {
        const picked = await vscode.window.showQuickPick(paths, { title: `Refine Loop: round ${target.round}`, placeHolder: 'Which file?' });
        if (!picked) throw new CancelledError();
        file = picked;
      }
    }
    if (!file) throw new UsageError(`Round ${target.round} changed no file.`);
    if (!controller.diffs.paths(target.sessionId, target.round).includes(file)) throw new UsageError(`Round ${target.round} did not change ${file}.`);
    await controller.diffs.openDiff(target.sessionId, target.round, file, { viewColumn: vscode.ViewColumn.One });
  }

  private async openAllChanges(node?: RoundNode): Promise<void> {
    const { controller } = this.deps;
    const target = node ? { sessionId: node.session.sessionId, round: node.round.round } : controller.currentRound();
    if (!target) throw new UsageError('There is no round with changes yet.');
    await this.roundContents(target.sessionId, target.round);
    await controller.diffs.openAll(target.sessionId, target.round, workspaceRoot());
  }

  private async exportReport(node?: SessionNode): Promise<vscode.TextDocument> {
    const { controller } = this.deps;
    const loop = this.deps.loop();
    if (!loop) throw new UsageError('Reports are not available in this build.');
    let sessionId = node?.session.sessionId ?? controller.currentSessionId;
    if (!sessionId) {
      const sessions = await this.deps.sessions.provider.sessions();
      const picked = await vscode.window.showQuickPick(
        sessions.map((session) => ({ label: session.task, description: new Date(session.startedAt).toLocaleString(), sessionId: session.sessionId })),
        { title: 'Refine Loop: Export Report', placeHolder: 'Which session?' },
      );
      if (!picked) throw new CancelledError();
      sessionId = picked.sessionId;
    }
    const record = await this.deps.history().load(sessionId);
    if (!record) throw new UsageError(`Session ${sessionId} is not in the store (yet): nothing to export.`);
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: loop.exportReport(record) });
    await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.One });
    return document;
  }
}
