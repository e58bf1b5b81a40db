// The review panel's browser code (bundled to dist/webview.js). Plain DOM, no framework:
// it renders the state the host sends and posts the person's decisions back. Every
// message it receives is checked with the shared zod schema; it says `ready` first and
// keeps the last state with setState, so a reload shows it again at once.
import {
  hostMessageSchema,
  persistedPanelSchema,
  type PanelFile,
  type PanelMessage,
  type PanelState,
} from '../protocol/reviewPanel';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscodeApi = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

/** The person's choices that are not decisions yet: per hunk keep or reject (with a reason). */
interface LocalChoices {
  round: number;
  rejected: Map<string, string>; // `${path}\n${hunkId}` → reason
  reason: string;
  approveProtected: boolean;
}

let state: PanelState | undefined;
let restored = false;
let choices: LocalChoices = { round: -1, rejected: new Map(), reason: '', approveProtected: false };

function post(message: PanelMessage): void {
  vscodeApi.postMessage(message);
}

// ------------------------------------------------------------------ tiny DOM helpers

type Child = Node | string | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    else if (name === 'className') element.className = String(value);
    else if (name === 'value' && (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement)) element.value = String(value);
    else if (name === 'checked' && element instanceof HTMLInputElement) element.checked = Boolean(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag: string, attributes: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

// ------------------------------------------------------------------ rendering

function render(): void {
  const focusedId = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
  app.replaceChildren();
  if (!state) {
    app.append(h('p', { className: 'muted' }, 'No session yet. Run “Refine Loop: Start” from the Command Palette.'));
    return;
  }
  if (choices.round !== state.proposal?.round) {
    choices = { round: state.proposal?.round ?? -1, rejected: new Map(), reason: '', approveProtected: false };
  }
  app.append(header(state));
  if (restored && hostSilent) {
    const text = state.outcome ? 'Restored after a reload.' : 'Restored after a reload. The session stopped when the window reloaded; its rounds and checkpoints are in the Sessions view.';
    app.append(h('p', { className: 'notice', role: 'status' }, text));
  }
  if (state.outcome) app.append(outcomeBanner(state));
  else app.append(gate(state));
  // After the tests, their results come first: they are what the decision is about.
  const testsFirst = state.phase !== 'review';
  if (testsFirst && state.tests) app.append(testsSection(state));
  if (state.proposal) app.append(proposalSection(state));
  if (!testsFirst && state.tests) app.append(testsSection(state));
  if (state.history.length > 0) app.append(chartSection(state));
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function header(current: PanelState): HTMLElement {
  const { budget } = current;
  const minutes = budget.minutesUsed === 0 ? 'under a minute' : `${budget.minutesUsed} min`;
  const budgetParts = [`${minutes}${budget.maxMinutes ? ` of ${budget.maxMinutes} min` : ''}`];
  if (budget.tokensUsed > 0 || budget.maxTokens > 0) budgetParts.push(`${budget.tokensUsed.toLocaleString()} tokens${budget.maxTokens ? ` of ${budget.maxTokens.toLocaleString()}` : ''}`);
  return h(
    'header',
    { className: 'header' },
    h('div', { className: 'eyebrow' }, h('span', { className: 'badge', id: 'round-badge' }, current.round === 0 ? `Before round 1 of ${current.maxRounds}` : `Round ${current.round} of ${current.maxRounds}`), h('span', { className: 'muted' }, budgetParts.join(' · ')), h('span', { className: 'muted' }, current.approvalMode === 'autoUntilGreen' ? 'auto until green' : 'review each round')),
    h('h1', { className: 'task' }, current.task),
    // Once ended, the outcome banner says it.
    !current.outcome && h('p', { className: `status phase-${current.phase}`, role: 'status', id: 'status' }, current.phase === 'working' ? h('span', { className: 'spinner', 'aria-hidden': 'true' }) : undefined, current.status),
  );
}

function outcomeBanner(current: PanelState): HTMLElement {
  const outcome = current.outcome!;
  const good = outcome.outcome === 'passed';
  return h(
    'section',
    { className: `outcome ${good ? 'good' : 'bad'}`, id: 'outcome', role: 'status', 'data-outcome': outcome.outcome },
    h('strong', {}, good ? 'Passed' : outcomeText(outcome.outcome)),
    ` after ${outcome.rounds} round${outcome.rounds === 1 ? '' : 's'}`,
    outcome.reason ? `: ${outcome.reason}.` : '.',
    !good && ' ',
    !good && h('button', { className: 'link', id: 'show-log', onclick: () => post({ type: 'showLog' }) }, 'Show Log'),
  );
}

function outcomeText(outcome: string): string {
  return ({ stopped: 'Stopped', limitReached: 'Limit reached', stuck: 'Stuck', failed: 'Failed' } as Record<string, string>)[outcome] ?? outcome;
}

function live(): boolean {
  return !restored;
}

function gate(current: PanelState): HTMLElement {
  if (current.phase === 'review' && current.proposal) {
    const round = current.proposal.round;
    const protectedFiles = current.proposal.files.filter((file) => file.protected);
    const rejectedCount = choices.rejected.size;
    const approveLabel = rejectedCount > 0 ? `Approve the rest (${rejectedCount} hunk${rejectedCount === 1 ? '' : 's'} rejected)` : 'Approve';
    const needsYes = protectedFiles.length > 0 && !choices.approveProtected;
    return h(
      'section',
      { className: 'gate', 'aria-label': 'Review decision' },
      h('h2', {}, 'Review this proposal'),
      h('p', { className: 'muted hint' }, 'Keep or reject each hunk below. You can also edit the proposed side in the diff editor before approving: the agent is told what you changed.'),
      protectedFiles.length > 0 &&
        h(
          'label',
          { className: 'protected-yes' },
          h('input', {
            type: 'checkbox',
            id: 'approve-protected',
            checked: choices.approveProtected,
            onchange: (event: Event) => {
              choices.approveProtected = (event.target as HTMLInputElement).checked;
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
          value: choices.reason,
          oninput: (event: Event) => {
            choices.reason = (event.target as HTMLTextAreaElement).value;
            const button = document.getElementById('reject') as HTMLButtonElement | null;
            if (button) button.disabled = !live() || choices.reason.trim() === '';
          },
          onkeydown: (event: KeyboardEvent) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              reject(round);
            }
          },
        }),
        h('button', { id: 'reject', className: 'secondary', disabled: !live() || choices.reason.trim() === '', onclick: () => reject(round) }, 'Reject with Reason'),
      ),
    );
  }
  if (current.phase === 'afterTests' && current.tests) {
    const round = current.tests.round;
    const passed = current.tests.passed;
    return h(
      'section',
      { className: 'gate', 'aria-label': 'Decision after the tests' },
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
      { className: 'gate idle', 'aria-label': 'Session at work' },
      h('p', { className: 'muted' }, 'Nothing to decide right now: the agent or the tests are at work.'),
      h('div', { className: 'buttons' }, h('button', { id: 'stop', className: 'secondary', title: 'Cancel the agent call or the test run and end the session', disabled: !live(), onclick: () => post({ type: 'stop' }) }, 'Stop')),
    );
  }
  return h('section', { className: 'gate idle' }, h('p', { className: 'muted' }, current.phase === 'ended' ? 'This session has ended.' : 'Nothing to decide right now.'));
}

function approve(round: number): void {
  const rejectedHunks = [...choices.rejected].map(([keyText, reason]) => {
    const [path, hunkId] = keyText.split('\n') as [string, string];
    return { path, hunkId, reason: reason.trim() || 'Rejected by the reviewer.' };
  });
  post({ type: 'approve', round, rejectedHunks, approveProtected: choices.approveProtected });
}

function reject(round: number): void {
  if (choices.reason.trim() === '') {
    document.getElementById('reason')?.focus();
    return;
  }
  post({ type: 'reject', round, reason: choices.reason.trim() });
}

function decideAfterTests(round: number, decision: 'continue' | 'stopKeep' | 'stopRevert' | 'revertRetry'): void {
  post({ type: 'afterTests', round, decision });
}

function proposalSection(current: PanelState): HTMLElement {
  const proposal = current.proposal!;
  const reviewing = current.phase === 'review';
  return h(
    'section',
    { className: 'proposal', 'aria-label': 'Proposal' },
    h('h2', {}, `Proposal of round ${proposal.round}`),
    proposal.summary.trim() ? h('p', { className: 'summary' }, proposal.summary.trim()) : h('p', { className: 'muted' }, 'The agent wrote no explanation.'),
    proposal.editProblems.length > 0 &&
      h('div', { className: 'problems' }, h('h3', {}, 'Edits that could not be applied'), h('ul', {}, ...proposal.editProblems.map((problem) => h('li', {}, problem.file ? h('code', {}, problem.file) : undefined, problem.file ? ': ' : '', problem.reason)))),
    ...proposal.files.map((file) => fileBlock(file, reviewing)),
  );
}

function fileBlock(file: PanelFile, reviewing: boolean): HTMLElement {
  return h(
    'div',
    { className: 'file' },
    h(
      'div',
      { className: 'file-head' },
      h('button', { className: 'link', title: `Open the diff of ${file.path}`, onclick: () => post({ type: 'openDiff', path: file.path }) }, file.path),
      h('span', { className: `status-${file.status}` }, file.status),
      h('span', { className: 'added' }, `+${file.additions}`),
      h('span', { className: 'deleted' }, `−${file.deletions}`),
      file.protected && h('span', { className: 'badge warn', title: 'Matches refineLoop.protectedPaths' }, 'protected'),
      file.edited && h('span', { className: 'badge', title: 'You edited the proposed side in the diff editor' }, 'edited by you'),
    ),
    ...file.hunks.map((hunk, index) => {
      const keyText = `${file.path}\n${hunk.id}`;
      const rejected = choices.rejected.has(keyText);
      const checkboxId = `keep-${cssId(file.path)}-${index}`;
      return h(
        'div',
        { className: `hunk${rejected ? ' rejected' : ''}` },
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
                  if ((event.target as HTMLInputElement).checked) choices.rejected.delete(keyText);
                  else choices.rejected.set(keyText, '');
                  render();
                  document.getElementById(rejected ? checkboxId : `why-${checkboxId}`)?.focus();
                },
              }),
              ' Keep',
            ),
          h('code', { className: 'muted' }, hunk.header),
        ),
        rejected &&
          reviewing &&
          h('input', {
            type: 'text',
            className: 'hunk-reason',
            id: `why-${checkboxId}`,
            'aria-label': `Why reject this hunk of ${file.path}`,
            placeholder: 'Why reject this hunk (the agent reads this)',
            value: choices.rejected.get(keyText) ?? '',
            oninput: (event: Event) => choices.rejected.set(keyText, (event.target as HTMLInputElement).value),
          }),
        h('pre', { className: 'lines' }, ...hunk.lines.map((line) => h('span', { className: line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx' }, line + '\n'))),
      );
    }),
  );
}

