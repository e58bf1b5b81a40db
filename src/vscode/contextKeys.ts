// The context keys that decide which commands and menu items show. State in, setContext
// out, and only for a key whose value changed.
import * as vscode from 'vscode';

export const CONTEXT_RUNNING = 'refineLoop.running';
export const CONTEXT_GATE = 'refineLoop.gate';
export const CONTEXT_HAS_ROUND = 'refineLoop.hasRound';

export interface ContextState {
  readonly running: boolean;
  /** The open gate's kind, '' when none. */
  readonly gate: string;
  readonly hasRound: boolean;
}

export class ContextKeys {
  private readonly shown = new Map<string, boolean | string>();

  async show(state: ContextState): Promise<void> {
    await this.set(CONTEXT_RUNNING, state.running);
    await this.set(CONTEXT_GATE, state.gate);
    await this.set(CONTEXT_HAS_ROUND, state.hasRound);
  }

  private async set(key: string, value: boolean | string): Promise<void> {
    if (this.shown.get(key) === value) return;
    this.shown.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  }
}
