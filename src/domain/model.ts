// The data every layer shares: file changes, diffs and hunks. Plain types, no behaviour.

/** A workspace-relative path with `/` separators, already checked by the path guard. */
export type WorkspacePath = string;

/**
 * One file's change, as bytes, so encodings, BOMs and line endings survive untouched.
 * `before` is undefined for a created file, `after` undefined for a deleted one.
 * `beforeHash` is the SHA-256 (hex) of `before`: the base the change was computed
 * against, compared again at commit time so nobody's newer edit is overwritten.
 */
export interface FileChange {
  readonly path: WorkspacePath;
  readonly kind: 'create' | 'modify' | 'delete' | 'rename';
  /** For `rename`: the path the file had before. */
  readonly oldPath?: WorkspacePath;
  readonly before?: Uint8Array;
  readonly after?: Uint8Array;
  readonly beforeHash?: string;
}

/** One hunk of a file's unified diff. `id` is stable for the same change (derived from content). */
export interface Hunk {
  readonly id: string;
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Lines with their ' ', '+', '-' prefix, as in a unified diff. */
  readonly lines: readonly string[];
}

export interface FileDiff {
  readonly path: WorkspacePath;
  readonly oldPath?: WorkspacePath;
  readonly status: 'added' | 'modified' | 'deleted' | 'renamed';
  readonly additions: number;
  readonly deletions: number;
  /** Unified patch text of this file. */
  readonly patch: string;
  readonly hunks: readonly Hunk[];
  readonly binary?: boolean;
}

/** Token usage of one model call, where the provider reports it. */
export interface TokenUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}
