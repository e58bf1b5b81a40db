import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentError, CancelledError, errorMessage } from '../domain/errors';
import type { Agent, AgentProgress, AgentReply, AgentRequest, Logger } from '../domain/ports';
import { runCommand } from '../node/process';
import { DEFAULT_MAX_REPLY_BYTES, formatBytes, formatSeconds } from './limits';
import { throttleProgress } from './progress';
import { checkReply } from './replyCheck';
import { changedOutsideCopy, copyWorkspace, diffCopy } from './worktree';
import { planSandbox, type SandboxMode } from '../node/sandbox';
import type { PreparedWorktreeRun, WorktreeProgram } from './worktreeProgram';

// The `command` provider: any program. *reply* mode: the prompt on stdin, edit blocks
// on stdout. *worktree* mode: the program edits a scratch copy of the workspace (an
// agent CLI run headless) and the proposal is the difference. Both get the request as
// JSON in the file named by REFINE_LOOP_REQUEST.

export interface CommandAgentOptions {
  readonly command: string;
  readonly mode: 'reply' | 'worktree';
  /** Workspace root: the program's cwd in reply mode, the source of the copy in worktree mode. */
  readonly root: string;
  readonly timeoutMs: number;
  readonly log?: Logger;
  /** The environment to pass on (API key variables are removed); default process.env. */
  readonly env?: Record<string, string | undefined>;
  readonly maxReplyBytes?: number;
  /** More variable names (or `*` patterns) kept from the program (`refineLoop.secretVariables`). */
  readonly secretVariables?: readonly string[];
  /** Worktree mode: contain the program with bubblewrap (`auto`: where it runs). */
  readonly sandbox?: SandboxMode;
  /** Worktree mode: a known program (an agent CLI preset) instead of `command` through the shell. */
  readonly program?: WorktreeProgram;
}

/** Between SIGTERM and SIGKILL when an agent program is stopped. */
export const KILL_GRACE_MS = 2000;
const STDERR_TAIL_BYTES = 4000;

interface ProgramRun {
  readonly commandLine: string;
  /** Run this argv (a sandbox around the command line) instead of the command line through the shell. */
  readonly argv?: readonly string[];
  readonly cwd: string;
  readonly baseEnv: Record<string, string | undefined>;
  readonly env: Record<string, string>;
  readonly secretVariables?: readonly string[];
  /** Undefined: stdin is /dev/null. */
  readonly stdin: string | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Most stdout bytes kept; past it the run fails (`failOnOverflow`) or keeps the start. */
  readonly maxStdoutBytes: number;
  readonly failOnOverflow: boolean;
  readonly onStdout?: (totalCharacters: number) => void;
  /** Each stdout chunk, decoded (a preset's event stream). */
  readonly onStdoutText?: (text: string) => void;
  /** How messages name the program (default: agent command `LINE`). */
  readonly label?: string;
  /** A non-zero exit is returned, not thrown: the caller (a preset) explains it. */
  readonly returnFailure?: boolean;
}

interface ProgramResult {
  readonly stdout: string;
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
}

/**
 * Runs an agent program through the one process runner (the test runner's): its whole
 * tree stopped at the timeout or a cancel and killed when it ends, even a grandchild in
 * a session of its own that keeps stdout open. Resolves with stdout when it exited 0.
 */
