import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PathError } from '../../src/domain/errors';
import { sha256Hex } from '../../src/domain/hash';
import type { Reviewer } from '../../src/domain/ports';
import { configurationContribution } from '../../src/domain/settings';
import type { AfterTestsDecision, ProposalView, ReviewDecision } from '../../src/domain/session';
import { BEFORE_SCHEME, PROPOSAL_SCHEME } from '../../src/vscode/diffDocuments';
import type { LoopApi, SessionPorts, SessionResult, SessionTask } from '../../src/vscode/loopApi';
import { VscodeWorkspace } from '../../src/vscode/workspaceAdapter';
import { EXTENSION_ID } from './helpers';
import { decode, encode, forgetMathAgentSettings, oneFileChange, report, scriptedLoop, testingApi, useRealLoopWithMathAgent, waitFor, workspaceUri } from './editorHelpers';

const noopLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface PackageJson {
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, unknown> };
    walkthroughs: { id: string; steps: { id: string; media: { markdown?: string } }[] }[];
  };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  activationEvents: string[];
}

function packageJson(): PackageJson {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as PackageJson;
}

async function closeEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('In the editor: commands and settings', () => {
  before(async () => {
    await testingApi();
  });

  it('registers every contributed command, each in the category "Refine Loop"', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = packageJson().contributes.commands;
    assert.ok(contributed.length >= 12, 'the issue lists at least twelve commands');
    for (const command of contributed) {
      assert.equal(command.category, 'Refine Loop', command.command);
      assert.ok(registered.has(command.command), `${command.command} is registered`);
    }
    for (const id of ['start', 'approve', 'rejectWithReason', 'stop', 'revertRound', 'restoreCheckpoint', 'openRoundDiff', 'openAllChanges', 'exportReport', 'setApiKey', 'showLog']) {
      assert.ok(contributed.some((command) => command.command === `refineLoop.${id}`), `refineLoop.${id} is contributed`);
    }
  });

  it('shows gate commands in the palette only when their gate waits', () => {
    const palette = new Map(packageJson().contributes.menus.commandPalette!.map((entry) => [entry.command, entry.when]));
    assert.equal(palette.get('refineLoop.approve'), 'refineLoop.gate == review');
    assert.equal(palette.get('refineLoop.rejectWithReason'), 'refineLoop.gate == review');
    assert.equal(palette.get('refineLoop.continue'), 'refineLoop.gate == afterTests');
    assert.equal(palette.get('refineLoop.stop'), 'refineLoop.running');
    assert.equal(palette.get('refineLoop.start'), '!refineLoop.running');
  });

  it('contributes exactly the settings of the zod schema, with descriptions and enums', () => {
    const contributed = packageJson().contributes.configuration.properties;
    assert.deepEqual(contributed, configurationContribution().properties);
    for (const [key, value] of Object.entries(contributed)) {
      const property = value as { description?: string; markdownDescription?: string };
      assert.ok(property.description || property.markdownDescription, `${key} has a description`);
    }
    const mode = vscode.workspace.getConfiguration().inspect('refineLoop.approvalMode');
    assert.equal(mode?.defaultValue, 'reviewEachRound');
  });

  it('has a walkthrough whose media files exist', () => {
    const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const walkthrough = packageJson().contributes.walkthroughs[0]!;
    assert.equal(walkthrough.steps.length, 3);
    for (const step of walkthrough.steps) assert.ok(fs.existsSync(path.join(extensionPath, step.media.markdown!)), step.id);
  });

  it('keeps API keys in the secret storage, per provider, and removes them when set empty', async () => {
    const api = await testingApi();
    await api.keys.set('anthropic', 'sk-ant-test');
    assert.equal(await api.keys.get('anthropic'), 'sk-ant-test');
    assert.equal(await api.keys.get('openai-compatible'), undefined);
    assert.equal(await api.keys.get('command'), undefined, 'only HTTP providers have keys');
    const settingsText = JSON.stringify(vscode.workspace.getConfiguration('refineLoop'));
    assert.ok(!settingsText.includes('sk-ant-test'), 'never in settings');
    await api.keys.set('anthropic', '');
    assert.equal(await api.keys.get('anthropic'), undefined);
  });

  it('refuses an empty task with a clear message and runs nothing', async () => {
    const api = await testingApi();
    const before = api.shownErrors.length;
    await vscode.commands.executeCommand('refineLoop.start', { task: '   ', scope: 'none' });
    assert.equal(api.controller.isRunning, false);
    assert.equal(api.shownErrors.length, before + 1);
    assert.match(api.shownErrors.at(-1)!, /The task is empty/);
  });

  it('answers a gate command with nothing waiting by one clear message', async () => {
    const api = await testingApi();
    const before = api.shownErrors.length;
    await vscode.commands.executeCommand('refineLoop.approve');
    assert.equal(api.shownErrors.length, before + 1);
    assert.match(api.shownErrors.at(-1)!, /No session is running/);
  });
});

