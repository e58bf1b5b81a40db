import { matchEdit, type SpliceLine } from './match';
import { isElision } from './normalize';
import { fixEols, spliceArray, spliceBytes, type ApplyContext, type FileState } from './applyState';
import { LfTextFile, blockLines, indexOfBytes, joinLines, splitLines, type TextFile } from './text';
import type { ReplaceOp } from './types';

// A replace edit (a search/replace block, a diff hunk, a tool call's `replace`): the
// exact text found once in the bytes or the text (the fast paths), else the matcher's
// cascade; a SEARCH that does not end a line is a fragment that must occur once.

export function applyReplace(ctx: ApplyContext, op: ReplaceOp, state: FileState): void {
  const { text } = state;
  if (!text) {
    return ctx.fail(op, `Block ${op.block}: ${state.path} does not exist. To create it, use an empty SEARCH section with the whole content in REPLACE.`, state.path);
  }
  let hint: number | undefined;
  if (op.lineHint !== undefined) {
    hint = op.lineHint - 1;
    for (const shift of state.shifts) if (shift.at <= hint) hint += shift.delta;
  }
  // A SEARCH that does not end a line is a fragment (tool calls in the str_replace
  // style): it must occur exactly once as written; line matching may not stretch it.
  const fragment = !op.search.endsWith('\n');
  if (fragment && replaceFragment(ctx, op, state, text)) return;
  if (!fragment && replaceExactText(ctx, op, state, text)) return;
  const result = matchEdit(text.lines, blockLines(op.search), blockLines(op.replace), hint, { fuzzy: !fragment });
  switch (result.kind) {
    case 'already':
      ctx.alreadyApplied.add(state.path);
      return;
    case 'ambiguous': {
      const lines = result.candidates.map((candidate) => candidate.line).join(', ');
      if (result.level === 'exact') {
        return ctx.fail(
          op,
          `Block ${op.block}: SEARCH matches ${result.candidates.length} places in ${state.path} equally well (lines ${lines}); nothing was applied. Add lines around it that make it unique.`,
          state.path,
          result.candidates,
        );
      }
      const similar = result.candidates.map((candidate) => `line ${candidate.line}, ${Math.round(candidate.similarity * 100)}% alike`).join('; ');
      return ctx.fail(
        op,
        `Block ${op.block}: SEARCH is not in ${state.path} as written, and ${result.candidates.length} places are like it (${similar}): which one was meant would be a guess, so nothing was applied. Copy SEARCH from the file as it is now, with a line or two more around it.`,
        state.path,
        result.candidates,
      );
    }
    case 'missing':
      return ctx.fail(op, `Block ${op.block}: ${result.reason} File: ${state.path}.`, state.path, result.candidates);
    case 'splice': {
      state.originalSize ??= { lines: text.lines.length, chars: charCount(text) };
      const finalEol = text.eols[text.eols.length - 1] ?? text.eol;
      const atEnd = result.end === text.lines.length;
      const newLines = result.lines.map((line) => line.text);
      const newEols = splicedEols(text, result.start, result.lines);
      text.lines = spliceArray(text.lines, result.start, result.end - result.start, newLines);
      text.eols = spliceArray(text.eols, result.start, result.end - result.start, newEols);
      fixEols(text, atEnd ? finalEol : undefined);
      state.shifts.push({ at: result.start, delta: newLines.length - (result.end - result.start) });
      if (state.untouched) {
        // The line before the splice may get a new ending (fixEols), so it counts as touched.
        const tail = text.lines.length - (result.start + newLines.length);
        state.untouched = { head: Math.min(state.untouched.head, Math.max(0, result.start - 1)), tail: Math.min(state.untouched.tail, tail) };
      }
      state.touched = true;
      return;
    }
  }
}

/**
 * The common case, fast: SEARCH occurs exactly once, as whole lines, in an LF file
 * nobody has split yet, and REPLACE is nowhere. The result is what the line matcher
 * would produce at its exact level; anything less plain goes to the matcher.
 */
function replaceExactText(ctx: ApplyContext, op: ReplaceOp, state: FileState, text: TextFile): boolean {
  if (!(text instanceof LfTextFile)) return false;
  const { search, replace } = op;
  if (search === replace || search.trim() === '' || search.includes('\r') || replace.includes('\r')) return false;
  if (blockLines(search).some(isElision) || blockLines(replace).some(isElision)) return false;
  const settled = replaceExactBytes(ctx, op, state, text);
  if (settled !== undefined) return settled;
  if (text.raw === undefined) return false;
  const raw = text.raw;
  let at = -1;
  for (let from = raw.indexOf(search); from >= 0; from = raw.indexOf(search, from + 1)) {
    if (from > 0 && raw[from - 1] !== '\n') continue;
    if (at >= 0) return false;
    at = from;
  }
  if (at < 0 || (replace !== '' && raw.includes(replace))) return false;
  // Line numbers only matter to later hunks with line hints; counting them costs.
  let line = 0;
  if (ctx.hinted) for (let i = raw.indexOf('\n'); i >= 0 && i < at; i = raw.indexOf('\n', i + 1)) line++;
  const removed = blockLines(search).length;
  const added = blockLines(replace).length;
  text.raw = raw.slice(0, at) + replace + raw.slice(at + search.length);
  if (state.byteEdit === undefined) {
    const start = (text.bom ? 3 : 0) + (text.ascii ? at : utf8Length(raw, 0, at));
    state.byteEdit = { start, end: start + utf8Length(search, 0, search.length), insert: replace };
  } else {
    state.byteEdit = 'several';
  }
  state.shifts.push({ at: line, delta: added - removed });
  state.untouched = undefined;
  state.touched = true;
  return true;
}

