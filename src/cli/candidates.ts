import { availableParallelism } from 'node:os';
import { agentConfigFromCli } from '../agents/cliOptions';
import type { AgentConfig } from '../agents/index';
import { UsageError } from '../domain/errors';
import type { Agent, Logger } from '../domain/ports';
import type { Settings } from '../domain/settings';
import type { CandidatePorts } from '../loop/candidateRound';
import { createScratchCopies } from '../node/scratchCopies';
import { createTestRunner } from '../node/testRunner';

// `refine-loop run --candidates N`: the scratch copies the attempts are tested in, the
// agents they come from (`--candidate-agent PROVIDER:MODEL`, in turn), and how many
// test runs go at once.

export function candidatesOption(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 8) throw new UsageError(`--candidates '${value}' is not a whole number from 1 to 8.`);
  return Number(value);
}

/** `PROVIDER:MODEL` (for `command`, the part after the colon is the command line). */
export function parseCandidateAgent(spec: string): { provider: string; model: string } {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`--candidate-agent '${spec}' is not PROVIDER:MODEL (for example openai-compatible:qwen2.5-coder:7b).`);
  return { provider: spec.slice(0, colon), model: spec.slice(colon + 1) };
}

export interface CandidateContext {
  readonly root: string;
  readonly command: string;
  readonly log: Logger;
  readonly secretVariables: readonly string[];
  readonly agentConfig: AgentConfig;
  readonly agentFor: (config: AgentConfig) => Agent;
  readonly env: Record<string, string | undefined>;
  readonly flags: { readonly 'base-url'?: string; readonly 'agent-mode'?: string };
}

/**
 * The candidate ports, or undefined at `candidates` 1 (then a round is one attempt, as
 * always). Copies an earlier run left behind (a crash) are removed first.
 */
export async function candidatePorts(settings: Settings, context: CandidateContext): Promise<CandidatePorts | undefined> {
  const timeoutMs = settings['test.timeoutSeconds'] * 1000;
  const scratch = createScratchCopies({
    root: context.root,
    log: context.log,
    testRunner: (copyRoot) => createTestRunner({ root: copyRoot, command: context.command, timeoutMs, log: context.log, secretVariables: context.secretVariables }),
  });
  const swept = await scratch.sweep();
  if (swept > 0) context.log.warn('scratch', `removed ${swept} scratch cop${swept === 1 ? 'y' : 'ies'} an earlier run left behind`);
  if (settings.candidates <= 1) return undefined;
  const agents = settings.candidateAgents.map((spec) => {
    const { provider, model } = parseCandidateAgent(spec);
    const isCommand = provider === 'command';
    const config = agentConfigFromCli(
      { provider, ...(isCommand ? { agentCommand: model, agentMode: context.flags['agent-mode'] } : { model, baseUrl: context.flags['base-url'] }) },
      context.env,
      context.root,
      context.agentConfig.timeoutMs,
    );
    return context.agentFor(config);
  });
  return { scratch, parallelTests: settings.parallelTests > 0 ? settings.parallelTests : availableParallelism(), ...(agents.length > 0 ? { agents } : {}) };
}
