import type { FileChange, WorkspacePath } from '../domain/model';
import type { EditProblem } from '../domain/session';

// The edit engine's own vocabulary: what the parser extracts from a reply, and what
// applying it yields. Every op carries the 1-based `block` it came from, so problems
// can name it for the agent.

interface OpBase {
  /** As the agent wrote it; checked by the path guard when applied. */
  readonly path: string;
  /** 1-based index of the edit block in the reply (or of the edit in a tool call). */
  readonly block: number;
}

/** Replace lines: a search/replace block, one hunk of a unified diff, or a tool call's `replace`. */
export interface ReplaceOp extends OpBase {
  readonly kind: 'replace';
  readonly search: string;
  readonly replace: string;
  /** 1-based line where `search` starts, as a hint only (diff hunk headers, tool calls). */
  readonly lineHint?: number;
}

/** A new file (empty SEARCH, a `/dev/null` diff, a tool call's `create`). */
export interface CreateOp extends OpBase {
  readonly kind: 'create';
  readonly content: string;
}

/** A whole-file fenced block headed by a path: the file's complete new content. */
export interface WriteOp extends OpBase {
  readonly kind: 'write';
  readonly content: string;
}

export interface DeleteOp extends OpBase {
  readonly kind: 'delete';
}

export interface RenameOp extends OpBase {
  readonly kind: 'rename';
  readonly to: string;
}

export type EditOp = ReplaceOp | CreateOp | WriteOp | DeleteOp | RenameOp;

export interface ParsedReply {
  readonly edits: EditOp[];
  /** The agent's explanation: the reply with its edit blocks removed. */
  readonly prose: string;
  /** Blocks that could not be parsed (unterminated, no path, invalid tool input). */
  readonly problems: EditProblem[];
}

export interface ApplyResult {
  readonly status: 'applied' | 'nothing' | 'rejected';
  /** Empty unless `status` is `applied`: all or nothing. */
  readonly changes: FileChange[];
  readonly problems: EditProblem[];
  /** Paths with at least one edit that was already present in the file. */
  readonly alreadyApplied: WorkspacePath[];
}
