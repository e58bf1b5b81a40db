import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { configurationContribution, defaultSettings } from '../../src/domain/settings';
import { EXTENSION_ID, activateExtension } from './helpers';

describe('Foundation: the extension in a real VS Code host', () => {
  it('runs in VS Code 1.100 with the workspace folder open', () => {
    assert.match(vscode.version, /^1\.100\./);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
  });

  it('is not active before one of its own commands or views is used', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, 'extension is loaded');
    const events = (extension.packageJSON as { activationEvents: string[] }).activationEvents;
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'));
  });

  it('activates through Show Log and registers its commands', async () => {
    await vscode.commands.executeCommand('refineLoop.showLog');
    const extension = await activateExtension();
    assert.equal(extension.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('refineLoop.showLog'));
  });

  it('reads every refineLoop setting with the defaults of the zod schema', () => {
    const configuration = vscode.workspace.getConfiguration('refineLoop');
    assert.equal(configuration.get('maxRounds'), defaultSettings.maxRounds);
    assert.equal(configuration.get('approvalMode'), defaultSettings.approvalMode);
    for (const key of Object.keys(configurationContribution().properties)) {
      const inspected = vscode.workspace.getConfiguration().inspect(key);
      assert.ok(inspected && inspected.defaultValue !== undefined, `${key} is contributed with a default`);
    }
  });

  it('can run a child process from the extension host', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write(String(6 * 7))']);
    assert.equal(stdout, '42');
  });

  it('shows the Sessions view in the Refine Loop container', async () => {
    // VS Code creates these commands only for a contributed container and view.
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('workbench.view.extension.refineLoop'), 'the Refine Loop container is contributed');
    assert.ok(commands.includes('refineLoop.sessions.focus'), 'the Sessions view is contributed');
    await vscode.commands.executeCommand('workbench.view.extension.refineLoop');
    await vscode.commands.executeCommand('refineLoop.sessions.focus');
  });
});
