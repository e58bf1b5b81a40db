// The review panel's browser code (bundled to dist/webview.js). Plain DOM and morphdom,
// no framework: it renders the state the host sends and posts the person's decisions
// back. The host checks every message the panel sends (src/vscode/reviewPanel.ts) and
// every state it posts, so the panel only checks a message's shape; it says `ready`
// first and keeps the last state with setState, so a reload shows it again at once.
// The parts: the header and outcome here, the decision in gate.ts, the proposal in
// proposal.ts, the tests and the chart in tests.ts, the lessons in lessons.ts.
import type { HostMessage, PanelState, PersistedPanel } from '../protocol/reviewPanel';
import { t } from './l10n';
import { h, update } from './dom';
import { gate } from './gate';
import { isPanelLessons, lessonsSection, showLessons } from './lessons';
import { candidatesGate } from './candidates';
import { proposalSection } from './proposal';
import { panel, post, setRenderer, vscodeApi } from './store';
import { chartSection, testsSection } from './tests';

const app = document.getElementById('app') as HTMLElement;

// ------------------------------------------------------------------ rendering

function render(): void {
  const state = panel.state;
  if (!state) {
    update(app, [h('p', { className: 'muted', id: 'empty' }, t('No session yet. Run “Refine Loop: Start” from the Command Palette.'))]);
    return;
  }
  if (panel.choices.round !== state.proposal?.round) {
    panel.choices = { round: state.proposal?.round ?? -1, rejected: new Map(), reason: '', approveProtected: false };
  }
  const parts: Node[] = [header(state)];
  if (panel.restored && panel.hostSilent) {
    const text = state.outcome ? t('Restored after a reload.') : t('Restored after a reload. The session stopped when the window reloaded; its rounds and checkpoints are in the Sessions view.');
    parts.push(h('p', { className: 'notice', id: 'restored', role: 'status' }, text));
  }
  parts.push(state.outcome ? outcomeBanner(state) : state.phase === 'choose' && state.candidates ? candidatesGate(state) : gate(state));
  const lessons = lessonsSection(state);
  if (lessons) parts.push(lessons);
  // After the tests, their results come first: they are what the decision is about.
  const testsFirst = state.phase !== 'review';
  if (testsFirst && state.tests) parts.push(testsSection(state));
  if (state.proposal) parts.push(proposalSection(state));
  if (!testsFirst && state.tests) parts.push(testsSection(state));
  if (state.history.length > 0) parts.push(chartSection(state));
  update(app, parts);
}
setRenderer(render);

function header(current: PanelState): HTMLElement {
  const { budget } = current;
  const used = budget.minutesUsed === 0 ? t('under 1') : String(budget.minutesUsed);
  const budgetParts = [current.outcome ? t('took {0} min', used) : budget.maxMinutes ? t('{0} min used of {1} min allowed', used, budget.maxMinutes) : t('{0} min so far', used)];
  const tokens = budget.tokensUsed.toLocaleString();
  if (budget.tokensUsed > 0 || budget.maxTokens > 0) budgetParts.push(budget.maxTokens ? t('{0} of {1} tokens used', tokens, budget.maxTokens.toLocaleString()) : t('{0} tokens used', tokens));
  const mode = current.approvalMode === 'autoUntilGreen' ? t('Rounds apply without asking until the tests pass (protected files still ask)') : t('You approve each round before it is applied');
  return h(
    'header',
    { className: 'header', id: 'header' },
    h('div', { className: 'eyebrow' }, h('span', { className: 'badge', id: 'round-badge' }, current.round === 0 ? t('Before round 1 of {0}', current.maxRounds) : t('Round {0} of {1}', current.round, current.maxRounds)), h('span', { className: 'muted', id: 'budget' }, budgetParts.join(' · ')), h('span', { className: 'muted', id: 'mode' }, mode)),
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
    h('strong', {}, good ? t('Passed') : outcomeText(outcome.outcome)),
    outcome.rounds === 1 ? t(' after 1 round') : t(' after {0} rounds', outcome.rounds),
    outcome.reason ? `: ${outcome.reason}.` : '.',
    !good && ' ',
    !good && h('button', { className: 'link', id: 'show-log', onclick: () => post({ type: 'showLog' }) }, t('Show Log')),
  );
}

function outcomeText(outcome: string): string {
  return ({ stopped: t('Stopped'), limitReached: t('Limit reached'), stuck: t('Stuck'), failed: t('Failed') } as Record<string, string>)[outcome] ?? outcome;
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

/** The host checked the message before posting it; this only guards against anything else arriving. */
function isHostMessage(data: unknown): data is HostMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as { type?: unknown; target?: unknown; state?: unknown };
  if (message.type === 'focus') return typeof message.target === 'string';
  if (message.type === 'lessons') return isPanelLessons((data as { lessons?: unknown }).lessons);
  return message.type === 'state' && isPanelState(message.state);
}

function isPanelState(value: unknown): value is PanelState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Partial<Record<keyof PanelState, unknown>>;
  return typeof state.sessionId === 'string' && typeof state.task === 'string' && typeof state.round === 'number' && typeof state.phase === 'string' && typeof state.budget === 'object' && Array.isArray(state.history);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostMessage(event.data)) {
    console.warn('Refine Loop: ignored a message of unknown shape from the extension');
    return;
  }
  const message = event.data;
  if (message.type === 'state') {
    panel.state = message.state;
    panel.restored = false;
    vscodeApi.setState({ state: message.state } satisfies PersistedPanel);
    render();
    post({ type: 'shown', sessionId: message.state.sessionId, round: message.state.round, phase: message.state.phase });
  } else if (message.type === 'focus') {
    document.getElementById(message.target)?.focus();
  } else if (message.type === 'lessons') {
    showLessons(message.lessons);
  }
});

const saved = vscodeApi.getState() as { state?: unknown } | undefined;
if (saved && isPanelState(saved.state)) {
  panel.state = saved.state;
  panel.restored = true;
  // A hidden panel shown again gets the live state at once; only when none comes is the
  // session gone (the window reloaded), and the panel says so.
  setTimeout(() => {
    panel.hostSilent = true;
    if (panel.restored) render();
  }, 1500);
}
render();
post({ type: 'ready' });
