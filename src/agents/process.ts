import { spawn } from 'node:child_process';
import { AgentError, CancelledError } from '../domain/errors';
import { formatBytes, formatSeconds } from './limits';

// Runs an agent program as the test runner runs test commands: through the shell, in
// its own process group, so a timeout or a cancel ends the program and everything it
// started (SIGTERM to the group, SIGKILL 2 s later).

export const KILL_GRACE_MS = 2000;

export interface ProgramRun {
  readonly commandLine: string;
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stdin: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Most stdout bytes kept; past it the run fails (`failOnOverflow`) or keeps the start. */
  readonly maxStdoutBytes: number;
  readonly failOnOverflow: boolean;
  readonly onStdout?: (totalCharacters: number) => void;
}

export interface ProgramResult {
  readonly stdout: string;
  readonly stderrTail: string;
  readonly exitCode: number;
  readonly durationMs: number;
  readonly truncated: boolean;
}

const STDERR_TAIL_BYTES = 4000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Windows has no process groups: there the shell's process is what can be stopped.
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Resolves with the output of a program that exited 0; throws AgentError otherwise. */
export function runProgram(run: ProgramRun): Promise<ProgramResult> {
  if (run.signal.aborted) return Promise.reject(new CancelledError('Agent command cancelled before it started.'));
  const started = Date.now();
  // The platform's shell (/bin/sh -c on POSIX), in a new process group (detached).
  const child = spawn(run.commandLine, { shell: true, cwd: run.cwd, env: run.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  const where = `agent command \`${run.commandLine}\``;

  return new Promise<ProgramResult>((resolve, reject) => {
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stdoutCharacters = 0;
    let truncated = false;
    let stderrTail = '';
    let ending: AgentError | CancelledError | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (reason: AgentError | CancelledError): void => {
      if (ending) return;
      ending = reason;
      if (child.pid !== undefined) {
        killGroup(child.pid, 'SIGTERM');
        const pid = child.pid;
        killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      }
    };

    const timer = setTimeout(
      () =>
        stop(
          new AgentError(
            `The ${where} did not finish within ${formatSeconds(run.timeoutMs)} and was stopped with its process group. Nothing was applied. Raise refineLoop.agent.timeoutSeconds if it needs longer, or check that it does not wait for input.`,
            'agent.timeout',
          ),
        ),
      run.timeoutMs,
    );
    const onAbort = (): void => stop(new CancelledError('Agent command cancelled; its process group was stopped.'));
    run.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      if (stdoutBytes + chunk.length > run.maxStdoutBytes) {
        truncated = true;
        stdoutChunks.push(chunk.subarray(0, run.maxStdoutBytes - stdoutBytes));
        stdoutBytes = run.maxStdoutBytes;
        if (run.failOnOverflow) {
          stop(
            new AgentError(
              `The ${where} wrote more than ${formatBytes(run.maxStdoutBytes)} to stdout; that is not a reply anyone can review, so it was stopped. Nothing was applied. Make the program print only its edit blocks.`,
              'agent.replyTooLarge',
            ),
          );
        }
        return;
      }
      stdoutChunks.push(chunk);
      stdoutBytes += chunk.length;
      stdoutCharacters += chunk.toString('utf8').length;
      run.onStdout?.(stdoutCharacters);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    // A program that does not read its stdin closes the pipe early: not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.stdin);

    child.on('error', (error) => {
      stop(new AgentError(`Could not start the ${where} in ${run.cwd}: ${error.message}. Check refineLoop.agent.command (or --agent-command).`, 'agent.spawnFailed'));
    });

    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      run.signal.removeEventListener('abort', onAbort);
      // Whatever the program left running in its group goes with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      if (ending) return reject(ending);
      const stderrNote = stderrTail.trim() ? ` Its stderr ended with:\n${stderrTail.trim().slice(-1500)}` : ' It wrote nothing to stderr.';
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        return reject(new AgentError(`The ${where} ${how}. Nothing was applied. Run it by hand in ${run.cwd} to see why.${stderrNote}`, 'agent.commandFailed'));
      }
      resolve({ stdout: Buffer.concat(stdoutChunks).toString('utf8'), stderrTail, exitCode: 0, durationMs: Date.now() - started, truncated });
    });
  });
}
