import * as vscode from 'vscode';
import { exportReport, runSession } from '../loop/loop';
import type { Journal, SessionHistory } from '../domain/ports';
import { createFileJournal, createFileSessionHistory } from '../node/sessionStore';
import { detectTestCommand } from '../node/detectTests';
import { createTestRunner } from '../node/testRunner';
import { registerCommand, shownErrors } from './commands';
import { DiffDocuments } from './diffDocuments';
import type { LoopApi } from './loopApi';
import { createEditorAgent } from './lmAgent';
import { Log } from './log';
import { offerJournalRecovery, type RecoveryQuestion } from './recovery';
import { ReviewPanel } from './reviewPanel';
import { ApiKeys } from './secrets';
import { SessionCommands } from './sessionCommands';
import { SessionController } from './sessionController';
import { SessionsView } from './sessionsView';
import { ConfirmedTestCommands } from './start';
import { TrustGate } from './trust';
import { LessonCommands, withLessons } from './lessons';
import { register as registerLmTool } from './chat/lmTool';
import { register as registerParticipant } from './chat/participant';

/** What the integration tests reach (only outside production mode). */
export interface TestingApi {
  readonly controller: SessionController;
  readonly trust: TrustGate;
  readonly panel: ReviewPanel;
  readonly diffs: DiffDocuments;
  readonly confirmed: ConfirmedTestCommands;
  readonly keys: ApiKeys;
  readonly shownErrors: readonly string[];
  /** Replaces the loop and providers (undefined: the real ones). */
  setLoop(loop: LoopApi | undefined): void;
  history(): SessionHistory;
  journal(): Journal;
  /** The start-up journal recovery, with the question answered by the test. */
  recoverJournals(ask: RecoveryQuestion): Promise<number>;
  /** The `@refine` chat participant's handler (callable where the editor has no chat). */
  readonly chatHandler: vscode.ChatRequestHandler;
}

// activate() only wires: each feature registers its own commands and views.
export function activate(context: vscode.ExtensionContext): { testing?: TestingApi } {
  const log = new Log();
  context.subscriptions.push(log);
  context.subscriptions.push(registerCommand(log, 'refineLoop.showLog', () => log.show()));

  const trust = new TrustGate(log);
  const diffs = new DiffDocuments(log);
  const panel = new ReviewPanel(context.extensionUri, log);
  // Both live in the extension's storage folder, made when first needed.
  const storeFolder = () => (context.storageUri ?? context.globalStorageUri).fsPath;
  let history: SessionHistory | undefined;
  let journal: Journal | undefined;
  const getHistory = (): SessionHistory => (history ??= createFileSessionHistory(storeFolder()));
  const getJournal = (): Journal => (journal ??= createFileJournal(storeFolder()));
  const controller = new SessionController(log, trust, diffs, panel, (sessionId) => getHistory().load(sessionId));
  const sessions = new SessionsView(
    {
      live: () => controller.model.list(),
      isRunning: (sessionId) => controller.isRunning && controller.currentSessionId === sessionId,
      history: () => getHistory(),
    },
    log,
  );
  let loopOverride: LoopApi | undefined;
  const realLoop: LoopApi = { runSession, exportReport, createTestRunner, detectTestCommand, createAgent: createEditorAgent };
  const confirmed = new ConfirmedTestCommands(context.workspaceState);
  const keys = new ApiKeys(context.secrets);
  // The real loop carries the workspace's lessons and offers new ones at the end of a session.
  const lessonsLoop = withLessons(realLoop, { log, history: getHistory });
  const loop = () => loopOverride ?? lessonsLoop;
  const commands = new SessionCommands({ log, controller, sessions, keys, confirmed, history: getHistory, journal: getJournal, loop });
  // Disposed in reverse: commands before the views and the controller they use.
  context.subscriptions.push(diffs, panel, controller, sessions, commands, new LessonCommands(log));
  const chatDeps = { log, isTrusted: () => trust.isTrusted, start: commands.start.bind(commands), history: getHistory, loop, confirmed };
  registerLmTool(context, chatDeps);
  const chatHandler = registerParticipant(context, { ...chatDeps, model: controller.model, currentSessionId: () => controller.currentSessionId });
  void offerJournalRecovery(getJournal(), controller, log, () => trust.isTrusted);
  log.info('extension', `activated (extension host ${process.version}, VS Code ${vscode.version}, ${vscode.workspace.isTrusted ? 'trusted' : 'Restricted Mode'})`);

  if (context.extensionMode === vscode.ExtensionMode.Production) return {};
  return {
    testing: {
      controller,
      trust,
      panel,
      diffs,
      confirmed,
      keys,
      shownErrors,
      setLoop: (loop) => {
        loopOverride = loop;
      },
      history: getHistory,
      journal: getJournal,
      recoverJournals: (ask) => offerJournalRecovery(getJournal(), controller, log, () => trust.isTrusted, ask),
      chatHandler,
    },
  };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
