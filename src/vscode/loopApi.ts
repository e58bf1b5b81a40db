// What the editor needs from the loop (src/core/loop.ts) and the providers, as types the
// wiring in extension.ts fills in. Kept structural so the editor's own parts build and
// test on their own.
import type { Agent, Clock, EventSink, Logger, Reviewer, SessionStore, TestRunner, Workspace } from '../core/ports';
import type { ScopeFile } from '../core/prompt';
import type { SessionRecord } from '../core/record';
import type { Outcome } from '../core/session';
import type { Settings } from '../core/settings';

export interface SessionTask {
  readonly task: string;
  readonly scope: readonly ScopeFile[];
  readonly sessionId?: string;
  readonly baseline?: boolean;
}

export interface SessionPorts {
  readonly agent: Agent;
  readonly tests: TestRunner;
  readonly workspace: Workspace;
  readonly reviewer: Reviewer;
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly emit: EventSink;
}

export interface SessionResult {
  readonly sessionId: string;
  readonly outcome: Outcome;
  readonly rounds: number;
  readonly reason: string;
}

export interface TestCommandGuess {
  readonly command: string;
  readonly framework?: string;
  readonly reason: string;
}

export interface LoopApi {
  runSession(task: SessionTask, ports: SessionPorts, settings: Settings, signal: AbortSignal): Promise<SessionResult>;
  exportReport(record: SessionRecord): string;
  createTestRunner(options: { root: string; command: string; timeoutMs: number; log?: Logger }): TestRunner;
  detectTestCommand(root: string): Promise<TestCommandGuess | undefined>;
  /** An agent of the settings' provider (API keys from SecretStorage). */
  createAgent(settings: Settings, root: string, apiKey: string | undefined, log: Logger): Agent;
}
