// Best of N, the choice part of the panel (phase `choose`): the attempts of the round
// side by side, best first, each with its test summary, delta, diff stats and cost; the
// person picks one to review (then reviews it as any proposal) or rejects them all with
// a reason, which the next round's attempts get.
import type { PanelState } from '../protocol/reviewPanel';
import { t } from './l10n';
import { h } from './dom';
import { live, post } from './store';

/** The reason typed for rejecting every attempt, kept across state updates of one round. */
const rejection = { round: -1, reason: '' };

type Candidate = NonNullable<PanelState['candidates']>['list'][number];

function card(round: number, candidate: Candidate): HTMLElement {
  const tests = candidate.tests;
  const additions = candidate.files.reduce((sum, file) => sum + file.additions, 0);
  const deletions = candidate.files.reduce((sum, file) => sum + file.deletions, 0);
  const testLine = tests
    ? t('{0} passed, {1} failed', tests.passed, tests.failed) + (tests.problems ? ` · ${t('{0} run problems', tests.problems)}` : '')
    : t('Not tested: {0}', candidate.error ?? '');
  return h(
    'article',
    { className: `candidate${candidate.rank === 1 ? ' best' : ''}`, id: `candidate-${candidate.rank}`, 'data-attempt': String(candidate.attempt), 'data-rank': String(candidate.rank) },
    h('h3', {}, candidate.rank === 1 ? t('#{0} (best): attempt {1}', candidate.rank, candidate.attempt) : t('#{0}: attempt {1}', candidate.rank, candidate.attempt)),
    h('p', { className: 'muted' }, candidate.agentId),
    h('p', { className: tests && tests.failed + tests.problems === 0 ? 'tests good' : 'tests bad' }, testLine),
    tests && h('p', { className: 'delta' }, t('{0} fixed, {1} newly failing', candidate.fixed, candidate.newlyFailing)),
    candidate.suiteShrank !== undefined && h('p', { className: 'notice warn' }, t('The suite shrank: {0}', candidate.suiteShrank)),
    candidate.protectedPaths.length > 0 && h('p', { className: 'notice warn' }, t('Changes protected files: {0}', candidate.protectedPaths.join(', '))),
    h('p', { className: 'stats' }, candidate.files.length === 1 ? t('1 file, +{0} −{1}', additions, deletions) : t('{0} files, +{1} −{2}', candidate.files.length, additions, deletions)),
    h('ul', { className: 'files' }, ...candidate.files.map((file) => h('li', {}, `${file.path} +${file.additions} −${file.deletions}`))),
    h('p', { className: 'muted cost' }, t('{0} tokens · {1} s', candidate.tokens.toLocaleString(), (candidate.durationMs / 1000).toFixed(1))),
    candidate.summary.trim() !== '' && h('p', { className: 'summary' }, candidate.summary.trim().slice(0, 400)),
    h(
      'button',
      { id: `choose-${candidate.rank}`, className: candidate.rank === 1 ? 'primary' : 'secondary', disabled: !live() || candidate.files.length === 0, onclick: () => post({ type: 'chooseCandidate', round, rank: candidate.rank }) },
      t('Review this attempt'),
    ),
  );
}

export function candidatesGate(current: PanelState): HTMLElement {
  const candidates = current.candidates!;
  const round = candidates.round;
  if (rejection.round !== round) Object.assign(rejection, { round, reason: '' });
  const rejectAll = (): void => {
    if (rejection.reason.trim() === '') {
      document.getElementById('reject-all-reason')?.focus();
      return;
    }
    post({ type: 'rejectCandidates', round, reason: rejection.reason.trim() });
  };
  return h(
    'section',
    { className: 'gate', id: 'gate-candidates', 'aria-label': t('Choose an attempt') },
    h('h2', {}, t('{0} attempts, ranked by the tests', candidates.list.length)),
    h('p', { className: 'muted hint' }, candidates.currentFailing !== undefined ? t('Now {0} failing. Pick the attempt to review; you then review it hunk by hunk as usual.', candidates.currentFailing) : t('Pick the attempt to review; you then review it hunk by hunk as usual.')),
    h('div', { className: 'candidates', id: 'candidates' }, ...candidates.list.map((candidate) => card(round, candidate))),
    h(
      'div',
      { className: 'reject' },
      h('label', { for: 'reject-all-reason' }, t('Or reject every attempt, and tell the agent why:')),
      h('textarea', {
        id: 'reject-all-reason',
        rows: 2,
        value: rejection.reason,
        oninput: (event: Event) => {
          rejection.reason = (event.target as HTMLTextAreaElement).value;
          const button = document.getElementById('reject-all') as HTMLButtonElement | null;
          if (button) button.disabled = !live() || rejection.reason.trim() === '';
        },
      }),
      h('button', { id: 'reject-all', className: 'secondary', disabled: !live() || rejection.reason.trim() === '', onclick: rejectAll }, t('Reject All with Reason')),
    ),
    h('div', { className: 'buttons' }, h('button', { id: 'stop', className: 'secondary', disabled: !live(), onclick: () => post({ type: 'stop' }) }, t('Stop (apply nothing)'))),
  );
}
