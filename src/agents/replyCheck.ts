import { AgentError } from '../domain/errors';
import type { ToolCall } from '../domain/ports';
import { parseReply } from '../edits/index';

// A provider-side check that a reply can be an edit at all, so an empty answer or a
// chat answer without edits ends the attempt with a clear message. It asks the edit
// engine's own parser: a reply with no edit and no malformed block is prose only.
// (Malformed blocks pass: the loop feeds those problems back to the agent.)

export function hasEdits(text: string): boolean {
  const parsed = parseReply(text);
  return parsed.edits.length > 0 || parsed.problems.length > 0;
}

/**
 * Throws AgentError when the reply is empty. Prose without edits (a question, giving up)
 * passes: the loop shows it as the round's outcome and the person may answer it.
 */
export function checkNotEmpty(text: string, toolCalls: readonly ToolCall[], where: string): void {
  if (toolCalls.length > 0) return;
  if (text.trim() === '') {
    throw new AgentError(`${where} returned an empty reply. Nothing was applied. Run the round again; if it repeats, try another model or a smaller prompt.`, 'agent.emptyReply');
  }
}

/** Throws AgentError when the reply is empty or holds no edit in any format the engine reads. */
export function checkReply(text: string, toolCalls: readonly ToolCall[], where: string): void {
  if (toolCalls.length > 0) return;
  checkNotEmpty(text, toolCalls, where);
  if (!hasEdits(text)) {
    const start = text.trim().slice(0, 200).replace(/\s+/g, ' ');
    throw new AgentError(
      `${where} replied without any edits (no SEARCH/REPLACE block, diff or file block). It began: "${start}${text.trim().length > 200 ? '…' : ''}". Nothing was applied. Reject the round with a reason, or make the task more specific.`,
      'agent.noEdits',
    );
  }
}
