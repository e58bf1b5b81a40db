import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { createAgent } from '../../../src/agents/index';
import { AgentError, CancelledError } from '../../../src/domain/errors';
import { buildPrompt } from '../../../src/loop/prompt';
import type { Agent, AgentRequest, Logger } from '../../../src/domain/ports';

// Shared by the agent tests: the repo's fixture folder, temp dirs, a real request built
// by the prompt builder, a logger that remembers what it was told, and an HTTP provider
// set up for a loopback server.

/** The repo root: found upwards from this file (out/…) or, for private builds elsewhere, the cwd. */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'test', 'fixtures', 'agents'))) return dir;
  }
  return process.cwd();
}

export function fixture(name: string): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'agents', name);
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `refine-loop-test-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sampleRequest(overrides: { feedback?: string; offerTools?: boolean } = {}): AgentRequest {
  return buildPrompt({
    round: 2,
    task: 'Make add() return the sum of its arguments.',
    files: [{ path: 'src/math.js', reason: 'failing-test', content: 'export function add(a, b) {\n  return a - b;\n}\n' }],
    feedback: overrides.feedback ?? 'not ok 1 - add\n  expected: 3\n  actual: -1\n',
    budgetTokens: 8000,
    offerTools: overrides.offerTools,
  });
}

export interface RecordingLogger extends Logger {
  readonly lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (component, message) => lines.push(`info [${component}] ${message}`),
    warn: (component, message) => lines.push(`warn [${component}] ${message}`),
    error: (component, message) => lines.push(`error [${component}] ${message}`),
  };
}

/** True while a process with this pid runs (a zombie, killed but not yet reaped, counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/** The error a call failed with: an AgentError or CancelledError, else the test fails. */
export async function failure(promise: Promise<unknown>): Promise<AgentError | CancelledError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AgentError || error instanceof CancelledError, `an AgentError or CancelledError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

export interface HttpTestOptions {
  timeoutMs?: number;
  retries?: number;
  log?: RecordingLogger;
  apiKey?: string;
}

/** makeAgent of an HTTP provider's tests: model `test-model`, short retry delays; `path` is appended to the server's URL. */
export function httpTestAgent(provider: 'anthropic' | 'openai-compatible', path: string, defaultApiKey?: string): (baseUrl: string, options?: HttpTestOptions) => Agent {
  return (baseUrl, options = {}) =>
    createAgent({
      provider,
      baseUrl: `${baseUrl}${path}`,
      model: 'test-model',
      apiKey: options.apiKey ?? defaultApiKey,
      root: '/',
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 3,
      retryBaseMs: 5,
      log: options.log,
    });
}
