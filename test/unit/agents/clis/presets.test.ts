import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { agentConfigFromCli } from '../../../../src/agents/cliOptions';
import { claudeCodePreset } from '../../../../src/agents/clis/claudeCode';
import { lineSplitter } from '../../../../src/agents/clis/lines';
import { opencodeConfig } from '../../../../src/agents/clis/opencode';
import { agentCliPrompt } from '../../../../src/agents/clis/prompt';
import { qwenCodePreset } from '../../../../src/agents/clis/qwenCode';
import { compareVersions, parseVersion } from '../../../../src/agents/clis/version';
import { UsageError } from '../../../../src/domain/errors';
import { buildPrompt } from '../../../../src/loop/prompt';

// The pure parts of the presets: versions, lines, the prompt, what each call is given.

const call = { prompt: 'PROMPT', workdir: '/s/workdir', scratch: '/s', home: '/h', maxTurns: 7, env: {} };

describe('agent CLI presets', () => {
  it('reads the version each CLI prints and compares it part by part', () => {
    assert.equal(parseVersion('2.1.197 (Claude Code)'), '2.1.197');
    assert.equal(parseVersion('codex-cli 0.171.0'), '0.171.0');
    assert.equal(parseVersion('no version here'), undefined);
    assert.ok(compareVersions('2.1.9', '2.1.197') < 0);
    assert.ok(compareVersions('1.18.33', '1.18.33') === 0);
    assert.ok(compareVersions('0.16.0', '0.15.10') > 0);
  });

  it('joins lines split across chunks and keeps a last line without a newline', () => {
    const split = lineSplitter();
    assert.deepEqual(split.push('{"a":'), []);
    assert.deepEqual(split.push('1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(split.push(':2}\n\n'), ['{"b":2}', '']);
    assert.deepEqual(split.push('{"c":3}'), []);
    assert.deepEqual(split.end(), ['{"c":3}']);
  });

  it("tells the CLI the loop's content, asks it to edit rather than print blocks, and names the protected paths", () => {
    const request = buildPrompt({ round: 2, task: 'make the cart tests pass', files: [], feedback: 'tax missing: got 30', rejections: [{ reason: 'keep the rounding' }], budgetTokens: 32000 });
    const prompt = agentCliPrompt(request, ['**/*.test.*', '.github/**']);
    assert.match(prompt, /# Round 2/);
    assert.match(prompt, /make the cart tests pass/);
    assert.match(prompt, /<test-output>[\s\S]*tax missing: got 30[\s\S]*<\/test-output>/);
    assert.match(prompt, /keep the rounding/);
    assert.match(prompt, /\*\*\/\*\.test\.\*, \.github\/\*\*/);
    assert.doesNotMatch(prompt, /as search\/replace blocks/);
  });

  it('puts the key only into the CLI\'s own variable, and only when one is set', () => {
    const claude = claudeCodePreset.invocation({ ...call, apiKey: 'k', baseUrl: 'http://127.0.0.1:9', model: 'm' });
    assert.equal(claude.env.ANTHROPIC_API_KEY, 'k');
    assert.equal(claude.env.ANTHROPIC_BASE_URL, 'http://127.0.0.1:9');
    assert.deepEqual(claude.args.slice(-2), ['--model', 'm']);
    assert.equal(claude.stdin, 'PROMPT');
    assert.equal(claude.env.DISABLE_TELEMETRY, '1');
    assert.equal(claudeCodePreset.invocation(call).env.ANTHROPIC_API_KEY, undefined, 'no key set: the person\'s own login');
    const qwen = qwenCodePreset.invocation({ ...call, apiKey: 'k' });
    assert.equal(qwen.env.OPENAI_API_KEY, 'k');
    assert.equal(qwen.env.ANTHROPIC_API_KEY, undefined);
    assert.equal(qwen.files[0]!.path, qwen.env.QWEN_CODE_SYSTEM_SETTINGS_PATH);
    assert.match(qwen.files[0]!.content, /"usageStatisticsEnabled": false/);
  });

  it('gives opencode a provider only with a base URL, and never the shell or outside folders', () => {
    const withServer = opencodeConfig({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm' });
    assert.equal(withServer.model, 'refine-loop/m');
    assert.deepEqual((withServer.permission as Record<string, string>).bash, 'deny');
    assert.deepEqual((withServer.permission as Record<string, string>).external_directory, 'deny');
    const own = opencodeConfig({ model: 'anthropic/claude' });
    assert.equal(own.provider, undefined);
    assert.equal(own.model, 'anthropic/claude');
  });

  it('takes --provider claude-code with --agent-command as the binary and the key from REFINE_LOOP_API_KEY or ANTHROPIC_API_KEY', () => {
    const config = agentConfigFromCli({ provider: 'claude-code', agentCommand: '/opt/claude' }, { REFINE_LOOP_API_KEY: 'shared' }, '/root', 1000);
    assert.equal(config.command, '/opt/claude');
    assert.equal(config.apiKey, 'shared');
    assert.equal(agentConfigFromCli({ provider: 'claude-code' }, { ANTHROPIC_API_KEY: 'own' }, '/root', 1000).apiKey, 'own');
    assert.equal(agentConfigFromCli({ provider: 'qwen-code' }, { ANTHROPIC_API_KEY: 'not-its' }, '/root', 1000).apiKey, undefined);
    assert.throws(() => agentConfigFromCli({ provider: 'claude-code', agentMode: 'worktree' }, {}, '/root', 1000), UsageError);
    assert.throws(() => agentConfigFromCli({ provider: 'anthropic', agentCommand: 'x' }, {}, '/root', 1000), UsageError);
  });
});
