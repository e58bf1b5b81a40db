import { contentHash } from '../domain/hash';
import type { FileChange } from '../domain/model';
import type { FileWrite, Journal, Logger, Reviewer, SessionHistory, Workspace } from '../domain/ports';
import type { FileImages, JournalEntry } from '../domain/record';
import { CancelledError, RefineError, errorMessage } from '../domain/errors';

// Checkpoints and the journal. A round's journal entry holds the pre- and post-images
// of exactly the files it touches; it is written before the first file is touched and
// marked committed after the last. Restoring and recovering are per file and
// idempotent: a file already in the wanted state is left alone, a file in neither
// state belongs to the person and is only overwritten when they say so.

export type CheckpointPorts = { readonly workspace: Workspace; readonly history: SessionHistory; readonly journal: Journal; readonly reviewer: Reviewer; readonly log: Logger };
/** Recovering an interrupted apply reads and writes only the journal, never the history. */
export type RecoveryPorts = Omit<CheckpointPorts, 'history'>;

export interface RestoreResult {
  /** Rounds undone, newest first. */
  readonly rounds: readonly number[];
  /** Files written back to their pre-round content. */
  readonly restored: readonly string[];
  /** Files the person chose to keep as they are now. */
  readonly kept: readonly string[];
}

/** The pre- and post-images of the files `changes` touch (a rename is a delete and a create). */
export async function imagesOf(changes: readonly FileChange[], read: (path: string) => Promise<Uint8Array | undefined>): Promise<FileImages[]> {
  const images: FileImages[] = [];
  for (const change of changes) {
    if (change.kind === 'rename' && change.oldPath !== undefined) {
      const source = change.before ?? (await read(change.oldPath));
      images.push({ path: change.oldPath, before: source, beforeHash: await contentHash(source), after: undefined, afterHash: null });
      const target = await read(change.path);
      images.push({ path: change.path, before: target, beforeHash: await contentHash(target), after: change.after, afterHash: await contentHash(change.after) });
      continue;
    }
    const before = change.kind === 'create' ? undefined : change.before;
    images.push({
      path: change.path,
      before,
      beforeHash: change.kind === 'create' ? null : (change.beforeHash ?? (await contentHash(before))),
      after: change.kind === 'delete' ? undefined : change.after,
      afterHash: change.kind === 'delete' ? null : await contentHash(change.after),
    });
  }
  return images;
}

export type ApplyResult =
  | { readonly ok: true; readonly entry: JournalEntry }
  | { readonly ok: false; readonly conflicts: readonly string[] };

/** Journal the intent, write every file (all or nothing), mark it committed. */
export async function applyJournaled(
  sessionId: string,
  round: number,
  files: readonly FileImages[],
  ports: Pick<CheckpointPorts, 'workspace' | 'journal'>,
  now: number,
): Promise<ApplyResult> {
  const pending: JournalEntry = { sessionId, round, createdAt: now, state: 'pending', files };
  await ports.journal.write(pending);
  const result = await ports.workspace.commit(files.map((file) => ({ path: file.path, expectedHash: file.beforeHash, content: file.after ?? null }))).catch((error: unknown) => {
    // The journal stays pending: every file is in its old or its new state, and recovery can finish or undo it.
    throw new RefineError(
      `Writing round ${round} failed part-way (${errorMessage(error)}). Its files are each either as before or as proposed; restore or finish the round from the journal (offered at the next start).`,
      'apply.interrupted',
      { cause: error },
    );
  });
  if (!result.ok) {
    await ports.journal.write({ ...pending, state: 'abandoned' });
    return { ok: false, conflicts: result.conflicts.map((conflict) => conflict.path) };
  }
  const committed: JournalEntry = { ...pending, state: 'committed' };
  await ports.journal.write(committed);
  return { ok: true, entry: committed };
}

/**
 * Moves the files of `entry` to one side (`before`: undo, `after`: redo). Files already
 * there are skipped; files changed since are put to the reviewer.
 */
