import * as vscode from 'vscode';
import type { Agent, SessionHistory } from '../../domain/ports';
import type { LoopApi, SessionResult } from '../loopApi';
import type { Log } from '../log';
import type { ConfirmedTestCommands, StartArguments } from '../start';

// A language-model tool: an agent in VS Code's chat hands a task and a test command to a
// Refine Loop session, gated and tested as any other. The person confirms before it
// starts (prepareInvocation's confirmation); the gates stay in the review panel and the
// diff editor; the result is the session's outcome and its Markdown report.

export const RUN_SESSION_TOOL = 'refineLoop_runSession';

export interface RunSessionInput {
  readonly task: string;
  readonly testCommand?: string;
  /** Workspace-relative paths the agent gets with the task. */
  readonly files?: readonly string[];
}

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

export function restrictedReason(): string {
  return vscode.l10n.t('Refine Loop runs test and agent commands, which it never does in Restricted Mode. Trust this workspace (Manage Workspace Trust) to run a session.');
}

/** The outcome line and the report, as the tool returns them and the participant ends with. */
export async function outcomeText(result: SessionResult | undefined, deps: Pick<ChatDeps, 'history' | 'loop'>): Promise<{ line: string; report?: string }> {
  if (!result) return { line: vscode.l10n.t('The session did not start or ended with an error; the Refine Loop log says why.') };
  const line = vscode.l10n.t('Outcome: {0} after {1} round(s): {2}', result.outcome, result.rounds, result.reason);
  const record = await deps.history().load(result.sessionId);
  const loop = await deps.loop();
  return record && loop ? { line, report: loop.exportReport(record) } : { line };
}

function inputOf(value: unknown): RunSessionInput {
  const input = (value ?? {}) as Partial<RunSessionInput>;
  if (typeof input.task !== 'string' || !input.task.trim()) throw new Error(vscode.l10n.t('The tool needs a task: say what the session should do.'));
  if (input.testCommand !== undefined && typeof input.testCommand !== 'string') throw new Error(vscode.l10n.t('testCommand must be a command line.'));
  if (input.files !== undefined && (!Array.isArray(input.files) || !input.files.every((file) => typeof file === 'string'))) throw new Error(vscode.l10n.t('files must be a list of workspace-relative paths.'));
  return {
    task: input.task.trim(),
    ...(input.testCommand?.trim() ? { testCommand: input.testCommand.trim() } : {}),
    ...(input.files && input.files.length > 0 ? { files: input.files } : {}),
  };
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
      if (!deps.isTrusted()) return { invocationMessage: restrictedReason() };
      const input = inputOf(options.input);
      // Plain text: VS Code shows it in a modal dialog outside a chat, and the model wrote the task.
      const message = [
        vscode.l10n.t('Task: {0}', input.task),
        input.testCommand
          ? vscode.l10n.t('Test command (runs in the workspace after every approved round): {0}', input.testCommand)
          : vscode.l10n.t('Test command: the one configured for this workspace (asked if not yet confirmed).'),
        ...(input.files ? [vscode.l10n.t('Files given to the agent: {0}', input.files.join(', '))] : []),
        vscode.l10n.t('You review every round in the Refine Loop panel before it is applied.'),
      ].join('\n\n');
      return {
        invocationMessage: vscode.l10n.t('Running a Refine Loop session'),
        confirmationMessages: { title: vscode.l10n.t('Start a Refine Loop session?'), message },
      };
    },
    async invoke(options, token) {
      if (!deps.isTrusted()) return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(vscode.l10n.t('Refused: {0}', restrictedReason()))]);
      const input = inputOf(options.input);
      const testCommand = input.testCommand ? await confirmTestCommand(input.testCommand, deps) : undefined;
      if (input.testCommand && !testCommand) return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(vscode.l10n.t('Refused: the person did not confirm the test command.'))]);
      const stop = token.onCancellationRequested(() => void vscode.commands.executeCommand('refineLoop.stop', 'keep'));
      try {
        deps.log.info('lm-tool', `starting a session for a chat agent: ${JSON.stringify(input.task)}`);
        const result = await deps.start({ task: input.task, scope: input.files ?? 'none' }, testCommand ? { testCommand } : {});
        const { line, report } = await outcomeText(result, deps);
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(report ? `${line}\n\n${report}` : line)]);
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