describe('In the editor: the Workspace port', () => {
  const root = (): vscode.Uri => workspaceUri();
  afterEach(closeEditors);

  it('reads the dirty buffer of an open document, and the disk for closed files', async () => {
    const uri = workspaceUri('scratch', 'dirty.txt');
    await vscode.workspace.fs.writeFile(uri, encode('on disk\n'));
    const workspace = new VscodeWorkspace(root(), noopLog);
    assert.equal(decode(await workspace.read('scratch/dirty.txt')), 'on disk\n');
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'typed '));
    assert.equal(decode(await workspace.read('scratch/dirty.txt')), 'typed on disk\n');
    assert.equal(await workspace.read('scratch/missing.txt'), undefined);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('writes an open document through one WorkspaceEdit that undo takes back, and saves it', async () => {
    const uri = workspaceUri('scratch', 'open.js');
    await vscode.workspace.fs.writeFile(uri, encode('let a = 1;\n'));
    const editor = await vscode.window.showTextDocument(uri);
    const workspace = new VscodeWorkspace(root(), noopLog);
    const result = await workspace.commit([{ path: 'scratch/open.js', expectedHash: await sha256Hex(encode('let a = 1;\n')), content: encode('let a = 2;\n') }]);
    assert.deepEqual(result, { ok: true });
    assert.equal(editor.document.getText(), 'let a = 2;\n');
    assert.equal(editor.document.isDirty, false, 'saved so the tests see it');
    assert.equal(decode(await vscode.workspace.fs.readFile(uri)), 'let a = 2;\n');
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'let a = 1;\n', 'undo brings the old text back');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('refuses the whole commit when a base hash no longer matches (the person typed), and writes nothing', async () => {
    const typedUri = workspaceUri('scratch', 'typed.txt');
    const otherUri = workspaceUri('scratch', 'other.txt');
    await vscode.workspace.fs.writeFile(typedUri, encode('base\n'));
    await vscode.workspace.fs.writeFile(otherUri, encode('other\n'));
    const editor = await vscode.window.showTextDocument(typedUri);
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'my typing '));
    const workspace = new VscodeWorkspace(root(), noopLog);
    const result = await workspace.commit([
      { path: 'scratch/other.txt', expectedHash: await sha256Hex(encode('other\n')), content: encode('changed\n') },
      { path: 'scratch/typed.txt', expectedHash: await sha256Hex(encode('base\n')), content: encode('agent\n') },
    ]);
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.conflicts.map((conflict) => conflict.path), ['scratch/typed.txt']);
    assert.equal(editor.document.getText(), 'my typing base\n', 'the typing survives');
    assert.equal(decode(await vscode.workspace.fs.readFile(otherUri)), 'other\n', 'nothing else was written');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('creates and deletes closed files on disk', async () => {
    const workspace = new VscodeWorkspace(root(), noopLog);
    assert.deepEqual(await workspace.commit([{ path: 'scratch/new/created.txt', expectedHash: null, content: encode('new\n') }]), { ok: true });
    assert.equal(decode(await vscode.workspace.fs.readFile(workspaceUri('scratch', 'new', 'created.txt'))), 'new\n');
    const exists = await sha256Hex(encode('new\n'));
    assert.deepEqual(await workspace.commit([{ path: 'scratch/new/created.txt', expectedHash: exists, content: null }]), { ok: true });
    assert.equal(await workspace.read('scratch/new/created.txt'), undefined);
  });

  it('rejects paths outside the workspace, into .git/, and through a symbolic link', async () => {
    const workspace = new VscodeWorkspace(root(), noopLog);
    for (const bad of ['../outside.txt', '/etc/passwd', '.git/config', 'a/../../b', 'nul\0byte', '.refine-loop/sessions/s/journal/1.json', 'nul .txt']) {
      await assert.rejects(workspace.read(bad), PathError, bad);
    }
    // The one path guard (src/node/realPathGuard.ts): a link to .git is .git.
    const gitDir = path.join(root().fsPath, 'scratch', 'fake-git');
    fs.mkdirSync(path.join(gitDir, 'objects'), { recursive: true });
    fs.mkdirSync(path.join(gitDir, 'refs'), { recursive: true });
    fs.writeFileSync(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
    const gitlink = path.join(root().fsPath, 'scratch', 'gitlink');
    fs.rmSync(gitlink, { force: true });
    fs.symlinkSync(gitDir, gitlink);
    await assert.rejects(workspace.commit([{ path: 'scratch/gitlink/hooks/pre-commit', expectedHash: null, content: encode('x') }]), /git folder/);
    assert.equal(fs.existsSync(path.join(gitDir, 'hooks')), false);
    fs.rmSync(gitlink, { force: true });
    fs.rmSync(gitDir, { recursive: true, force: true });
    const link = path.join(root().fsPath, 'scratch', 'escape');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.dirname(root().fsPath), link);
    await assert.rejects(workspace.commit([{ path: 'scratch/escape/x.txt', expectedHash: null, content: encode('x') }]), /outside the workspace/);
    fs.rmSync(link, { force: true });
  });
});

