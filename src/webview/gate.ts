// The decision part of the panel: at the review, approve (the kept hunks), open the
// diff, stop, or reject with a reason; after the tests, continue, stop (keep or revert)
// or revert the round and retry.
import type { PanelState, afterTestsChoices } from '../protocol/reviewPanel';
import { t } from './l10n';
import { h } from './dom';
import { live, panel, post, render } from './store';

export function gate(current: PanelState): HTMLElement {
  if (current.phase === 'review' && current.proposal) {
    const round = current.proposal.round;
    const protectedFiles = current.proposal.files.filter((file) => file.protected);
    const rejectedCount = panel.choices.rejected.size;
    const approveLabel = rejectedCount > 0 ? rejectedCount === 1 ? t('Approve the rest (1 hunk rejected)') : t('Approve the rest ({0} hunks rejected)', rejectedCount) : t('Approve and run the tests');
    const needsYes = protectedFiles.length > 0 && !panel.choices.approveProtected;
    return h(
      'section',
      { className: 'gate', id: 'gate-review', 'aria-label': t('Review decision') },
      h('h2', {}, t('Review this proposal')),
      h('p', { className: 'muted hint' }, t('The diff editor shows the change. Keep or reject each part below, or edit the proposed side in the diff editor before approving: the agent is told what you changed.')),
      protectedFiles.length > 0 &&
        h(
          'label',
          { className: 'protected-yes' },
          h('input', {
            type: 'checkbox',
            id: 'approve-protected',
            checked: panel.choices.approveProtected,
            onchange: (event: Event) => {
              panel.choices.approveProtected = (event.target as HTMLInputElement).checked;
              render();
            },
          }),
          ' ' + (protectedFiles.length === 1 ? t('Yes, allow changes to the protected file: {0}', protectedFiles[0]!.path) : t('Yes, allow changes to the protected files: {0}', protectedFiles.map((file) => file.path).join(', '))),
        ),
      h(
        'div',
        { className: 'buttons' },
        h(
          'button',
          {
            id: 'approve',
            className: 'primary',
            title: t('Apply the kept hunks and run the tests (A)'),
            'aria-keyshortcuts': 'A',
            disabled: !live() || needsYes,
            onclick: () => approve(round),
          },
          approveLabel,
        ),
        h('button', { id: 'open-all', className: 'secondary', title: t('Open the diff editor'), disabled: !live(), onclick: () => post({ type: 'openDiff' }) }, t('Open Diff')),
        h('button', { id: 'stop', className: 'secondary', title: t('End the session without applying this proposal'), disabled: !live(), onclick: () => post({ type: 'stop' }) }, t('Stop (apply nothing)')),
      ),
      h(
        'div',
        { className: 'reject' },
        h('label', { for: 'reason' }, t('Or reject the whole proposal, and tell the agent why:')),
        h('textarea', {
          id: 'reason',
          rows: 2,
          placeholder: t('What is wrong with it (the agent reads this)…  Ctrl+Enter rejects'),
          value: panel.choices.reason,
          oninput: (event: Event) => {
            panel.choices.reason = (event.target as HTMLTextAreaElement).value;
            const button = document.getElementById('reject') as HTMLButtonElement | null;
            if (button) button.disabled = !live() || panel.choices.reason.trim() === '';
          },
          onkeydown: (event: KeyboardEvent) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              reject(round);
            }
          },
        }),
        h('button', { id: 'reject', className: 'secondary', disabled: !live() || panel.choices.reason.trim() === '', onclick: () => reject(round) }, t('Reject with Reason')),
      ),
    );
  }
  if (current.phase === 'afterTests' && current.tests) {
    const round = current.tests.round;
    const passed = current.tests.passed;
    const failures = current.tests.summary.failed + current.tests.summary.problems;
    const appliedRounds = current.history.filter((point) => point.round > 0).length;
    const continueLabel = failures === 1 ? t('Continue: send the 1 failure to the agent') : failures > 1 ? t('Continue: send the {0} failures to the agent', failures) : t('Continue: ask the agent for another round');
    const keepLabel = passed ? t('Finish and keep the changes') : appliedRounds <= 1 ? t("Stop and keep round {0}'s change", round) : t('Stop and keep the files as they are now');
    return h(
      'section',
      { className: 'gate', id: 'gate-after-tests', 'aria-label': t('Decision after the tests') },
      h('h2', {}, passed ? t('The tests pass') : t('The tests ran: what next?')),
      current.tests.stopReason && h('p', { className: 'notice' }, current.tests.stopReason),
      current.tests.suiteShrank && h('p', { className: 'notice warn', id: 'suite-shrank' }, t('The suite shrank: {0}. This round does not pass unless you accept the smaller suite.', current.tests.suiteShrank)),
      h(
        'div',
        { className: 'buttons' },
        !passed &&
          h('button', { id: 'continue', className: 'primary', title: t('Give the failures to the agent for the next round (C)'), 'aria-keyshortcuts': 'C', disabled: !live(), onclick: () => decideAfterTests(round, 'continue') }, continueLabel),
        h('button', { id: 'stop-keep', className: passed ? 'primary' : 'secondary', title: t('End the session; the files keep every applied change'), disabled: !live(), onclick: () => decideAfterTests(round, 'stopKeep') }, keepLabel),
        current.tests.suiteShrank &&
          h('button', { id: 'accept-smaller-suite', className: 'secondary', title: t('Take the smaller suite as the new measure of this session'), disabled: !live(), onclick: () => decideAfterTests(round, 'acceptSmallerSuite') }, t('Accept the smaller suite')),
        !passed && h('button', { id: 'revert-retry', className: 'secondary', title: t('Put the files back as they were before this round and ask the agent again'), disabled: !live(), onclick: () => decideAfterTests(round, 'revertRetry') }, t('Undo round {0} and ask again', round)),
        h('button', { id: 'stop-revert', className: 'secondary danger', title: t('Put every file back as it was before round 1 and end the session'), disabled: !live(), onclick: () => decideAfterTests(round, 'stopRevert') }, t('Undo all rounds and stop')),
      ),
    );
  }
  if (current.phase === 'working') {
    return h(
      'section',
      { className: 'gate idle', id: 'gate-working', 'aria-label': t('Session at work') },
      h('p', { className: 'muted' }, t('Nothing to decide right now: the agent or the tests are at work.')),
      h('div', { className: 'buttons' }, h('button', { id: 'stop', className: 'secondary', title: t('Cancel the agent call or the test run and end the session'), disabled: !live(), onclick: () => post({ type: 'stop' }) }, t('Stop'))),
    );
  }
  return h('section', { className: 'gate idle', id: 'gate-idle' }, h('p', { className: 'muted' }, current.phase === 'ended' ? t('This session has ended.') : t('Nothing to decide right now.')));
}

function approve(round: number): void {
  const rejectedHunks = [...panel.choices.rejected].map(([keyText, reason]) => {
    const [path, hunkId] = keyText.split('\n') as [string, string];
    return { path, hunkId, reason: reason.trim() || t('Rejected by the reviewer.') };
  });
  post({ type: 'approve', round, rejectedHunks, approveProtected: panel.choices.approveProtected });
}

function reject(round: number): void {
  if (panel.choices.reason.trim() === '') {
    document.getElementById('reason')?.focus();
    return;
  }
  post({ type: 'reject', round, reason: panel.choices.reason.trim() });
}

function decideAfterTests(round: number, decision: (typeof afterTestsChoices)[number]): void {
  post({ type: 'afterTests', round, decision });
}
