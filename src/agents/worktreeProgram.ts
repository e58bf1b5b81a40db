import type { TokenUsage } from '../domain/model';
import type { AgentProgress, AgentRequest } from '../domain/ports';

// What the command provider's worktree mode asks of a known program (an agent CLI
// preset, src/agents/clis) instead of a command line: its argv, environment and stdin for
// one round, what its stdout means as it streams, and how its run ended. The command
// provider keeps everything else: the scratch copy, the sandbox, the process runner, the
// diff and the check for writes outside the copy.

export interface WorktreeRunContext {
  readonly request: AgentRequest;
  /** The scratch copy of the workspace: the program's working folder. */
  readonly workdir: string;
  /** A private folder beside the copy, writable inside the sandbox (config files, a private HOME for tests). */
  readonly scratch: string;
  /** The environment the program starts from (secrets are removed from it later). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
}

export interface PreparedWorktreeRun {
  /** The program and its arguments; run without a shell. */
  readonly argv: readonly string[];
  /** Added on top of the cleaned environment (a key goes here, only to this program). */
  readonly env: Readonly<Record<string, string>>;
  /** Written to stdin, then closed; undefined: stdin is /dev/null. */
  readonly stdin?: string;
  /** Said once per session (a CLI older than the one tested). */
  readonly notice?: string;
  /** HOME the sandbox binds the CLI's config folders under (default: the person's). */
  readonly home?: string;
  /** Each stdout chunk as it arrives (decoded), to report progress. */
  readonly onStdout: (text: string, report: (progress: AgentProgress) => void) => void;
  /**
   * After the program exited (any way but a timeout or a cancel): a message naming the
   * program when its run failed (non-zero exit, or an error reported inside a zero exit),
   * else its summary and token usage.
   */
  readonly finish: (exit: { readonly exitCode: number | null; readonly signal: string | null; readonly stderrTail: string }) => WorktreeRunOutcome;
}

export type WorktreeRunOutcome =
  | { readonly ok: true; readonly summary: string; readonly usage?: TokenUsage }
  | { readonly ok: false; readonly message: string; readonly code: string };

export interface WorktreeProgram {
  /** How messages name it: "claude-code (claude 2.1.197)". */
  readonly label: string;
  /** The agent's id in logs and the session record. */
  readonly id: string;
  prepare(context: WorktreeRunContext): Promise<PreparedWorktreeRun>;
}
