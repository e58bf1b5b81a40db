import * as vscode from 'vscode';
import { RefineError } from '../domain/errors';
import type { Log } from './log';

/** Thrown (and shown once, with a way to trust) when a loop would run a command in Restricted Mode. */
export class RestrictedModeError extends RefineError {
  constructor(what: string) {
    super(
      vscode.l10n.t('{0} runs test and agent commands, which Refine Loop never does in Restricted Mode. Trust this workspace (Manage Workspace Trust) to run a loop.', what),
      'workspace.untrusted',
    );
  }
}

/**
 * Workspace trust, in one place. `isTrusted` is VS Code's, unless a test replaced it
 * through the extension's testing API (the integration host runs with trust disabled).
 */
export class TrustGate {
  private override: boolean | undefined;

  constructor(private readonly log: Log) {}

  get isTrusted(): boolean {
    return this.override ?? vscode.workspace.isTrusted;
  }

  /** For the integration tests only. */
  setOverride(trusted: boolean | undefined): void {
    this.override = trusted;
  }

  /**
   * Call before anything that runs a test or agent command. In Restricted Mode it throws
   * RestrictedModeError, which registerCommand shows once with a Manage Workspace Trust action.
   */
  require(what: string): void {
    if (this.isTrusted) return;
    const error = new RestrictedModeError(what);
    this.log.warn('trust', error.message);
    throw error;
  }
}
