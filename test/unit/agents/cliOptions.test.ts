import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { UsageError } from '../../../src/domain/errors';
import { agentConfigFromCli, apiKeyFromEnv } from '../../../src/agents/cliOptions';
import { createAgent } from '../../../src/agents/index';

describe('agentConfigFromCli', () => {
  const env = { OPENAI_API_KEY: 'sk-openai', ANTHROPIC_API_KEY: 'sk-ant' };

  it('maps the flags of an openai-compatible server, with its key from OPENAI_API_KEY', () => {
    const config = agentConfigFromCli({ provider: 'openai-compatible', model: 'qwen2.5-coder:7b', baseUrl: 'http://127.0.0.1:8080/v1' }, env, '/ws', 60_000);
    assert.deepEqual(config, { provider: 'openai-compatible', model: 'qwen2.5-coder:7b', baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'sk-openai', root: '/ws', timeoutMs: 60_000 });
  });

  it('takes REFINE_LOOP_API_KEY before the provider variable', () => {
    assert.equal(apiKeyFromEnv('anthropic', { ...env, REFINE_LOOP_API_KEY: 'sk-shared' }), 'sk-shared');
    assert.equal(apiKeyFromEnv('anthropic', env), 'sk-ant');
    assert.equal(apiKeyFromEnv('openai-compatible', { ANTHROPIC_API_KEY: 'sk-ant' }), undefined);
    assert.equal(agentConfigFromCli({ provider: 'anthropic', model: 'm' }, env, '/ws', 1000).apiKey, 'sk-ant');
  });

  it('maps a command agent with its mode, and gives it no key', () => {
    const config = agentConfigFromCli({ provider: 'command', agentCommand: 'my-agent --headless', agentMode: 'worktree' }, env, '/ws', 5000);
    assert.deepEqual(config, { provider: 'command', command: 'my-agent --headless', commandMode: 'worktree', root: '/ws', timeoutMs: 5000 });
    assert.equal(agentConfigFromCli({ agentCommand: 'x' }, env, '/ws', 5000).provider, 'command', '--agent-command alone implies the command provider');
    assert.equal(agentConfigFromCli({ provider: 'command', agentCommand: 'x' }, env, '/ws', 5000).commandMode, 'reply');
  });

  it('rejects what makes no sense with a UsageError that names the flag', () => {
    const cases: [Parameters<typeof agentConfigFromCli>[0], RegExp][] = [
      [{ provider: 'gpt' }, /--provider 'gpt' is not one of openai-compatible, anthropic, command/],
      [{ provider: 'vscode-lm' }, /vscode-lm works only inside VS Code/],
      [{ provider: 'command', agentCommand: 'x', agentMode: 'patch' }, /--agent-mode 'patch' is not one of reply, worktree/],
      [{ provider: 'command' }, /needs --agent-command/],
      [{ provider: 'anthropic', agentMode: 'reply' }, /--agent-mode applies only to --provider command/],
      [{ provider: 'openai-compatible', baseUrl: 'localhost:11434' }, /--base-url 'localhost:11434' is not an http\(s\) URL/],
    ];
    for (const [flags, message] of cases) {
      assert.throws(() => agentConfigFromCli(flags, env, '/ws', 1000), (error: unknown) => error instanceof UsageError && message.test(error.message));
    }
  });
});

describe('createAgent', () => {
  it('creates each provider under its id', () => {
    assert.equal(createAgent({ provider: 'openai-compatible', model: 'llama3', root: '/', timeoutMs: 1000 }).id, 'openai-compatible:llama3');
    assert.equal(createAgent({ provider: 'anthropic', model: 'claude-x', apiKey: 'k', root: '/', timeoutMs: 1000 }).id, 'anthropic:claude-x');
    assert.equal(createAgent({ provider: 'command', command: 'x', commandMode: 'worktree', root: '/', timeoutMs: 1000 }).id, 'command:worktree');
  });

  it('rejects an unknown provider', () => {
    assert.throws(() => createAgent({ provider: 'other' as 'command', root: '/', timeoutMs: 1000 }), UsageError);
  });
});
