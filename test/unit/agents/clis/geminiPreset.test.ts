import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { GEMINI_MAX_ATTEMPTS, GEMINI_PROMPT_ARGUMENT, geminiInvocation, mergeSettings } from '../../../../src/agents/clis/geminiCli';
import type { PresetCall } from '../../../../src/agents/clis/preset';

// The gemini-cli call for one round, built from its inputs (the person's files read
// through the injected reader).

const base: PresetCall = { prompt: 'the task', workdir: '/s/workdir', scratch: '/s', home: '/home/p', maxTurns: 40, env: {} };

describe('gemini-cli invocation', () => {
  it('runs headless with the prompt on stdin, edits auto-approved, stream-json, in a private GEMINI_CLI_HOME', () => {
    const call = geminiInvocation({ ...base, model: 'gemini-2.5-pro', baseUrl: 'http://127.0.0.1:9/', apiKey: 'g-key' }, () => undefined);
    assert.deepEqual(call.args, ['-p', GEMINI_PROMPT_ARGUMENT, '--approval-mode', 'auto_edit', '--output-format', 'stream-json', '-m', 'gemini-2.5-pro']);
    assert.equal(call.stdin, 'the task');
    assert.deepEqual(call.env, { GEMINI_CLI_HOME: '/s/gemini-home', GEMINI_CLI_TRUST_WORKSPACE: 'true', GEMINI_TELEMETRY_ENABLED: 'false', GEMINI_API_KEY: 'g-key', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9' });
    assert.deepEqual(JSON.parse(call.files[0]?.content ?? ''), {
      general: { disableAutoUpdate: true, disableUpdateNag: true, maxAttempts: GEMINI_MAX_ATTEMPTS },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      security: { auth: { selectedType: 'gemini-api-key' } },
    });
    assert.equal(call.files[0]?.path, '/s/gemini-home/.gemini/settings.json');
    assert.doesNotMatch(JSON.stringify(call.files), /g-key/, 'the key is only in the variable');
  });

  it("keeps the person's settings, login and GEMINI.md, with the preset's settings on top", () => {
    const own: Record<string, string> = {
      '/home/p/.gemini/settings.json': '// mine\n{"general": {"vimMode": true, "maxAttempts": 10}, "security": {"auth": {"selectedType": "oauth-personal"}}, "ui": {"theme": "x"}}',
      '/home/p/.gemini/oauth_creds.json': '{"refresh_token":"r"}',
      '/home/p/.gemini/GEMINI.md': 'Use tabs.',
    };
    const call = geminiInvocation(base, (file) => own[file]);
    const settings = JSON.parse(call.files[0]?.content ?? '') as Record<string, Record<string, unknown>>;
    assert.deepEqual(settings.general, { vimMode: true, maxAttempts: GEMINI_MAX_ATTEMPTS, disableAutoUpdate: true, disableUpdateNag: true });
    assert.deepEqual(settings.security, { auth: { selectedType: 'oauth-personal' } }, 'without a key their own login stays selected');
    assert.deepEqual(settings.ui, { theme: 'x' });
    assert.deepEqual(
      call.files.slice(1).map((file) => [file.path, file.content]),
      [
        ['/s/gemini-home/.gemini/oauth_creds.json', '{"refresh_token":"r"}'],
        ['/s/gemini-home/.gemini/GEMINI.md', 'Use tabs.'],
      ],
    );
    assert.ok(!('GEMINI_API_KEY' in call.env));
    assert.ok(!call.args.includes('-m'));
  });

  it("says which file is broken when the person's settings are not JSON", () => {
    assert.throws(() => geminiInvocation(base, (file) => (file.endsWith('settings.json') ? '{ broken' : undefined)), /Could not read \/home\/p\/\.gemini\/settings\.json as JSON/);
  });

  it('merges objects key by key and lets the top win elsewhere', () => {
    assert.deepEqual(mergeSettings({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, d: { e: 1 } }), { a: { b: 1, c: [2] }, d: { e: 1 } });
  });
});
