import { diffLines } from './lineDiff';
import { isCommentElision } from './normalize';
import { fixEols, sameText, type ApplyContext, type FileState } from './applyState';
import { textFromString } from './text';
import type { EditOp } from './types';

// Edits that give a file's whole content: a create (an empty SEARCH, a `/dev/null` diff)
// and a whole-file block. A whole-file block keeps the bytes of the lines it does not
// change, and is refused when it looks like an excerpt rather than the whole file.

export function applyCreate(ctx: ApplyContext, op: EditOp, state: FileState, content: string): void {
  const wanted = textFromString(content);
  if (state.text) {
    if (sameText(state.text, wanted)) {
      ctx.alreadyApplied.add(state.path);
      return;
    }
    if (state.text.lines.length > 0 && !state.text.lines.every((line) => line.trim() === '')) {
      return ctx.fail(op, `Block ${op.block}: ${state.path} already exists, so an empty SEARCH (create) would overwrite it. To change it, SEARCH for the lines to replace.`, state.path);
    }
    state.text = { ...state.text, lines: wanted.lines, eols: wanted.eols.map((eol) => (eol === '' ? '' : state.text!.eol)) };
  } else {
    state.text = wanted;
  }
  state.untouched = undefined;
  state.touched = true;
}

export function applyWrite(ctx: ApplyContext, op: EditOp & { content: string }, state: FileState): void {
  if (!state.text) return applyCreate(ctx, op, state, op.content);
  const wanted = textFromString(op.content);
  const elision = wanted.lines.find(isCommentElision);
  if (elision !== undefined) {
    return ctx.fail(
      op,
      `Block ${op.block}: the whole-file block for ${state.path} contains '${elision.trim()}', so writing it would delete the code it stands for. Send SEARCH/REPLACE blocks instead, or the complete file.`,
      state.path,
    );
  }
  const text = state.text;
  if (sameText(text, wanted)) {
    ctx.alreadyApplied.add(state.path);
    return;
  }
  const finalEol = text.eols[text.eols.length - 1] ?? text.eol;
  const lines: string[] = [];
  const eols: string[] = [];
  let oldIndex = 0;
  let newIndex = 0;
  let keptLines = 0;
  for (const change of diffLines(text.lines, wanted.lines)) {
    if (!change.added && !change.removed) keptLines += change.count;
    for (let c = 0; c < change.count; c++) {
      if (change.removed) oldIndex++;
      else if (change.added) {
        lines.push(wanted.lines[newIndex++]!);
        eols.push(text.eol);
      } else {
        lines.push(text.lines[oldIndex]!);
        eols.push(text.eols[oldIndex++]!);
        newIndex++;
      }
    }
  }
  // A fenced snippet under a path heading reads like a whole file; writing it would
  // delete the rest. Refuse when most of a sizeable file would go.
  if (text.lines.length >= 20 && wanted.lines.length < text.lines.length / 2 && keptLines < text.lines.length / 2) {
    return ctx.fail(
      op,
      `Block ${op.block}: the whole-file block for ${state.path} would remove ${text.lines.length - keptLines} of its ${text.lines.length} lines, so it looks like a part of the file rather than all of it. Use SEARCH/REPLACE blocks for a change; to really replace the file, DELETE it and create it with an empty SEARCH.`,
      state.path,
    );
  }
  text.lines = lines;
  text.eols = eols;
  fixEols(text, finalEol);
  state.untouched = undefined;
  state.touched = true;
}
