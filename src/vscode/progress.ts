// Agent calls and test runs report in the window's progress area (the status bar), not
// in a notification each round: the work is routine and long, and Stop (the command,
// the panel, the Sessions view) is how a person cancels it.
import * as vscode from 'vscode';
import type { Agent, TestRunner } from '../domain/ports';

export function withAgentProgress(agent: Agent): Agent {
  return {
    id: agent.id,
    propose: async (request, signal, onProgress) =>
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Refine Loop: round {0}, waiting for {1}', request.round, agent.id) }, (progress) =>
        agent.propose(request, signal, (update) => {
          progress.report({ message: update.kind === 'text' ? vscode.l10n.t('{0} characters so far', update.characters.toLocaleString()) : update.message });
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
