import { PathError, errorMessage } from '../domain/errors';
import { contentHash } from '../domain/hash';
import type { FileChange } from '../domain/model';
import type { Workspace } from '../domain/ports';
import type { EditProblem } from '../domain/session';
import { guardPath } from '../domain/pathGuard';
import type { MatchCandidate } from './match';
import { applyReplace } from './applyReplace';
import { sameBytes, spliceBytes, type ApplyContext, type FileState } from './applyState';
import { applyCreate, applyWrite } from './applyWhole';
import { DecodeError, LfTextFile, decodeFile, encodeFile, encodeSpliced } from './text';
import type { ApplyResult, EditOp } from './types';

// Applying a reply's edits: all or nothing. Every edit is tried against the files as
// the earlier edits of the same reply left them; if any fails, no change comes back
// at all, and every problem is reported so the agent can repair them in one round.

class Applier implements ApplyContext {
  private readonly files = new Map<string, FileState | null>();
  readonly problems: EditProblem[] = [];
  readonly alreadyApplied = new Set<string>();

  constructor(
    private readonly workspace: Pick<Workspace, 'read'>,
    readonly hinted: boolean,
  ) {}

  fail(op: EditOp, reason: string, file: string = op.path, candidates?: readonly MatchCandidate[]): void {
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
        return applyReplace(this, op, state);
      case 'create':
        return applyCreate(this, op, state, op.content);
      case 'write':
        return applyWrite(this, op, state);
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
      const after = newBytes(state);
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

/** A file's bytes after its edits, copying what no edit touched rather than encoding it again. */
function newBytes(state: FileState): Uint8Array | undefined {
  const { text, byteEdit, original } = state;
  if (!text) return undefined;
  if (text instanceof LfTextFile && text.utf8 !== undefined) return text.utf8;
  if (original && typeof byteEdit === 'object' && text instanceof LfTextFile && text.raw !== undefined && text.encoding === 'utf-8') {
    return spliceBytes(original, byteEdit.start, byteEdit.end, new TextEncoder().encode(byteEdit.insert));
  }
  if (original && state.untouched && state.originalSize) {
    return encodeSpliced(original, state.originalSize.chars, state.originalSize.lines, text, state.untouched.head, state.untouched.tail);
  }
  return encodeFile(text);
}

async function deletion(state: FileState): Promise<FileChange> {
  return { path: state.path, kind: 'delete', before: state.original, beforeHash: (await state.originalHash) ?? undefined };
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
