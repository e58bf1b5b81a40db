import type * as vscode from 'vscode';
import { registerCommand } from './commands';
import { Log } from './log';
import { SessionsView } from './sessionsView';

// activate() only wires: each feature registers its own commands and views.
export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  context.subscriptions.push(log);
  context.subscriptions.push(registerCommand(log, 'refineLoop.showLog', () => log.show()));
  context.subscriptions.push(new SessionsView());
  log.info('extension', `activated (extension host ${process.version})`);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
