import { changesFromReply } from '../edits';
import type { FileChange } from '../domain/model';
import type { AgentReply, Workspace } from '../domain/ports';
import type { EditProblem } from '../domain/session';

// An agent's reply as the changes of a proposal: text goes through the edit engine (the
// one reply-to-changes function `refine-loop apply` uses too: all or nothing); an
// agent that edited a scratch copy brings its changes along.

export interface ReplyChanges {
  readonly summary: string;
  readonly changes: FileChange[];
  readonly problems: EditProblem[];
  /** The reply held no edit at all (a question, giving up). */
  readonly noEdits: boolean;
}

export async function changesOfReply(reply: AgentReply, workspace: Workspace): Promise<ReplyChanges> {
  if (reply.kind !== 'text') return { summary: reply.summary, changes: [...reply.changes], problems: [], noEdits: false };
  const fromReply = await changesFromReply(reply, workspace);
  const noEdits = fromReply.editCount === 0 && fromReply.problems.length === 0;
  const problems = [...fromReply.problems];
  if (noEdits) problems.push({ reason: 'The reply contained no edits. Reply with search/replace blocks.' });
  if (fromReply.status === 'nothing' && fromReply.alreadyApplied.length > 0)
    problems.push({ reason: `These edits are already in the files: ${fromReply.alreadyApplied.join(', ')}. Look at the test output for what is still wrong.` });
  return { summary: fromReply.prose, changes: fromReply.changes, problems, noEdits };
}
