// The language-model tool's logic, without `vscode` (lmTool.ts adapts it to the API), so
// unit tests drive it with fakes: VS Code's extension-test host confirms every tool
// call by itself, so only here can a declined confirmation be tested. The contract it
// is built for: VS Code calls prepare, shows its confirmation, and calls invoke only on
// yes; so prepare starts nothing, and always asks in a trusted workspace.
import { t } from '../translate';

export interface RunSessionInput {
  readonly task: string;
  readonly testCommand?: string;
  /** Workspace-relative paths the agent gets with the task. */
  readonly files?: readonly string[];
}

export function restrictedReason(): string {
  return t('Refine Loop runs test and agent commands, which it never does in Restricted Mode. Trust this workspace (Manage Workspace Trust) to run a session.');
}

/** The model wrote the input: checked here, with an error the model can act on. */
export function inputOf(value: unknown): RunSessionInput {
  const input = (value ?? {}) as Partial<RunSessionInput>;
  if (typeof input.task !== 'string' || !input.task.trim()) throw new Error(t('The tool needs a task: say what the session should do.'));
  if (input.testCommand !== undefined && typeof input.testCommand !== 'string') throw new Error(t('testCommand must be a command line.'));
  if (input.files !== undefined && (!Array.isArray(input.files) || !input.files.every((file) => typeof file === 'string'))) throw new Error(t('files must be a list of workspace-relative paths.'));
  return {
    task: input.task.trim(),
    ...(input.testCommand?.trim() ? { testCommand: input.testCommand.trim() } : {}),
    ...(input.files && input.files.length > 0 ? { files: input.files } : {}),
  };
}

export interface Prepared {
  readonly invocationMessage: string;
  /** What the person confirms before anything runs; absent only in Restricted Mode, where invoke refuses. */
  readonly confirmation?: { readonly title: string; readonly message: string };
}

export interface ToolLogicDeps {
  readonly isTrusted: () => boolean;
  /** Asks the person to confirm a test command the model chose (undefined: refused); the confirmed ones pass without a question. */
  readonly confirmTestCommand: (command: string) => Promise<string | undefined>;
  /** Starts the session (the one start path) and returns its outcome line and report. */
  readonly run: (input: { task: string; files?: readonly string[]; testCommand?: string }) => Promise<{ line: string; report?: string }>;
}

export function prepare(deps: Pick<ToolLogicDeps, 'isTrusted'>, raw: unknown): Prepared {
  if (!deps.isTrusted()) return { invocationMessage: restrictedReason() };
  const input = inputOf(raw);
  // Plain text: VS Code shows it in a modal dialog outside a chat, and the model wrote the task.
  const message = [
    t('Task: {0}', input.task),
    input.testCommand ? t('Test command (runs in the workspace after every approved round): {0}', input.testCommand) : t('Test command: the one configured for this workspace (asked if not yet confirmed).'),
    ...(input.files ? [t('Files given to the agent: {0}', input.files.join(', '))] : []),
    t('You review every round in the Refine Loop panel before it is applied.'),
  ].join('\n\n');
  return { invocationMessage: t('Running a Refine Loop session'), confirmation: { title: t('Start a Refine Loop session?'), message } };
}

/** The text the tool returns: the session's outcome and report, or why nothing ran. */
export async function invoke(deps: ToolLogicDeps, raw: unknown): Promise<string> {
  if (!deps.isTrusted()) return t('Refused: {0}', restrictedReason());
  const input = inputOf(raw);
  // The tool's own confirmation may be set to "always allow"; a test command the model chose is asked about anyway.
  const testCommand = input.testCommand ? await deps.confirmTestCommand(input.testCommand) : undefined;
  if (input.testCommand && !testCommand) return t('Refused: the person did not confirm the test command.');
  const { line, report } = await deps.run({ task: input.task, ...(input.files ? { files: input.files } : {}), ...(testCommand ? { testCommand } : {}) });
  return report ? `${line}\n\n${report}` : line;
}