function cssId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

function testsSection(current: PanelState): HTMLElement {
  const tests = current.tests!;
  const { summary } = tests;
  return h(
    'section',
    { className: 'tests', 'aria-label': 'Test results' },
    h('h2', {}, `Tests after round ${tests.round}`),
    h(
      'p',
      { className: 'test-summary', id: 'test-summary' },
      h('span', { className: summary.failed > 0 ? 'deleted' : 'added' }, `${summary.failed} failing`),
      `, ${summary.passed} passing`,
      summary.skipped ? `, ${summary.skipped} skipped` : '',
      tests.scope === 'selected' ? ' (only the previously failing tests ran)' : '',
      tests.newlyFailing || tests.fixed ? ` · ${tests.fixed} fixed, ${tests.newlyFailing} newly failing` : '',
    ),
    tests.problems.length > 0 && h('ul', { className: 'problems' }, ...tests.problems.map((problem) => h('li', {}, h('strong', {}, problem.kind), ': ', problem.message))),
    ...tests.groups.map((group) =>
      h(
        'details',
        { className: 'group', open: true },
        h('summary', {}, `${group.title} (${group.failures.length})`),
        h(
          'ul',
          {},
          ...group.failures.map((failure) =>
            h('li', {}, h('strong', {}, failure.name), failure.file ? h('span', { className: 'muted' }, ` ${failure.file}${failure.line ? `:${failure.line}` : ''}`) : undefined, failure.message ? h('pre', { className: 'message' }, failure.message) : undefined),
          ),
        ),
      ),
    ),
  );
}

