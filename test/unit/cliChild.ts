import { spawn } from 'node:child_process';
import { join } from 'node:path';

// The CLI as a person runs it, for the end-to-end unit tests: a real child process of
// the compiled entry point, its answers on stdin, its output collected.

/** The compiled CLI entry (out/src/cli/main.js). */
export const CLI_ENTRY = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** This process's environment without the variable node:test sets for its own children, so a fixture's `node --test` runs as a person's would. */
export function personEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const { NODE_TEST_CONTEXT: _ignored, ...clean } = process.env;
  return { ...clean, NODE_OPTIONS: '', ...extra };
}

export interface CliChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `refine-loop ARGS` in `cwd` with `answers` on stdin; resolves when it has exited and its output is read. */
export function runCliChild(args: readonly string[], options: { cwd: string; env: Record<string, string | undefined>; answers?: string }): Promise<CliChildRun> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.answers ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
