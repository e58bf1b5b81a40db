// What the editor needs from the loop (src/core/loop.ts) and the providers, as types the
// wiring in extension.ts fills in. The session types are the loop's own (type-only
// imports), so the two cannot drift apart; the editor's own parts still build and test
// without the loop's code.
import type * as vscode from 'vscode';
import type { SessionPorts, SessionResult, SessionTask } from '../loop/loop';
import type { Agent, Logger, ScratchCopies, TestRunner } from '../domain/ports';
import type { SessionRecord } from '../domain/record';
import type { Settings } from '../domain/settings';

export type { SessionPorts, SessionResult, SessionTask } from '../loop/loop';

export interface TestCommandGuess {
  readonly command: string;
  readonly framework?: string;
  readonly reason: string;
}

export interface LoopApi {
  runSession(task: SessionTask, ports: SessionPorts, settings: Settings, signal: AbortSignal): Promise<SessionResult>;
  exportReport(record: SessionRecord): string;
  createTestRunner(options: { root: string; command: string; timeoutMs: number; log?: Logger; secretVariables?: readonly string[] }): TestRunner;
  /** Best of N: scratch copies of the workspace at `root`, each testing with `testRunner` (absent in scripted loops: then one attempt per round). */
  createScratchCopies?(options: { root: string; testRunner: (root: string) => TestRunner; log?: Logger }): ScratchCopies;
  detectTestCommand(root: string): Promise<TestCommandGuess | undefined>;
  /** An agent of the settings' provider (API keys from SecretStorage). */
  createAgent(settings: Settings, root: string, apiKey: string | undefined, log: Logger): Agent;
  /** The `vscode-lm` agent over one given chat model (the chat's `request.model`), with the read tools where a folder is open. */
  createChatAgent(model: vscode.LanguageModelChat, settings: Settings, root: string | undefined, log: Logger): Agent;
}

/** The real loop and providers, from their own bundle, loaded once on first use. */
let runtime: Promise<LoopApi> | undefined;
export function loadSessionRuntime(): Promise<LoopApi> {
  runtime ??= import('./sessionRuntime.js').then((module) => module.sessionRuntime);
  return runtime;
}
