import { agentCliPins } from './pins';
import { asNumber, asRecord, jsonLine, type AgentCliPreset, type ParserContext, type StreamEvent, type StreamParser } from './preset';
import { oneLine, toolMessage } from './toolNames';

// Claude Code (`claude -p`): the prompt on stdin, edits accepted without asking
// (`--permission-mode acceptEdits`; it confines them to its folder), Bash and web tools
// off, `--output-format stream-json --verbose` read line by line. Its key goes into
// ANTHROPIC_API_KEY, a base URL into ANTHROPIC_BASE_URL; telemetry, error reports, the
// updater and other non-essential traffic are off, and it retries a failing model at
// most twice. An API error ends the stream with `result` and `is_error: true`.

/** Tools it may not use: a shell, the web, sub-agents, scheduling, worktrees. */
const DISALLOWED = ['Bash', 'WebFetch', 'WebSearch', 'Task', 'CronCreate', 'CronDelete', 'ScheduleWakeup', 'EnterWorktree', 'ExitWorktree'];
export const CLAUDE_MAX_RETRIES = 2;

/** The stream-json of Claude Code (Qwen Code writes the same shape). */
export function claudeStreamParser(context: ParserContext): StreamParser {
  const tools = new Map<string, string>();
  let characters = 0;
  return {
    line(text) {
      const event = jsonLine(text);
      if (!event) return [];
      const out: StreamEvent[] = [];
      const message = asRecord(event.message);
      const content = Array.isArray(message?.content) ? (message.content as unknown[]) : [];
      if (event.type === 'assistant') {
        for (const raw of content) {
          const block = asRecord(raw);
          if (block?.type === 'tool_use') {
            const shown = toolMessage(context, String(block.name ?? 'tool'), block.input);
            if (typeof block.id === 'string') tools.set(block.id, shown);
            out.push({ kind: 'tool', message: shown });
          } else if (block?.type === 'text' && typeof block.text === 'string') {
            characters += block.text.length;
            out.push({ kind: 'text', characters });
          }
        }
      } else if (event.type === 'user') {
        for (const raw of content) {
          const block = asRecord(raw);
          if (block?.type !== 'tool_result' || block.is_error !== true) continue;
          const what = typeof block.tool_use_id === 'string' ? (tools.get(block.tool_use_id) ?? 'A tool') : 'A tool';
          const why = typeof block.content === 'string' ? block.content : JSON.stringify(block.content ?? '');
          out.push({ kind: 'toolFailed', message: `${what}: ${oneLine(why.replace(/<\/?tool_use_error>/g, ''))}` });
        }
      } else if (event.type === 'result') {
        const usage = asRecord(event.usage);
        if (usage) {
          const input = (asNumber(usage.input_tokens) ?? 0) + (asNumber(usage.cache_creation_input_tokens) ?? 0) + (asNumber(usage.cache_read_input_tokens) ?? 0);
          const cost = asNumber(event.total_cost_usd);
          out.push({ kind: 'usage', usage: { inputTokens: input, outputTokens: asNumber(usage.output_tokens) ?? 0 }, ...(cost !== undefined ? { costUsd: cost } : {}) });
        }
        const result = typeof event.result === 'string' ? event.result : '';
        if (event.is_error === true) {
          const status = asNumber(event.api_error_status);
          out.push({ kind: 'error', message: `${status !== undefined ? `the model answered ${status}: ` : ''}${oneLine(result || String(event.subtype ?? 'error'), 400)}` });
        } else {
          out.push({ kind: 'summary', text: result });
        }
      }
      return out;
    },
  };
}

export const claudeCodePreset: AgentCliPreset = {
  pin: agentCliPins['claude-code'],
  displayName: 'Claude Code',
  keyVariable: 'ANTHROPIC_API_KEY',
  stateFolders: ['.claude'],
  invocation(call) {
    const args = ['-p', '--permission-mode', 'acceptEdits', '--output-format', 'stream-json', '--verbose', '--max-turns', String(call.maxTurns), '--disallowedTools', DISALLOWED.join(',')];
    if (call.model) args.push('--model', call.model);
    return {
      args,
      env: {
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_MAX_RETRIES: String(CLAUDE_MAX_RETRIES),
        ...(call.baseUrl ? { ANTHROPIC_BASE_URL: call.baseUrl } : {}),
        ...(call.apiKey ? { ANTHROPIC_API_KEY: call.apiKey } : {}),
      },
      files: [],
      stdin: call.prompt,
    };
  },
  parser: claudeStreamParser,
};
