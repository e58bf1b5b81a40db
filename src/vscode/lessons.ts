import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError, errorMessage } from '../domain/errors';
import type { SessionHistory } from '../domain/ports';
import { describeOrigin, lessonSentence, proposeLessons, type ProposedLesson } from '../loop/lessons';
import { addLessons, LESSONS_FILE, readLessons, removeLesson, type Lesson, type LessonsStore } from '../loop/lessonsFile';
import { createLessonsFileStore, lessonsPath } from '../node/lessonsFile';
import { registerCommand } from './commands';
import type { LoopApi } from './loopApi';
import type { Log } from './log';

// Lessons in the editor: every session's prompts carry the kept lessons of the
// workspace's .refine-loop/lessons.md; at the end of a session the lessons proposed from
// the person's own reasons and edits are offered in a quick pick (keep, edit, discard);
// two commands list and remove them. The file is written by this code at the person's
// yes, never through a proposal.

export interface LessonsDeps {
  readonly log: Log;
  readonly history: () => SessionHistory;
}

function storeOf(): { root: string; store: LessonsStore } | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  return { root: folder.uri.fsPath, store: createLessonsFileStore(folder.uri.fsPath) };
}

interface LessonItem extends vscode.QuickPickItem {
  readonly lesson: ProposedLesson;
}

/** The quick pick at the end of a session: pick the lessons to keep, then optionally edit each one. Returns what was kept. */
export async function offerLessons(proposed: readonly ProposedLesson[], sessionId: string, store: LessonsStore): Promise<Lesson[]> {
  if (proposed.length === 0) return [];
  const items: LessonItem[] = proposed.map((lesson) => ({
    label: lesson.text,
    detail: lesson.evidence.map((item) => vscode.l10n.t('round {0}, {1}: {2}', item.round, item.kind, item.text.replace(/\s+/g, ' '))).join(' · '),
    lesson,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Refine Loop: lessons from this session'),
    placeHolder: vscode.l10n.t('Pick the lessons later sessions should follow (from your own reasons and edits); Escape keeps none'),
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) return [];
  const keepAsIs = vscode.l10n.t('Keep as they are');
  const edit = vscode.l10n.t('Edit each first');
  const how = await vscode.window.showQuickPick([keepAsIs, edit], { title: vscode.l10n.t('Refine Loop: keep {0} lesson(s)', picked.length), ignoreFocusOut: true });
  if (how === undefined) return [];
  const kept: Lesson[] = [];
  for (const item of picked) {
    let text: string | undefined = item.lesson.text;
    if (how === edit) {
      const edited = await vscode.window.showInputBox({
        title: vscode.l10n.t('Refine Loop: edit the lesson'),
        prompt: vscode.l10n.t('One sentence the agent follows in later sessions. Escape discards this lesson.'),
        value: item.lesson.text,
        ignoreFocusOut: true,
        validateInput: (value) => (lessonSentence(value) ? undefined : vscode.l10n.t('Say what to do in a sentence.')),
      });
      text = edited === undefined ? undefined : lessonSentence(edited);
    }
    if (text) kept.push({ text, origin: describeOrigin(sessionId, item.lesson.evidence) });
  }
  await addLessons(store, kept);
  return kept;
}

/**
 * The loop with lessons: each session gets the workspace's kept lessons, and at its end
 * the person is offered the lessons it taught (not awaited: the session's result is not held up).
 */
export function withLessons(loop: LoopApi, deps: LessonsDeps): LoopApi {
  return {
    ...loop,
    async runSession(task, ports, settings, signal) {
      const where = storeOf();
      let kept: readonly string[] = [];
      if (where) {
        const read = await readLessons(where.store).catch((error: unknown) => (deps.log.warn('lessons', errorMessage(error)), undefined));
        if (read?.state === 'broken') void vscode.window.showWarningMessage(vscode.l10n.t('Refine Loop: {0}', read.error.message));
        kept = read?.lessons.map((lesson) => lesson.text) ?? [];
        if (kept.length > 0) deps.log.info('lessons', `${kept.length} lesson(s) from ${LESSONS_FILE} go into the prompt`);
      }
      const result = await loop.runSession({ ...task, ...(kept.length > 0 ? { lessons: kept } : {}) }, ports, settings, signal);
      if (where) {
        void (async () => {
          const record = await deps.history().load(result.sessionId);
          if (!record) return;
          const lessons = await offerLessons(proposeLessons(record, kept), record.sessionId, where.store);
          if (lessons.length > 0) void vscode.window.showInformationMessage(vscode.l10n.t('Refine Loop: kept {0} lesson(s) in {1}.', lessons.length, LESSONS_FILE));
        })().catch((error: unknown) => {
          deps.log.warn('lessons', errorMessage(error));
          void vscode.window.showWarningMessage(vscode.l10n.t('Refine Loop: the lessons were not kept: {0}', errorMessage(error)));
        });
      }
      return result;
    },
  };
}

/** Refine Loop: List Lessons / Remove Lesson. */
export class LessonCommands extends Disposable {
  constructor(log: Log) {
    super();
    this._register(registerCommand(log, 'refineLoop.lessons.list', () => this.list()));
    this._register(registerCommand(log, 'refineLoop.lessons.remove', (number?: number) => this.remove(number)));
  }

  private async lessons(): Promise<{ root: string; store: LessonsStore; lessons: readonly Lesson[] }> {
    const where = storeOf();
    if (!where) throw new UsageError(vscode.l10n.t('Open a folder first: lessons live in its {0}.', LESSONS_FILE));
    const read = await readLessons(where.store);
    if (read.state === 'broken') throw new UsageError(read.error.message);
    return { ...where, lessons: read.lessons };
  }

  /** Shows the kept lessons; picking one opens the file at it. Returns the lessons (for tests and callers). */
  private async list(): Promise<readonly Lesson[]> {
    const { root, lessons } = await this.lessons();
    if (lessons.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Refine Loop: no lessons kept yet. They are offered at the end of a session in which you gave reasons or edited a proposal.'));
      return lessons;
    }
    const picked = await vscode.window.showQuickPick(
      lessons.map((lesson, index) => ({ label: `${index + 1}. ${lesson.text}`, ...(lesson.origin ? { detail: lesson.origin } : {}) })),
      { title: vscode.l10n.t('Refine Loop: lessons in {0}', LESSONS_FILE), placeHolder: vscode.l10n.t('Pick one to open the file') },
    );
    if (picked) await vscode.window.showTextDocument(vscode.Uri.file(lessonsPath(root)));
    return lessons;
  }

  private async remove(number?: number): Promise<Lesson> {
    const { store, lessons } = await this.lessons();
    if (lessons.length === 0) throw new UsageError(vscode.l10n.t('There are no lessons to remove in {0}.', LESSONS_FILE));
    let chosen = number;
    if (chosen === undefined) {
      const picked = await vscode.window.showQuickPick(
        lessons.map((lesson, index) => ({ label: `${index + 1}. ${lesson.text}`, ...(lesson.origin ? { detail: lesson.origin } : {}), number: index + 1 })),
        { title: vscode.l10n.t('Refine Loop: remove a lesson'), placeHolder: vscode.l10n.t('Later sessions no longer get the lesson you pick') },
      );
      if (!picked) throw new CancelledError();
      chosen = picked.number;
    }
    const removed = await removeLesson(store, chosen);
    void vscode.window.showInformationMessage(vscode.l10n.t('Refine Loop: removed the lesson "{0}".', removed.text));
    return removed;
  }
}