/**
 * replaceExactText on a file that was not decoded (valid UTF-8, LF only): the same
 * search on the bytes (UTF-8 maps whole characters to whole byte sequences, and '\n' is
 * one byte), and the edit a splice of the bytes, so the file is never decoded or
 * encoded. Undefined when the text path must decide (the file was decoded, lone
 * surrogates in the edit, a pathological search).
 */
function replaceExactBytes(ctx: ApplyContext, op: ReplaceOp, state: FileState, text: LfTextFile): boolean | undefined {
  const bytes = text.utf8;
  if (bytes === undefined || loneSurrogate.test(op.search) || loneSurrogate.test(op.replace)) return undefined;
  const body = text.bom ? 3 : 0;
  const encoder = new TextEncoder();
  const search = encoder.encode(op.search);
  let at = -1;
  for (let from = indexOfBytes(bytes, search, body); from !== -1; from = indexOfBytes(bytes, search, from + 1)) {
    if (from === undefined) return undefined;
    if (from > body && bytes[from - 1] !== 10) continue;
    if (at >= 0) return false;
    at = from;
  }
  if (at < 0) return false;
  const insert = encoder.encode(op.replace);
  if (insert.length > 0) {
    const found = indexOfBytes(bytes, insert, body);
    if (found === undefined) return undefined;
    if (found >= 0) return false;
  }
  let line = 0;
  if (ctx.hinted) for (let i = bytes.indexOf(10, body); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) line++;
  text.utf8 = spliceBytes(bytes, at, at + search.length, insert);
  // Offsets into the original no longer hold if the text is decoded later.
  state.byteEdit = 'several';
  state.shifts.push({ at: line, delta: blockLines(op.replace).length - blockLines(op.search).length });
  state.untouched = undefined;
  state.touched = true;
  return true;
}

/** Exact substring replacement; true when it settled the edit (applied, already there, or failed). */
function replaceFragment(ctx: ApplyContext, op: ReplaceOp, state: FileState, text: TextFile): boolean {
  const whole = joinLines(text);
  const search = op.search.replace(/\r?\n/g, text.eol);
  const replace = op.replace.replace(/\r?\n/g, text.eol);
  const found = occurrences(whole, search);
  if (found.length === 0) {
    if (replace.trim().length > 0 && occurrences(whole, replace).length > 0) {
      ctx.alreadyApplied.add(state.path);
      return true;
    }
    return false;
  }
  const copies = replace.includes(search) ? occurrences(whole, replace) : [];
  if (copies.length > 0 && found.every((at) => copies.some((copy) => copy <= at && at + search.length <= copy + replace.length))) {
    ctx.alreadyApplied.add(state.path);
    return true;
  }
  if (found.length > 1) {
    const lines = found.map((at) => whole.slice(0, at).split('\n').length);
    ctx.fail(op, `Block ${op.block}: the search text occurs ${found.length} times in ${state.path} (lines ${lines.join(', ')}); nothing was applied. Include more of the surrounding text so it occurs once.`, state.path);
    return true;
  }
  const at = found[0]!;
  const { lines, eols } = splitLines(whole.slice(0, at) + replace + whole.slice(at + search.length));
  text.lines = lines;
  text.eols = eols;
  state.untouched = undefined;
  state.touched = true;
  return true;
}

/**
 * Line endings for spliced lines: kept lines keep theirs; a new line takes the ending
 * of the kept line before it (in a file with mixed endings, the local style), or the
 * file's usual one at the top.
 */
function splicedEols(text: TextFile, start: number, lines: readonly SpliceLine[]): string[] {
  let previous = start > 0 ? text.eols[start - 1] || text.eol : undefined;
  if (previous === undefined) {
    const firstKept = lines.find((line) => line.from !== undefined);
    previous = firstKept ? text.eols[firstKept.from!] || text.eol : text.eol;
  }
  return lines.map((line) => {
    if (line.from === undefined) return previous!;
    previous = text.eols[line.from] || text.eol;
    return text.eols[line.from]!;
  });
}

/** Bytes of the UTF-8 encoding of text[from, to), without encoding it. */
export function utf8Length(text: string, from: number, to: number): number {
  let bytes = to - from;
  // Only characters past ASCII add bytes; the regex engine skips to them natively.
  const wide = /[\u0080-\uffff]/g;
  wide.lastIndex = from;
  for (let match = wide.exec(text); match && match.index < to; match = wide.exec(text)) {
    const code = match[0].charCodeAt(0);
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && match.index + 1 < to) {
      // A surrogate pair: 2 UTF-16 units, 4 bytes; skip its low half.
      bytes += 2;
      wide.lastIndex++;
    } else bytes += 2;
  }
  return bytes;
}

/** Matches a lone surrogate (a `u` regex reads a valid pair as one code point). */
const loneSurrogate = /\p{Cs}/u;

function charCount(text: TextFile): number {
  let chars = 0;
  for (let i = 0; i < text.lines.length; i++) chars += text.lines[i]!.length + text.eols[i]!.length;
  return chars;
}

function occurrences(text: string, part: string): number[] {
  const found: number[] = [];
  if (part === '') return found;
  for (let at = text.indexOf(part); at >= 0 && found.length < 20; at = text.indexOf(part, at + 1)) found.push(at);
  return found;
}