async function moveFiles(entry: JournalEntry, to: 'before' | 'after', ports: RecoveryPorts, signal: AbortSignal): Promise<{ written: string[]; kept: string[] }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const writes: FileWrite[] = [];
    const written: string[] = [];
    const kept: string[] = [];
    for (const file of entry.files) {
      const [want, wantHash, other, otherHash] =
        to === 'before' ? [file.before, file.beforeHash, file.after, file.afterHash] : [file.after, file.afterHash, file.before, file.beforeHash];
      const current = await ports.workspace.read(file.path);
      const currentHash = await contentHash(current);
      if (currentHash === wantHash) continue;
      if (currentHash !== otherHash) {
        if (signal.aborted) throw new CancelledError();
        const choice = await ports.reviewer.resolveConflict({ path: file.path, applied: other, current, restore: want }, signal);
        if (choice === 'keepCurrent') {
          kept.push(file.path);
          continue;
        }
      }
      writes.push({ path: file.path, expectedHash: currentHash, content: want ?? null });
      written.push(file.path);
    }
    const result = writes.length === 0 ? { ok: true as const } : await ports.workspace.commit(writes);
    if (result.ok) return { written, kept };
    // Someone wrote in between: look again (and ask again) rather than overwrite.
    ports.log.warn('checkpoints', `files changed while restoring round ${entry.round}: ${result.conflicts.map((c) => c.path).join(', ')}; retrying`);
  }
  throw new Error(`Files of round ${entry.round} kept changing while they were being restored; nothing more was written. Try again.`);
}

/** Undoes `round` of `sessionId` and every later round, newest first. */
export async function restoreCheckpoint(
  sessionId: string,
  round: number,
  ports: CheckpointPorts,
  signal: AbortSignal = new AbortController().signal,
): Promise<RestoreResult> {
  const entries = (await ports.journal.list({ sessionId, states: ['committed', 'pending'] }))
    .filter((entry) => entry.round >= round)
    .sort((a, b) => b.round - a.round);
  const restored = new Set<string>();
  const kept = new Set<string>();
  for (const entry of entries) {
    const moved = await moveFiles(entry, 'before', ports, signal);
    moved.written.forEach((path) => restored.add(path));
    moved.kept.forEach((path) => kept.add(path));
    await ports.journal.write({ ...entry, state: 'reverted' });
    ports.log.info('checkpoints', `restored round ${entry.round} of ${sessionId}: ${moved.written.length} written, ${moved.kept.length} kept`);
  }
  const rounds = entries.map((entry) => entry.round);
  // The history says so too, for whoever lists the session later.
  const record = rounds.length > 0 ? await ports.history.load(sessionId) : undefined;
  if (record) {
    for (const round of record.rounds) if (rounds.includes(round.round)) round.reverted = true;
    await ports.history.save(record);
  }
  return { rounds, restored: [...restored], kept: [...kept] };
}

/** Journal entries whose apply was interrupted (a crash between intent and commit). */
export async function pendingJournals(journal: Journal, sessionId?: string): Promise<JournalEntry[]> {
  return journal.list({ sessionId, states: ['pending'] });
}

export type RecoveryChoice = 'restore' | 'rollForward' | 'leave';

/** Finishes one interrupted apply: back to every pre-image (`restore`) or on to every post-image (`rollForward`). */
export async function recoverEntry(
  entry: JournalEntry,
  choice: Exclude<RecoveryChoice, 'leave'>,
  ports: RecoveryPorts,
  signal: AbortSignal = new AbortController().signal,
): Promise<{ written: string[]; kept: string[] }> {
  const moved = await moveFiles(entry, choice === 'restore' ? 'before' : 'after', ports, signal);
  await ports.journal.write({ ...entry, state: choice === 'restore' ? 'reverted' : 'committed' });
  ports.log.info('checkpoints', `recovered round ${entry.round} of ${entry.sessionId} (${choice}): ${moved.written.join(', ') || 'nothing to write'}`);
  return moved;
}

/** At start-up: every interrupted apply, offered to `choose`; returns what was done. */
export async function recoverJournal(
  ports: RecoveryPorts,
  choose: (entry: JournalEntry) => Promise<RecoveryChoice>,
  signal: AbortSignal = new AbortController().signal,
): Promise<{ entry: JournalEntry; choice: RecoveryChoice; written: string[]; kept: string[] }[]> {
  const done = [];
  for (const entry of await pendingJournals(ports.journal)) {
    const choice = await choose(entry);
    if (choice === 'leave') done.push({ entry, choice, written: [], kept: [] });
    else done.push({ entry, choice, ...(await recoverEntry(entry, choice, ports, signal)) });
  }
  return done;
}
