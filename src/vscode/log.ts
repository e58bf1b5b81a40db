import * as vscode from 'vscode';
import type { Logger } from '../domain/ports';

/** The one LogOutputChannel "Refine Loop"; every message tagged with its component. */
export class Log implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Refine Loop', { log: true });
  }

  info(component: string, message: string): void {
    this.channel.info(`[${component}] ${message}`);
  }

  warn(component: string, message: string): void {
    this.channel.warn(`[${component}] ${message}`);
  }

  error(component: string, message: string): void {
    this.channel.error(`[${component}] ${message}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
