import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionResult } from '../../src/vscode/loopApi';
import { decode, encode, forgetMathAgentSettings, testingApi, waitFor, workspaceUri } from './editorHelpers';

// Best of N in the real editor: the real loop with three attempts per round from a
// scripted command agent (a one-line fix, a two-line fix, a wrong one), each tested by
// `node --test` in its own scratch copy; the panel shows them ranked, and choosing the
// second one (from the panel) puts the second one into the workspace after the review.

describe('In the editor: best of N attempts', () => {
  let original = '';
  let calls = '';
  before(async () => {
    original = decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!;
    calls = mkdtempSync(path.join(tmpdir(), 'refine-attempts-'));
  });
  after(async () => {
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    await configuration.update('candidates', undefined, vscode.ConfigurationTarget.Global);
    await forgetMathAgentSettings();
    await vscode.workspace.fs.writeFile(workspaceUri('src', 'math.js'), encode(original));
    rmSync(calls, { recursive: true, force: true });
  });

  it('shows three attempts ranked in the panel, and choosing the second applies the second', async function () {
    this.timeout(180_000);
    const api = await testingApi();
    api.setLoop(undefined);
    const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    await configuration.update('agent.provider', 'command', vscode.ConfigurationTarget.Global);
    await configuration.update('agent.command', `"${process.execPath}" "${path.join(repositoryRoot, 'test', 'fixtures', 'e2e', 'attempts-agent.js')}" "${calls}"`, vscode.ConfigurationTarget.Global);
    await configuration.update('candidates', 3, vscode.ConfigurationTarget.Global);
    await configuration.update('test.command', 'node --test', vscode.ConfigurationTarget.Workspace);
    await api.confirmed.add('node --test');

    const started = vscode.commands.executeCommand<SessionResult | undefined>('refineLoop.start', { task: 'make add add', scope: ['src/math.js'] });
    const gate = await waitFor('the choice of an attempt', () => (api.controller.pending?.kind === 'candidates' ? api.controller.pending : undefined), 120_000);
    const state = api.controller.model.panelState(gate.view.sessionId, { maxMinutes: 0, maxTokens: 0 }, Date.now())!;
    assert.equal(state.phase, 'choose');
    const list = state.candidates!.list;
    assert.deepEqual(list.map((candidate) => candidate.rank), [1, 2, 3]);
    assert.deepEqual(list.map((candidate) => candidate.summary.trim()), ['The one-line fix.', 'The two-line fix.', 'A wrong fix.']);
    assert.deepEqual(list.map((candidate) => candidate.tests?.failed), [0, 0, 1]);
    assert.equal(state.candidates!.currentFailing, 1);
    // The webview rendered it (its acknowledgement of the state), and the workspace is untouched.
    await waitFor('the panel showing the attempts', () => api.panel.messageLog.some((message) => message.type === 'shown' && message.phase === 'choose'), 30_000);
    assert.equal(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js'))), original);

    assert.equal(api.panel.handleMessage({ type: 'chooseCandidate', round: 1, rank: 2 }), true);
    const review = await waitFor('the review of the chosen attempt', () => (api.controller.pending?.kind === 'review' ? api.controller.pending : undefined), 30_000);
    assert.match(review.view.summary, /two-line fix/);
    assert.equal(api.panel.handleMessage({ type: 'approve', round: 1, rejectedHunks: [], approveProtected: false }), true);
    await waitFor('the after-tests gate', () => api.controller.pending?.kind === 'afterTests', 60_000);
    assert.match(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!, /const sum = a \+ b;\n {2}return sum;/);
    assert.equal(api.panel.handleMessage({ type: 'afterTests', round: 1, decision: 'stopKeep' }), true);
    const result = await started;
    assert.equal(result?.outcome, 'passed', result?.reason);
    const record = await api.history().load(gate.view.sessionId);
    assert.equal(record?.rounds[0]?.candidates?.length, 3);
    assert.equal(record?.rounds[0]?.chosenCandidate, list[1]!.attempt);
  });
});
