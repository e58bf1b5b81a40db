// Agent calls and test runs report in the window's progress area (the status bar), not
// in a notification each round: the work is routine and long, and Stop (the command,
// the panel, the Sessions view) is how a person cancels it. The agent is named as the
// person set it up ("my-agent.mjs", "claude-sonnet-4"), not by the provider's id.
import * as vscode from 'vscode';
import type { Agent, TestRunner } from '../domain/ports';

export function withAgentProgress(agent: Agent, name: string = agent.id): Agent {
  return {
    ...agent,
    propose: async (request, signal, onProgress) =>
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Refine Loop, round {0}', request.round) }, (progress) =>
        agent.propose(request, signal, (update) => {
          progress.report({ message: update.kind === 'text' ? vscode.l10n.t('{0} is writing, {1} characters', name, update.characters.toLocaleString()) : vscode.l10n.t('{0}: {1}', name, update.message) });
          onProgress?.(update);
        }),
      ),
  };
}

export function withTestProgress(tests: TestRunner): TestRunner {
  return {
    run: async (plan, signal, onOutput) =>
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Refine Loop: running the tests') }, () => tests.run(plan, signal, onOutput)),
  };
}
