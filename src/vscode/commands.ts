import * as vscode from 'vscode';
import { CancelledError, RefineError, errorMessage } from '../domain/errors';
import type { Log } from './log';


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
      const message = vscode.l10n.t('Refine Loop: {0}', errorMessage(error));
      const showLog = vscode.l10n.t('Show Log');
      shownErrors.push(message);
      if (shownErrors.length > 50) shownErrors.shift();
      if (error instanceof RefineError && error.code === 'workspace.untrusted') {
        log.warn('commands', `${id} refused: ${errorMessage(error)}`);
        const manageTrust = vscode.l10n.t('Manage Workspace Trust');
        void vscode.window.showWarningMessage(message, manageTrust, showLog).then((choice) => {
          if (choice === manageTrust) void vscode.commands.executeCommand('workbench.trust.manage');
          if (choice === showLog) log.show();
        });
        return undefined;
      }
      log.error('commands', `${id} failed: ${error instanceof Error && error.stack ? error.stack : errorMessage(error)}`);
      void vscode.window.showErrorMessage(message, showLog).then((choice) => {
        if (choice === showLog) log.show();
      });
      return undefined;
    }
  });
}
