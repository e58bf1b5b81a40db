import { asNumber, asRecord, jsonLine, shownPath, type ParserContext, type StreamEvent, type StreamParser } from './preset';

// Reads `gemini --output-format stream-json` (gemini-cli 0.61): one JSON event a line.
// `tool_use` / `tool_result` pair by `tool_id`; assistant `message`s come as deltas; the
// closing `result` carries the status, the error and the token totals. A run that
// fails on an HTTP error exits with the status mod 256 (401 → 145, 500 → 244).

/** How a tool use is shown, by gemini's tool names. */
export function describeGeminiTool(context: ParserContext, name: string, parameters: Record<string, unknown> | undefined): string {
  const file = shownPath(context, parameters?.file_path ?? parameters?.absolute_path ?? parameters?.path);
  const dir = shownPath(context, parameters?.dir_path ?? parameters?.path) || '.';
  switch (name) {
    case 'read_file':
      return `Read ${file}`;
    case 'read_many_files':
      return 'Read several files';
    case 'replace':
    case 'edit':
      return `Edit ${file}`;
    case 'write_file':
      return `Write ${file}`;
    case 'list_directory':
      return `List ${dir}`;
    case 'glob':
    case 'grep_search':
    case 'search_file_content':
      return `Search ${typeof parameters?.pattern === 'string' ? parameters.pattern : ''} in ${dir}`.replace(/\s+/g, ' ');
    case 'run_shell_command':
      return `Run ${String(parameters?.command ?? '')}`;
    default:
      return `Use ${name}`;
  }
}

/** `[API Error: {"error":{"code":401,"message":"…","status":"UNAUTHENTICATED"}}]` → `the model server answered 401 UNAUTHENTICATED: …`. */
export function explainGeminiError(message: string): string {
  const wrapped = /^\[API Error: ([\s\S]*)\]$/.exec(message.trim());
  if (!wrapped?.[1]) return message;
  try {
    const error = asRecord(asRecord(JSON.parse(wrapped[1]))?.error);
    const code = asNumber(error?.code);
    const text = typeof error?.message === 'string' ? error.message : undefined;
    if (code !== undefined || text !== undefined) {
      return `the model server answered ${code ?? 'an error'}${typeof error?.status === 'string' ? ` ${error.status}` : ''}: ${text ?? wrapped[1]}`;
    }
  } catch {
    // Not JSON: the text as gemini gave it.
  }
  return `the model server answered: ${wrapped[1]}`;
}

export function geminiParser(context: ParserContext): StreamParser {
  const tools = new Map<string, string>();
  let textCharacters = 0;
  /** Assistant text since the last tool use: the final answer once the run ends. */
  let answer = '';
  let lastAnswer = '';
  return {
    line(text) {
      const event = jsonLine(text);
      if (!event) return [];
      const events: StreamEvent[] = [];
      switch (event.type) {
        case 'tool_use': {
          const name = typeof event.tool_name === 'string' ? event.tool_name : 'a tool';
          const message = describeGeminiTool(context, name, asRecord(event.parameters));
          if (typeof event.tool_id === 'string') tools.set(event.tool_id, message);
          if (answer.trim()) lastAnswer = answer;
          answer = '';
          events.push({ kind: 'tool', message });
          break;
        }
        case 'tool_result':
          if (event.status === 'error') {
            const what = (typeof event.tool_id === 'string' && tools.get(event.tool_id)) || 'A tool use';
            const reason = asRecord(event.error)?.message ?? event.output;
            events.push({ kind: 'toolFailed', message: `${what}: ${typeof reason === 'string' && reason ? reason : 'failed'}` });
          }
          break;
        case 'message':
          if (event.role === 'assistant' && typeof event.content === 'string') {
            answer = event.delta === true ? answer + event.content : event.content;
            textCharacters += event.content.length;
            events.push({ kind: 'text', characters: textCharacters });
          }
          break;
        case 'error':
          // Warnings (a loop detected, a turn limit) go on; only an error ends the run.
          if (event.severity === 'error' && typeof event.message === 'string') events.push({ kind: 'error', message: explainGeminiError(event.message) });
          break;
        case 'result': {
          const stats = asRecord(event.stats);
          const inputTokens = asNumber(stats?.input_tokens);
          const outputTokens = asNumber(stats?.output_tokens);
          if (inputTokens || outputTokens) {
            events.push({ kind: 'usage', usage: { ...(inputTokens !== undefined ? { inputTokens } : {}), ...(outputTokens !== undefined ? { outputTokens } : {}) } });
          }
          if (event.status === 'error') {
            const message = asRecord(event.error)?.message;
            events.push({ kind: 'error', message: explainGeminiError(typeof message === 'string' && message ? message : 'the run ended with an error and no message') });
          } else {
            const summary = (answer.trim() ? answer : lastAnswer).trim();
            if (summary) events.push({ kind: 'summary', text: summary });
          }
          break;
        }
      }
      return events;
    },
  };
}
