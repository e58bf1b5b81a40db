import { applyPatch, createTwoFilesPatch, structuredPatch } from 'diff';
import type { FileChange, FileDiff } from '../domain/model';
import type { Rejection } from './prompt';
import type { ReviewDecision } from '../domain/session';

// Turning a review decision into the changes to write: hunks kept, the person's own
// edits, protected paths without an explicit yes left out, and what the agent is told.

export type Approval = Extract<ReviewDecision, { kind: 'approve' }>;
export type KeepHunks = (change: FileChange, keptHunkIds: readonly string[]) => FileChange | undefined;

export interface ResolvedApproval {
  readonly changes: FileChange[];
  /** Reasons for what was not applied, for the agent's next prompt. */
  readonly rejections: Rejection[];
  /** Unified patch from the agent's version to the person's, when they edited the proposal. */
  readonly userEdits?: string;
  readonly droppedProtected: string[];
}

const decoder = new TextDecoder();
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]));

export function resolveApproval(
  proposal: { readonly changes: readonly FileChange[]; readonly diffs: readonly FileDiff[]; readonly protectedPaths: readonly string[] },
  decision: Approval,
  keepHunks: KeepHunks,
): ResolvedApproval {
  const changes: FileChange[] = [];
  const rejections: Rejection[] = [];
  const droppedProtected: string[] = [];
  const userEdits: string[] = [];
  for (const change of proposal.changes) {
    const paths = [change.path, ...(change.oldPath !== undefined ? [change.oldPath] : [])];
    if (!decision.approveProtected && paths.some((path) => proposal.protectedPaths.includes(path))) {
      droppedProtected.push(change.path);
      rejections.push({ path: change.path, reason: `The change to the protected file ${change.path} was not approved: fix the code, not the tests or the configuration.` });
      continue;
    }
    const kept = decision.keptHunks?.[change.path];
    let result: FileChange | undefined = kept === undefined ? change : keepHunks(change, kept);
    const edited = decision.editedFiles?.[change.path];
    if (edited !== undefined && change.kind !== 'delete') {
      const agentVersion = change.after ?? new Uint8Array();
      if (!sameBytes(agentVersion, edited)) {
        userEdits.push(createTwoFilesPatch(`a/${change.path}`, `b/${change.path}`, decoder.decode(agentVersion), decoder.decode(edited), 'proposed', 'edited by the person'));
      }
      result = { ...change, after: edited };
    }
    if (result && !(result.kind === 'modify' && sameBytes(result.before, result.after))) changes.push(result);
  }
  for (const rejection of decision.hunkRejections ?? []) {
    const hunk = proposal.diffs.find((diff) => diff.path === rejection.path)?.hunks.find((h) => h.id === rejection.hunkId);
    rejections.push({ path: rejection.path, reason: rejection.reason, ...(hunk ? { hunk: hunk.lines.join('\n') } : {}) });
  }
  return { changes, rejections, droppedProtected, ...(userEdits.length > 0 ? { userEdits: userEdits.join('') } : {}) };
}

/**
 * Re-matches a reviewed change on a file that changed meanwhile (the person kept
 * typing): its hunks are applied, without fuzz, to the file as it is now. Undefined
 * when that is not clean, or the file is not text; then the change is not applied.
 */
export function rebaseChange(change: FileChange, current: Uint8Array | undefined): FileChange | undefined {
  if (change.kind !== 'modify' || current === undefined || change.before === undefined || change.after === undefined) return undefined;
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    const [before, after, now] = [strict.decode(change.before), strict.decode(change.after), strict.decode(current)];
    const patched = applyPatch(now, structuredPatch(change.path, change.path, before, after, undefined, undefined, { context: 3 }), { fuzzFactor: 0 });
    if (patched === false) return undefined;
    return { path: change.path, kind: 'modify', before: current, after: new TextEncoder().encode(patched) };
  } catch {
    return undefined;
  }
}
