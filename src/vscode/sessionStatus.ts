// Keeps the status bar item and the context keys in step with the session: on every
// change of the gates, the live session or whether one runs.
import type * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { ContextKeys } from './contextKeys';
import type { SessionController } from './sessionController';
import { SessionStatusBar } from './statusBar';

export class SessionStatus extends Disposable {
  private readonly bar = this._register(new SessionStatusBar());
  private readonly keys = new ContextKeys();

  constructor(private readonly controller: SessionController) {
    super();
  }

  register(context: { subscriptions: { push(disposable: vscode.Disposable): unknown } }): this {
    context.subscriptions.push(this);
    const update = (): void => this.update();
    this._register(this.controller.gates.onDidChange(update));
    this._register(this.controller.model.onDidChange((sessionId) => sessionId === this.controller.currentSessionId && update()));
    this._register(this.controller.onDidChangeRunning(update));
    update();
    return this;
  }

  private update(): void {
    const { controller } = this;
    const sessionId = controller.currentSessionId;
    this.bar.show(sessionId ? controller.model.get(sessionId) : undefined);
    void this.keys.show({ running: controller.isRunning, gate: controller.pending?.kind ?? '', hasRound: controller.currentRound() !== undefined });
  }
}
