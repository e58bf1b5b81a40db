import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentName } from '../../../src/vscode/agentName';

test('the agent is named as the person knows it: the script of a command, the model of a provider', () => {
  const table: [string, string, string, string][] = [
    ['command', '"/usr/bin/node" "/work/agents/my-agent.mjs"', '', 'my-agent.mjs'],
    ['command', 'python3 -u tools/agent.py --fast', '', 'agent.py'],
    ['command', 'claude -p --output-format json', '', 'claude'],
    ['command', 'npx aider --yes', '', 'aider'],
    ['command', '', '', 'the agent command'],
    ['anthropic', '', 'claude-sonnet-4', 'claude-sonnet-4'],
    ['openai-compatible', '', '', 'openai-compatible'],
    ['vscode-lm', '', '', 'the chat model'],
  ];
  for (const [provider, command, model, expected] of table) {
    assert.equal(agentName({ 'agent.provider': provider as 'command', 'agent.command': command, 'agent.model': model }), expected, `${provider} ${command}`);
  }
});
