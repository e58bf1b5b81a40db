import * as path from 'node:path';
import * as vscode from 'vscode';
import { sha256Hex } from '../../src/domain/hash';
import type { FileChange, FileDiff } from '../../src/domain/model';
import type { TestReport } from '../../src/domain/testReport';
import type { TestingApi } from '../../src/vscode/extension';
import type { LoopApi } from '../../src/vscode/loopApi';
import { EXTENSION_ID } from './helpers';

export async function testingApi(): Promise<TestingApi> {
  const extension = vscode.extensions.getExtension<{ testing?: TestingApi }>(EXTENSION_ID);
  if (!extension) throw new Error('extension not loaded');
  const api = await extension.activate();
  if (!api.testing) throw new Error('the testing API is only there outside production mode');
  return api.testing;
}

export function workspaceUri(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A one-file change and its diff with one hunk, as the edit engine would make them. */
export async function oneFileChange(path: string, before: string, after: string): Promise<{ change: FileChange; diff: FileDiff }> {
  const beforeBytes = encode(before);
  const change: FileChange = { path, kind: 'modify', before: beforeBytes, after: encode(after), beforeHash: await sha256Hex(beforeBytes) };
  const oldLines = before.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '');
  const newLines = after.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '');
  const lines = [...oldLines.map((line) => `-${line}`), ...newLines.map((line) => `+${line}`)];
  const diff: FileDiff = {
    path,
    status: 'modified',
    additions: newLines.length,
    deletions: oldLines.length,
    patch: `--- a/${path}\n+++ b/${path}\n@@ -1,${oldLines.length} +1,${newLines.length} @@\n${lines.join('\n')}\n`,
    hunks: [{ id: `h-${path}-1`, oldStart: 1, oldLines: oldLines.length, newStart: 1, newLines: newLines.length, lines }],
  };
  return { change, diff };
}

export function report(failed: number, passed: number): TestReport {
  const tests = [
    ...Array.from({ length: failed }, (_, index) => ({
      id: `f${index}`,
      name: `failing ${index}`,
      suite: ['math'],
      status: 'failed' as const,
      errorType: 'AssertionError',
      message: `expected ${index} to equal ${index + 1}`,
      stack: [{ file: 'src/math.js', line: 3, inWorkspace: true, raw: 'at add (src/math.js:3:10)' }],
    })),
    ...Array.from({ length: passed }, (_, index) => ({ id: `p${index}`, name: `passing ${index}`, suite: [], status: 'passed' as const, stack: [] })),
  ];
  return {
    format: 'tap',
    scope: 'full',
    tests,
    problems: [],
    run: { command: 'node --test', exitCode: failed ? 1 : 0, signal: null, durationMs: 10, timedOut: false, cancelled: false, outputHead: '', outputTail: '', droppedBytes: 0 },
  };
}

/**
 * The real loop, the scripted command agent of the e2e fixtures and `node --test`, confirmed.
 * The fixtures are the repository's (out/test/integration → the root), not the extension's:
 * an extension installed from the .vsix carries no test/. The guarded settings are the
 * person's own (user level): a workspace value would be asked about first.
 */
export async function useRealLoopWithMathAgent(api: TestingApi): Promise<void> {
  api.setLoop(undefined);
  const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
  const configuration = vscode.workspace.getConfiguration('refineLoop');
  await configuration.update('agent.provider', 'command', vscode.ConfigurationTarget.Global);
  await configuration.update('agent.command', `"${process.execPath}" "${path.join(repositoryRoot, 'test', 'fixtures', 'e2e', 'math-agent.js')}"`, vscode.ConfigurationTarget.Global);
  await configuration.update('test.command', 'node --test', vscode.ConfigurationTarget.Workspace);
  await api.confirmed.add('node --test');
}

/** Undoes useRealLoopWithMathAgent's settings at both levels. */
export async function forgetMathAgentSettings(): Promise<void> {
  const configuration = vscode.workspace.getConfiguration('refineLoop');
  for (const key of ['agent.provider', 'agent.command', 'test.command']) for (const target of [vscode.ConfigurationTarget.Workspace, vscode.ConfigurationTarget.Global]) await configuration.update(key, undefined, target);
}

/** A loop whose session is the test's script; its runner and agents do nothing of their own. */
export function scriptedLoop(runSession: LoopApi['runSession'], runner: () => Promise<TestReport> = async () => report(0, 1)): LoopApi {
  const idle = () => ({ id: 'scripted', propose: async () => ({ kind: 'text' as const, text: '' }) });
  return {
    runSession,
    exportReport: () => '# report',
    createTestRunner: () => ({ run: runner }),
    detectTestCommand: async () => ({ command: 'node --test', reason: 'package.json' }),
    createAgent: idle,
    createChatAgent: idle,
  };
}
