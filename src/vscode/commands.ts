import * as vscode from 'vscode';
import { CancelledError, RefineError, errorMessage } from '../domain/errors';
import type { Log } from './log';

export const SHOW_LOG_ACTION = 'Show Log';
export const MANAGE_TRUST_ACTION = 'Manage Workspace Trust';

/** The messages shown for failed commands, newest last (the integration tests read them). */
export const shownErrors: string[] = [];

/**
 * Registers a command whose errors become one clear message with a Show Log action,
 * and a log entry with the stack. Every command of the extension goes through here.
 * Restricted Mode refusals get a Manage Workspace Trust action instead.
 */
export function registerCommand(log: Log, id: string, handler: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...(args as never[]));
    } catch (error) {
      if (error instanceof CancelledError || error instanceof vscode.CancellationError) {
        log.info('commands', `${id}: cancelled`);
        return undefined;
      }
      const message = `Refine Loop: ${errorMessage(error)}`;
      shownErrors.push(message);
      if (shownErrors.length > 50) shownErrors.shift();
      if (error instanceof RefineError && error.code === 'workspace.untrusted') {
        log.warn('commands', `${id} refused: ${errorMessage(error)}`);
        void vscode.window.showWarningMessage(message, MANAGE_TRUST_ACTION, SHOW_LOG_ACTION).then((choice) => {
          if (choice === MANAGE_TRUST_ACTION) void vscode.commands.executeCommand('workbench.trust.manage');
          if (choice === SHOW_LOG_ACTION) log.show();
        });
        return undefined;
      }
      log.error('commands', `${id} failed: ${error instanceof Error && error.stack ? error.stack : errorMessage(error)}`);
      void vscode.window.showErrorMessage(message, SHOW_LOG_ACTION).then((choice) => {
        if (choice === SHOW_LOG_ACTION) log.show();
      });
      return undefined;
    }
  });
}
