import * as path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, UsageError } from '../domain/errors';
import type { ScopeFile } from '../loop/prompt';
import type { Settings } from '../domain/settings';
import type { LoopApi } from './loopApi';
import type { Log } from './log';
import { type VscodeWorkspace } from './workspaceAdapter';

/** Arguments the Start command takes when run programmatically (tests, links); every one optional. */
export interface StartArguments {
  readonly task?: string;
  /** `active`, `selection`, `open`, `none`, or workspace-relative paths. */
  readonly scope?: 'active' | 'selection' | 'open' | 'none' | readonly string[];
}

const CONFIRMED_KEY = 'refineLoop.confirmedTestCommands';

/** Persisted, typed: the test commands the person confirmed in this workspace. */
export class ConfirmedTestCommands {
  constructor(private readonly memento: vscode.Memento) {}

  all(): string[] {
    const value = this.memento.get<unknown>(CONFIRMED_KEY, []);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }

  has(command: string): boolean {
    return this.all().includes(command);
  }

  async add(command: string): Promise<void> {
    await this.memento.update(CONFIRMED_KEY, [...new Set([...this.all(), command])].slice(-20));
  }

  async clear(): Promise<void> {
    await this.memento.update(CONFIRMED_KEY, undefined);
  }
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new UsageError(vscode.l10n.t('Open a folder first: Refine Loop works on the files and tests of a workspace folder.'));
  return folder.uri;
}

export async function askTask(preset?: string): Promise<string> {
  if (preset !== undefined) {
    if (!preset.trim()) throw new UsageError(vscode.l10n.t('The task is empty: say what the agent should do.'));
    return preset.trim();
  }
  const task = await vscode.window.showInputBox({
    title: vscode.l10n.t('Refine Loop: Start (1/3): the task'),
    prompt: vscode.l10n.t('What should the agent do? Your tests judge each round.'),
    placeHolder: vscode.l10n.t('For example: make the cart tests pass'),
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t('Describe the task in a sentence.')),
  });
  if (task === undefined) throw new CancelledError();
  return task.trim();
}

function relativeTo(root: vscode.Uri, uri: vscode.Uri): string | undefined {
  if (uri.scheme !== root.scheme) return undefined;
  const relative = path.relative(root.fsPath, uri.fsPath);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

function openEditorUris(): vscode.Uri[] {
  const uris = new Map<string, vscode.Uri>();
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputText) uris.set(tab.input.uri.toString(), tab.input.uri);
    }
  }
  return [...uris.values()];
}

interface ScopeChoice extends vscode.QuickPickItem {
  readonly value: 'selection' | 'active' | 'open' | 'pick' | 'none';
}

