import { deleteLine, renameLine, unquote, type ParseContext } from './parseContext';
import { pathFromFenceInfo } from './paths';
import { parseJsonEdits } from './parseToolCall';

// Whole-file blocks (a fence headed by a path: the file's complete new content) and the
// one-line file commands `DELETE path` and `RENAME old -> new`. An unclosed fence (a
// cut-off stream) is a problem, never a write.

export function parseFencedBlock(ctx: ParseContext, start: number): number {
  const fence = ctx.fences.get(start)!;
  if (fence.hasMarkers) return start + 1;
  const info = fence.info.toLowerCase();
  if (info === 'diff' || info === 'patch') return start + 1;
  const fromInfo = pathFromFenceInfo(fence.info);
  const above: { path?: string; line?: number } = fromInfo ? {} : ctx.pathAbove(start, false);
  const headerPath = fromInfo ?? above.path;
  const end = fence.close < 0 ? ctx.lines.length : fence.close;
  const body = ctx.lines.slice(start + 1, end);
  if (!headerPath) {
    if (/^(json|jsonc)?$/.test(info) && body.join('\n').includes('"edits"')) return parseJsonEdits(ctx, start, body, end);
    return start + 1;
  }
  const block = ++ctx.block;
  ctx.consume(above.line ?? start, fence.close < 0 ? end : end + 1);
  if (fence.close < 0) {
    ctx.problem({ file: headerPath, block, reason: `The fenced block for ${headerPath} (reply line ${start + 1}) is never closed: the reply may have been cut off, so it was not used.` });
    return end;
  }
  // Every line of the fence is the file's, a blank last one included.
  ctx.edits.push({ kind: 'write', path: headerPath, block, content: body.length > 0 ? body.join('\n') + '\n' : '' });
  ctx.lastPath = headerPath;
  return end + 1;
}

export function parseFileCommand(ctx: ParseContext, start: number): number {
  const line = ctx.lines[start]!;
  const block = ++ctx.block;
  const renamed = renameLine.exec(line);
  if (renamed) ctx.edits.push({ kind: 'rename', path: unquote(renamed[1]!), to: unquote(renamed[2]!), block });
  else ctx.edits.push({ kind: 'delete', path: unquote(deleteLine.exec(line)![1]!), block });
  ctx.consume(start, start + 1);
  return start + 1;
}
