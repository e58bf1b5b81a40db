// The lessons part of the panel: which kept lessons (.refine-loop/lessons.md) the
// session's prompts carry, and at its end each lesson proposed from the person's own
// reasons and edits, with its evidence, to keep, edit then keep, or discard. The host
// (src/vscode/lessonsOffer.ts) writes the file and sends the outcome back; the panel
// keeps only what the person is typing.
import type { PanelLessons, PanelState } from '../protocol/reviewPanel';
import { t } from './l10n';
import { h } from './dom';
import { cssId, post, render } from './store';

type Proposed = PanelLessons['proposed'][number];
type Evidence = Proposed['evidence'][number];

let lessons: PanelLessons | undefined;
/** Lessons being edited: id → the text typed so far. */
const drafts = new Map<string, string>();

/** The host checked it before posting; this only guards the shape the part reads. */
export function isPanelLessons(value: unknown): value is PanelLessons {
  if (typeof value !== 'object' || value === null) return false;
  const view = value as Partial<Record<keyof PanelLessons, unknown>>;
  return typeof view.sessionId === 'string' && Array.isArray(view.inPrompt) && Array.isArray(view.proposed);
}

/** A `lessons` message arrived: shows it, and says which proposals are on the page now. */
export function showLessons(view: PanelLessons): void {
  lessons = view;
  for (const id of [...drafts.keys()]) if (!view.proposed.some((item) => item.id === id && item.decision === 'open')) drafts.delete(id);
  render();
  post({ type: 'lessonsShown', sessionId: view.sessionId, ids: view.proposed.filter((item) => document.getElementById(`lesson-${cssId(item.id)}`)).map((item) => item.id) });
}

/** The part for the session shown, or nothing when it has no lessons in its prompts and proposes none. */
export function lessonsSection(current: PanelState): HTMLElement | undefined {
  const view = lessons;
  if (!view || view.sessionId !== current.sessionId) return undefined;
  const parts: (Node | false)[] = [];
  if (view.proposed.length > 0) parts.push(offerPart(view));
  if (view.inPrompt.length > 0) parts.push(inPromptPart(view));
  if (parts.length === 0) return undefined;
  return h('section', { className: 'lessons', id: 'lessons', 'aria-label': t('Lessons') }, ...parts);
}

function inPromptPart(view: PanelLessons): HTMLElement {
  return h(
    'details',
    { className: 'group', id: 'lessons-in-prompt', open: view.proposed.length === 0 },
    h('summary', {}, view.inPrompt.length === 1 ? t('1 kept lesson is in the prompt') : t('{0} kept lessons are in the prompt', view.inPrompt.length)),
    h('p', { className: 'muted hint' }, t('Your standing instructions from .refine-loop/lessons.md, which the agent gets with the task.')),
    h('ul', { id: 'lessons-in-prompt-list' }, ...view.inPrompt.map((text, index) => h('li', { id: `lesson-in-prompt-${index}` }, text))),
  );
}

function offerPart(view: PanelLessons): HTMLElement {
  const open = view.proposed.filter((item) => item.decision === 'open').length;
  return h(
    'div',
    { id: 'lessons-offer' },
    h('h2', {}, t('Lessons from this session')),
    h('p', { className: 'muted hint' }, open > 0 ? t('Proposed from your own reasons and edits. A kept lesson goes into .refine-loop/lessons.md and every later prompt; nothing is kept without your yes.') : t('All decided. Edit or remove kept lessons in .refine-loop/lessons.md.')),
    view.problem !== undefined && h('p', { className: 'notice warn', id: 'lessons-problem', role: 'alert' }, view.problem),
    h('ul', { className: 'proposed-lessons' }, ...view.proposed.map((item) => proposedItem(view.sessionId, item))),
  );
}

function evidenceLine(item: Evidence): string {
  const text = item.text.replace(/\s+/g, ' ');
  switch (item.kind) {
    case 'rejection':
      return t('Round {0}, your reason for rejecting: {1}', item.round, text);
    case 'hunk':
      return t('Round {0}, your reason for rejecting a hunk of {1}: {2}', item.round, item.path ?? '', text);
    case 'revert':
      return t('Round {0}, your reason for undoing the round: {1}', item.round, text);
    case 'edit':
      return t('Round {0}, your edit of {1}: {2}', item.round, item.path ?? '', text);
  }
}

function proposedItem(sessionId: string, item: Proposed): HTMLElement {
  const id = cssId(item.id);
  const draft = drafts.get(item.id);
  const decide = (decision: 'keep' | 'discard', text?: string) => post({ type: 'lessonDecision', sessionId, id: item.id, decision, ...(text !== undefined ? { text } : {}) });
  const body: (Node | string | false)[] = [];
  if (item.decision === 'open' && draft !== undefined) {
    body.push(
      h('label', { for: `lesson-edit-${id}`, className: 'muted' }, t('Edit the lesson (one sentence the agent follows):')),
      h('textarea', {
        id: `lesson-edit-${id}`,
        rows: 2,
        value: draft,
        oninput: (event: Event) => void drafts.set(item.id, (event.target as HTMLTextAreaElement).value),
        onkeydown: (event: KeyboardEvent) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            decide('keep', drafts.get(item.id) ?? draft);
          }
        },
      }),
    );
  } else {
    body.push(h('p', { className: 'lesson-text', id: `lesson-text-${id}` }, item.keptText ?? item.text));
  }
  if (item.condensed) body.push(h('p', { className: 'muted' }, t('Condensed by the model from the reasons below; keep it only if it says what you meant.')));
  body.push(h('ul', { className: 'evidence muted', id: `lesson-evidence-${id}` }, ...item.evidence.map((evidence, index) => h('li', { id: `lesson-evidence-${id}-${index}` }, evidenceLine(evidence)))));
  if (item.decision === 'kept') body.push(h('p', { className: 'added', id: `lesson-state-${id}`, role: 'status' }, t('Kept in .refine-loop/lessons.md.')));
  else if (item.decision === 'discarded') body.push(h('p', { className: 'muted', id: `lesson-state-${id}`, role: 'status' }, t('Discarded.')));
  else if (draft !== undefined) {
    body.push(
      h(
        'div',
        { className: 'buttons' },
        h('button', { id: `lesson-keep-edited-${id}`, className: 'primary', onclick: () => decide('keep', drafts.get(item.id) ?? draft) }, t('Keep Edited')),
        h('button', { id: `lesson-cancel-${id}`, className: 'secondary', onclick: () => (drafts.delete(item.id), render()) }, t('Cancel Edit')),
      ),
    );
  } else {
    body.push(
      h(
        'div',
        { className: 'buttons' },
        h('button', { id: `lesson-keep-${id}`, className: 'primary', title: t('Add it to .refine-loop/lessons.md for later sessions'), onclick: () => decide('keep') }, t('Keep')),
        h(
          'button',
          {
            id: `lesson-edit-button-${id}`,
            className: 'secondary',
            onclick: () => {
              drafts.set(item.id, item.text);
              render();
              document.getElementById(`lesson-edit-${id}`)?.focus();
            },
          },
          t('Edit'),
        ),
        h('button', { id: `lesson-discard-${id}`, className: 'secondary', title: t('Keep nothing of it'), onclick: () => decide('discard') }, t('Discard')),
      ),
    );
  }
  return h('li', { className: `proposed-lesson ${item.decision}`, id: `lesson-${id}`, 'data-decision': item.decision }, ...body);
}