describe('In the editor: diff documents and the writable proposal', () => {
  afterEach(closeEditors);

  it('serves the before side read-only and the proposed side from a file system the person can edit', async () => {
    const api = await testingApi();
    const { change } = await oneFileChange('src/math.js', 'return a - b;\n', 'return a + b;\n');
    api.diffs.setRound('it-diff', 1, [change], true);
    const before = await vscode.workspace.openTextDocument(api.diffs.beforeUri('it-diff', 1, 'src/math.js'));
    assert.equal(before.uri.scheme, BEFORE_SCHEME);
    assert.equal(before.getText(), 'return a - b;\n');
    assert.equal(before.languageId, 'javascript', 'the real file name keeps the language');

    await api.diffs.openDiff('it-diff', 1, 'src/math.js');
    const tab = await waitFor('the diff tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    });
    assert.equal(tab.original.scheme, BEFORE_SCHEME);
    assert.equal(tab.modified.scheme, PROPOSAL_SCHEME);

    // The person edits the proposed side in the diff editor and saves.
    const editor = await waitFor('the proposal editor', () => vscode.window.visibleTextEditors.find((candidate) => candidate.document.uri.scheme === PROPOSAL_SCHEME));
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '// checked\n'));
    assert.deepEqual(api.diffs.editedFiles('it-diff', 1), {}, 'not captured before it is saved');
    await api.diffs.saveOpenEdits('it-diff', 1);
    assert.equal(decode(api.diffs.editedFiles('it-diff', 1)['src/math.js']), '// checked\nreturn a + b;\n');

    api.diffs.freeze('it-diff', 1);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(api.diffs.proposalUri('it-diff', 1, 'src/math.js'), encode('late'))), /already decided|NoPermissions/);
    const stat = await vscode.workspace.fs.stat(api.diffs.proposalUri('it-diff', 1, 'src/math.js'));
    assert.equal(stat.permissions, vscode.FilePermission.Readonly);
  });
});

