import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { CancelledError, UsageError, errorMessage } from '../domain/errors';
import type { SessionHistory } from '../domain/ports';
import { proposeLessons } from '../loop/lessons';
import { CONDENSE_TIMEOUT_MS, condenseLessons, isModelAgent } from '../loop/lessonsCondense';
import { lessonsWithinBudget } from '../loop/prompt';
import { LESSONS_FILE, readLessons, removeLesson, type Lesson, type LessonsStore } from '../loop/lessonsFile';
import { createLessonsFileStore, lessonsPath } from '../node/lessonsFile';
import { registerCommand } from './commands';
import type { LoopApi } from './loopApi';
import type { LessonsOffer } from './lessonsOffer';
import type { Log } from './log';

// Lessons in the editor: every session's prompts carry the kept lessons of the
// workspace's .refine-loop/lessons.md, and the review panel names them; at the end of a
// session the panel offers the lessons proposed from the person's own reasons and edits
// (keep, edit, discard: src/vscode/lessonsOffer.ts); two commands list and remove them.
// The file is written by this code at the person's yes, never through a proposal.

export interface LessonsDeps {
  readonly log: Log;
  readonly history: () => SessionHistory;
  /** The lessons part of the review panel. */
  readonly offer: LessonsOffer;
  readonly panelIsOpen: () => boolean;
}

function storeOf(): { root: string; store: LessonsStore } | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  return { root: folder.uri.fsPath, store: createLessonsFileStore(folder.uri.fsPath) };
}

/**
 * The loop with lessons: each session gets the workspace's kept lessons, the panel shows
 * which its prompts carry, and at its end the panel offers the lessons it taught (not
 * awaited: the session's result is not held up).
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
      // The same cut as the prompt's (src/loop/prompt.ts): the panel names exactly the lessons the agent gets.
      const inPrompt = lessonsWithinBudget(kept, settings['agent.maxPromptTokens']);
      const emit: typeof ports.emit = (event) => {
        if (event.type === 'sessionStarted') deps.offer.begin(event.sessionId, inPrompt);
        ports.emit(event);
      };
      const result = await loop.runSession({ ...task, ...(kept.length > 0 ? { lessons: kept } : {}) }, { ...ports, emit }, settings, signal);
      if (where) {
        void (async () => {
          const record = await deps.history().load(result.sessionId);
          if (!record) return;
          const proposed = proposeLessons(record, kept);
          if (!deps.offer.offer(record.sessionId, record.lessons ?? [], proposed, where.store)) return;
          if (!deps.panelIsOpen()) {
            // The person closed the panel: the offer waits there until the next session starts.
            const open = vscode.l10n.t('Review Lessons');
            void vscode.window.showInformationMessage(vscode.l10n.t('Refine Loop: this session proposes {0} lesson(s) from your reasons and edits; keep, edit or discard them in the review panel.', proposed.length), open).then((answer) => answer === open && vscode.commands.executeCommand('refineLoop.showReview'));
          }
          // Where the agent is a model, it may condense several reasons into one more proposal (offered, never kept by itself).
          if (isModelAgent(ports.agent)) {
            const condensed = await condenseLessons(proposed, ports.agent, AbortSignal.timeout(CONDENSE_TIMEOUT_MS), kept).catch((error: unknown) => void deps.log.warn('lessons', `the model could not condense the reasons: ${errorMessage(error)}`));
            if (condensed) deps.offer.add(record.sessionId, condensed);
          }
        })().catch((error: unknown) => deps.log.warn('lessons', errorMessage(error)));
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