function chartSection(current: PanelState): HTMLElement {
  const points = current.history;
  const max = Math.max(1, ...points.map((point) => point.failed));
  const barWidth = 28;
  const gap = 12;
  const height = 90;
  const top = 14;
  const width = points.length * (barWidth + gap) + gap;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height + top + 18}`, width, height: height + top + 18, role: 'img', 'aria-labelledby': 'chart-title' },
    svg('title', { id: 'chart-title' }, `Failing tests per round: ${points.map((point) => `${point.round === 0 ? 'baseline' : `round ${point.round}`} ${point.failed}`).join(', ')}`),
    svg('line', { x1: 0, y1: top + height, x2: width, y2: top + height, class: 'axis' }),
    ...points.flatMap((point, index) => {
      const barHeight = point.failed === 0 ? 2 : Math.round((point.failed / max) * height);
      const x = gap + index * (barWidth + gap);
      return [
        svg('rect', { x, y: top + height - barHeight, width: barWidth, height: barHeight, class: point.failed === 0 ? 'bar good' : 'bar', rx: 2 }),
        svg('text', { x: x + barWidth / 2, y: top + height - barHeight - 3, class: 'value', 'text-anchor': 'middle' }, String(point.failed)),
        svg('text', { x: x + barWidth / 2, y: top + height + 13, class: 'label', 'text-anchor': 'middle' }, point.round === 0 ? 'base' : `R${point.round}`),
      ];
    }),
  );
  return h('section', { className: 'chart', 'aria-label': 'Failing tests per round' }, h('h2', {}, 'Failing tests per round'), chart);
}

// ------------------------------------------------------------------ keyboard

document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement | null;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA') && (target as HTMLInputElement).type !== 'checkbox') return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const click = (id: string): void => {
    const button = document.getElementById(id) as HTMLButtonElement | null;
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  };
  if (event.key === 'a') click('approve');
  else if (event.key === 'c') click('continue');
  else if (event.key === 'r') {
    const reason = document.getElementById('reason');
    if (reason) {
      event.preventDefault();
      reason.focus();
    }
  }
});

// ------------------------------------------------------------------ messages

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = hostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    console.warn('Refine Loop: ignored a malformed message from the extension', parsed.error.issues);
    return;
  }
  const message = parsed.data;
  if (message.type === 'state') {
    state = message.state;
    restored = false;
    vscodeApi.setState({ state });
    render();
    post({ type: 'shown', sessionId: state.sessionId, round: state.round, phase: state.phase });
  } else if (message.type === 'focus') {
    document.getElementById(message.target)?.focus();
  }
});

const saved = persistedPanelSchema.safeParse(vscodeApi.getState() ?? {});
let hostSilent = false;
if (saved.success && saved.data.state) {
  state = saved.data.state;
  restored = true;
  // A hidden panel shown again gets the live state at once; only when none comes is the
  // session gone (the window reloaded), and the panel says so.
  setTimeout(() => {
    hostSilent = true;
    if (restored) render();
  }, 1500);
}
render();
post({ type: 'ready' });
