// What the person reads in the editor (issue 17): the diff tabs after a round is applied
// and at the end, the signs of each kind of round in the Sessions view, and the words of a
// failing-first run. A loop double drives the real Reviewer, model, tabs and tree.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SessionEvent } from '../../src/domain/session';
import { PROPOSAL_SCHEME } from '../../src/vscode/diffDocuments';
import type { LoopApi, SessionPorts, SessionResult, SessionTask } from '../../src/vscode/loopApi';
import { SessionModel } from '../../src/vscode/sessionModel';
import { SessionsTreeProvider, type SessionsNode } from '../../src/vscode/sessionsView';
import { oneFileChange, scriptedLoop, testingApi, waitFor } from './editorHelpers';

const noopLog = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined } as unknown as ConstructorParameters<typeof SessionsTreeProvider>[1];

function diffTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputTextDiff);
}

function proposalTabs(round?: number): vscode.Tab[] {
  return diffTabs().filter((tab) => {
    const input = tab.input as vscode.TabInputTextDiff;
    return input.modified.scheme === PROPOSAL_SCHEME && (round === undefined || input.modified.query.endsWith(`round=${round}`));
  });
}

describe('In the editor: tabs that tell the truth', () => {
  afterEach(async () => {
    const api = await testingApi();
    api.setLoop(undefined);
    if (api.controller.isRunning) await vscode.commands.executeCommand('refineLoop.stop', 'keep');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('turns an applied round’s proposal tab into "applied in round N" (the file now), and leaves no proposal tab at the end', async () => {
    const api = await testingApi();
    const { change, diff } = await oneFileChange('src/math.js', 'function add(a, b) {\n  return a - b;\n}\n', 'function add(a, b) {\n  return a + b;\n}\n');
    let release!: () => void;
    const ended = new Promise<void>((resolve) => (release = resolve));
    let proceed!: () => void;
    const checkedApplied = new Promise<void>((resolve) => (proceed = resolve));
    const runSession = async (task: SessionTask, ports: SessionPorts, _settings: unknown, signal: AbortSignal): Promise<SessionResult> => {
      const sessionId = task.sessionId!;
      const view = { sessionId, round: 1, maxRounds: 3, summary: 'Use + in add.', changes: [change], diffs: [diff], protectedPaths: [], editProblems: [] };
      try {
        ports.emit({ type: 'sessionStarted', sessionId, task: task.task, approvalMode: 'reviewEachRound', maxRounds: 3 });
        ports.emit({ type: 'baselineFinished', summary: { passed: 1, failed: 1, skipped: 0, problems: 0 } });
        ports.emit({ type: 'roundStarted', round: 1 });
        const first = await ports.reviewer.review(view, signal);
        assert.equal(first.kind, 'approve');
        ports.emit({ type: 'reviewDecided', round: 1, decision: 'approve' });
        ports.emit({ type: 'applied', round: 1, files: [{ path: 'src/math.js', status: 'modified', additions: 1, deletions: 1 }] });
        await checkedApplied;
        ports.emit({ type: 'roundStarted', round: 2 });
        const second = await ports.reviewer.review({ ...view, round: 2 }, signal);
        assert.equal(second.kind, 'reject');
        ports.emit({ type: 'reviewDecided', round: 2, decision: 'reject', reason: 'no' });
        ports.emit({ type: 'sessionEnded', outcome: 'stopped', rounds: 2, reason: 'scripted' });
        return { sessionId, outcome: 'stopped', rounds: 2, reason: 'scripted' };
      } finally {
        release();
      }
    };
    const loop = scriptedLoop(runSession as LoopApi['runSession']);
    api.setLoop(loop);
    await api.confirmed.add('node --test');
    const started = vscode.commands.executeCommand('refineLoop.start', { task: 'make add add', scope: ['src/math.js'] });

    await waitFor('the round 1 proposal tab', () => proposalTabs(1).length === 1);
    assert.equal(proposalTabs(1)[0]!.label, 'src/math.js (Round 1 proposal)');
    await vscode.commands.executeCommand('refineLoop.approve');
    const applied = await waitFor('the applied tab', () => diffTabs().find((tab) => tab.label === 'src/math.js (applied in round 1)'));
    const input = applied.input as vscode.TabInputTextDiff;
    assert.equal(input.modified.scheme, 'file', 'the right side is the file now');
    assert.ok(input.modified.path.endsWith('/src/math.js'));
    assert.equal(proposalTabs(1).length, 0, 'no tab calls the applied round a proposal');
    proceed();

    await waitFor('the round 2 proposal tab', () => proposalTabs(2).length === 1);
    await vscode.commands.executeCommand('refineLoop.rejectWithReason', 'no');
    await ended;
    await started;
    await waitFor('no proposal tab after the end', () => proposalTabs().length === 0).catch((error: unknown) => {
      throw new Error(`${String(error)}; open: ${proposalTabs().map((tab) => `${tab.label} ${(tab.input as vscode.TabInputTextDiff).modified.toString()}`).join(' | ')}`);
    });
    for (const tab of diffTabs()) assert.match(tab.label, /applied in round \d+/, tab.label);
  });
});

describe('In the editor: the signs of rounds in the Sessions view', () => {
  it('gives each kind of round its own icon and words: progress, regression, passed, rejected, undone', async () => {
    const model = new SessionModel();
    const id = 'it-signs';
    const events: SessionEvent[] = [
      { type: 'sessionStarted', sessionId: id, task: 'a task long enough that the tree would have cut the outcome off at the end of it', approvalMode: 'reviewEachRound', maxRounds: 9 },
      { type: 'baselineFinished', summary: { passed: 3, failed: 2, skipped: 0, problems: 0 } },
      // 1: rejected
      { type: 'roundStarted', round: 1 },
      { type: 'reviewDecided', round: 1, decision: 'reject', reason: 'no' },
      // 2: fixed one of two failing: progress
      { type: 'roundStarted', round: 2 },
      { type: 'reviewDecided', round: 2, decision: 'approve' },
      { type: 'applied', round: 2, files: [{ path: 'src/a.js', status: 'modified', additions: 1, deletions: 1 }] },
      { type: 'testsFinished', round: 2, summary: { passed: 1, failed: 1, skipped: 3, problems: 0 }, scope: 'selected', newlyFailing: 0, fixed: 1 },
      { type: 'afterTestsDecided', round: 2, decision: 'continue' },
      // 3: broke another test: regression, then undone and retried
      { type: 'roundStarted', round: 3 },
      { type: 'reviewDecided', round: 3, decision: 'approve' },
      { type: 'applied', round: 3, files: [{ path: 'src/a.js', status: 'modified', additions: 2, deletions: 0 }] },
      { type: 'testsFinished', round: 3, summary: { passed: 3, failed: 2, skipped: 0, problems: 0 }, scope: 'full', newlyFailing: 1, fixed: 0 },
      { type: 'afterTestsDecided', round: 3, decision: 'continue' },
      // 4: regression kept
      { type: 'roundStarted', round: 4 },
      { type: 'reviewDecided', round: 4, decision: 'approve' },
      { type: 'applied', round: 4, files: [{ path: 'src/a.js', status: 'modified', additions: 1, deletions: 1 }] },
      { type: 'testsFinished', round: 4, summary: { passed: 2, failed: 3, skipped: 0, problems: 0 }, scope: 'full', newlyFailing: 1, fixed: 0 },
      { type: 'afterTestsDecided', round: 4, decision: 'revertRetry' },
      // 5: passed
      { type: 'roundStarted', round: 5 },
      { type: 'reviewDecided', round: 5, decision: 'approve' },
      { type: 'applied', round: 5, files: [{ path: 'src/a.js', status: 'modified', additions: 1, deletions: 1 }] },
      { type: 'testsFinished', round: 5, summary: { passed: 5, failed: 0, skipped: 0, problems: 0 }, scope: 'full', newlyFailing: 0, fixed: 2 },
      { type: 'sessionEnded', outcome: 'passed', rounds: 5, reason: 'the tests pass' },
    ];
    for (const event of events) model.apply(id, event, Date.now());
    const provider = new SessionsTreeProvider({ live: () => model.list(), isRunning: () => false, history: () => undefined }, noopLog);
    const [sessionNode] = await provider.getChildren();
    const session = provider.getTreeItem(sessionNode!);
    assert.ok(String(session.label).length <= 41, `the session label is short: ${String(session.label)}`);
    assert.match(String(session.description), /^Passed/, 'the outcome comes first in the description');
    assert.equal((session.iconPath as vscode.ThemeIcon).id, 'pass');
    const rounds = await provider.getChildren(sessionNode as SessionsNode);
    const signs = rounds.map((node) => {
      const item = provider.getTreeItem(node);
      return [(item.iconPath as vscode.ThemeIcon).id, String(item.description).split(' · ')[0]];
    });
    assert.deepEqual(signs, [
      ['close', 'rejected'],
      ['arrow-up', '1 fixed, 1 still failing'],
      ['arrow-down', '1 newly failing, 2 failing'],
      ['discard', 'undone'],
      ['pass', 'tests pass'],
    ]);
    provider.dispose();
  });

  it('says a failing-first run in words: what re-ran, what it fixed, and that the others run later', () => {
    const model = new SessionModel();
    const id = 'it-words';
    model.apply(id, { type: 'sessionStarted', sessionId: id, task: 't', approvalMode: 'reviewEachRound', maxRounds: 3 }, 0);
    model.apply(id, { type: 'roundStarted', round: 1 }, 0);
    model.apply(id, { type: 'testsFinished', round: 1, summary: { passed: 1, failed: 1, skipped: 3, problems: 0 }, scope: 'selected', newlyFailing: 0, fixed: 1 }, 0);
    assert.equal(model.get(id)?.status, 'Round 1: re-ran the 2 tests that failed: 1 fixed, 1 still fails; the other 3 run when these pass');
    assert.doesNotMatch(model.get(id)!.status, /skipped/);
  });
});
