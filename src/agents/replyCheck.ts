import { AgentError } from '../core/errors';
import type { ToolCall } from '../core/ports';

// A provider-side check that a reply can be an edit at all, so an empty answer or a
// chat answer without edits ends the attempt with a clear message before the edit
// engine runs. It recognises the formats the edit engine parses (DESIGN.md, "Agent
// reply contract"); the engine itself decides whether the edits apply.

const searchReplace = /^<{5,9} SEARCH\s*$/m;
const unifiedDiff = /^(?:---|\+\+\+) \S/m;
const diffFence = /^`{3,}\s*(?:diff|patch)\s*$/m;
// A path-like word: has a directory separator or a file extension (`src/a.ts`, `Makefile` does not count).
const pathLike = /[\w.-]+\/[\w./-]+|[\w-]+\.[A-Za-z0-9]{1,8}\b/;

/** A fenced block right after a line that names a path (a whole-file block). */
function hasFileBlock(text: string): boolean {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (/^`{3,}/.test(lines[i] ?? '') && pathLike.test(lines[i - 1] ?? '')) return true;
  }
  return false;
}

export function hasEditMarkers(text: string): boolean {
  return searchReplace.test(text) || diffFence.test(text) || (unifiedDiff.test(text) && /^@@ /m.test(text)) || hasFileBlock(text);
}

/** Throws AgentError when the reply is empty or holds no edit in any format the engine reads. */
export function checkReply(text: string, toolCalls: readonly ToolCall[], where: string): void {
  if (toolCalls.length > 0) return;
  if (text.trim() === '') {
    throw new AgentError(`${where} returned an empty reply. Nothing was applied. Run the round again; if it repeats, try another model or a smaller prompt.`, 'agent.emptyReply');
  }
  if (!hasEditMarkers(text)) {
    const start = text.trim().slice(0, 200).replace(/\s+/g, ' ');
    throw new AgentError(
      `${where} replied without any edits (no SEARCH/REPLACE block, diff or file block). It began: "${start}${text.trim().length > 200 ? '…' : ''}". Nothing was applied. Reject the round with a reason, or make the task more specific.`,
      'agent.noEdits',
    );
  }
}
