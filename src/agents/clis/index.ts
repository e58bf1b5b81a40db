import { AgentError } from '../../domain/errors';
import type { Agent, Logger } from '../../domain/ports';
import type { SandboxMode } from '../../node/sandbox';
import { createCommandAgent } from '../command';
import { agentCliPins, type AgentCliId } from './pins';
import { agentCliPresets } from './presets';
import { createPresetProgram } from './run';

// An agent CLI preset as an Agent: the command provider's worktree mode (scratch copy,
// sandbox, process runner, diff) running the preset's program.

export { agentCliIds, agentCliPins, isAgentCliId, type AgentCliId } from './pins';
export { findCli, installHint, locateCli, type FoundCli } from './discovery';
export { agentCliPresets } from './presets';

export interface AgentCliConfig {
  readonly provider: AgentCliId;
  readonly root: string;
  readonly timeoutMs: number;
  /** refineLoop.agent.command / --agent-command: the binary's path (empty: found on PATH). */
  readonly commandPath?: string;
  readonly model?: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly protectedPaths?: readonly string[];
  readonly env?: Record<string, string | undefined>;
  readonly secretVariables?: readonly string[];
  readonly sandbox?: SandboxMode;
  readonly log?: Logger;
}

export function createAgentCliAgent(config: AgentCliConfig): Agent {
  const preset = agentCliPresets[config.provider];
  if (!preset) throw new AgentError(`The ${config.provider} preset is not built yet in this version of Refine Loop; use claude-code, or the command provider in worktree mode with ${agentCliPins[config.provider].binary}.`, 'agent.presetMissing');
  const program = createPresetProgram({
    preset,
    protectedPaths: config.protectedPaths ?? [],
    ...(config.commandPath ? { commandPath: config.commandPath } : {}),
    ...(config.model ? { model: config.model } : {}),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    ...(config.log ? { log: config.log } : {}),
  });
  return createCommandAgent({
    command: preset.pin.binary,
    mode: 'worktree',
    root: config.root,
    timeoutMs: config.timeoutMs,
    program,
    ...(config.log ? { log: config.log } : {}),
    ...(config.env ? { env: config.env } : {}),
    ...(config.secretVariables ? { secretVariables: config.secretVariables } : {}),
    ...(config.sandbox ? { sandbox: config.sandbox } : {}),
  });
}
