// The proposal part of the panel: the agent's summary, the edits it could not apply, and
// each file with its hunks, each hunk kept or rejected (with a reason) at the review.
import type { PanelFile, PanelState } from '../protocol/reviewPanel';
import { t } from './l10n';
import { h } from './dom';
import { cssId, panel, post, render } from './store';

export function proposalSection(current: PanelState): HTMLElement {
  const proposal = current.proposal!;
  const reviewing = current.phase === 'review';
  return h(
    'section',
    { className: 'proposal', id: 'proposal', 'aria-label': t('Proposal') },
    h('h2', {}, t('Proposal of round {0}', proposal.round)),
    proposal.summary.trim() ? h('p', { className: 'summary' }, proposal.summary.trim()) : h('p', { className: 'muted' }, t('The agent wrote no explanation.')),
    proposal.reads && proposal.reads.length > 0 && readsBlock(proposal.reads),
    proposal.editProblems.length > 0 &&
      h('div', { className: 'problems' }, h('h3', {}, t('Edits that could not be applied')), h('ul', {}, ...proposal.editProblems.map((problem) => h('li', {}, problem.file ? h('code', {}, problem.file) : undefined, problem.file ? ': ' : '', problem.reason)))),
    ...proposal.files.map((file) => fileBlock(file, reviewing)),
  );
}

type Read = NonNullable<NonNullable<PanelState['proposal']>['reads']>[number];

/** What the agent looked at before it proposed, so the person can judge what it knew. */
function readsBlock(reads: readonly Read[]): HTMLElement {
  return h(
    'details',
    { className: 'reads', id: 'reads' },
    h('summary', {}, t('What the agent read ({0})', reads.length)),
    h(
      'ul',
      {},
      ...reads.map((read) =>
        h('li', {}, h('code', {}, read.tool), ' ', read.target, ' ', h('span', { className: 'muted' }, read.error ? t('refused: {0}', read.error) : t('{0} characters', read.size))),
      ),
    ),
  );
}

function fileBlock(file: PanelFile, reviewing: boolean): HTMLElement {
  return h(
    'div',
    { className: 'file', id: `file-${cssId(file.path)}` },
    h(
      'div',
      { className: 'file-head' },
      h('button', { className: 'link', title: t('Open the diff of {0}', file.path), onclick: () => post({ type: 'openDiff', path: file.path }) }, file.path),
      h('span', { className: `status-${file.status}` }, file.status),
      h('span', { className: 'added' }, `+${file.additions}`),
      h('span', { className: 'deleted' }, `−${file.deletions}`),
      file.protected && h('span', { className: 'badge warn', title: t('Matches refineLoop.protectedPaths') }, t('protected')),
      file.edited && h('span', { className: 'badge', title: t('You edited the proposed side in the diff editor') }, t('edited by you')),
    ),
    ...file.hunks.map((hunk, index) => {
      const keyText = `${file.path}\n${hunk.id}`;
      const rejected = panel.choices.rejected.has(keyText);
      const checkboxId = `keep-${cssId(file.path)}-${index}`;
      return h(
        'div',
        { className: `hunk${rejected ? ' rejected' : ''}`, id: `hunk-${checkboxId}` },
        h(
          'div',
          { className: 'hunk-head' },
          reviewing &&
            h(
              'label',
              { className: 'keep' },
              h('input', {
                type: 'checkbox',
                id: checkboxId,
                checked: !rejected,
                onchange: (event: Event) => {
                  if ((event.target as HTMLInputElement).checked) panel.choices.rejected.delete(keyText);
                  else panel.choices.rejected.set(keyText, '');
                  render();
                  document.getElementById(rejected ? checkboxId : `why-${checkboxId}`)?.focus();
                },
              }),
              t(' Keep'),
            ),
          h(
            'button',
            { className: 'link hunk-where', title: t('Show these lines in the diff editor'), onclick: () => post({ type: 'openDiff', path: file.path, ...(hunk.location ? { line: hunk.location.startLine } : {}) }) },
            hunkPlace(hunk, index),
          ),
          h('span', { className: 'added' }, `+${hunk.lines.filter((line) => line.startsWith('+')).length}`),
          h('span', { className: 'deleted' }, `−${hunk.lines.filter((line) => line.startsWith('-')).length}`),
        ),
        rejected &&
          reviewing &&
          h('input', {
            type: 'text',
            className: 'hunk-reason',
            id: `why-${checkboxId}`,
            'aria-label': t('Why reject this hunk of {0}', file.path),
            placeholder: t('Why reject this hunk (the agent reads this)'),
            value: panel.choices.rejected.get(keyText) ?? '',
            oninput: (event: Event) => panel.choices.rejected.set(keyText, (event.target as HTMLInputElement).value),
          }),
      );
    }),
  );
}

type PanelHunk = PanelFile['hunks'][number];

/** "lines 4–5 in subtotal": where the hunk is, named as a person would (the diff editor shows its text). */
export function hunkPlace(hunk: PanelHunk, index: number): string {
  const where = hunk.location;
  if (!where) return t('change {0}', index + 1);
  if (where.onlyDeletes) return where.symbol ? t('removed after line {0} in {1}', where.startLine, where.symbol) : t('removed after line {0}', where.startLine);
  if (where.startLine === where.endLine) return where.symbol ? t('line {0} in {1}', where.startLine, where.symbol) : t('line {0}', where.startLine);
  return where.symbol ? t('lines {0}–{1} in {2}', where.startLine, where.endLine, where.symbol) : t('lines {0}–{1}', where.startLine, where.endLine);
}
