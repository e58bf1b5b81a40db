import { UsageError } from '../domain/errors';
import type { AgentConfig } from './index';
import { agentCliIds, agentCliPresets, isAgentCliId } from './clis/index';

// The CLI's agent flags and environment, turned into an AgentConfig for createAgent.

const cliProviders = ['openai-compatible', 'anthropic', 'command', ...agentCliIds] as const;
const modes = ['reply', 'worktree'] as const;

export interface AgentCliFlags {
  readonly provider?: string;
  readonly model?: string;
  readonly baseUrl?: string;
  readonly agentCommand?: string;
  readonly agentMode?: string;
}

/** The API key for a provider: REFINE_LOOP_API_KEY first, else the provider's usual variable. */
export function apiKeyFromEnv(provider: AgentConfig['provider'], env: Record<string, string | undefined>): string | undefined {
  const shared = env.REFINE_LOOP_API_KEY?.trim();
  if (shared) return shared;
  const presetKey = isAgentCliId(provider) ? agentCliPresets[provider]?.keyVariable : undefined;
  const own = provider === 'openai-compatible' ? env.OPENAI_API_KEY : provider === 'anthropic' ? env.ANTHROPIC_API_KEY : presetKey ? env[presetKey] : undefined;
  return own?.trim() || undefined;
}

export function agentConfigFromCli(flags: AgentCliFlags, env: Record<string, string | undefined>, root: string, timeoutMs: number): AgentConfig {
  const provider = flags.provider ?? (flags.agentCommand ? 'command' : 'openai-compatible');
  if (!(cliProviders as readonly string[]).includes(provider)) {
    throw new UsageError(`--provider '${provider}' is not one of ${cliProviders.join(', ')} (vscode-lm works only inside VS Code).`);
  }
  const mode = flags.agentMode ?? 'reply';
  if (!(modes as readonly string[]).includes(mode)) throw new UsageError(`--agent-mode '${mode}' is not one of ${modes.join(', ')}.`);
  if (flags.agentMode !== undefined && provider !== 'command') throw new UsageError('--agent-mode applies only to --provider command.');
  if (provider === 'command' && !flags.agentCommand?.trim()) throw new UsageError('--provider command needs --agent-command "PROGRAM ARGS".');
  if (provider !== 'command' && !isAgentCliId(provider) && flags.agentCommand !== undefined) throw new UsageError('--agent-command applies only to --provider command (or an agent CLI preset, as the path of its binary).');
  if (flags.baseUrl !== undefined && !/^https?:\/\/[^/]/.test(flags.baseUrl)) throw new UsageError(`--base-url '${flags.baseUrl}' is not an http(s) URL.`);

  const typed = provider as AgentConfig['provider'];
  return {
    provider: typed,
    root,
    timeoutMs,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(typed === 'command' ? { command: flags.agentCommand, commandMode: mode as 'reply' | 'worktree' } : { apiKey: apiKeyFromEnv(typed, env) }),
    ...(isAgentCliId(typed) && flags.agentCommand ? { command: flags.agentCommand } : {}),
  };
}
