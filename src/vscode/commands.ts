import * as vscode from 'vscode';
import { CancelledError, errorMessage } from '../core/errors';
import type { Log } from './log';

export const SHOW_LOG_ACTION = 'Show Log';

/**
 * Registers a command whose errors become one clear message with a Show Log action,
 * and a log entry with the stack. Every command of the extension goes through here.
 */
export function registerCommand(log: Log, id: string, handler: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...(args as never[]));
    } catch (error) {
      if (error instanceof CancelledError || (error instanceof vscode.CancellationError)) {
        log.info('commands', `${id}: cancelled`);
        return undefined;
      }
      log.error('commands', `${id} failed: ${error instanceof Error && error.stack ? error.stack : errorMessage(error)}`);
      void vscode.window.showErrorMessage(`Refine Loop: ${errorMessage(error)}`, SHOW_LOG_ACTION).then((choice) => {
        if (choice === SHOW_LOG_ACTION) log.show();
      });
      return undefined;
    }
  });
}
