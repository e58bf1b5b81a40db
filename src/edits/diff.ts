import { structuredPatch } from 'diff';
import type { FileChange, FileDiff, Hunk } from '../domain/model';
import { DIFF_TIMEOUT_MS } from './lineDiff';
import { DecodeError, LfTextFile, decodeFile, encodeFile, joinLines, type TextFile } from './text';

// Diffs of file changes through jsdiff: a unified patch per file, +/- counts, hunks
// with ids derived from their content (so the review panel and the loop agree on them
// across calls), and applying only the hunks a reviewer kept.

const CONTEXT_LINES = 3;

/**
 * FNV-1a, 64-bit: a short, stable, synchronous fingerprint of a hunk. Computed in two
 * 32-bit halves (the prime is 2^40 + 0x1b3), bit-for-bit what a BigInt loop gives, at a
 * fraction of its cost on a hunk of a million lines.
 */
function fingerprint(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  return (hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')).slice(0, 12);
}

function decodeOrUndefined(bytes: Uint8Array | undefined): TextFile | undefined | 'binary' {
  if (bytes === undefined) return undefined;
  try {
    return decodeFile(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return 'binary';
    throw error;
  }
}

/** Text with every line ending as `\n`, so hunks show content, not CR bytes. */
function diffText(file: TextFile | undefined): string {
  if (!file) return '';
  // An LF file not yet split into lines is its own diff text: splitting a big file costs memory.
  if (file instanceof LfTextFile && file.raw !== undefined) return file.raw;
  return joinLines({ lines: file.lines, eols: file.eols.map((eol) => (eol === '' ? '' : '\n')) });
}

/** Index after the `count`-th line break before `at` (the start of the line `count` lines up). */
function backLines(text: string, at: number, count: number): number {
  let start = text.lastIndexOf('\n', at - 1) + 1;
  for (let c = 0; c < count && start > 0; c++) start = text.lastIndexOf('\n', start - 2) + 1;
  return start;
}

function countBreaks(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/**
 * The part of two texts a line diff needs: without their common first and last lines
 * (keeping CONTEXT_LINES of them), and how many lines were cut in front. Diffing only
 * this keeps a one-line edit of a big file from splitting the whole file into lines twice.
 */
function changedRegion(oldText: string, newText: string): { oldPart: string; newPart: string; offset: number } {
  const shorter = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < shorter && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  if (prefix === oldText.length && prefix === newText.length) return { oldPart: oldText, newPart: newText, offset: 0 };
  const start = backLines(oldText, prefix, CONTEXT_LINES);
  let suffix = 0;
  while (suffix < shorter - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  // The common tail from the first line start in it, then CONTEXT_LINES lines further on.
  const tail = oldText.slice(oldText.length - suffix);
  let cut = tail.indexOf('\n');
  for (let c = 0; c < CONTEXT_LINES && cut >= 0; c++) cut = tail.indexOf('\n', cut + 1);
  const keep = cut < 0 ? suffix : cut + 1;
  if (start === 0 && keep === suffix) return { oldPart: oldText, newPart: newText, offset: 0 };
  return { oldPart: oldText.slice(start, oldText.length - suffix + keep), newPart: newText.slice(start, newText.length - suffix + keep), offset: countBreaks(oldText, start) };
}

const LF = 10;

/**
 * changedRegion on the bytes of two LF-only UTF-8 files (a cut after an LF byte never
 * splits a character), decoding only the part that differs.
 */
function changedBytes(oldBytes: Uint8Array, newBytes: Uint8Array): { oldPart: string; newPart: string; offset: number } {
  const shorter = Math.min(oldBytes.length, newBytes.length);
  let prefix = 0;
  while (prefix < shorter && oldBytes[prefix] === newBytes[prefix]) prefix++;
  let start = prefix > 0 ? oldBytes.lastIndexOf(LF, prefix - 1) + 1 : 0;
  for (let c = 0; c < CONTEXT_LINES && start > 0; c++) start = start >= 2 ? oldBytes.lastIndexOf(LF, start - 2) + 1 : 0;
  let suffix = 0;
  while (suffix < shorter - prefix && oldBytes[oldBytes.length - 1 - suffix] === newBytes[newBytes.length - 1 - suffix]) suffix++;
  const tailStart = oldBytes.length - suffix;
  let cut = oldBytes.indexOf(LF, tailStart);
  for (let c = 0; c < CONTEXT_LINES && cut >= 0; c++) cut = oldBytes.indexOf(LF, cut + 1);
  const keep = cut < 0 ? suffix : cut + 1 - tailStart;
  let offset = 0;
  for (let i = oldBytes.indexOf(LF); i >= 0 && i < start; i = oldBytes.indexOf(LF, i + 1)) offset++;
  // A BOM in the common prefix is cut off with it; one that differs keeps the start at 0.
  const bom = start === 0 && oldBytes[0] === 0xef && oldBytes[1] === 0xbb && oldBytes[2] === 0xbf ? 3 : 0;
  const newBom = start === 0 && newBytes[0] === 0xef && newBytes[1] === 0xbb && newBytes[2] === 0xbf ? 3 : 0;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return {
    oldPart: decoder.decode(oldBytes.subarray(start + bom, oldBytes.length - suffix + keep)),
    newPart: decoder.decode(newBytes.subarray(start + newBom, newBytes.length - suffix + keep)),
    offset,
  };
}

type StructuredHunks = { hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[] };

/** The hunk of two texts (both ending with a line break) that differ only by lines inserted, or only by lines removed, in one place. */
function onlyInsertedOrRemoved(oldText: string, newText: string): StructuredHunks | undefined {
  if (!oldText.endsWith('\n') || !newText.endsWith('\n')) return undefined;
  const oldLines = oldText.slice(0, -1).split('\n');
  const newLines = newText.slice(0, -1).split('\n');
  const shorter = Math.min(oldLines.length, newLines.length);
  let prefix = 0;
  while (prefix < shorter && oldLines[prefix] === newLines[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]) suffix++;
  const removed = oldLines.slice(prefix, oldLines.length - suffix);
  const added = newLines.slice(prefix, newLines.length - suffix);
  if (removed.length > 0 && added.length > 0) return undefined;
  if (removed.length === 0 && added.length === 0) return { hunks: [] };
  const before = oldLines.slice(Math.max(0, prefix - CONTEXT_LINES), prefix);
  const after = oldLines.slice(oldLines.length - suffix, oldLines.length - suffix + CONTEXT_LINES);
  const lines: string[] = [];
  for (const line of before) lines.push(` ${line}`);
  for (const line of removed) lines.push(`-${line}`);
  for (const line of added) lines.push(`+${line}`);
  for (const line of after) lines.push(` ${line}`);
  const first = prefix - before.length + 1;
  return { hunks: [{ oldStart: first, oldLines: before.length + removed.length + after.length, newStart: first, newLines: before.length + added.length + after.length, lines }] };
}

/** One hunk that replaces every line: the diff of a rewrite too big to align in time. */
function wholeFileHunk(oldText: string, newText: string): StructuredHunks {
  const side = (text: string, sign: string) => {
    if (text === '') return [];
    const lines = text.split('\n');
    const complete = lines[lines.length - 1] === '';
    if (complete) lines.pop();
    const out = lines.map((line) => sign + line);
    if (!complete) out.push('\\ No newline at end of file');
    return out;
  };
  const removed = side(oldText, '-');
  const added = side(newText, '+');
  const count = (lines: string[]) => lines.filter((line) => line[0] !== '\\').length;
  const oldLines = count(removed);
  const newLines = count(added);
  if (oldLines === 0 && newLines === 0) return { hunks: [] };
  return { hunks: [{ oldStart: 1, oldLines, newStart: 1, newLines, lines: [...removed, ...added] }] };
}

const statusOf = { create: 'added', modify: 'modified', delete: 'deleted', rename: 'renamed' } as const;

export function diffChange(change: FileChange): FileDiff {
  const status = statusOf[change.kind];
  const oldPath = change.kind === 'rename' ? change.oldPath : undefined;
  const before = decodeOrUndefined(change.before);
  const after = decodeOrUndefined(change.after);
  const oldName = change.kind === 'create' ? '/dev/null' : `a/${oldPath ?? change.path}`;
  const newName = change.kind === 'delete' ? '/dev/null' : `b/${change.path}`;
  const header = [`diff --git a/${oldPath ?? change.path} b/${change.path}`];
  if (change.kind === 'create') header.push('new file mode 100644');
  if (change.kind === 'delete') header.push('deleted file mode 100644');
  if (oldPath !== undefined) header.push(`rename from ${oldPath}`, `rename to ${change.path}`);
  if (before === 'binary' || after === 'binary') {
    const patch = [...header, `Binary files ${oldName} and ${newName} differ`, ''].join('\n');
    return { path: change.path, ...(oldPath === undefined ? {} : { oldPath }), status, additions: 0, deletions: 0, patch, hunks: [], binary: true };
  }
  const { oldPart, newPart, offset } =
    before instanceof LfTextFile && after instanceof LfTextFile && change.before && change.after && before.utf8 && after.utf8
      ? changedBytes(change.before, change.after)
      : changedRegion(diffText(before), diffText(after));
  // A created or deleted file is one hunk, and so are lines only inserted or only removed;
  // jsdiff would take seconds (or time out) to say so for a million lines.
  const structured =
    (oldPart === '' || newPart === '' ? wholeFileHunk(oldPart, newPart) : onlyInsertedOrRemoved(oldPart, newPart)) ??
    structuredPatch(oldName, newName, oldPart, newPart, undefined, undefined, { context: CONTEXT_LINES, timeout: DIFF_TIMEOUT_MS }) ??
    wholeFileHunk(oldPart, newPart);
  const seen = new Map<string, number>();
  let additions = 0;
  let deletions = 0;
  const hunks: Hunk[] = structured.hunks.map((hunk) => {
    for (const line of hunk.lines) {
      if (line[0] === '+') additions++;
      else if (line[0] === '-') deletions++;
    }
    const base = fingerprint(`${change.path}\n${hunk.lines.join('\n')}`);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    // Header numbers as a unified diff prints them: an empty side names the line before.
    return {
      id: count === 1 ? base : `${base}-${count}`,
      oldStart: offset + (hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart),
      oldLines: hunk.oldLines,
      newStart: offset + (hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart),
      newLines: hunk.newLines,
      lines: hunk.lines,
    };
  });
  const body: string[] = [...header];
  if (hunks.length > 0) body.push(`--- ${oldName}`, `+++ ${newName}`);
  for (const hunk of hunks) {
    body.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    // One at a time: a spread of a big hunk into push() overflows the stack.
    for (const line of hunk.lines) body.push(line);
  }
  return { path: change.path, ...(oldPath === undefined ? {} : { oldPath }), status, additions, deletions, patch: body.join('\n') + '\n', hunks };
}

export function diffChanges(changes: readonly FileChange[]): FileDiff[] {
  return changes.map(diffChange);
}

/** The whole multi-file patch, for reports and the agent's feedback. */
export function unifiedPatch(changes: readonly FileChange[]): string {
  return diffChanges(changes)
    .map((diff) => diff.patch)
    .join('');
}

/**
 * The change with only the kept hunks applied onto `before`; every other byte of the
 * file stays as it was. Undefined when no hunk is kept. Created and deleted files,
 * binary files and pure renames are all or nothing: kept whole when any of their
 * hunk ids is kept (or, having no hunks, when `keptHunkIds` is not empty).
 */
export function keepHunks(change: FileChange, keptHunkIds: readonly string[]): FileChange | undefined {
  const { hunks } = diffChange(change);
  const kept = new Set(keptHunkIds);
  const keptHunks = hunks.filter((hunk) => kept.has(hunk.id));
  if (hunks.length === 0) return keptHunkIds.length > 0 ? change : undefined;
  if (keptHunks.length === 0) return undefined;
  if (keptHunks.length === hunks.length || change.kind === 'create' || change.kind === 'delete') return change;
  const before = decodeOrUndefined(change.before);
  const after = decodeOrUndefined(change.after);
  if (!before || !after || before === 'binary' || after === 'binary') return change;
  const lines: string[] = [];
  const eols: string[] = [];
  let next = 0;
  for (const hunk of hunks) {
    const oldIndex = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    const newIndex = hunk.newLines === 0 ? hunk.newStart : hunk.newStart - 1;
    for (; next < oldIndex; next++) {
      lines.push(before.lines[next]!);
      eols.push(before.eols[next]!);
    }
    if (kept.has(hunk.id)) {
      for (let i = newIndex; i < newIndex + hunk.newLines; i++) {
        lines.push(after.lines[i]!);
        eols.push(after.eols[i]!);
      }
    } else {
      for (let i = oldIndex; i < oldIndex + hunk.oldLines; i++) {
        lines.push(before.lines[i]!);
        eols.push(before.eols[i]!);
      }
    }
    next = oldIndex + hunk.oldLines;
  }
  for (; next < before.lines.length; next++) {
    lines.push(before.lines[next]!);
    eols.push(before.eols[next]!);
  }
  for (let i = 0; i < lines.length - 1; i++) if (eols[i] === '') eols[i] = before.eol;
  const result: TextFile = { ...after, lines, eols };
  return { ...change, after: encodeFile(result) };
}
