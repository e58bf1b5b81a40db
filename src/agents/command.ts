import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentError, CancelledError, errorMessage } from '../domain/errors';
import type { Agent, AgentProgress, AgentReply, AgentRequest, Logger } from '../domain/ports';
import { childEnv } from './env';
import { DEFAULT_MAX_REPLY_BYTES } from './limits';
import { runProgram } from './process';
import { throttleProgress } from './progress';
import { checkReply } from './replyCheck';
import { copyWorkspace, diffCopy } from './worktree';

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

  async function propose(request: AgentRequest, signal: AbortSignal, onProgress?: (progress: AgentProgress) => void): Promise<AgentReply> {
    if (signal.aborted) throw new CancelledError();
    const progress = throttleProgress(onProgress);
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
          env: childEnv(baseEnv, { REFINE_LOOP_REQUEST: requestFile }),
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
      options.log?.info(component, `round ${request.round}: running \`${options.command}\` (worktree mode) in a copy of ${snapshot.hashes.size} files at ${workdir}`);
      progress.report({ kind: 'status', message: `Running ${options.command} on a copy of the workspace` });
      const result = await runProgram({
        commandLine: options.command,
        cwd: workdir,
        env: childEnv(baseEnv, { REFINE_LOOP_REQUEST: requestFile, REFINE_LOOP_WORKDIR: workdir }),
        stdin: promptText(request),
        timeoutMs: options.timeoutMs,
        signal,
        maxStdoutBytes: MAX_SUMMARY_BYTES,
        failOnOverflow: false,
        onStdout: (characters) => progress.report({ kind: 'text', characters }),
      });
      progress.flush();
      const changes = await diffCopy(options.root, workdir, snapshot);
      options.log?.info(component, `round ${request.round}: exited 0 after ${result.durationMs} ms; ${changes.length} file(s) changed`);
      if (changes.length === 0) {
        throw new AgentError(
          `The agent command \`${options.command}\` exited 0 but changed no file in its copy of the workspace. Nothing to review. Check that it edits files in its working directory (REFINE_LOOP_WORKDIR) rather than printing the edits.`,
          'agent.noEdits',
        );
      }
      return { kind: 'changes', changes, summary: result.stdout.trim() };
    } finally {
      await fs.rm(scratch, { recursive: true, force: true }).catch((error: unknown) => options.log?.warn(component, `could not remove ${scratch}: ${errorMessage(error)}`));
    }
  }

  return { id: `command:${options.mode}`, propose };
}