/** Which files the agent sees first: the selection, the active file, the open editors, picked files, or none. */
export async function pickScope(root: vscode.Uri, workspace: VscodeWorkspace, preset?: StartArguments['scope']): Promise<ScopeFile[]> {
  const editor = vscode.window.activeTextEditor;
  const activePath = editor ? relativeTo(root, editor.document.uri) : undefined;
  const selection = editor && activePath && !editor.selection.isEmpty ? editor.selection : undefined;
  const open = openEditorUris().map((uri) => relativeTo(root, uri)).filter((item): item is string => item !== undefined);

  let choice: ScopeChoice['value'] | readonly string[];
  if (preset !== undefined) {
    choice = preset;
  } else {
    const items: ScopeChoice[] = [];
    if (selection && activePath) items.push({ label: `$(selection) ${vscode.l10n.t('Selection')}`, description: `${activePath}:${selection.start.line + 1}–${selection.end.line + 1}`, value: 'selection' });
    if (activePath) items.push({ label: `$(file) ${vscode.l10n.t('Active file')}`, description: activePath, value: 'active' });
    if (open.length > 0) items.push({ label: `$(files) ${vscode.l10n.t('Open editors')}`, description: vscode.l10n.t('{0} file(s): {1}', open.length, `${open.slice(0, 3).join(', ')}${open.length > 3 ? '…' : ''}`), value: 'open' });
    items.push({ label: `$(folder-opened) ${vscode.l10n.t('Pick files…')}`, value: 'pick' });
    items.push({ label: `$(beaker) ${vscode.l10n.t('No files')}`, description: vscode.l10n.t('the agent starts from the failing tests'), value: 'none' });
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Refine Loop: Start (2/3): what the agent sees'), placeHolder: vscode.l10n.t('Files given to the agent with the task'), ignoreFocusOut: true });
    if (!picked) throw new CancelledError();
    choice = picked.value;
  }

  const read = async (relative: string, reason: ScopeFile['reason'], range?: ScopeFile['selection']): Promise<ScopeFile> => {
    const bytes = await workspace.read(relative);
    if (bytes === undefined) throw new UsageError(vscode.l10n.t("'{0}' does not exist in the workspace.", relative));
    return { path: relative, content: new TextDecoder().decode(bytes), reason, ...(range ? { selection: range } : {}) };
  };

  if (Array.isArray(choice)) return Promise.all(choice.map((relative: string) => read(relative, 'explicit')));
  switch (choice) {
    case 'selection':
      if (!selection || !activePath) throw new UsageError(vscode.l10n.t('There is no selection in a file of this workspace.'));
      return [await read(activePath, 'selection', { startLine: selection.start.line + 1, endLine: selection.end.line + 1 })];
    case 'active':
      if (!activePath) throw new UsageError(vscode.l10n.t('There is no active editor with a file of this workspace.'));
      return [await read(activePath, 'active')];
    case 'open':
      return Promise.all(open.map((relative) => read(relative, relative === activePath ? 'active' : 'open')));
    case 'pick': {
      const uris = await vscode.window.showOpenDialog({ canSelectMany: true, canSelectFiles: true, canSelectFolders: false, defaultUri: root, openLabel: vscode.l10n.t('Give to the agent'), title: vscode.l10n.t('Refine Loop: files for the agent') });
      if (!uris || uris.length === 0) throw new CancelledError();
      const paths = uris.map((uri) => {
        const relative = relativeTo(root, uri);
        if (!relative) throw new UsageError(vscode.l10n.t('{0} is outside the workspace folder.', uri.fsPath));
        return relative;
      });
      return Promise.all(paths.map((relative) => read(relative, 'explicit')));
    }
    default:
      return [];
  }
}

/**
 * The command that runs the tests: the setting, else the command of the configured
 * task, else a guess from the workspace. The person confirms it before its first run in
 * this workspace (and may change it there).
 */
export async function resolveTestCommand(settings: Settings, root: vscode.Uri, loop: Pick<LoopApi, 'detectTestCommand'>, confirmed: ConfirmedTestCommands, log: Log): Promise<string> {
  let command = settings['test.command'].trim();
  let source = 'from the refineLoop.test.command setting';
  const taskLabel = settings['test.task'].trim();
  if (taskLabel) {
    const task = (await vscode.tasks.fetchTasks()).find((candidate) => candidate.name === taskLabel);
    if (!task) throw new UsageError(vscode.l10n.t("No task labelled '{0}' (refineLoop.test.task): check tasks.json, or clear the setting.", taskLabel));
    const execution = task.execution;
    if (execution instanceof vscode.ShellExecution) {
      command = execution.commandLine ?? [execution.command, ...(execution.args ?? [])].map((part) => (part === undefined ? '' : typeof part === 'string' ? part : part.value)).join(' ');
    } else if (execution instanceof vscode.ProcessExecution) {
      command = [execution.process, ...execution.args].join(' ');
    } else {
      throw new UsageError(vscode.l10n.t("The task '{0}' is not a shell or process task, so Refine Loop cannot run it as a test command.", taskLabel));
    }
    source = `from the task '${taskLabel}'`;
  }
  if (!command) {
    const guess = await loop.detectTestCommand(root.fsPath);
    if (guess) {
      command = guess.command;
      source = `guessed: ${guess.reason}`;
    } else {
      source = 'no test command found in the workspace';
    }
  }
  if (command && confirmed.has(command)) return command;
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('Refine Loop: Start (3/3): confirm the test command'),
    prompt: vscode.l10n.t('It runs in {0} after every approved round ({1}). Press Enter to confirm.', root.fsPath, source),
    value: command,
    ignoreFocusOut: true,
    validateInput: (text) => (text.trim() ? undefined : vscode.l10n.t('Give the command line that runs the tests, for example npm test.')),
  });
  if (value === undefined) throw new CancelledError();
  await confirmed.add(value.trim());
  log.info('start', `test command confirmed: ${value.trim()}`);
  return value.trim();
}
