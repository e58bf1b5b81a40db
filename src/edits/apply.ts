import { PathError, errorMessage } from '../domain/errors';
import { contentHash } from '../domain/hash';
import type { FileChange } from '../domain/model';
import type { Workspace } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import { diffLines } from './lineDiff';
import { matchEdit, type MatchCandidate, type SpliceLine } from './match';
import { isCommentElision, isElision } from './normalize';
import { guardPath } from '../domain/pathGuard';
import { DecodeError, LfTextFile, blockLines, decodeFile, encodeFile, encodeSpliced, indexOfBytes, joinLines, splitLines, textFromString, type TextFile } from './text';
import type { ApplyResult, EditOp, ReplaceOp } from './types';

// Applying a reply's edits: all or nothing. Every edit is tried against the files as
// the earlier edits of the same reply left them; if any fails, no change comes back
// at all, and every problem is reported so the agent can repair them in one round.

interface FileState {
  readonly path: string;
  readonly original: Uint8Array | undefined;
  /** SHA-256 of `original`, started when the file is read so that it runs while the edits are matched. */
  readonly originalHash: Promise<string | null>;
  text: TextFile | undefined;
  /** Set on a rename's target: where the content came from. */
  renamedFrom?: FileState;
  /** Set on a rename's source: its content lives on at another path. */
  movedTo?: string;
  touched: boolean;
  /** Line count changes of earlier edits, to shift the line hints of later diff hunks. */
  readonly shifts: { at: number; delta: number }[];
  /**
   * Lines at the start and end that no edit touched (so far), when only splices changed
   * the file; undefined after anything else rewrote it. Their bytes are copied, not re-encoded.
   */
  untouched?: { head: number; tail: number };
  /** The one exact text edit of an untouched LF file (the fast path): its place in the original bytes. */
  byteEdit?: { readonly start: number; readonly end: number; readonly insert: string } | 'several';
  /** Lines and characters of the original text, noted before the first splice. */
  originalSize?: { lines: number; chars: number };
}

class Applier {
  private readonly files = new Map<string, FileState | null>();
  readonly problems: EditProblem[] = [];
  readonly alreadyApplied = new Set<string>();

  constructor(
    private readonly workspace: Pick<Workspace, 'read'>,
    /** Whether any edit of the reply has a line hint (a diff hunk, a tool call's `line`). */
    private readonly hinted: boolean,
  ) {}

  private fail(op: EditOp, reason: string, file: string = op.path, candidates?: readonly MatchCandidate[]): void {
    this.problems.push(candidates && candidates.length > 0 ? { file, block: op.block, reason, candidates: candidates.slice(0, 5) } : { file, block: op.block, reason });
  }

  /** The state of a path, loaded once; null after a problem was reported for it. */
  private async load(op: EditOp, rawPath: string): Promise<FileState | null> {
    let path: string;
    try {
      path = guardPath(rawPath);
    } catch (error) {
      this.fail(op, `Block ${op.block}: ${errorMessage(error)}`, rawPath);
      return null;
    }
    const known = this.files.get(path);
    if (known !== undefined) return known;
    let state: FileState | null;
    try {
      const bytes = await this.workspace.read(path);
      const originalHash = contentHash(bytes);
      // Awaited in changes() when the file changes; a rejection left unawaited is not an error.
      originalHash.catch(() => undefined);
      const text = bytes === undefined ? undefined : decodeFile(bytes);
      state = { path, original: bytes, originalHash, text, touched: false, shifts: [], untouched: { head: Infinity, tail: Infinity } };
    } catch (error) {
      if (error instanceof PathError) this.fail(op, `Block ${op.block}: ${error.message}`, path);
      else if (error instanceof DecodeError) this.fail(op, `Block ${op.block}: ${path} ${error.message}.`, path);
      else this.fail(op, `Block ${op.block}: could not read ${path}: ${errorMessage(error)}`, path);
      state = null;
    }
    this.files.set(path, state);
    return state;
  }

  async apply(op: EditOp): Promise<void> {
    const state = await this.load(op, op.path);
    if (!state) return;
    switch (op.kind) {
      case 'replace':
        return this.replace(op, state);
      case 'create':
        return this.create(op, state, op.content);
      case 'write':
        return this.write(op, state);
      case 'delete':
        if (!state.text) return this.fail(op, `Block ${op.block}: cannot delete ${state.path}: there is no such file.`, state.path);
        state.text = undefined;
        state.touched = true;
        return;
      case 'rename': {
        if (!state.text) return this.fail(op, `Block ${op.block}: cannot rename ${state.path}: there is no such file.`, state.path);
        const target = await this.load(op, op.to);
        if (!target) return;
        if (target.text) return this.fail(op, `Block ${op.block}: cannot rename ${state.path} to ${target.path}: ${target.path} already exists.`, state.path);
        if (target === state) return;
        target.text = state.text;
        target.untouched = undefined;
        target.renamedFrom = state;
        target.touched = true;
        state.text = undefined;
        state.movedTo = target.path;
        state.touched = true;
        return;
      }
    }
  }

