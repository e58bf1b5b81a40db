// The decision part of the panel: at the review, approve (the kept hunks), open the
// diff, stop, or reject with a reason; after the tests, continue, stop (keep or revert)
// or revert the round and retry.
import type { PanelState } from '../protocol/reviewPanel';
import { h } from './dom';
import { live, panel, post, render } from './store';

export function gate(current: PanelState): HTMLElement {
  if (current.phase === 'review' && current.proposal) {
    const round = current.proposal.round;
    const protectedFiles = current.proposal.files.filter((file) => file.protected);
    const rejectedCount = panel.choices.rejected.size;
    const approveLabel = rejectedCount > 0 ? `Approve the rest (${rejectedCount} hunk${rejectedCount === 1 ? '' : 's'} rejected)` : 'Approve';
    const needsYes = protectedFiles.length > 0 && !panel.choices.approveProtected;
    return h(
      'section',
      { className: 'gate', id: 'gate-review', 'aria-label': 'Review decision' },
      h('h2', {}, 'Review this proposal'),
      h('p', { className: 'muted hint' }, 'Keep or reject each hunk below. You can also edit the proposed side in the diff editor before approving: the agent is told what you changed.'),
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
          ` Yes, allow changes to protected ${protectedFiles.length === 1 ? 'file' : 'files'}: ${protectedFiles.map((file) => file.path).join(', ')}`,
        ),
      h(
        'div',
        { className: 'buttons' },
        h(
          'button',
          {
            id: 'approve',
            className: 'primary',
            title: 'Apply the kept hunks and run the tests (A)',
            'aria-keyshortcuts': 'A',
            disabled: !live() || needsYes,
            onclick: () => approve(round),
          },
          approveLabel,
        ),
        h('button', { id: 'open-all', className: 'secondary', title: 'Open the diff editor', disabled: !live(), onclick: () => post({ type: 'openDiff' }) }, 'Open Diff'),
        h('button', { id: 'stop', className: 'secondary', title: 'End the session without applying this proposal', disabled: !live(), onclick: () => post({ type: 'stop' }) }, 'Stop'),
      ),
      h(
        'div',
        { className: 'reject' },
        h('label', { for: 'reason' }, 'Or reject the whole proposal, and tell the agent why:'),
        h('textarea', {
          id: 'reason',
          rows: 2,
          placeholder: 'What is wrong with it (the agent reads this)…  Ctrl+Enter rejects',
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
        h('button', { id: 'reject', className: 'secondary', disabled: !live() || panel.choices.reason.trim() === '', onclick: () => reject(round) }, 'Reject with Reason'),
      ),
    );
  }
  if (current.phase === 'afterTests' && current.tests) {
    const round = current.tests.round;
    const passed = current.tests.passed;
    return h(
      'section',
      { className: 'gate', id: 'gate-after-tests', 'aria-label': 'Decision after the tests' },
      h('h2', {}, passed ? 'The tests pass' : 'The tests ran: what next?'),
      current.tests.stopReason && h('p', { className: 'notice' }, current.tests.stopReason),
      h(
        'div',
        { className: 'buttons' },
        !passed &&
          h('button', { id: 'continue', className: 'primary', title: 'Give the failures to the agent for the next round (C)', 'aria-keyshortcuts': 'C', disabled: !live(), onclick: () => decideAfterTests(round, 'continue') }, 'Continue'),
        h('button', { id: 'stop-keep', className: passed ? 'primary' : 'secondary', disabled: !live(), onclick: () => decideAfterTests(round, 'stopKeep') }, passed ? 'Finish and Keep' : 'Stop and Keep'),
        h('button', { id: 'stop-revert', className: 'secondary', disabled: !live(), onclick: () => decideAfterTests(round, 'stopRevert') }, 'Stop and Revert All'),
        !passed && h('button', { id: 'revert-retry', className: 'secondary', title: 'Undo this round and ask the agent again', disabled: !live(), onclick: () => decideAfterTests(round, 'revertRetry') }, 'Revert Round and Retry'),
      ),
    );
  }
  if (current.phase === 'working') {
    return h(
      'section',
      { className: 'gate idle', id: 'gate-working', 'aria-label': 'Session at work' },
      h('p', { className: 'muted' }, 'Nothing to decide right now: the agent or the tests are at work.'),
      h('div', { className: 'buttons' }, h('button', { id: 'stop', className: 'secondary', title: 'Cancel the agent call or the test run and end the session', disabled: !live(), onclick: () => post({ type: 'stop' }) }, 'Stop')),
    );
  }
  return h('section', { className: 'gate idle', id: 'gate-idle' }, h('p', { className: 'muted' }, current.phase === 'ended' ? 'This session has ended.' : 'Nothing to decide right now.'));
}

function approve(round: number): void {
  const rejectedHunks = [...panel.choices.rejected].map(([keyText, reason]) => {
    const [path, hunkId] = keyText.split('\n') as [string, string];
    return { path, hunkId, reason: reason.trim() || 'Rejected by the reviewer.' };
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

function decideAfterTests(round: number, decision: 'continue' | 'stopKeep' | 'stopRevert' | 'revertRetry'): void {
  post({ type: 'afterTests', round, decision });
}
