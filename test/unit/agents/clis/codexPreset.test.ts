import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { codexInvocation, CODEX_KEY_VARIABLE } from '../../../../src/agents/clis/codex';
import type { PresetCall } from '../../../../src/agents/clis/preset';

// The codex call for one round, built from its inputs (the person's files read through
// the injected reader).

const base: PresetCall = { prompt: 'the task', workdir: '/s/workdir', scratch: '/s', home: '/home/p', maxTurns: 40, env: {} };
const noFiles = () => undefined;

function overrides(args: readonly string[]): string[] {
  return args.flatMap((arg, index) => (args[index - 1] === '-c' ? [arg] : []));
}

describe('codex invocation', () => {
  it('runs exec with the prompt on stdin, no approvals, its sandbox without /tmp, and the extras off', () => {
    const call = codexInvocation(base, noFiles);
    assert.deepEqual(call.args.slice(0, 6), ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '--color', 'never']);
    assert.equal(call.args.at(-1), '-');
    assert.equal(call.stdin, 'the task');
    assert.deepEqual(overrides(call.args), [
      'approval_policy="never"',
      'sandbox_mode="workspace-write"',
      'sandbox_workspace_write.exclude_slash_tmp=true',
      'sandbox_workspace_write.exclude_tmpdir_env_var=true',
      'sandbox_workspace_write.network_access=false',
      'check_for_update_on_startup=false',
      'features.plugins=false',
      'analytics.enabled=false',
    ]);
  });

  it("without a base URL or key uses the person's own CODEX_HOME (their login), and passes a model as an override", () => {
    const call = codexInvocation({ ...base, model: 'gpt-5.5' }, noFiles);
    assert.deepEqual(call.env, {});
    assert.deepEqual(call.files, []);
    assert.ok(overrides(call.args).includes('model="gpt-5.5"'));
    assert.ok(!overrides(call.args).some((each) => each.startsWith('model_provider=')));
  });

  it("with a base URL and key: a private CODEX_HOME whose config starts with the person's, plus a provider entry naming the key's variable", () => {
    const own = 'model = "o4"\n[mcp_servers.docs]\ncommand = "docs-server"\n';
    const read = (file: string) => ({ '/home/p/.codex/config.toml': own, '/home/p/.codex/AGENTS.md': 'Be terse.' })[file];
    const call = codexInvocation({ ...base, baseUrl: 'http://127.0.0.1:9/v1/', apiKey: 'sk-1' }, read);
    assert.deepEqual(call.env, { CODEX_HOME: '/s/codex-home', [CODEX_KEY_VARIABLE]: 'sk-1' });
    assert.ok(overrides(call.args).includes('model_provider="refine_loop"'));
    const config = call.files.find((file) => file.path === '/s/codex-home/config.toml')?.content ?? '';
    assert.ok(config.startsWith(own.trimEnd()), config);
    assert.match(config, /\[model_providers\.refine_loop\]\nname = "Refine Loop"\nbase_url = "http:\/\/127\.0\.0\.1:9\/v1"\nenv_key = "OPENAI_API_KEY"\nwire_api = "responses"\nrequest_max_retries = 2\nstream_max_retries = 0\n/);
    assert.deepEqual(call.files.find((file) => file.path === '/s/codex-home/AGENTS.md')?.content, 'Be terse.');
    assert.doesNotMatch(JSON.stringify(call.files) + call.args.join(' '), /sk-1/, 'the key is only in the variable');
  });

  it("reads the person's config from their CODEX_HOME, and names no env_key without a key", () => {
    const seen: string[] = [];
    const call = codexInvocation({ ...base, env: { CODEX_HOME: '/elsewhere/codex' }, baseUrl: 'http://localhost:1234/v1' }, (file) => {
      seen.push(file);
      return undefined;
    });
    assert.deepEqual(seen, ['/elsewhere/codex/config.toml', '/elsewhere/codex/AGENTS.md']);
    assert.deepEqual(call.env, { CODEX_HOME: '/s/codex-home' });
    assert.doesNotMatch(call.files[0]?.content ?? '', /env_key/);
  });

  it('with only a key: the provider entry points at the OpenAI API', () => {
    const call = codexInvocation({ ...base, apiKey: 'sk-2' }, noFiles);
    assert.match(call.files[0]?.content ?? '', /base_url = "https:\/\/api\.openai\.com\/v1"/);
  });
});