async function runProgram(run: ProgramRun): Promise<ProgramResult> {
  if (run.signal.aborted) throw new CancelledError('Agent command cancelled before it started.');
  const where = run.label ?? `agent command \`${run.commandLine}\``;
  const decoder = new TextDecoder();
  const overflow = new AbortController();
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;
  let stdoutCharacters = 0;
  let overflowed = false;
  let stderrTail = '';
  const result = await runCommand({
    cwd: run.cwd,
    command: run.argv ?? run.commandLine,
    timeoutMs: run.timeoutMs,
    baseEnv: run.baseEnv,
    env: run.env,
    ...(run.secretVariables ? { secretVariables: run.secretVariables } : {}),
    purpose: 'agent',
    stdin: run.stdin,
    signal: AbortSignal.any([run.signal, overflow.signal]),
    killGraceMs: KILL_GRACE_MS,
    headBytes: 0,
    tailBytes: STDERR_TAIL_BYTES,
    keepBytes: 0,
    onStdout: (chunk) => {
      // A preset's parser sees every event; only the kept text is capped.
      run.onStdoutText?.(decoder.decode(chunk, { stream: true }));
      if (stdoutBytes >= run.maxStdoutBytes) return;
      if (stdoutBytes + chunk.length > run.maxStdoutBytes) {
        stdoutChunks.push(chunk.subarray(0, run.maxStdoutBytes - stdoutBytes));
        stdoutBytes = run.maxStdoutBytes;
        if (run.failOnOverflow) {
          overflowed = true;
          overflow.abort();
        }
        return;
      }
      stdoutChunks.push(chunk);
      stdoutBytes += chunk.length;
      stdoutCharacters += chunk.toString('utf8').length;
      run.onStdout?.(stdoutCharacters);
    },
    onStderr: (chunk) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    },
  });
  if (result.spawnError !== undefined) {
    throw new AgentError(`Could not start the ${where} in ${run.cwd}: ${result.spawnError}. Check refineLoop.agent.command (or --agent-command).`, 'agent.spawnFailed');
  }
  if (overflowed) {
    throw new AgentError(
      `The ${where} wrote more than ${formatBytes(run.maxStdoutBytes)} to stdout; that is not a reply anyone can review, so it was stopped. Nothing was applied. Make the program print only its edit blocks.`,
      'agent.replyTooLarge',
    );
  }
  if (result.timedOut) {
    throw new AgentError(
      `The ${where} did not finish within ${formatSeconds(run.timeoutMs)} and was stopped with every process it started. Nothing was applied. Raise refineLoop.agent.timeoutSeconds if it needs longer, or check that it does not wait for input.`,
      'agent.timeout',
    );
  }
  if (result.cancelled) throw new CancelledError('Agent command cancelled; every process it started was stopped.');
  if (result.outputLimitHit) {
    throw new AgentError(`The ${where} printed more than ${formatBytes(result.totalBytes)} and was stopped. Nothing was applied.`, 'agent.outputTooLarge');
  }
  const done = { stdout: Buffer.concat(stdoutChunks).toString('utf8'), durationMs: result.durationMs, exitCode: result.exitCode, signal: result.signal, stderrTail };
  if (run.returnFailure) return done;
  const stderrNote = stderrTail.trim() ? ` Its stderr ended with:\n${stderrTail.trim().slice(-1500)}` : ' It wrote nothing to stderr.';
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
    throw new AgentError(`The ${where} ${how}. Nothing was applied. Run it by hand in ${run.cwd} to see why.${stderrNote}`, 'agent.commandFailed');
  }
  return done;
}

/** Summary text kept from a worktree program's stdout (its log, not a reply). */
const MAX_SUMMARY_BYTES = 64 * 1024;

/** The prompt as one text: system instructions, then the conversation. */
export function promptText(request: AgentRequest): string {
  const parts = [request.system];
  for (const message of request.messages) {
    parts.push(request.messages.length > 1 ? `[${message.role}]\n${message.content}` : message.content);
  }
  return parts.join('\n\n') + '\n';
}

export function requestFileContent(request: AgentRequest): string {
  const { task, round, files, feedback, system, messages } = request;
  return JSON.stringify({ task, round, files, feedback: feedback ?? null, system, messages }, null, 2);
}

