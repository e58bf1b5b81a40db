import * as vscode from 'vscode';
import { readSettings } from '../configuration';
import type { LiveSession, SessionModel } from '../sessionModel';
import { outcomeText, restrictedReason, type ChatDeps } from './lmTool';

// The chat participant `@refine`: `@refine make the cart tests pass` starts a session
// with the chat's own model and streams its progress (rounds, tests, outcome) into the
// response. The gates stay where they are: the review panel and the diff editor.

export const PARTICIPANT_ID = 'refine-loop.refine';

export interface ParticipantDeps extends ChatDeps {
  readonly model: SessionModel;
  readonly currentSessionId: () => string | undefined;
}

/** The lines a live session has reached, each once, in order. */
function milestones(session: LiveSession): { key: string; text: string }[] {
  const lines: { key: string; text: string }[] = [];
  const tests = (summary: { passed: number; failed: number; problems: number }) =>
    vscode.l10n.t('{0} passed, {1} failed{2}', summary.passed, summary.failed, summary.problems ? vscode.l10n.t(', {0} run problem(s)', summary.problems) : '');
  if (session.baseline) lines.push({ key: 'baseline', text: vscode.l10n.t('Baseline tests: {0}', tests(session.baseline)) });
  for (const round of session.rounds) {
    if (round.files.length > 0) {
      const files = round.files.map((file) => `${file.path} (+${file.additions} −${file.deletions})`).join(', ');
      lines.push({ key: `${round.round}:proposal`, text: vscode.l10n.t('Round {0}: the agent proposes changes to {1}', round.round, files) });
    }
    if (round.decision) lines.push({ key: `${round.round}:review`, text: vscode.l10n.t('Round {0}: review: {1}{2}', round.round, round.decision, round.reason ? ` (${round.reason})` : '') });
    if (round.tests) lines.push({ key: `${round.round}:tests`, text: vscode.l10n.t('Round {0}: tests: {1}', round.round, tests(round.tests)) });
  }
  return lines;
}

function inert(text: string): string {
  // Shown as Markdown: the agent's paths and the person's reasons must not become links or markup.
  return text.replace(/[\\`*_{}[\]()#+!|<>~-]/g, '\\$&');
}

export function createHandler(deps: ParticipantDeps): vscode.ChatRequestHandler {
  return async (request, _context, stream, token) => {
    if (!deps.isTrusted()) {
      stream.markdown(inert(restrictedReason()));
      return { metadata: { refused: true } };
    }
    const task = request.prompt.trim();
    if (!task) {
      stream.markdown(inert(vscode.l10n.t('Say what to do, for example: @refine make the cart tests pass')));
      return {};
    }
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const settings = readSettings(vscode.workspace.workspaceFolders?.[0]?.uri);
    const loop = await deps.loop();
    if (!loop) {
      stream.markdown(inert(vscode.l10n.t('The refinement loop is not available in this build.')));
      return {};
    }
    const agent = loop.createChatAgent(request.model, settings, root, deps.log);
    stream.progress(vscode.l10n.t('Starting a Refine Loop session with {0}…', request.model.name));
    stream.button({ command: 'refineLoop.showReview', title: vscode.l10n.t('Open the review panel') });
    const shown = new Set<string>();
    let status = '';
    const listener = deps.model.onDidChange((sessionId) => {
      if (sessionId !== deps.currentSessionId()) return;
      const live = deps.model.get(sessionId);
      if (!live) return;
      for (const line of milestones(live)) {
        if (shown.has(line.key)) continue;
        shown.add(line.key);
        stream.markdown(`- ${inert(line.text)}\n`);
      }
      if (live.status && live.status !== status && live.phase !== 'ended') {
        status = live.status;
        stream.progress(live.status);
      }
    });
    const stop = token.onCancellationRequested(() => void vscode.commands.executeCommand('refineLoop.stop', 'keep'));
    try {
      const result = await deps.start({ task, scope: 'none' }, { agent });
      const { line } = await outcomeText(result, deps);
      stream.markdown(`\n**${inert(line)}**\n`);
      return { metadata: { sessionId: result?.sessionId, outcome: result?.outcome } };
    } finally {
      listener.dispose();
      stop.dispose();
    }
  };
}

/** Registers `@refine` where the editor has chat; elsewhere nothing happens. Returns the handler (the tests call it). */
export function register(context: vscode.ExtensionContext, deps: ParticipantDeps): vscode.ChatRequestHandler {
  const handler = createHandler(deps);
  if (typeof vscode.chat?.createChatParticipant !== 'function') {
    deps.log.info('chat', 'this editor has no chat API; @refine is not registered');
    return handler;
  }
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'refine-loop.svg');
  context.subscriptions.push(participant);
  return handler;
}
