import type * as http from 'node:http';
import { contentText, sse, type Conversation, type Protocol, type ToolUse, type Turn } from './modelServer';

// OpenAI chat completions (`POST /v1/chat/completions`), streamed, as Qwen Code and
// OpenCode (through @ai-sdk/openai-compatible) speak it.

interface Message {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

function conversation(parsed: Record<string, unknown>): Conversation {
  const messages = (parsed.messages as Message[]) ?? [];
  const uses = new Map<string, { name: string; input: Record<string, unknown>; result?: string }>();
  const order: string[] = [];
  const texts: string[] = [];
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'user') texts.push(contentText(message.content));
    for (const call of message.tool_calls ?? []) {
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(call.function.arguments || '{}') as Record<string, unknown>;
      } catch {
        input = { unparsed: call.function.arguments };
      }
      uses.set(call.id, { name: call.function.name, input });
      order.push(call.id);
    }
    if (message.role === 'tool' && message.tool_call_id) {
      const use = uses.get(message.tool_call_id);
      if (use) use.result = contentText(message.content);
    }
  }
  const toolUses: ToolUse[] = order.map((id) => uses.get(id)!);
  const tools = ((parsed.tools as { function?: { name: string } }[] | undefined) ?? []).map((tool) => tool.function?.name ?? '');
  return { text: texts.join('\n'), tools, toolUses, ...(typeof parsed.model === 'string' ? { model: parsed.model } : {}) };
}

let ids = 0;

function answer(_request: unknown, parsed: Record<string, unknown>, turn: Turn, response: http.ServerResponse): void {
  const id = `chatcmpl-${++ids}`;
  const model = typeof parsed.model === 'string' ? parsed.model : 'test-model';
  const usage = { prompt_tokens: 900, completion_tokens: 30, total_tokens: 930 };
  const isTool = 'tool' in turn;
  const message = isTool
    ? { role: 'assistant', content: null, tool_calls: [{ id: `call_${ids}`, type: 'function', function: { name: turn.tool.name, arguments: JSON.stringify(turn.tool.input) } }] }
    : { role: 'assistant', content: turn.text };
  const finish = isTool ? 'tool_calls' : 'stop';
  if (parsed.stream !== true) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id, object: 'chat.completion', created: 0, model, choices: [{ index: 0, message, finish_reason: finish }], usage }));
    return;
  }
  const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) => ({ data: { id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra } });
  const delta = isTool ? { role: 'assistant', content: null, tool_calls: [{ index: 0, ...message.tool_calls![0] }] } : { role: 'assistant', content: turn.text };
  sse(response, [chunk(delta, null), chunk({}, finish), { data: { id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage } }, '[DONE]']);
}

export const chatCompletions: Protocol = {
  name: 'chat completions',
  handles: (method, url) => method === 'POST' && /\/chat\/completions(\?|$)/.test(url),
  answer,
  conversation,
};
