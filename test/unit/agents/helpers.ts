import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPrompt } from '../../../src/core/prompt';
import type { AgentRequest, Logger } from '../../../src/core/ports';

// Shared by the agent tests: the repo's fixture folder, temp dirs, a real request built
// by the prompt builder, and a logger that remembers what it was told.

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
