import type { EditProblem } from './session';

// The prompt builder's contract (implemented with the agent providers work): what the
// loop hands over each round, and what comes back. Pure: no editor, no Node.

export type ScopeReason = 'selection' | 'active' | 'open' | 'explicit' | 'failing-test' | 'context';

export interface ScopeFile {
  readonly path: string;
  readonly content: string;
  readonly reason: ScopeReason;
  /** For `selection`: the selected lines (1-based, inclusive). */
  readonly selection?: { readonly startLine: number; readonly endLine: number };
}

export interface Rejection {
  readonly reason: string;
  /** Set when one hunk (not the whole proposal) was rejected. */
  readonly path?: string;
  readonly hunk?: string;
}

export interface PromptInput {
  readonly round: number;
  readonly task: string;
  readonly files: readonly ScopeFile[];
  /** Unified diff applied in the previous round. */
  readonly previousDiff?: string;
  readonly rejections?: readonly Rejection[];
  /** Unified diff of the person's own edits to the last proposal. */
  readonly userEdits?: string;
  readonly editProblems?: readonly EditProblem[];
  /** Test feedback text (already built and capped by src/testing/feedback). */
  readonly feedback?: string;
  readonly budgetTokens: number;
  /** Offer the edit tool (providers with tool calling). */
  readonly offerTools?: boolean;
}