export function createCommandAgent(options: CommandAgentOptions): Agent {
  const component = 'agent.command';
  const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  if (options.command.trim() === '') {
    throw new AgentError('No agent command is set. Set refineLoop.agent.command (or pass --agent-command) to the program to run.', 'agent.noCommand');
  }

  /** Said once per agent (a session) and reason: a warning repeated every round is a warning nobody reads. */
  const told = new Set<string>();
  const tellOnce = (message: string) => {
    if (told.has(message)) return;
    told.add(message);
    options.log?.warn(component, message);
    onceProgress?.({ kind: 'status', message });
  };
  let onceProgress: ((progress: AgentProgress) => void) | undefined;

  async function propose(request: AgentRequest, signal: AbortSignal, onProgress?: (progress: AgentProgress) => void): Promise<AgentReply> {
    if (signal.aborted) throw new CancelledError();
    const progress = throttleProgress(onProgress);
    onceProgress = onProgress;
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'refine-loop-agent-'));
    try {
      const requestFile = path.join(scratch, 'request.json');
      await fs.writeFile(requestFile, requestFileContent(request), { mode: 0o600 });
      const baseEnv = options.env ?? process.env;

      if (options.mode === 'reply') {
        options.log?.info(component, `round ${request.round}: running \`${options.command}\` (reply mode) in ${options.root}`);
        progress.report({ kind: 'status', message: `Running ${options.command}` });
        const result = await runProgram({
          commandLine: options.command,
          cwd: options.root,
          baseEnv,
          env: { REFINE_LOOP_REQUEST: requestFile },
          ...(options.secretVariables ? { secretVariables: options.secretVariables } : {}),
          stdin: promptText(request),
          timeoutMs: options.timeoutMs,
          signal,
          maxStdoutBytes: maxReplyBytes,
          failOnOverflow: true,
          onStdout: (characters) => progress.report({ kind: 'text', characters }),
        });
        progress.flush();
        options.log?.info(component, `round ${request.round}: exited 0 after ${result.durationMs} ms with ${result.stdout.length} characters`);
        checkReply(result.stdout, [], `The agent command \`${options.command}\``);
        return { kind: 'text', text: result.stdout };
      }

      const workdir = path.join(scratch, 'workdir');
      await fs.mkdir(workdir);
      progress.report({ kind: 'status', message: 'Copying the workspace for the agent' });
      const snapshot = await copyWorkspace(options.root, workdir).catch((error: unknown) => {
        throw new AgentError(`Could not copy the workspace ${options.root} to ${workdir} for the agent command: ${errorMessage(error)}. Check free space in ${os.tmpdir()}.`, 'agent.copyFailed', { cause: error });
      });
      const program = options.program;
      const name = program?.label ?? `agent command \`${options.command}\``;
      const prepared: PreparedWorktreeRun | undefined = program ? await program.prepare({ request, workdir, scratch, baseEnv }) : undefined;
      if (prepared?.notice) tellOnce(prepared.notice);
      options.log?.info(component, `round ${request.round}: running ${name} (worktree mode) in a copy of ${snapshot.hashes.size} files at ${workdir}`);
      const sandbox = planSandbox({ mode: options.sandbox ?? 'auto', commandLine: options.command, ...(prepared ? { argv: prepared.argv } : {}), scratch, cwd: workdir, env: baseEnv, ...(prepared?.home ? { home: prepared.home } : {}) });
      if (sandbox.uncontained !== undefined) tellOnce(`The worktree agent is not contained: ${sandbox.uncontained}. It can write anywhere this user can; the loop checks the workspace for changes outside its copy after each run.`);
      progress.report({ kind: 'status', message: `Running ${program?.label ?? options.command} on a copy of the workspace${sandbox.argv ? ' (sandboxed)' : ''}` });
      // Anything the agent writes gets a later time than this (it takes longer to start than a clock tick).
      const startedAt = Date.now();
      let result;
      let outside: string[] = [];
      try {
        const argv = sandbox.argv ?? prepared?.argv;
        result = await runProgram({
          commandLine: options.command,
          ...(argv ? { argv } : {}),
          cwd: workdir,
          baseEnv,
          env: { REFINE_LOOP_REQUEST: requestFile, REFINE_LOOP_WORKDIR: workdir, ...prepared?.env },
          ...(options.secretVariables ? { secretVariables: options.secretVariables } : {}),
          stdin: prepared ? prepared.stdin : promptText(request),
          timeoutMs: options.timeoutMs,
          signal,
          maxStdoutBytes: MAX_SUMMARY_BYTES,
          failOnOverflow: false,
          ...(prepared
            ? { label: name, returnFailure: true, onStdoutText: (text: string) => prepared.onStdout(text, progress.report) }
            : { onStdout: (characters: number) => progress.report({ kind: 'text', characters }) }),
        });
      } finally {
        // Passed or not: what changed in the workspace itself while the agent ran.
        const scan = await changedOutsideCopy(options.root, startedAt).catch(() => ({ paths: [] as string[], complete: true }));
        outside = scan.paths;
        if (outside.length > 0) {
          options.log?.warn(component, `files in the workspace itself changed while the worktree agent ran (outside its copy; by the agent, or by you): ${outside.join(', ')}${scan.complete ? '' : ', …'}`);
        }
      }
      progress.flush();
      // A preset judges its own run: a non-zero exit, or an error its stream reported inside a zero exit.
      const outcome = prepared?.finish({ exitCode: result.exitCode, signal: result.signal, stderrTail: result.stderrTail });
      if (outcome && !outcome.ok) throw new AgentError(`${outcome.message} Nothing was applied.`, outcome.code);
      const changes = await diffCopy(options.root, workdir, snapshot);
      options.log?.info(component, `round ${request.round}: exited 0 after ${result.durationMs} ms; ${changes.length} file(s) changed`);
      if (changes.length === 0) {
        throw new AgentError(
          `The ${name} exited 0 but changed no file in its copy of the workspace. Nothing to review. Check that it edits files in its working directory (REFINE_LOOP_WORKDIR) rather than printing the edits.${outside.length > 0 ? ` Files in the workspace itself changed while it ran: ${outside.join(', ')}.` : ''}`,
          'agent.noEdits',
        );
      }
      const warning = outside.length > 0 ? `! Changed outside the agent's copy while it ran (not part of this proposal; check them): ${outside.join(', ')}\n\n` : '';
      if (outcome?.ok) return { kind: 'changes', changes, summary: `${warning}${outcome.summary}`, ...(outcome.usage ? { usage: outcome.usage } : {}) };
      return { kind: 'changes', changes, summary: `${warning}${result.stdout.trim()}` };
    } finally {
      await fs.rm(scratch, { recursive: true, force: true }).catch((error: unknown) => options.log?.warn(component, `could not remove ${scratch}: ${errorMessage(error)}`));
    }
  }

  return { id: options.program?.id ?? `command:${options.mode}`, propose };
}