/** A loop double that asks the editor's Reviewer at both gates and records what it was told. */
function gateScript(view: ProposalView): { loop: LoopApi; decisions: (ReviewDecision | AfterTestsDecision)[]; done: Promise<void> } {
  const decisions: (ReviewDecision | AfterTestsDecision)[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const runSession = async (task: SessionTask, ports: SessionPorts, _settings: unknown, signal: AbortSignal): Promise<SessionResult> => {
    const sessionId = task.sessionId!;
    const reviewer: Reviewer = ports.reviewer;
    ports.emit({ type: 'sessionStarted', sessionId, task: task.task, approvalMode: 'reviewEachRound', maxRounds: 3 });
    ports.emit({ type: 'baselineFinished', summary: { passed: 0, failed: 1, skipped: 0, problems: 0 } });
    ports.emit({ type: 'roundStarted', round: 1 });
    try {
      const stopped = (rounds: number): SessionResult => {
        ports.emit({ type: 'sessionEnded', outcome: 'stopped', rounds, reason: 'scripted' });
        return { sessionId, outcome: 'stopped', rounds, reason: 'scripted' };
      };
      const first = await reviewer.review({ ...view, sessionId, round: 1 }, signal);
      decisions.push(first);
      if (first.kind === 'stop') return stopped(1);
      ports.emit({ type: 'roundStarted', round: 2 });
      const second = await reviewer.review({ ...view, sessionId, round: 2 }, signal);
      decisions.push(second);
      if (second.kind === 'stop') return stopped(2);
      ports.emit({ type: 'testsFinished', round: 2, summary: { passed: 0, failed: 1, skipped: 0, problems: 0 }, scope: 'full', newlyFailing: 0, fixed: 0 });
      const after = await reviewer.afterTests({ sessionId, round: 2, maxRounds: 3, report: report(1, 0), feedback: 'add adds: expected 5', passed: false }, signal);
      decisions.push(after);
      return stopped(2);
    } finally {
      finish();
    }
  };
  const loop = scriptedLoop(runSession as LoopApi['runSession']);
  return { loop, decisions, done };
}

describe('In the editor: gates, the review panel and Restricted Mode', () => {
  afterEach(async () => {
    const api = await testingApi();
    api.setLoop(undefined);
    api.trust.setOverride(undefined);
    if (api.controller.isRunning) await vscode.commands.executeCommand('refineLoop.stop', 'keep');
    await closeEditors();
  });

  it('in Restricted Mode runs no agent and no test, and says why and how to trust', async () => {
    const api = await testingApi();
    let ran = 0;
    const { loop } = gateScript((await proposal()).view);
    api.setLoop({ ...loop, runSession: async (...args) => (ran++, loop.runSession(...args)), createTestRunner: (options) => (ran++, loop.createTestRunner(options)) });
    api.trust.setOverride(false);
    const before = api.shownErrors.length;
    await vscode.commands.executeCommand('refineLoop.start', { task: 'fix add', scope: 'none' });
    assert.equal(ran, 0, 'nothing ran');
    assert.equal(api.controller.isRunning, false);
    assert.equal(api.shownErrors.length, before + 1);
    assert.match(api.shownErrors.at(-1)!, /Restricted Mode/);
    assert.match(api.shownErrors.at(-1)!, /Trust this workspace/);
    const capabilities = packageJson().capabilities.untrustedWorkspaces;
    assert.equal(capabilities.supported, 'limited');
    assert.deepEqual([...capabilities.restrictedConfigurations].sort(), ['refineLoop.agent.command', 'refineLoop.test.command']);
  });

  it('takes Reject with a reason, Approve with the person’s edit, and Continue, through commands and the panel', async () => {
    const api = await testingApi();
    const { view } = await proposal();
    const script = gateScript(view);
    api.setLoop(script.loop);
    await api.confirmed.add('node --test');
    const started = vscode.commands.executeCommand('refineLoop.start', { task: 'make add add', scope: ['src/math.js'] });

    // Round 1: the diff opens and the panel says hello from the real webview.
    await waitFor('the review gate of round 1', () => api.controller.pending?.kind === 'review' && api.controller.pending.view.round === 1);
    await waitFor('the diff editor', () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).some((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSAL_SCHEME));
    await waitFor('the panel ready handshake', () => api.panel.isReady, 30_000);
    await waitFor('the panel showing round 1 in review', () => api.panel.messageLog.some((message) => message.type === 'shown' && message.round === 1 && message.phase === 'review'), 30_000);

    await vscode.commands.executeCommand('refineLoop.rejectWithReason', 'keep the signature');
    await waitFor('round 2', () => api.controller.pending?.kind === 'review' && api.controller.pending.view.round === 2);
    assert.deepEqual(script.decisions[0], { kind: 'reject', reason: 'keep the signature' });

    // Round 2: the person edits the proposal, then approves from the panel (as its button would).
    const proposalUri = api.diffs.proposalUri(api.controller.currentSessionId!, 2, 'src/math.js');
    await vscode.workspace.fs.writeFile(proposalUri, encode('return a + b; // mine\n'));
    assert.equal(api.panel.handleMessage({ type: 'approve', round: 2, rejectedHunks: 'all' }), false, 'a malformed message is dropped');
    assert.equal(api.panel.handleMessage({ type: 'approve', round: 2, rejectedHunks: [], approveProtected: false }), true);
    await waitFor('the after-tests gate', () => api.controller.pending?.kind === 'afterTests');
    const approval = script.decisions[1] as Extract<ReviewDecision, { kind: 'approve' }>;
    assert.equal(approval.kind, 'approve');
    assert.equal(decode(approval.editedFiles?.['src/math.js']), 'return a + b; // mine\n');
    await waitFor('the panel showing the tests', () => api.panel.messageLog.some((message) => message.type === 'shown' && message.phase === 'afterTests'), 30_000);

    await vscode.commands.executeCommand('refineLoop.continue');
    await started;
    await script.done;
    assert.deepEqual(script.decisions[2], { kind: 'continue' });
    assert.equal(api.controller.isRunning, false);
    const live = api.controller.model.get(api.controller.currentSessionId!);
    assert.equal(live?.outcome, 'stopped');
    assert.deepEqual(live?.rounds.map((round) => round.round), [1, 2]);
  });

  it('keeps only the hunks the person kept, with the reasons for the others', async () => {
    const api = await testingApi();
    const { view } = await proposal();
    const script = gateScript(view);
    api.setLoop(script.loop);
    await api.confirmed.add('node --test');
    const started = vscode.commands.executeCommand('refineLoop.start', { task: 'hunks', scope: 'none' });
    await waitFor('the review gate', () => api.controller.pending?.kind === 'review');
    // The panel's file links open that file's diff, and only files of the round.
    await closeEditors();
    assert.equal(api.panel.handleMessage({ type: 'openDiff', path: 'src/math.js' }), true);
    await waitFor('the diff from the panel link', () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).some((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.path === '/src/math.js'));
    const errors = api.shownErrors.length;
    api.panel.handleMessage({ type: 'openDiff', path: '../etc/passwd' });
    await waitFor('the refusal', () => api.shownErrors.length > errors && api.shownErrors.at(-1)!.includes('did not change ../etc/passwd'));
    const hunkId = view.diffs[0]!.hunks[0]!.id;
    await api.decisions.approve({ rejectedHunks: [{ path: 'src/math.js', hunkId, reason: 'not this one' }] });
    await waitFor('round 2', () => api.controller.pending?.kind === 'review' && api.controller.pending.view.round === 2);
    await vscode.commands.executeCommand('refineLoop.stop');
    await started;
    assert.deepEqual(script.decisions[0], { kind: 'approve', keptHunks: { 'src/math.js': [] }, hunkRejections: [{ path: 'src/math.js', hunkId, reason: 'not this one' }] });
    assert.deepEqual(script.decisions[1], { kind: 'stop' });
  });
});

describe('In the editor: restoring a checkpoint at the after-tests gate of a real session', () => {
  let original = '';
  before(async () => {
    original = decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!;
  });
  after(async () => {
    await forgetMathAgentSettings();
    await vscode.workspace.fs.writeFile(workspaceUri('src', 'math.js'), encode(original));
    await closeEditors();
  });

  it('puts the files back through Restore Checkpoint… on a round of the Sessions view, and the loop goes on', async () => {
    const api = await testingApi();
    await useRealLoopWithMathAgent(api);

    const started = vscode.commands.executeCommand<SessionResult | undefined>('refineLoop.start', { task: 'make add add', scope: ['src/math.js'] });
    await waitFor('the review of round 1', () => api.controller.pending?.kind === 'review', 30_000);
    await vscode.commands.executeCommand('refineLoop.approve');
    const gate = await waitFor('the after-tests gate', () => (api.controller.pending?.kind === 'afterTests' ? api.controller.pending : undefined), 60_000);
    assert.match(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!, /return a \+ b;/);

    // The round node as the Sessions view passes it to its inline action.
    await vscode.commands.executeCommand('refineLoop.restoreCheckpoint', { kind: 'round', session: { sessionId: gate.view.sessionId }, round: { round: 1 } });
    // The agent then proposes the same again: the loop either asks (round 2) or ends as stuck on the repeat.
    await waitFor('the next review or the end', () => !api.controller.isRunning || (api.controller.pending?.kind === 'review' && api.controller.pending.view.round === 2), 30_000);
    assert.equal(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js'))), original, 'round 1 was undone');
    if (api.controller.isRunning) await vscode.commands.executeCommand('refineLoop.stop');
    const result = await started;
    assert.ok(result?.outcome === 'stopped' || result?.outcome === 'stuck', `ended ${result?.outcome}: ${result?.reason}`);
    const record = await api.history().load(gate.view.sessionId);
    assert.equal(record?.rounds[0]?.afterTests?.decision, 'restore');
  });
});

describe('In the editor: an agent that fails', () => {
  after(async () => {
    await forgetMathAgentSettings();
  });

  it('ends the session failed with the agent’s error, touching no file', async () => {
    const api = await testingApi();
    api.setLoop(undefined);
    const before = decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')));
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    await configuration.update('agent.provider', 'command', vscode.ConfigurationTarget.Global);
    await configuration.update('agent.command', `"${process.execPath}" -e "process.stderr.write('model offline'); process.exit(4)"`, vscode.ConfigurationTarget.Global);
    await configuration.update('test.command', 'node --test', vscode.ConfigurationTarget.Workspace);
    await api.confirmed.add('node --test');
    const result = await vscode.commands.executeCommand<SessionResult | undefined>('refineLoop.start', { task: 'anything', scope: 'none' });
    assert.equal(result?.outcome, 'failed');
    assert.match(result?.reason ?? '', /exit|4|model offline/);
    assert.equal(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js'))), before);
    const live = api.controller.model.get(result!.sessionId);
    assert.equal(live?.phase, 'ended');
    assert.equal(live?.outcome, 'failed');
  });
});

describe('In the editor: protected paths', () => {
  afterEach(async () => {
    const api = await testingApi();
    api.setLoop(undefined);
    if (api.controller.isRunning) await vscode.commands.executeCommand('refineLoop.stop', 'keep');
    await closeEditors();
  });

  it('passes the explicit yes for protected files from the panel to the loop', async () => {
    const api = await testingApi();
    const { change, diff } = await oneFileChange('test/math.test.js', 'old\n', 'new\n');
    const script = gateScript({ sessionId: 'x', round: 1, maxRounds: 3, summary: 'Touches a test.', changes: [change], diffs: [diff], protectedPaths: ['test/math.test.js'], editProblems: [] });
    api.setLoop(script.loop);
    await api.confirmed.add('node --test');
    const started = vscode.commands.executeCommand('refineLoop.start', { task: 'protected', scope: 'none' });
    await waitFor('the review gate', () => api.controller.pending?.kind === 'review');
    await waitFor('the panel showing round 1 in review', () => api.panel.messageLog.some((message) => message.type === 'shown' && message.round === 1 && message.phase === 'review'), 30_000);
    assert.equal(api.panel.handleMessage({ type: 'approve', round: 1, rejectedHunks: [], approveProtected: true }), true);
    await waitFor('round 2', () => api.controller.pending?.kind === 'review' && api.controller.pending.view.round === 2);
    await vscode.commands.executeCommand('refineLoop.stop');
    await started;
    assert.deepEqual(script.decisions[0], { kind: 'approve', approveProtected: true });
  });
});

async function proposal(): Promise<{ view: ProposalView }> {
  const { change, diff } = await oneFileChange('src/math.js', 'function add(a, b) {\n  return a - b;\n}\n', 'function add(a, b) {\n  return a + b;\n}\n');
  return { view: { sessionId: 'x', round: 1, maxRounds: 3, summary: 'Use + in add.', changes: [change], diffs: [diff], protectedPaths: [], editProblems: [] } };
}

describe('In the editor: all changes, the Sessions data, reports and journal recovery', () => {
  afterEach(closeEditors);

  it('opens every file of a round in the multi-file diff editor', async () => {
    const api = await testingApi();
    const first = await oneFileChange('src/a.js', 'a\n', 'A\n');
    const second = await oneFileChange('src/b.js', 'b\n', 'B\n');
    api.diffs.setRound('it-all', 4, [first.change, second.change], false);
    await api.diffs.openAll('it-all', 4, workspaceUri());
    const tab = await waitFor('the multi-diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab);
    assert.equal(tab.label, 'Refine Loop: Round 4 changes (2 files)');
    assert.deepEqual(api.diffs.paths('it-all', 4), ['src/a.js', 'src/b.js']);
  });

  it('finishes an interrupted apply found in the journal at start-up, as the person chose', async () => {
    const api = await testingApi();
    const uri = workspaceUri('scratch', 'journal.txt');
    await vscode.workspace.fs.writeFile(uri, encode('before\n'));
    const before = encode('before\n');
    const after = encode('after\n');
    await api.journal().write({
      sessionId: 'it-journal',
      round: 1,
      createdAt: Date.now(),
      state: 'pending',
      files: [{ path: 'scratch/journal.txt', before, beforeHash: await sha256Hex(before), after, afterHash: await sha256Hex(after) }],
    });
    const asked: number[] = [];
    const recovered = await api.recoverJournals(async (entry) => (asked.push(entry.round), 'rollForward'));
    assert.equal(recovered, 1);
    assert.deepEqual(asked, [1]);
    assert.equal(decode(await vscode.workspace.fs.readFile(uri)), 'after\n');
    assert.equal((await api.journal().read('it-journal', 1))?.state, 'committed');
    assert.equal(await api.recoverJournals(async () => 'restore'), 0, 'nothing is pending any more');
  });

  it('exports a stored session as a Markdown report in a new editor', async () => {
    const api = await testingApi();
    await api.history().save({ version: 1, sessionId: 'it-report', task: 'report me', startedAt: Date.now(), approvalMode: 'reviewEachRound', maxRounds: 3, rounds: [], outcome: 'stopped', reason: 'by hand' });
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('refineLoop.exportReport', { kind: 'session', session: { sessionId: 'it-report' } });
    assert.equal(document.languageId, 'markdown');
    assert.match(document.getText(), /report me/);
    assert.match(document.getText(), /stopped/);
  });
});

describe('In the editor: a real session with the loop, the command agent and the test runner', () => {
  const settingsToRestore = ['agent.provider', 'agent.command', 'test.command'];
  let original = '';

  before(async () => {
    original = decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!;
  });

  after(async () => {
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    for (const key of settingsToRestore) for (const target of [vscode.ConfigurationTarget.Workspace, vscode.ConfigurationTarget.Global]) await configuration.update(key, undefined, target);
    await vscode.workspace.fs.writeFile(workspaceUri('src', 'math.js'), encode(original));
    await closeEditors();
  });

  it('applies the proposal as the person edited it in the diff editor, runs the tests and ends passed', async () => {
    const api = await testingApi();
    await useRealLoopWithMathAgent(api);

    const started = vscode.commands.executeCommand<SessionResult | undefined>('refineLoop.start', { task: 'make add add', scope: ['src/math.js'] });
    const gate = await waitFor('the review of the real proposal', () => (api.controller.pending?.kind === 'review' ? api.controller.pending : undefined), 30_000);
    assert.equal(gate.view.round, 1);
    assert.match(gate.view.summary, /adds now/);
    assert.deepEqual(gate.view.diffs.map((diff) => diff.path), ['src/math.js']);

    // The person changes the proposed side in the diff editor, then approves from the palette command.
    const proposalUri = api.diffs.proposalUri(gate.view.sessionId, 1, 'src/math.js');
    const proposed = decode(await vscode.workspace.fs.readFile(proposalUri))!;
    assert.match(proposed, /return a \+ b;/);
    await vscode.workspace.fs.writeFile(proposalUri, encode(proposed.replace('return a + b;', 'return a + b; // reviewed')));
    await vscode.commands.executeCommand('refineLoop.approve');

    const after = await waitFor('the after-tests gate', () => (api.controller.pending?.kind === 'afterTests' ? api.controller.pending : undefined), 60_000);
    assert.equal(after.view.passed, true);
    assert.match(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!, /return a \+ b; \/\/ reviewed/);
    assert.equal(api.panel.handleMessage({ type: 'afterTests', round: 1, decision: 'stopKeep' }), true);
    const result = await started;
    assert.equal(result?.outcome, 'passed');

    const record = await api.history().load(gate.view.sessionId);
    assert.equal(record?.outcome, 'passed');
    assert.match(record?.rounds[0]?.review?.userEdits ?? '', /\/\/ reviewed/, 'the person’s edit is recorded for the agent');
  });
});
