// What the editor needs from the loop (src/core/loop.ts) and the providers, as types the
// wiring in extension.ts fills in. The session types are the loop's own (type-only
// imports), so the two cannot drift apart; the editor's own parts still build and test
// without the loop's code.
import type * as vscode from 'vscode';
import type { SessionPorts, SessionResult, SessionTask } from '../loop/loop';
import type { Agent, Logger, TestRunner } from '../domain/ports';
import type { SessionRecord } from '../domain/record';
import type { Settings } from '../domain/settings';

export type { SessionPorts, SessionResult, SessionTask } from '../loop/loop';

export interface TestCommandGuess {
  readonly command: string;
  readonly framework?: string;
  readonly reason: string;
}

/** An agent CLI preset and where it was found (no path: not installed). */
export interface AgentCliStatus {
  readonly id: string;
  readonly displayName: string;
  readonly testedVersion: string;
  /** The command that installs the tested version. */
  readonly install: string;
  readonly path?: string;
  readonly version?: string;
  /** Set when the version is older than the tested one. */
  readonly notice?: string;
}

export interface LoopApi {
  runSession(task: SessionTask, ports: SessionPorts, settings: Settings, signal: AbortSignal): Promise<SessionResult>;
  exportReport(record: SessionRecord): string;
  createTestRunner(options: { root: string; command: string; timeoutMs: number; log?: Logger; secretVariables?: readonly string[] }): TestRunner;
  detectTestCommand(root: string): Promise<TestCommandGuess | undefined>;
  /** An agent of the settings' provider (API keys from SecretStorage). */
  createAgent(settings: Settings, root: string, apiKey: string | undefined, log: Logger): Agent;
  /** The `vscode-lm` agent over one given chat model (the chat's `request.model`), with the read tools where a folder is open. */
  createChatAgent(model: vscode.LanguageModelChat, settings: Settings, root: string | undefined, log: Logger): Agent;
  /** The agent CLI presets, each looked for on PATH (or at `commandPath`, for the one in use) with its version. */
  findAgentClis?(commandPath?: { readonly provider: string; readonly path: string }): Promise<readonly AgentCliStatus[]>;
}

/** The real loop and providers, from their own bundle, loaded once on first use. */
let runtime: Promise<LoopApi> | undefined;
export function loadSessionRuntime(): Promise<LoopApi> {
  runtime ??= import('./sessionRuntime.js').then((module) => module.sessionRuntime);
  return runtime;
}
