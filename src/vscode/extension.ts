import * as vscode from 'vscode';
import type { Journal, SessionHistory } from '../domain/ports';
import { createFileSessionHistory } from '../node/sessionStore';
import { registerCommand, shownErrors } from './commands';
import { DiffDocuments } from './diffDocuments';
import { GateDecisions } from './gateDecisions';
import { loadSessionRuntime, type LoopApi } from './loopApi';
import { Log } from './log';
import { PanelBridge } from './panelBridge';
import { createEditorJournal, offerJournalRecovery, type RecoveryQuestion } from './recovery';
import { ReviewPanel } from './reviewPanel';
import { ApiKeys } from './secrets';
import { useConfirmationStore } from './configuration';
import { SessionCommands } from './sessionCommands';
import { SessionController } from './sessionController';
import { SessionStatus } from './sessionStatus';
import { RoundTabs } from './roundTabs';
import { SessionsView } from './sessionsView';
import { ConfirmedTestCommands } from './start';
import { setTranslator } from './translate';
import { TrustGate } from './trust';
import { LessonCommands, withLessons } from './lessons';
import { AgentPick } from './agentPick';
import { register as registerLmTool } from './chat/lmTool';
import { register as registerParticipant } from './chat/participant';

/** What the integration tests reach (only outside production mode). */
export interface TestingApi {
  readonly controller: SessionController;
  readonly decisions: GateDecisions;
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
  /** Where the history and the journal live (the extension's storage, outside the workspace). */
  storeFolder(): string;
  /** The `@refine` chat participant's handler (callable where the editor has no chat). */
  readonly chatHandler: vscode.ChatRequestHandler;
  /** Refine Loop: Choose Agent, whose quick pick is `current` while it is open. */
  readonly agentPick: AgentPick;
}

// activate() only wires: each feature registers its own commands and views.
export function activate(context: vscode.ExtensionContext): { testing?: TestingApi } {
  setTranslator((message, ...args) => vscode.l10n.t(message, ...args));
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
  const getJournal = (): Journal => (journal ??= createEditorJournal(storeFolder(), context.secrets, log));
  // Disposed in reverse: the commands before the views and the controller they use.
  const controller = new SessionController(log, trust, diffs, panel);
  context.subscriptions.push(diffs, panel, controller);
  const decisions = new GateDecisions(controller, log).register(context);
  new PanelBridge(controller, decisions, panel, diffs, log, (sessionId) => getHistory().load(sessionId)).register(context);
  new SessionStatus(controller).register(context);
  context.subscriptions.push(new RoundTabs(controller.model, diffs, log));
  const sessions = new SessionsView(
    {
      live: () => controller.model.list(),
      isRunning: (sessionId) => controller.isRunning && controller.currentSessionId === sessionId,
      history: () => getHistory(),
    },
    log,
  );
  let loopOverride: LoopApi | undefined;
  const confirmed = new ConfirmedTestCommands(context.workspaceState);
  const keys = new ApiKeys(context.secrets);
  useConfirmationStore(context.workspaceState);
  // The real loop (loaded on first use) carries the workspace's lessons and offers new ones at the end of a session.
  let lessonsLoop: LoopApi | undefined;
  const loop = async (): Promise<LoopApi> => loopOverride ?? (lessonsLoop ??= withLessons(await loadSessionRuntime(), { log, history: getHistory }));
  const commands = new SessionCommands({ log, controller, decisions, sessions, keys, confirmed, history: getHistory, journal: getJournal, loop });
  context.subscriptions.push(sessions, commands, new LessonCommands(log));
  const agentPick = new AgentPick({
    log,
    findAgentClis: async () => {
      const runtime = await loadSessionRuntime();
      const settings = vscode.workspace.getConfiguration('refineLoop');
      // Only the person's own value is run for its --version: a workspace's could name any program.
      const path = (settings.inspect<string>('agent.command')?.globalValue ?? '').trim();
      return runtime.findAgentClis ? runtime.findAgentClis(path ? { provider: settings.get<string>('agent.provider', ''), path } : undefined) : [];
    },
  });
  context.subscriptions.push(agentPick);
  const chatDeps = { log, isTrusted: () => trust.isTrusted, start: commands.start.bind(commands), history: getHistory, loop, confirmed };
  registerLmTool(context, chatDeps);
  const chatHandler = registerParticipant(context, { ...chatDeps, model: controller.model, currentSessionId: () => controller.currentSessionId });
  void offerJournalRecovery(getJournal(), controller.reviewer, log, () => trust.isTrusted);
  log.info('extension', `activated (extension host ${process.version}, VS Code ${vscode.version}, ${vscode.workspace.isTrusted ? 'trusted' : 'Restricted Mode'})`);

  if (context.extensionMode === vscode.ExtensionMode.Production) return {};
  return {
    testing: {
      controller,
      decisions,
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
      recoverJournals: (ask) => offerJournalRecovery(getJournal(), controller.reviewer, log, () => trust.isTrusted, ask),
      storeFolder,
      chatHandler,
      agentPick,
    },
  };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
