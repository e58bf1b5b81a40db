import * as path from 'node:path';
import { claudeStreamParser } from './claudeCode';
import { agentCliPins } from './pins';
import type { AgentCliPreset, StreamEvent } from './preset';

// Qwen Code (`qwen`): the prompt on stdin, edits approved (`--approval-mode auto-edit`;
// shell commands need an approval nobody gives), `--output-format stream-json` (the same
// shape as Claude Code's). It does not confine its edits to its folder: the sandbox
// does. The key goes into OPENAI_API_KEY, agent.baseUrl into OPENAI_BASE_URL and
// agent.model into OPENAI_MODEL; without them the person's own qwen login is used.
// A system settings file beside the copy (QWEN_CODE_SYSTEM_SETTINGS_PATH, merged over
// the person's own) turns off usage statistics, telemetry and the updater, and the
// SDK's own retries; its stream retry (7 attempts, backoff to 30 s) is fixed in 0.15.10.
// In stream-json mode an API error still exits 0, with `result: "[API Error: …]"`.

const API_ERROR = /^\s*\[API Error: ([\s\S]*?)\]?\s*$/;

export const QWEN_SYSTEM_SETTINGS = {
  model: { generationConfig: { maxRetries: 0 } },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: { disableAutoUpdate: true, disableUpdateNag: true, enableAutoUpdate: false },
};

export const qwenCodePreset: AgentCliPreset = {
  pin: agentCliPins['qwen-code'],
  displayName: 'Qwen Code',
  keyVariable: 'OPENAI_API_KEY',
  stateFolders: ['.qwen'],
  invocation(call) {
    const settings = path.join(call.scratch, 'qwen-system-settings.json');
    return {
      args: ['--approval-mode', 'auto-edit', '--output-format', 'stream-json', '--max-session-turns', String(call.maxTurns)],
      env: {
        QWEN_CODE_SYSTEM_SETTINGS_PATH: settings,
        QWEN_DISABLE_AUTO_TITLE: '1',
        ...(call.apiKey ? { OPENAI_API_KEY: call.apiKey } : {}),
        ...(call.baseUrl ? { OPENAI_BASE_URL: call.baseUrl } : {}),
        ...(call.model ? { OPENAI_MODEL: call.model } : {}),
      },
      files: [{ path: settings, content: `${JSON.stringify(QWEN_SYSTEM_SETTINGS, null, 2)}\n` }],
      stdin: call.prompt,
    };
  },
  parser(context) {
    const inner = claudeStreamParser(context);
    return {
      line(text) {
        return inner.line(text).map((event): StreamEvent => {
          const apiError = event.kind === 'summary' ? API_ERROR.exec(event.text) : null;
          return apiError ? { kind: 'error', message: `the model call failed: ${apiError[1]!.trim()}` } : event;
        });
      },
    };
  },
};
