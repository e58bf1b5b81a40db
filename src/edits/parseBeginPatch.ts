import { MAX_COMMAND_LINE, searchMarker, type ParseContext } from './parseContext';

// The patch format some models are trained on (`*** Begin Patch`, `*** Update File:`,
// `*** Add File:`, `*** Delete File:`, `*** Move to:`, `@@` chunks, `*** End Patch`).
// Chunks carry no line numbers; each becomes a search/replace edit. A patch without
// its `*** End Patch` (a cut-off stream) is a problem, never an edit.

const fileHeader = /^\*\*\* (Add|Delete|Update) File:\s*(.+?)\s*$/;

export function parseBeginPatch(ctx: ParseContext, start: number): number {
  const { lines } = ctx;
  let i = start + 1;
  let end = -1;
  for (let j = i; j < lines.length; j++) {
    if (lines[j]!.trim() === '*** End Patch') {
      end = j;
      break;
    }
    if (searchMarker.test(lines[j]!) || lines[j]!.trim() === '*** Begin Patch') break;
  }
  if (end < 0) {
    ctx.problem({ block: ++ctx.block, reason: `'*** Begin Patch' at reply line ${start + 1} has no '*** End Patch': the reply may have been cut off, so the patch was not used.` });
    ctx.consume(start, start + 1);
    return start + 1;
  }
  ctx.consume(start, end + 1);
  while (i < end) {
    const found = lines[i]!.length <= MAX_COMMAND_LINE ? fileHeader.exec(lines[i]!) : null;
    if (!found) {
      if (lines[i]!.trim() !== '') ctx.problem({ block: ctx.block || undefined, reason: `Reply line ${i + 1} ('${lines[i]!.trim().slice(0, 80)}') is not part of any file section of the patch.` });
      i++;
      continue;
    }
    const [, action, path] = found as unknown as [string, string, string];
    const block = ++ctx.block;
    i++;
    const body: string[] = [];
    while (i < end && !lines[i]!.startsWith('*** ')) body.push(lines[i++]!);
    if (action === 'Delete') {
      ctx.edits.push({ kind: 'delete', path, block });
      continue;
    }
    if (action === 'Add') {
      ctx.edits.push({ kind: 'create', path, block, content: body.map((line) => line.replace(/^\+/, '')).join('\n') + (body.length > 0 ? '\n' : '') });
      continue;
    }
    let target = path;
    const move = /^\*\*\* Move to:\s*(.+?)\s*$/.exec(lines[i] ?? '');
    if (move && i < end) {
      target = move[1]!;
      ctx.edits.push({ kind: 'rename', path, to: target, block });
      i++;
      while (i < end && !lines[i]!.startsWith('*** ')) body.push(lines[i++]!);
    }
    patchChunks(ctx, body, target, block);
    while (i < end && lines[i]!.trim() === '*** End of File') i++;
  }
  return end + 1;
}

/** `@@`-separated chunks of an Update File section, as search/replace edits. */
function patchChunks(ctx: ParseContext, body: readonly string[], path: string, firstBlock: number): void {
  let chunk: string[] = [];
  let block = firstBlock;
  let first = true;
  const flush = () => {
    // A blank line ending a chunk is spacing, not a context line.
    while (chunk.length > 0 && chunk[chunk.length - 1] === '') chunk.pop();
    if (chunk.length === 0) return;
    if (!first) block = ++ctx.block;
    first = false;
    const search: string[] = [];
    const replace: string[] = [];
    for (const line of chunk) {
      const sign = line[0];
      const text = sign === ' ' || sign === '+' || sign === '-' ? line.slice(1) : line;
      if (sign !== '+') search.push(text);
      if (sign !== '-') replace.push(text);
    }
    chunk = [];
    if (search.every((line) => line.trim() === '')) {
      ctx.problem({ file: path, block, reason: `A chunk for ${path} has no context or removed lines, so there is nothing to place it by; include a few unchanged lines around the addition.` });
      return;
    }
    ctx.edits.push({ kind: 'replace', path, block, search: search.join('\n') + '\n', replace: replace.length ? replace.join('\n') + '\n' : '' });
  };
  for (const line of body) {
    if (line.startsWith('@@')) flush();
    else if (line.trim() !== '*** End of File') chunk.push(line);
  }
  flush();
}
