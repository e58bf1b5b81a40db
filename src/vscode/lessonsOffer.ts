// The lessons part of the review panel, host side: which kept lessons the session's
// prompts carry, and at its end the lessons proposed from the person's own reasons and
// edits, each kept (as proposed or edited), or discarded, by a message from the panel.
// Pure (no `vscode`): the panel and the lessons file are ports, so unit tests drive it.
// Only a keep writes the file, through src/loop/lessonsFile.ts: hand edits stay, and a
// file it cannot read is reported in the panel and never rewritten.
import { errorMessage } from '../domain/errors';
import { describeOrigin, lessonSentence, type ProposedLesson } from '../loop/lessons';
import { addLessons, type LessonsStore } from '../loop/lessonsFile';
import type { HostMessage, PanelLessons, PanelMessage } from '../protocol/reviewPanel';
import { t } from './translate';

/** What the offer needs of the review panel (src/vscode/reviewPanel.ts). */
export interface LessonsPanelPort {
  post(message: HostMessage): boolean;
  onDidReceiveMessage(listener: (message: PanelMessage) => void): { dispose(): void };
  onDidBecomeReady(listener: () => void): { dispose(): void };
  /** The panel came back after a reload, with the session it showed. */
  onDidRestore(listener: (kept: { state?: { sessionId: string } }) => void): { dispose(): void };
}

export type OfferedLesson = ProposedLesson;

export type LessonOutcome = { readonly id: string; readonly decision: 'kept'; readonly text: string } | { readonly id: string; readonly decision: 'discarded' };

export class LessonsOffer {
  private view: PanelLessons | undefined;
  private proposals = new Map<string, OfferedLesson>();
  private store: LessonsStore | undefined;
  /** Keeps one after the other: each reads the file again right before it writes. */
  private writing: Promise<unknown> = Promise.resolve();
  private readonly listeners: ((outcome: LessonOutcome) => void)[] = [];
  private readonly disposables: { dispose(): void }[];

  constructor(
    private readonly panel: LessonsPanelPort,
    private readonly log: { warn(area: string, message: string): void },
    /** The stored record's lessons in the prompt, for a panel restored after a reload. */
    private readonly recordedLessons: (sessionId: string) => Promise<readonly string[] | undefined> = async () => undefined,
  ) {
    this.disposables = [
      panel.onDidReceiveMessage((message) => void this.receive(message)),
      panel.onDidBecomeReady(() => this.post()),
      panel.onDidRestore((kept) => void this.restore(kept.state?.sessionId)),
    ];
  }

  /** After a reload the panel shows a stored session: it names the lessons that session's prompts carried (an offer does not survive a reload). */
  private async restore(sessionId: string | undefined): Promise<void> {
    if (!sessionId || this.view) return;
    const inPrompt = await this.recordedLessons(sessionId).catch((error: unknown) => void this.log.warn('lessons', errorMessage(error)));
    if (!inPrompt || inPrompt.length === 0 || this.view) return;
    this.view = { sessionId, inPrompt: [...inPrompt], proposed: [] };
    this.post();
  }

  /** What the panel shows now (the integration tests read it). */
  get current(): PanelLessons | undefined {
    return this.view;
  }

  /** Called after each decision is written (or discarded). */
  onDidDecide(listener: (outcome: LessonOutcome) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => void this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1) };
  }

  /** A session starts: its prompts carry `inPrompt`; an offer left undecided from an earlier session is dropped (nothing kept). */
  begin(sessionId: string, inPrompt: readonly string[]): void {
    this.proposals.clear();
    this.store = undefined;
    this.view = { sessionId, inPrompt: [...inPrompt], proposed: [] };
    this.post();
  }

  /** The session ended: the lessons its prompts carried (from its record) and those it proposes. Returns whether any is offered. */
  offer(sessionId: string, inPrompt: readonly string[], proposed: readonly OfferedLesson[], store: LessonsStore): boolean {
    this.proposals = new Map(proposed.map((lesson, index) => [`${sessionId}:${index + 1}`, lesson]));
    this.store = store;
    this.view = {
      sessionId,
      inPrompt: [...inPrompt],
      proposed: [...this.proposals].map(([id, lesson]) => ({ id, text: lesson.text, evidence: lesson.evidence.map((item) => ({ ...item })), ...(lesson.condensed ? { condensed: true } : {}), decision: 'open' as const })),
    };
    this.post();
    return proposed.length > 0;
  }

  /** One more proposal for the offer of `sessionId` (a model's condensed lesson), first in the list; false when that offer is gone. */
  add(sessionId: string, lesson: OfferedLesson): boolean {
    if (!this.view || this.view.sessionId !== sessionId || !this.store) return false;
    const id = `${sessionId}:${this.proposals.size + 1}`;
    this.proposals.set(id, lesson);
    const entry = { id, text: lesson.text, evidence: lesson.evidence.map((item) => ({ ...item })), ...(lesson.condensed ? { condensed: true } : {}), decision: 'open' as const };
    this.view = { ...this.view, proposed: [entry, ...this.view.proposed] };
    this.post();
    return true;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private post(): void {
    if (this.view) this.panel.post({ type: 'lessons', lessons: this.view });
  }

  private async receive(message: PanelMessage): Promise<void> {
    if (message.type !== 'lessonDecision') return;
    const view = this.view;
    const lesson = this.proposals.get(message.id);
    const entry = view?.proposed.find((item) => item.id === message.id);
    if (!view || view.sessionId !== message.sessionId || !lesson || !entry || !this.store) {
      this.log.warn('lessons', `a decision about a lesson that is no longer offered (${message.id}) was ignored`);
      return;
    }
    if (entry.decision !== 'open') return;
    if (message.decision === 'discard') {
      this.settle(message.id, { decision: 'discarded' }, { id: message.id, decision: 'discarded' });
      return;
    }
    const edited = message.text !== undefined && message.text.replace(/\s+/g, ' ').trim() !== lesson.text;
    const text = edited ? lessonSentence(message.text!) : lesson.text;
    if (!text) {
      this.show(t('"{0}" is too short to be a lesson: say what to do in a sentence.', message.text!.trim()));
      return;
    }
    const origin = `${describeOrigin(view.sessionId, lesson.evidence)}${lesson.condensed ? ', condensed by the model' : ''}${edited ? ', edited by the reviewer' : ''}`;
    const store = this.store;
    const write = this.writing.then(() => addLessons(store, [{ text, origin }]));
    this.writing = write.catch(() => undefined);
    try {
      await write;
    } catch (error) {
      // A broken file (or one that could not be written) is reported; the lesson stays open to keep once it is fixed.
      this.log.warn('lessons', errorMessage(error));
      this.show(t('Not kept: {0}', errorMessage(error)));
      return;
    }
    this.settle(message.id, { decision: 'kept', ...(edited ? { keptText: text } : {}) }, { id: message.id, decision: 'kept', text });
  }

  private settle(id: string, change: { decision: 'kept' | 'discarded'; keptText?: string }, outcome: LessonOutcome): void {
    if (!this.view) return;
    const { problem: _problem, ...rest } = this.view;
    this.view = { ...rest, proposed: this.view.proposed.map((item) => (item.id === id ? { ...item, ...change } : item)) };
    this.post();
    for (const listener of [...this.listeners]) listener(outcome);
  }

  private show(problem: string): void {
    if (!this.view) return;
    this.view = { ...this.view, problem };
    this.post();
  }
}
