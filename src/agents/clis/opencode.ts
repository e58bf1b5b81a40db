import * as path from 'node:path';
import { agentCliPins } from './pins';
import { asNumber, asRecord, jsonLine, type AgentCliPreset, type ParserContext, type StreamEvent, type StreamParser } from './preset';
import { oneLine, toolMessage } from './toolNames';

// OpenCode (`opencode run --format json`): the prompt on stdin, a config file beside
// the copy (OPENCODE_CONFIG, merged over the person's own) that allows edits and denies
// the shell, the web and any folder outside its own; with agent.baseUrl it also defines
// an OpenAI-compatible provider (the built-in @ai-sdk/openai-compatible) whose key comes
// from OPENAI_API_KEY. Without a base URL the person's own opencode providers and login
// are used (agent.model as `provider/model`). Updates, model list fetches, LSP
// downloads, sharing and default plugins are off. Its session retry (5 retries, backoff
// from 2 s) is fixed in 1.18.33. Errors: exit 1 with an `error` event.

export const OPENCODE_PROVIDER_ID = 'refine-loop';
const DEFAULT_MODEL = 'default';

export function opencodeConfig(call: { baseUrl?: string; model?: string }): Record<string, unknown> {
  const config: Record<string, unknown> = {
    permission: { edit: 'allow', bash: 'deny', webfetch: 'deny', websearch: 'deny', external_directory: 'deny' },
    autoupdate: false,
    share: 'disabled',
  };
  if (call.baseUrl) {
    const model = call.model || DEFAULT_MODEL;
    config.provider = {
      [OPENCODE_PROVIDER_ID]: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Refine Loop',
        options: { baseURL: call.baseUrl, apiKey: '{env:OPENAI_API_KEY}' },
        models: { [model]: { name: model } },
      },
    };
    config.model = `${OPENCODE_PROVIDER_ID}/${model}`;
    config.small_model = `${OPENCODE_PROVIDER_ID}/${model}`;
  } else if (call.model) {
    config.model = call.model;
  }
  return config;
}

function parser(context: ParserContext): StreamParser {
  let characters = 0;
  let input = 0;
  let output = 0;
  let cost = 0;
  let lastText = '';
  return {
    line(text) {
      const event = jsonLine(text);
      if (!event) return [];
      const part = asRecord(event.part);
      const out: StreamEvent[] = [];
      if (event.type === 'tool_use' && part) {
        const state = asRecord(part.state) ?? {};
        const shown = toolMessage(context, String(part.tool ?? 'tool'), state.input);
        out.push({ kind: 'tool', message: shown });
        if (state.status === 'error') out.push({ kind: 'toolFailed', message: `${shown}: ${oneLine(String(state.error ?? 'failed'))}` });
      } else if (event.type === 'text' && part && typeof part.text === 'string') {
        lastText = part.text;
        characters += part.text.length;
        out.push({ kind: 'text', characters });
      } else if (event.type === 'step_finish' && part) {
        const tokens = asRecord(part.tokens) ?? {};
        const cache = asRecord(tokens.cache) ?? {};
        input += (asNumber(tokens.input) ?? 0) + (asNumber(cache.read) ?? 0) + (asNumber(cache.write) ?? 0);
        output += (asNumber(tokens.output) ?? 0) + (asNumber(tokens.reasoning) ?? 0);
        cost += asNumber(part.cost) ?? 0;
        out.push({ kind: 'usage', usage: { inputTokens: input, outputTokens: output }, ...(cost > 0 ? { costUsd: cost } : {}) });
        if (part.reason === 'stop' && lastText) out.push({ kind: 'summary', text: lastText });
      } else if (event.type === 'error') {
        const error = asRecord(event.error) ?? {};
        const data = asRecord(error.data) ?? {};
        const status = asNumber(data.statusCode);
        const message = typeof data.message === 'string' ? data.message : String(error.name ?? 'error');
        out.push({ kind: 'error', message: `${status !== undefined ? `the model answered ${status}: ` : ''}${oneLine(message, 400)}` });
      }
      return out;
    },
  };
}

export const opencodePreset: AgentCliPreset = {
  pin: agentCliPins.opencode,
  displayName: 'OpenCode',
  keyVariable: 'OPENAI_API_KEY',
  stateFolders: ['.config/opencode', '.local/share/opencode', '.local/state/opencode', '.cache/opencode'],
  invocation(call) {
    const configPath = path.join(call.scratch, 'opencode-config.json');
    return {
      args: ['run', '--format', 'json'],
      env: {
        OPENCODE_CONFIG: configPath,
        OPENCODE_DISABLE_AUTOUPDATE: '1',
        OPENCODE_DISABLE_MODELS_FETCH: '1',
        OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
        OPENCODE_DISABLE_SHARE: '1',
        OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
        ...(call.apiKey ? { OPENAI_API_KEY: call.apiKey } : {}),
      },
      files: [{ path: configPath, content: `${JSON.stringify(opencodeConfig(call), null, 2)}\n` }],
      stdin: call.prompt,
    };
  },
  parser,
};