  private replace(op: ReplaceOp, state: FileState): void {
    const { text } = state;
    if (!text) {
      return this.fail(op, `Block ${op.block}: ${state.path} does not exist. To create it, use an empty SEARCH section with the whole content in REPLACE.`, state.path);
    }
    let hint: number | undefined;
    if (op.lineHint !== undefined) {
      hint = op.lineHint - 1;
      for (const shift of state.shifts) if (shift.at <= hint) hint += shift.delta;
    }
    // A SEARCH that does not end a line is a fragment (tool calls in the str_replace
    // style): it must occur exactly once as written; line matching may not stretch it.
    const fragment = !op.search.endsWith('\n');
    if (fragment && this.replaceFragment(op, state, text)) return;
    if (!fragment && this.replaceExactText(op, state, text)) return;
    const result = matchEdit(text.lines, blockLines(op.search), blockLines(op.replace), hint, { fuzzy: !fragment });
    switch (result.kind) {
      case 'already':
        this.alreadyApplied.add(state.path);
        return;
      case 'ambiguous': {
        const lines = result.candidates.map((candidate) => candidate.line).join(', ');
        return this.fail(
          op,
          `Block ${op.block}: SEARCH matches ${result.candidates.length} places in ${state.path} equally well (lines ${lines}); nothing was applied. Add lines around it that make it unique.`,
          state.path,
          result.candidates,
        );
      }
      case 'missing':
        return this.fail(op, `Block ${op.block}: ${result.reason} File: ${state.path}.`, state.path, result.candidates);
      case 'splice': {
        state.originalSize ??= { lines: text.lines.length, chars: charCount(text) };
        const finalEol = text.eols[text.eols.length - 1] ?? text.eol;
        const atEnd = result.end === text.lines.length;
        const newLines = result.lines.map((line) => line.text);
        const newEols = splicedEols(text, result.start, result.lines);
        text.lines.splice(result.start, result.end - result.start, ...newLines);
        text.eols.splice(result.start, result.end - result.start, ...newEols);
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
  private replaceExactText(op: ReplaceOp, state: FileState, text: TextFile): boolean {
    if (!(text instanceof LfTextFile)) return false;
    const { search, replace } = op;
    if (search === replace || search.trim() === '' || search.includes('\r') || replace.includes('\r')) return false;
    if (blockLines(search).some(isElision) || blockLines(replace).some(isElision)) return false;
    const settled = this.replaceExactBytes(op, state, text);
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
    if (this.hinted) for (let i = raw.indexOf('\n'); i >= 0 && i < at; i = raw.indexOf('\n', i + 1)) line++;
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
  private replaceExactBytes(op: ReplaceOp, state: FileState, text: LfTextFile): boolean | undefined {
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
    if (this.hinted) for (let i = bytes.indexOf(10, body); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) line++;
    text.utf8 = spliceBytes(bytes, at, at + search.length, insert);
    // Offsets into the original no longer hold if the text is decoded later.
    state.byteEdit = 'several';
    state.shifts.push({ at: line, delta: blockLines(op.replace).length - blockLines(op.search).length });
    state.untouched = undefined;
    state.touched = true;
    return true;
  }

  /** Exact substring replacement; true when it settled the edit (applied, already there, or failed). */
  private replaceFragment(op: ReplaceOp, state: FileState, text: TextFile): boolean {
    const whole = joinLines(text);
    const search = op.search.replace(/\r?\n/g, text.eol);
    const replace = op.replace.replace(/\r?\n/g, text.eol);
    const found = occurrences(whole, search);
    if (found.length === 0) {
      if (replace.trim().length > 0 && occurrences(whole, replace).length > 0) {
        this.alreadyApplied.add(state.path);
        return true;
      }
      return false;
    }
    const copies = replace.includes(search) ? occurrences(whole, replace) : [];
    if (copies.length > 0 && found.every((at) => copies.some((copy) => copy <= at && at + search.length <= copy + replace.length))) {
      this.alreadyApplied.add(state.path);
      return true;
    }
    if (found.length > 1) {
      const lines = found.map((at) => whole.slice(0, at).split('\n').length);
      this.fail(op, `Block ${op.block}: the search text occurs ${found.length} times in ${state.path} (lines ${lines.join(', ')}); nothing was applied. Include more of the surrounding text so it occurs once.`, state.path);
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

  private create(op: EditOp, state: FileState, content: string): void {
    const wanted = textFromString(content);
    if (state.text) {
      if (sameText(state.text, wanted)) {
        this.alreadyApplied.add(state.path);
        return;
      }
      if (state.text.lines.length > 0 && !state.text.lines.every((line) => line.trim() === '')) {
        return this.fail(op, `Block ${op.block}: ${state.path} already exists, so an empty SEARCH (create) would overwrite it. To change it, SEARCH for the lines to replace.`, state.path);
      }
      state.text = { ...state.text, lines: wanted.lines, eols: wanted.eols.map((eol) => (eol === '' ? '' : state.text!.eol)) };
    } else {
      state.text = wanted;
    }
    state.untouched = undefined;
    state.touched = true;
  }

  /** A whole-file block: the new content, with the bytes of unchanged lines kept. */
  private write(op: EditOp & { content: string }, state: FileState): void {
    if (!state.text) return this.create(op, state, op.content);
    const wanted = textFromString(op.content);
    const elision = wanted.lines.find(isCommentElision);
    if (elision !== undefined) {
      return this.fail(
        op,
        `Block ${op.block}: the whole-file block for ${state.path} contains '${elision.trim()}', so writing it would delete the code it stands for. Send SEARCH/REPLACE blocks instead, or the complete file.`,
        state.path,
      );
    }
    const text = state.text;
    if (sameText(text, wanted)) {
      this.alreadyApplied.add(state.path);
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
      return this.fail(
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

  async changes(): Promise<FileChange[]> {
    const changes: FileChange[] = [];
    for (const state of this.files.values()) {
      if (!state || !state.touched || state.movedTo !== undefined) {
        if (state?.movedTo !== undefined && this.files.get(state.movedTo)?.renamedFrom !== state) changes.push(await deletion(state));
        continue;
      }
      if (state.renamedFrom) {
        const source = state.renamedFrom;
        changes.push({
          path: state.path,
          kind: 'rename',
          oldPath: source.path,
          before: source.original,
          after: state.text ? encodeFile(state.text) : undefined,
          beforeHash: (await source.originalHash) ?? undefined,
        });
        continue;
      }
      const byteEdit = state.byteEdit;
      const after = !state.text
        ? undefined
        : state.text instanceof LfTextFile && state.text.utf8 !== undefined
          ? state.text.utf8
        : state.original && typeof byteEdit === 'object' && state.text instanceof LfTextFile && state.text.raw !== undefined && state.text.encoding === 'utf-8'
          ? spliceBytes(state.original, byteEdit.start, byteEdit.end, new TextEncoder().encode(byteEdit.insert))
        : state.original && state.untouched && state.originalSize
          ? encodeSpliced(state.original, state.originalSize.chars, state.originalSize.lines, state.text, state.untouched.head, state.untouched.tail)
          : encodeFile(state.text);
      if (state.original === undefined) {
        if (after !== undefined) changes.push({ path: state.path, kind: 'create', after });
      } else if (after === undefined) {
        changes.push(await deletion(state));
      } else if (!sameBytes(state.original, after)) {
        changes.push({ path: state.path, kind: 'modify', before: state.original, after, beforeHash: (await state.originalHash) ?? undefined });
      }
    }
    return changes;
  }
}

async function deletion(state: FileState): Promise<FileChange> {
  return { path: state.path, kind: 'delete', before: state.original, beforeHash: (await state.originalHash) ?? undefined };
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

/** Every line but the last ends with a line break; the last keeps the file's own ending. */
function fixEols(text: TextFile, finalEol: string | undefined): void {
  const last = text.lines.length - 1;
  for (let i = 0; i < last; i++) if (text.eols[i] === '') text.eols[i] = text.eol;
  if (last >= 0 && finalEol !== undefined) text.eols[last] = finalEol;
}

/** Bytes of the UTF-8 encoding of text[from, to), without encoding it. */
function utf8Length(text: string, from: number, to: number): number {
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

function spliceBytes(original: Uint8Array, start: number, end: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(start + insert.length + (original.length - end));
  out.set(original.subarray(0, start), 0);
  out.set(insert, start);
  out.set(original.subarray(end), start + insert.length);
  return out;
}

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

function sameText(a: TextFile, b: TextFile): boolean {
  return a.lines.length === b.lines.length && a.lines.every((line, i) => line === b.lines[i]);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Applies parsed edits to the workspace's current files, writing nothing: the result's
 * changes (with the hash of each file's base) go to Workspace.commit after review.
 * All or nothing: one rejected edit rejects them all.
 */
export async function applyEdits(edits: readonly EditOp[], workspace: Pick<Workspace, 'read'>): Promise<ApplyResult> {
  const applier = new Applier(
    workspace,
    edits.some((edit) => edit.kind === 'replace' && edit.lineHint !== undefined),
  );
  for (const edit of edits) await applier.apply(edit);
  const alreadyApplied = [...applier.alreadyApplied];
  if (applier.problems.length > 0) return { status: 'rejected', changes: [], problems: applier.problems, alreadyApplied };
  const changes = await applier.changes();
  return { status: changes.length > 0 ? 'applied' : 'nothing', changes, problems: [], alreadyApplied };
}
