import { UsageError } from '../domain/errors';
import type { Agent, Logger, WorkspaceReader } from '../domain/ports';
import { createCommandAgent } from './command';
import { createAnthropicAgent } from './anthropic';
import { createOpenAiAgent } from './openai';
import { createReadTools } from './tools/readTools';
import { createAgentCliAgent, isAgentCliId, type AgentCliId } from './clis/index';

// One entry point for the providers that run outside the editor (the editor's own
// Language Model API provider lives in src/vscode/lmAgent.ts).

export interface AgentConfig {
  readonly provider: 'openai-compatible' | 'anthropic' | 'command' | AgentCliId;
  readonly model?: string;
  /** Empty or absent: the provider's default (a local Ollama; api.anthropic.com). */
  readonly baseUrl?: string;
  /** From SecretStorage (editor) or the environment (CLI); never logged. */
  readonly apiKey?: string;
  readonly command?: string;
  readonly commandMode?: 'reply' | 'worktree';
  /** Workspace root, for the command provider. */
  readonly root: string;
  /** Most milliseconds one propose() may take, retries included. */
  readonly timeoutMs: number;
  /** Retries after the first attempt on 429, 5xx and connection resets (HTTP providers). */
  readonly retries?: number;
  readonly log?: Logger;
  /** First retry delay in ms (doubles each retry); tests make it small. */
  readonly retryBaseMs?: number;
  /** Most bytes of reply one call may bring back. */
  readonly maxReplyBytes?: number;
  /** Most output tokens to ask for when the request does not say. */
  readonly maxOutputTokens?: number;
  /** Environment for the command provider's program (default process.env; API key variables are removed). */
  readonly env?: Record<string, string | undefined>;
  /** More variable names (or `*` patterns) kept from the command provider's program (`refineLoop.secretVariables`). */
  readonly secretVariables?: readonly string[];
  /** Worktree mode: `auto` contains the program with bubblewrap where it runs, `bwrap` requires it, `none` does not. */
  readonly sandbox?: 'auto' | 'bwrap' | 'none';
  /** What the read-only tools read (HTTP providers); without it no read tool is offered. */
  readonly reader?: WorkspaceReader;
  /** refineLoop.context.include: files the read tools may read although secret-looking or large. */
  readonly include?: readonly string[];
  /** refineLoop.protectedPaths: an agent CLI preset is told to leave them alone. */
  readonly protectedPaths?: readonly string[];
}

export function createAgent(config: AgentConfig): Agent {
  if (isAgentCliId(config.provider)) {
    // An agent CLI preset: `command` is the binary's path when set.
    return createAgentCliAgent({
      provider: config.provider,
      root: config.root,
      timeoutMs: config.timeoutMs,
      ...(config.command?.trim() ? { commandPath: config.command.trim() } : {}),
      ...(config.model ? { model: config.model } : {}),
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      ...(config.protectedPaths ? { protectedPaths: config.protectedPaths } : {}),
      ...(config.env ? { env: config.env } : {}),
      ...(config.secretVariables ? { secretVariables: config.secretVariables } : {}),
      ...(config.sandbox ? { sandbox: config.sandbox } : {}),
      ...(config.log ? { log: config.log } : {}),
    });
  }
  switch (config.provider) {
    case 'command':
      return createCommandAgent({
        command: config.command ?? '',
        mode: config.commandMode ?? 'reply',
        root: config.root,
        timeoutMs: config.timeoutMs,
        log: config.log,
        env: config.env,
        maxReplyBytes: config.maxReplyBytes,
        ...(config.secretVariables ? { secretVariables: config.secretVariables } : {}),
        ...(config.sandbox ? { sandbox: config.sandbox } : {}),
      });
    case 'openai-compatible':
      return createOpenAiAgent(httpOptions(config));
    case 'anthropic':
      return createAnthropicAgent(httpOptions(config));
    default:
      throw new UsageError(`Unknown agent provider '${String((config as { provider: unknown }).provider)}': use openai-compatible, anthropic, command, claude-code, codex, gemini-cli, qwen-code or opencode.`);
  }
}

function httpOptions(config: AgentConfig) {
  return {
    baseUrl: config.baseUrl,
    model: config.model,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    retryBaseMs: config.retryBaseMs,
    maxReplyBytes: config.maxReplyBytes,
    maxOutputTokens: config.maxOutputTokens,
    log: config.log,
    ...(config.reader ? { tools: createReadTools({ reader: config.reader, include: config.include }) } : {}),
  };
}
