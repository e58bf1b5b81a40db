import { MAX_COMMAND_LINE, ParseContext, deleteLine, hunkHeader, renameLine, searchMarker, strayMarker } from './parseContext';
import { parseBeginPatch } from './parseBeginPatch';
import { parseDiffSection, parseHeaderlessHunks } from './parseDiff';
import { parseSearchReplace } from './parseSearchReplace';
import { parseFencedBlock, parseFileCommand } from './parseWholeFile';
import type { ParsedReply } from './types';

export { parseToolCalls } from './parseToolCall';

// The reply parser: one pass over the lines, handing each block to the reader of its
// format (search/replace, unified diff, Begin Patch, whole-file and file commands,
// JSON edits). Every scan forward stops at the next block start, so adversarial input
// (unterminated markers, endless `@@`) costs linear time.

function parseLines(ctx: ParseContext): ParsedReply {
  const { lines } = ctx;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (searchMarker.test(line)) i = parseSearchReplace(ctx, i);
    else if (line.trim() === '*** Begin Patch') i = parseBeginPatch(ctx, i);
    else if (line.startsWith('diff --git ') || (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) i = parseDiffSection(ctx, i);
    else if (hunkHeader.test(line)) i = parseHeaderlessHunks(ctx, i);
    else if (line.length <= MAX_COMMAND_LINE && (deleteLine.test(line) || renameLine.test(line))) i = parseFileCommand(ctx, i);
    else if (ctx.fences.has(i)) i = parseFencedBlock(ctx, i);
    else i++;
  }
  strayMarkers(ctx);
  if (ctx.droppedProblems > 0) ctx.problems.push({ reason: `${ctx.droppedProblems} more problems like the ones above were left out.` });
  return { edits: ctx.edits, prose: prose(ctx), problems: ctx.problems };
}

/** Marker-like lines outside any block: a malformed reply must not pass for prose. */
function strayMarkers(ctx: ParseContext): void {
  ctx.lines.forEach((line, index) => {
    if (ctx.consumed[index] || line.length > 200 || !strayMarker.test(line)) return;
    ctx.problem({ reason: `Reply line ${index + 1} ('${line.trim()}') looks like an edit marker but is not part of a complete block; write '<<<<<<< SEARCH', '=======' and '>>>>>>> REPLACE' on lines of their own.` });
  });
}

/** The agent's explanation: the reply without its edit blocks. */
function prose(ctx: ParseContext): string {
  const keep = ctx.lines.map((_, i) => !ctx.consumed[i]);
  // A fence left with nothing but blank lines held only edits: drop it too.
  for (const fence of ctx.fences.values()) {
    const end = fence.close < 0 ? ctx.lines.length - 1 : fence.close;
    let empty = true;
    for (let i = fence.open + 1; i < end && empty; i++) if (keep[i] && ctx.lines[i]!.trim() !== '') empty = false;
    let consumedInside = false;
    for (let i = fence.open; i < end && !consumedInside; i++) if (ctx.consumed[i]) consumedInside = true;
    if (empty && (fence.close - fence.open > 1 || consumedInside)) {
      for (let i = fence.open; i <= end; i++) keep[i] = false;
    }
  }
  return [ctx.lines.filter((_, i) => keep[i]).join('\n'), ...ctx.summaries]
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Parses an agent's reply text. Prose alone gives no edits and no problems. */
export function parseReply(text: string): ParsedReply {
  // A reply saved by an editor may start with a BOM; it is not part of the first line.
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  return parseLines(new ParseContext(lines));
}
