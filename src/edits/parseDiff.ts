import { MAX_COMMAND_LINE, fenceLine, hunkHeader, looseHunkHeader, searchMarker, type ParseContext } from './parseContext';

// Unified diffs: git's `diff --git` headers (new, deleted, renamed), `--- a/` / `+++ b/`
// file headers, and `@@` hunks, also without a file header under a path line. Hunk
// numbers are hints: each hunk becomes a search/replace edit placed by its content.

function cleanDiffPath(raw: string): string | undefined {
  let path = raw.split('\t')[0]!.trim();
  if (path.startsWith('"') && path.endsWith('"')) path = path.slice(1, -1);
  if (path === '/dev/null') return undefined;
  return path;
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** A diff section from its `diff --git` or `---` line; returns the line after it. */
export function parseDiffSection(ctx: ParseContext, start: number): number {
  const { lines } = ctx;
  let i = start;
  let oldPath: string | undefined;
  let newPath: string | undefined;
  let renameFrom: string | undefined;
  let renameTo: string | undefined;
  let created = false;
  let deleted = false;
  if (lines[i]!.startsWith('diff --git ')) {
    // Long lines are not read for names: the lazy groups would backtrack quadratically.
    const names = lines[i]!.length <= MAX_COMMAND_LINE ? /^diff --git (?:"?a\/)?(.+?)"? (?:"?b\/)?(.+?)"?$/.exec(lines[i]!) : null;
    if (names) [oldPath, newPath] = [names[1], names[2]];
    i++;
    for (; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('rename from ')) renameFrom = line.slice(12).trim();
      else if (line.startsWith('rename to ')) renameTo = line.slice(10).trim();
      else if (line.startsWith('new file mode')) created = true;
      else if (line.startsWith('deleted file mode')) deleted = true;
      else if (!/^(index |old mode|new mode|similarity index|dissimilarity index|copy from|copy to|Binary files)/.test(line)) break;
    }
  }
  if (lines[i]?.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
    const from = cleanDiffPath(lines[i]!.slice(4));
    const to = cleanDiffPath(lines[i + 1]!.slice(4));
    const bothPrefixed = (from ?? 'a/').startsWith('a/') && (to ?? 'b/').startsWith('b/');
    oldPath = from === undefined ? undefined : bothPrefixed ? stripPrefix(from, 'a/') : from;
    newPath = to === undefined ? undefined : bothPrefixed ? stripPrefix(to, 'b/') : to;
    created ||= from === undefined;
    deleted ||= to === undefined;
    i += 2;
  }
  ctx.consume(start, i);
  const block = ++ctx.block;
  if (renameFrom && renameTo) ctx.edits.push({ kind: 'rename', path: renameFrom, to: renameTo, block });
  if (deleted && oldPath) {
    ctx.edits.push({ kind: 'delete', path: oldPath, block });
    return skipHunks(ctx, i);
  }
  const path = renameTo ?? newPath ?? oldPath;
  if (!path) {
    ctx.problem({ block, reason: `Diff at reply line ${start + 1} names no file.` });
    return skipHunks(ctx, i);
  }
  ctx.lastPath = path;
  return hunks(ctx, i, path, created, block);
}

/** `@@` hunks with no file header: they belong to the path line above, or the previous block's file. */
export function parseHeaderlessHunks(ctx: ParseContext, start: number): number {
  const above = ctx.pathAbove(start);
  const path = above.path ?? ctx.lastPath;
  if (above.line !== undefined) ctx.consume(above.line, start);
  if (!path) {
    const block = ++ctx.block;
    ctx.problem({ block, reason: `Hunk at reply line ${start + 1} has no '--- a/path' / '+++ b/path' header naming its file.` });
    return skipHunks(ctx, start);
  }
  return hunks(ctx, start, path, false, ++ctx.block);
}

/** Lines of one hunk body, from `start` to the first line that cannot be part of it. */
function hunkBody(ctx: ParseContext, start: number): { body: string[]; next: number } {
  const { lines } = ctx;
  const fence = ctx.fenceOf[start] ?? -1;
  const body: string[] = [];
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('@@') || line.startsWith('diff --git ') || (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) break;
    // Inside a fence only its own closing line ends the hunk: a context line such as ` ~~~`
    // (a Markdown file's own fence, under a ``` fence) is the file's text.
    const closes = fence >= 0 ? ctx.fences.get(fence)?.close === i : fenceLine.test(line);
    if (closes || searchMarker.test(line)) break;
    const first = line[0];
    if (line === '' || first === ' ' || first === '+' || first === '-' || first === '\\') body.push(line);
    // Inside a fence, a line without a prefix is context whose space the model dropped:
    // it must still match the file, so reading it so is safe.
    else if (fence >= 0 && ctx.fenceOf[i] === fence) body.push(` ${line}`);
    else break;
  }
  return { body, next: i };
}

function skipHunks(ctx: ParseContext, start: number): number {
  let i = start;
  while (i < ctx.lines.length && (hunkHeader.test(ctx.lines[i]!) || looseHunkHeader.test(ctx.lines[i]!))) {
    const { next } = hunkBody(ctx, i + 1);
    ctx.consume(i, next);
    i = next;
  }
  return i;
}

function hunks(ctx: ParseContext, start: number, path: string, created: boolean, firstBlock: number): number {
  const { lines } = ctx;
  let i = start;
  let block = firstBlock;
  const createdLines: string[] = [];
  let createdFinalNewline = true;
  let first = true;
  while (i < lines.length) {
    const header = hunkHeader.exec(lines[i]!) ?? (lines[i]!.length <= MAX_COMMAND_LINE && looseHunkHeader.test(lines[i]!) ? ([lines[i]!] as RegExpExecArray) : null);
    if (!header) break;
    if (!first) block = ++ctx.block;
    first = false;
    const { body, next } = hunkBody(ctx, i + 1);
    ctx.consume(i, next);
    i = next;
    const oldCount = header[2] === undefined ? (header[1] === undefined ? undefined : 1) : Number(header[2]);
    // Trailing blank lines are usually spacing after the diff, not context; header counts say.
    let oldSide = 0;
    for (const line of body) if (line[0] !== '+' && line[0] !== '\\') oldSide++;
    while (body.length > 0 && body[body.length - 1] === '' && (oldCount === undefined || oldSide > oldCount)) {
      body.pop();
      oldSide--;
    }
    const search: string[] = [];
    const replace: string[] = [];
    for (const line of body) {
      if (line.startsWith('\\')) {
        if (created) createdFinalNewline = false;
        continue;
      }
      const text = line.slice(1);
      if (line[0] !== '+') search.push(text);
      if (line[0] !== '-') replace.push(text);
    }
    if (created) {
      for (const line of replace) createdLines.push(line);
      continue;
    }
    if (search.length === 0 && replace.length === 0) continue;
    if (search.length === 0) {
      ctx.problem({ file: path, block, reason: `A hunk for ${path} has no context or removed lines, so there is nothing to place it by; include a few unchanged lines around the addition.` });
      continue;
    }
    const hint = header[1] === undefined ? undefined : Math.max(1, Number(header[1]));
    ctx.edits.push({ kind: 'replace', path, block, search: search.join('\n') + '\n', replace: replace.length ? replace.join('\n') + '\n' : '', lineHint: hint });
  }
  if (created) {
    const content = createdLines.join('\n') + (createdLines.length > 0 && createdFinalNewline ? '\n' : '');
    ctx.edits.push({ kind: 'create', path, block: firstBlock, content });
  }
  return i;
}
