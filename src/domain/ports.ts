// The core's ports: narrow interfaces shaped by what the loop needs, one to three
// methods each. Adapters live in src/node, src/testing, src/agents and src/vscode;
// unit tests use fakes of these and nothing else.
import type { FileChange, TokenUsage, WorkspacePath } from './model';
import type { TestCase, TestReport } from './testReport';
import type { AfterTestsDecision, CandidateChoice, CandidatesView, ConflictChoice, ConflictView, ProposalView, ReviewDecision, RoundView, SessionEvent } from './session';
import type { JournalEntry, JournalState, SessionRecord, SessionSummary } from './record';

// ---------------------------------------------------------------- Agent

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** What one model call gets: built by the prompt builder in src/core/prompt. */
export interface AgentRequest {
  readonly round: number;
  readonly task: string;
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  /** Paths whose contents are in the prompt (for the command provider's request file). */
  readonly files: readonly WorkspacePath[];
  /** Test feedback text of the last round, if any (also inside `messages`). */
  readonly feedback?: string;
  readonly estimatedInputTokens: number;
  readonly maxOutputTokens?: number;
  /** Sampling temperature for providers that have one (best of N asks above 0, so the attempts differ); absent: the server's default. */
  readonly temperature?: number;
  /** Tools the model may call instead of writing edit blocks (providers with tool calling). */
  readonly tools?: readonly ToolDefinition[];
  /** What the read-only workspace tools may use this round (providers that have them). */
  readonly toolBudget?: ToolBudget;
}

/** The read-only tools' allowance of one round: calls, and tokens of their results. */
export interface ToolBudget {
  readonly maxCalls: number;
  readonly maxResultTokens: number;
}

/** One thing the agent read in a round, for the record and the report. */
export interface ToolRead {
  readonly tool: string;
  /** The path, folder, glob or query it asked for. */
  readonly target: string;
  /** Characters of the result the model got. */
  readonly size: number;
  /** Set when the call was refused or failed: what the model was told. */
  readonly error?: string;
}

export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the tool's input. */
  readonly inputSchema: Record<string, unknown>;
}

/** A tool call as the model made it; `input` is checked by the edit engine's zod schema. */
export interface ToolCall {
  readonly name: string;
  readonly input: unknown;
}

export type AgentProgress = { readonly kind: 'text'; readonly characters: number } | { readonly kind: 'status'; readonly message: string };

/**
 * An agent's answer: either reply text (edit blocks, a unified diff, or tool-call
 * edits serialised as JSON) for the edit engine to parse, or, from an agent that
 * edited a scratch copy of the workspace, the changes themselves.
 */
export type AgentReply =
  | {
      readonly kind: 'text';
      readonly text: string;
      readonly toolCalls?: readonly ToolCall[];
      readonly usage?: TokenUsage;
      readonly model?: string;
      /** What the model read with the read-only tools before it answered. */
      readonly reads?: readonly ToolRead[];
    }
  | { readonly kind: 'changes'; readonly changes: readonly FileChange[]; readonly summary: string; readonly usage?: TokenUsage };

export interface Agent {
  /** Provider id for logs and the session record, e.g. `openai-compatible:qwen2.5-coder`. */
  readonly id: string;
  /** The provider can take `request.tools` (the edit tool); the loop offers it only then. */
  readonly acceptsTools?: boolean;
  /** Throws AgentError (src/core/errors) with a specific, actionable message; honours `signal`. */
  propose(request: AgentRequest, signal: AbortSignal, onProgress?: (progress: AgentProgress) => void): Promise<AgentReply>;
}

// ---------------------------------------------------------------- Tests

export interface TestPlan {
  /** Failing tests of the previous round: run these first where the framework can select them. */
  readonly failingFirst?: readonly TestCase[];
}

export interface TestRunner {
  /** Runs the tests; a report whose `scope` is `full` only when the whole suite ran. */
  run(plan: TestPlan, signal: AbortSignal, onOutput?: (chunk: string) => void): Promise<TestReport>;
}

// ---------------------------------------------------------------- Workspace

/**
 * A write that knows what it expects to find: `expectedHash` is the SHA-256 (hex) of
 * the file's current bytes, or null when the file must not exist yet. `content` null
 * deletes the file.
 */
export interface FileWrite {
  readonly path: WorkspacePath;
  readonly expectedHash: string | null;
  readonly content: Uint8Array | null;
}

export type CommitResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly conflicts: readonly { readonly path: WorkspacePath; readonly expectedHash: string | null; readonly actualHash: string | null }[] };

