import { dividerMarker, replaceMarker, searchMarker, withNewline, type ParseContext } from './parseContext';

// Search/replace blocks: a path line, `<<<<<<< SEARCH`, the lines to find, `=======`,
// the lines that take their place, `>>>>>>> REPLACE`. An empty SEARCH creates a file.
// A block without its closing marker (a cut-off stream) is a problem, never an edit.

/** Reads the block that starts at `start`; returns the line after it. */
export function parseSearchReplace(ctx: ParseContext, start: number): number {
  const { lines } = ctx;
  const block = ++ctx.block;
  const above = ctx.pathAbove(start);
  const path = above.path ?? ctx.lastPath;
  let divider = -1;
  let end = -1;
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (searchMarker.test(line)) break;
    if (divider < 0 && dividerMarker.test(line)) divider = i;
    else if (divider >= 0 && replaceMarker.test(line)) {
      end = i;
      break;
    } else if (divider < 0 && replaceMarker.test(line)) break;
  }
  if (divider < 0 || end < 0) {
    const missing = divider < 0 ? "no '=======' divider" : "no '>>>>>>> REPLACE' line";
    ctx.problem({ file: path, block, reason: `Block ${block} is unterminated: '<<<<<<< SEARCH' at reply line ${start + 1} has ${missing} before ${i < lines.length ? `the next block (line ${i + 1})` : 'the end of the reply'}.` });
    // Leave the next block its path line.
    const nextPath = i < lines.length ? ctx.pathAbove(i).line : undefined;
    ctx.consume(start, nextPath !== undefined && nextPath > start ? nextPath : i);
    return i;
  }
  ctx.consume(above.line ?? start, end + 1);
  if (!path) {
    ctx.problem({ block, reason: `Block ${block} (reply line ${start + 1}) names no file: put the file's path on the line before '<<<<<<< SEARCH'.` });
    return end + 1;
  }
  ctx.lastPath = path;
  // Every line between the markers counts, a blank one at either end included.
  const asText = (part: readonly string[]) => (part.length > 0 ? part.join('\n') + '\n' : '');
  const search = asText(lines.slice(start + 1, divider));
  const replace = asText(lines.slice(divider + 1, end));
  if (search.trim() === '') ctx.edits.push({ kind: 'create', path, block, content: withNewline(replace.trim() === '' ? '' : replace) });
  else ctx.edits.push({ kind: 'replace', path, block, search, replace });
  return end + 1;
}
