import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import { UsageError } from '../domain/errors';
import type { Agent, Logger } from '../domain/ports';
import { providerIds, type Settings } from '../domain/settings';
import type { CandidatePorts } from '../loop/candidateRound';
import type { LoopApi } from './loopApi';

// Best of N at the start of a session in the editor: the scratch copies (what an
// earlier, crashed session left behind removed first), the agents of
// `refineLoop.candidateAgents` and how many test runs go at once.

export async function candidatesFor(
  loop: LoopApi,
  settings: Settings,
  context: { readonly root: string; readonly testCommand: string; readonly log: Logger },
  agentFor: (settings: Settings) => Promise<Agent>,
): Promise<CandidatePorts | undefined> {
  if (!loop.createScratchCopies) return undefined;
  const { root, testCommand, log } = context;
  const timeoutMs = settings['test.timeoutSeconds'] * 1000;
  const scratch = loop.createScratchCopies({ root, log, testRunner: (copyRoot) => loop.createTestRunner({ root: copyRoot, command: testCommand, timeoutMs, log, secretVariables: settings.secretVariables }) });
  const swept = await scratch.sweep();
  if (swept > 0) log.warn('scratch', `removed ${swept} scratch copies an earlier session left behind`);
  if (settings.candidates <= 1) return undefined;
  const agents: Agent[] = [];
  for (const spec of settings.candidateAgents) {
    const colon = spec.indexOf(':');
    const provider = spec.slice(0, colon);
    const model = spec.slice(colon + 1);
    if (!(providerIds as readonly string[]).includes(provider)) throw new UsageError(vscode.l10n.t('refineLoop.candidateAgents: {0} is not one of {1}.', provider, providerIds.join(', ')));
    const own = provider === 'command' ? { 'agent.command': model } : { 'agent.model': model };
    agents.push(await agentFor({ ...settings, 'agent.provider': provider as Settings['agent.provider'], ...own }));
  }
  return { scratch, parallelTests: settings.parallelTests > 0 ? settings.parallelTests : availableParallelism(), ...(agents.length > 0 ? { agents } : {}) };
}