export interface Workspace {
  /**
   * The bytes of a workspace-relative file (in the editor: of its dirty buffer, if
   * open), or undefined when it does not exist. Throws PathError when the path
   * resolves outside the workspace (symlinks included) or into `.git/`.
   */
  read(path: WorkspacePath): Promise<Uint8Array | undefined>;
  /** All-or-nothing: when any expected hash does not match, nothing is written and the conflicts are returned. */
  commit(writes: readonly FileWrite[]): Promise<CommitResult>;
}

// ---------------------------------------------------------------- Workspace reading (the agent's read-only tools)

export type FileRead =
  | { readonly kind: 'file'; readonly bytes: Uint8Array }
  | { readonly kind: 'tooLarge'; readonly size: number }
  | { readonly kind: 'folder' }
  | { readonly kind: 'missing' };

export interface FileListing {
  readonly files: readonly WorkspacePath[];
  /** Files found, `files` included; a lower bound when `complete` is false (the walk stopped at its own cap). */
  readonly total: number;
  readonly complete: boolean;
}

/**
 * What the read-only tools see of the workspace: in the editor a file's unsaved buffer,
 * in the CLI the disk. Every path passes the path guard (PathError when refused).
 */
export interface WorkspaceReader {
  /** Files under `folder` (the whole workspace when absent) that neither .gitignore nor the exclude globs skip, sorted, at most `limit`. */
  listFiles(options: { readonly folder?: WorkspacePath; readonly limit: number }): Promise<FileListing>;
  /** A file's bytes, unless it is larger than `maxBytes`. */
  readFile(path: WorkspacePath, maxBytes: number): Promise<FileRead>;
}

// ---------------------------------------------------------------- Reviewer

export interface Reviewer {
  /** Gate 1: what to do with a proposal before anything is written. */
  review(proposal: ProposalView, signal: AbortSignal): Promise<ReviewDecision>;
  /** Gate 2: what to do after the tests of an applied round. */
  afterTests(round: RoundView, signal: AbortSignal): Promise<AfterTestsDecision>;
  /** A file changed after its round applied; restoring it would lose that change. */
  resolveConflict(conflict: ConflictView, signal: AbortSignal): Promise<ConflictChoice>;
  /** Best of N: which attempt goes to the review gate. A reviewer without it takes the best. */
  chooseCandidate?(view: CandidatesView, signal: AbortSignal): Promise<CandidateChoice>;
}

// ---------------------------------------------------------------- Session history, journal

/** Sessions: their history as patches and summaries. Adapters validate what they load. */
export interface SessionHistory {
  list(): Promise<SessionSummary[]>;
  load(sessionId: string): Promise<SessionRecord | undefined>;
  /** Writes the whole record atomically (replacing the last one). */
  save(record: SessionRecord): Promise<void>;
}

/** The pre- and post-images of each round, which are also the round's checkpoint. Adapters validate what they read. */
export interface Journal {
  /** Writes (or replaces) the entry of `entry.sessionId` / `entry.round`, durably, before it returns. */
  write(entry: JournalEntry): Promise<void>;
  read(sessionId: string, round: number): Promise<JournalEntry | undefined>;
  /** Entries of one session, or of all sessions; optionally only those in the given states. Oldest round first. */
  list(filter?: { readonly sessionId?: string; readonly states?: readonly JournalState[] }): Promise<JournalEntry[]>;
}

// ---------------------------------------------------------------- Scratch copies (best of N)

/** A throwaway copy of the workspace one attempt of a round is applied to and tested in. */
export interface ScratchCopy {
  /** The copy as a workspace: reads and all-or-nothing commits inside the copy only. */
  readonly workspace: Workspace;
  /** The session's test command, run in the copy. */
  readonly tests: TestRunner;
  /** Deletes the copy (and unregisters it from git); safe to call twice. */
  remove(): Promise<void>;
}

export interface ScratchCopies {
  /** A copy of the workspace as it is now (its uncommitted changes included). */
  create(label: string, signal: AbortSignal): Promise<ScratchCopy>;
  /** Removes the copies an earlier run left behind (a crash, a kill); returns how many. */
  sweep(): Promise<number>;
}

// ---------------------------------------------------------------- Clock, log

export interface Clock {
  now(): number;
}

export interface Logger {
  info(component: string, message: string): void;
  warn(component: string, message: string): void;
  error(component: string, message: string): void;
}

/** Where the loop's events go: the editor's views, the CLI's terminal, the store. */
export type EventSink = (event: SessionEvent) => void;
