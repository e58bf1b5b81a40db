import * as vscode from 'vscode';
import type { Agent, SessionHistory } from '../../domain/ports';
import type { LoopApi, SessionResult } from '../loopApi';
import type { Log } from '../log';
import type { ConfirmedTestCommands, StartArguments } from '../start';
import { invoke, prepare, type RunSessionInput } from './runSessionTool';

export { restrictedReason, type RunSessionInput } from './runSessionTool';

// A language-model tool: an agent in VS Code's chat hands a task and a test command to a
// Refine Loop session, gated and tested as any other. The person confirms before it
// starts (prepareInvocation's confirmation); the gates stay in the review panel and the
// diff editor; the result is the session's outcome and its Markdown report. The logic
// is runSessionTool.ts; this adapts it to the API.

export const RUN_SESSION_TOOL = 'refineLoop_runSession';

export interface ChatDeps {
  readonly log: Log;
  readonly isTrusted: () => boolean;
  /** SessionCommands.start: the one start path. */
  readonly start: (args: StartArguments, direct: { readonly testCommand?: string; readonly agent?: Agent }) => Promise<SessionResult | undefined>;
  readonly history: () => SessionHistory;
  readonly loop: () => Promise<LoopApi | undefined>;
  /** The test commands the person confirmed in this workspace. */
  readonly confirmed: Pick<ConfirmedTestCommands, 'has' | 'add'>;
}

/** The outcome line and the report, as the tool returns them and the participant ends with. */
export async function outcomeText(result: SessionResult | undefined, deps: Pick<ChatDeps, 'history' | 'loop'>): Promise<{ line: string; report?: string }> {
  if (!result) return { line: vscode.l10n.t('The session did not start or ended with an error; the Refine Loop log says why.') };
  const line = vscode.l10n.t('Outcome: {0} after {1} round(s): {2}', result.outcome, result.rounds, result.reason);
  const record = await deps.history().load(result.sessionId);
  const loop = await deps.loop();
  return record && loop ? { line, report: loop.exportReport(record) } : { line };
}

/**
 * A test command a model chose runs only once the person has confirmed it in this
 * workspace: the tool's own confirmation may be set to "always allow", this one is not.
 */
async function confirmTestCommand(command: string, deps: Pick<ChatDeps, 'confirmed' | 'log'>): Promise<string | undefined> {
  if (deps.confirmed.has(command)) return command;
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('Refine Loop: confirm the test command'),
    prompt: vscode.l10n.t('A chat agent asks Refine Loop to run this after every approved round. Press Enter to confirm, Escape to refuse.'),
    value: command,
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() ? undefined : vscode.l10n.t('Give the command line that runs the tests, for example npm test.')),
  });
  if (value === undefined) return undefined;
  await deps.confirmed.add(value.trim());
  deps.log.info('lm-tool', `test command confirmed: ${value.trim()}`);
  return value.trim();
}

export function createRunSessionTool(deps: ChatDeps): vscode.LanguageModelTool<RunSessionInput> {
  return {
    prepareInvocation(options) {
      const prepared = prepare(deps, options.input);
      return { invocationMessage: prepared.invocationMessage, ...(prepared.confirmation ? { confirmationMessages: prepared.confirmation } : {}) };
    },
    async invoke(options, token) {
      const stop = token.onCancellationRequested(() => void vscode.commands.executeCommand('refineLoop.stop', 'keep'));
      try {
        const text = await invoke(
          {
            isTrusted: deps.isTrusted,
            confirmTestCommand: (command) => confirmTestCommand(command, deps),
            run: async ({ task, files, testCommand }) => {
              deps.log.info('lm-tool', `starting a session for a chat agent: ${JSON.stringify(task)}`);
              return outcomeText(await deps.start({ task, scope: files ?? 'none' }, testCommand ? { testCommand } : {}), deps);
            },
          },
          options.input,
        );
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
      } finally {
        stop.dispose();
      }
    },
  };
}

/** Registers the tool where the editor has the Language Model API; elsewhere nothing happens. */
export function register(context: vscode.ExtensionContext, deps: ChatDeps): void {
  if (typeof vscode.lm?.registerTool !== 'function') {
    deps.log.info('lm-tool', 'this editor has no language-model tools API; the tool is not registered');
    return;
  }
  context.subscriptions.push(vscode.lm.registerTool(RUN_SESSION_TOOL, createRunSessionTool(deps)));
}
