import type { ToolCall } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import type { ParseContext } from './parseContext';
import { EDIT_TOOL_NAME, editToolInputSchema, type ToolEdit } from './toolCall';
import type { EditOp, ParsedReply } from './types';

// Edits as JSON: calls of the `apply_edits` tool, and the same JSON in a fence of a
// text reply. Checked by zod; input that does not fit is a problem naming the field.

function toolEditToOp(edit: ToolEdit, block: number): EditOp {
  switch (edit.kind) {
    case 'replace':
      return { kind: 'replace', path: edit.path, block, search: edit.search, replace: edit.replace, lineHint: edit.line };
    case 'create':
      return { kind: 'create', path: edit.path, block, content: edit.content };
    case 'delete':
      return { kind: 'delete', path: edit.path, block };
    case 'rename':
      return { kind: 'rename', path: edit.path, to: edit.to, block };
  }
}

function toolInput(input: unknown, firstBlock: number): { edits: EditOp[]; problems: EditProblem[]; summary: string } {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { edits: [], problems: [{ block: firstBlock, reason: `The ${EDIT_TOOL_NAME} tool input is not valid JSON.` }], summary: '' };
    }
  }
  const parsed = editToolInputSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
    return { edits: [], problems: [{ block: firstBlock, reason: `The ${EDIT_TOOL_NAME} tool input does not fit its schema: ${issues.join('; ')}.` }], summary: '' };
  }
  return { edits: parsed.data.edits.map((edit, index) => toolEditToOp(edit, firstBlock + index)), problems: [], summary: parsed.data.summary ?? '' };
}

/** A ```json fence of a text reply holding `{"edits": [...]}`; not JSON: left to the other readers. */
export function parseJsonEdits(ctx: ParseContext, start: number, body: readonly string[], end: number): number {
  let input: unknown;
  try {
    input = JSON.parse(body.join('\n'));
  } catch {
    return start + 1;
  }
  const parsed = toolInput(input, ctx.block + 1);
  ctx.block += Math.max(1, parsed.edits.length);
  ctx.addEdits(parsed.edits);
  if (parsed.summary) ctx.summaries.push(parsed.summary);
  for (const problem of parsed.problems) ctx.problem(problem);
  ctx.consume(start, Math.min(ctx.lines.length, end + 1));
  return end + 1;
}

/** Parses tool calls of the edit tool; other tools' calls are reported as problems. */
export function parseToolCalls(calls: readonly ToolCall[]): ParsedReply {
  const edits: EditOp[] = [];
  const problems: EditProblem[] = [];
  const summaries: string[] = [];
  for (const call of calls) {
    const block = edits.length + problems.length + 1;
    if (call.name !== EDIT_TOOL_NAME) {
      problems.push({ block, reason: `Unknown tool '${call.name}': the only edit tool is '${EDIT_TOOL_NAME}'.` });
      continue;
    }
    const parsed = toolInput(call.input, block);
    for (const edit of parsed.edits) edits.push(edit);
    for (const problem of parsed.problems) problems.push(problem);
    if (parsed.summary) summaries.push(parsed.summary);
  }
  return { edits, prose: summaries.join('\n\n'), problems };
}
