import type { FileChange, WorkspacePath } from '../domain/model';
import type { ToolCall, Workspace } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import { applyEdits } from './apply';
import { parseReply } from './parse';
import { parseToolCalls } from './parseToolCall';

// The one way a reply becomes file changes, for the loop and `refine-loop apply` alike:
// parse it (text or tool calls), apply every edit to the current files, and return the
// changes only when every block was readable and every edit applied. All or nothing.

export interface ReplyInput {
  readonly text: string;
  /** When present and not empty, the edits are these tool calls and `text` is not parsed. */
  readonly toolCalls?: readonly ToolCall[];
}

export interface ReplyChanges {
  /** `applied`: `changes` holds every change; `nothing`: no edit, or every edit already there; `rejected`: see `problems`. */
  readonly status: 'applied' | 'nothing' | 'rejected';
  /** Empty unless `status` is `applied`. */
  readonly changes: FileChange[];
  /** Why the reply was rejected: every unreadable block and every edit that did not apply. Empty otherwise. */
  readonly problems: EditProblem[];
  readonly alreadyApplied: WorkspacePath[];
  /** The agent's explanation: the reply without its edit blocks (tool calls: their summaries). */
  readonly prose: string;
  /** Edits read from the reply (0: prose only). */
  readonly editCount: number;
}

export async function changesFromReply(reply: ReplyInput, workspace: Pick<Workspace, 'read'>): Promise<ReplyChanges> {
  const parsed = reply.toolCalls && reply.toolCalls.length > 0 ? parseToolCalls(reply.toolCalls) : parseReply(reply.text);
  // The readable edits are applied even when a block was not readable, so that the
  // agent hears of every problem in one round; their changes are not used.
  const applied = await applyEdits(parsed.edits, workspace);
  const base = { alreadyApplied: applied.alreadyApplied, prose: parsed.prose.trim(), editCount: parsed.edits.length };
  if (parsed.problems.length === 0) return { ...base, status: applied.status, changes: applied.changes, problems: applied.problems };
  const problems = [...parsed.problems, ...applied.problems];
  if (applied.status === 'applied') problems.push({ reason: 'Nothing of this reply was applied, the readable blocks included: send the whole reply again with every block complete.' });
  return { ...base, status: 'rejected', changes: [], problems };
}
