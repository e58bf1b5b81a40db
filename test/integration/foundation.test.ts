import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { configurationContribution, defaultSettings } from '../../src/domain/settings';
import { EXTENSION_ID, activateExtension } from './helpers';
import { atStart } from './index';

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
    // Recorded when the suite started, before any test could activate it.
    assert.equal(atStart.extensionActive, false, 'the extension was already active when the suite started');
  });

  it('runs from the installed .vsix, which holds only what runs, when the suite is run against the package', function () {
    if (!process.env.REFINE_LOOP_TEST_FROM_VSIX) this.skip();
    const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const files: string[] = [];
    const walk = (folder: string): void => {
      for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) walk(full);
        else files.push(path.relative(extensionPath, full).split(path.sep).join('/'));
      }
    };
    walk(extensionPath);
    assert.ok(files.includes('dist/extension.js') && files.includes('dist/webview.js'), files.join(', '));
    assert.deepEqual(files.filter((file) => /^(src|test|scripts|node_modules)\//.test(file) || /\.(map|ts)$/.test(file)), []);
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
