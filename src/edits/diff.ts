import { structuredPatch } from 'diff';
import type { FileChange, FileDiff, Hunk } from '../domain/model';
import { DIFF_TIMEOUT_MS } from './lineDiff';
import { DecodeError, decodeFile, encodeFile, joinLines, type TextFile } from './text';

// Diffs of file changes through jsdiff: a unified patch per file, +/- counts, hunks
// with ids derived from their content (so the review panel and the loop agree on them
// across calls), and applying only the hunks a reviewer kept.

const CONTEXT_LINES = 3;

/** FNV-1a, 64-bit: a short, stable, synchronous fingerprint of a hunk. */
function fingerprint(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0').slice(0, 12);
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
  return joinLines({ lines: file.lines, eols: file.eols.map((eol) => (eol === '' ? '' : '\n')) });
}

/** One hunk that replaces every line: the diff of a rewrite too big to align in time. */
function wholeFileHunk(oldText: string, newText: string): { hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[] } {
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
  const oldText = diffText(before);
  const newText = diffText(after);
  const structured = structuredPatch(oldName, newName, oldText, newText, undefined, undefined, { context: CONTEXT_LINES, timeout: DIFF_TIMEOUT_MS }) ?? wholeFileHunk(oldText, newText);
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
      oldStart: hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart,
      oldLines: hunk.oldLines,
      newStart: hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart,
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
