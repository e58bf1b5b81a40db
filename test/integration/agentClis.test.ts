import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { agentCliPins } from '../../src/agents/clis/pins';
import type { SessionResult } from '../../src/vscode/loopApi';
import { anthropicMessages } from '../agentClis/anthropicProtocol';
import { cartScript, claudeDialect } from '../agentClis/cartScript';
import { ModelServer } from '../agentClis/modelServer';
import { testingApi, waitFor, workspaceUri } from './editorHelpers';

// The claude-code preset in the real editor: chosen in Refine Loop: Choose Agent (the
// quick pick lists it with its version), then a whole session with the real Claude Code
// against a loopback Anthropic server, its tool uses shown as the session's progress.

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
const pin = agentCliPins['claude-code'];
const cacheRoot = process.env.REFINE_LOOP_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME ?? '/root', '.cache'), 'refine-loop');
const claude = path.join(cacheRoot, 'agent-clis', `${pin.id}-${pin.testedVersion}`, 'node_modules', '.bin', pin.binary);
const KEY = 'sk-ant-editor-test-key';

describe('In the editor: the claude-code agent CLI', function () {
  this.timeout(180_000);
  let server: ModelServer | undefined;
  let scratch: string | undefined;
  const settings = ['agent.provider', 'agent.command', 'agent.baseUrl', 'approvalMode'];

  after(async () => {
    await server?.close();
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    for (const key of [...settings, 'test.command']) for (const target of [vscode.ConfigurationTarget.Workspace, vscode.ConfigurationTarget.Global]) await configuration.update(key, undefined, target);
    for (const file of ['src/cart.js', 'test/cart.test.js']) await vscode.workspace.fs.delete(workspaceUri(...file.split('/'))).then(undefined, () => undefined);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('is chosen in the quick pick with its version, and runs a session showing its tool uses', async function () {
    if (!existsSync(claude)) this.skip(); // npm run provision:clis
    const api = await testingApi();
    api.setLoop(undefined);
    server = await ModelServer.start({ protocol: anthropicMessages, script: cartScript(claudeDialect) });
    scratch = mkdtempSync(path.join(tmpdir(), 'refine-loop-it-claude-'));
    // Claude Code's own HOME for this test (not the machine's): a folder in its private temp folder.
    const wrapper = path.join(scratch, 'claude');
    writeFileSync(wrapper, `#!/bin/sh\nHOME="\${TMPDIR:-/tmp}/claude-home"\nmkdir -p "$HOME"\nexport HOME\nexec "${claude}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    for (const file of ['src/cart.js', 'test/cart.test.js']) {
      await vscode.workspace.fs.writeFile(workspaceUri(...file.split('/')), readFileSync(path.join(repositoryRoot, 'test', 'fixtures', 'agent-clis', 'cart', file)));
    }
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    await configuration.update('agent.command', wrapper, vscode.ConfigurationTarget.Global);
    await configuration.update('agent.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await configuration.update('approvalMode', 'autoUntilGreen', vscode.ConfigurationTarget.Global);
    await configuration.update('test.command', 'node --test test/cart.test.js', vscode.ConfigurationTarget.Workspace);
    await api.confirmed.add('node --test test/cart.test.js');
    await api.keys.set('claude-code', KEY, new URL(server.url).origin);

    // The real quick pick: filtered as a person types, the highlighted item accepted.
    const chosen = vscode.commands.executeCommand('refineLoop.chooseAgent');
    const pick = await waitFor('the agent quick pick with the CLIs', () => (api.agentPick.current && !api.agentPick.current.busy ? api.agentPick.current : undefined), 60_000);
    const item = pick.items.find((each) => each.description?.startsWith('claude-code'));
    assert.ok(item, pick.items.map((each) => `${each.label} ${each.description ?? ''}`).join('\n'));
    assert.match(item.description ?? '', new RegExp(`claude-code · ${pin.testedVersion.replace(/\./g, '\\.')}`));
    assert.ok(pick.items.some((each) => /npm install -g @/.test(each.detail ?? '') || each.detail?.startsWith('/')), 'every CLI says where it is or how to install it');
    pick.value = 'Claude Code';
    await waitFor('Claude Code highlighted', () => pick.activeItems[0]?.description?.startsWith('claude-code'));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await chosen;
    assert.equal(configuration.inspect('agent.provider')?.globalValue, 'claude-code');

    const statuses: string[] = [];
    const listener = api.controller.model.onDidChange(() => {
      for (const session of api.controller.model.list()) if (session.status && statuses.at(-1) !== session.status) statuses.push(session.status);
    });
    let result: SessionResult | undefined;
    try {
      const started = Promise.resolve(vscode.commands.executeCommand<SessionResult | undefined>('refineLoop.start', { task: 'make the cart tests pass', scope: 'none' })).then((value) => (result = value));
      await waitFor('the session to start', () => api.controller.isRunning || result !== undefined, 30_000);
      // autoUntilGreen asks at the end: keep the green result.
      await waitFor('the final gate or the end', () => api.controller.pending?.kind === 'afterTests' || result !== undefined || !api.controller.isRunning, 150_000);
      if (api.controller.pending?.kind === 'afterTests') await vscode.commands.executeCommand('refineLoop.stop', 'keep');
      await started;
    } finally {
      listener.dispose();
    }
    assert.ok(statuses.some((status) => /: Read src\/cart\.js$/.test(status)), statuses.join('\n'));
    assert.ok(statuses.some((status) => /: Edit src\/cart\.js$/.test(status)), statuses.join('\n'));
    assert.equal(result?.outcome, 'passed', `${result?.outcome}: ${result?.reason}\n${statuses.join('\n')}`);
    const cart = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'cart.js')));
    assert.match(cart, /Math\.round\(sum \* 1\.1\)/);
    assert.ok(server.modelRequests.every((request) => request.headers['x-api-key'] === KEY), 'the key from SecretStorage went into ANTHROPIC_API_KEY');
  });
});
