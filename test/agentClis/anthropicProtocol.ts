import type * as http from 'node:http';
import { contentText, sse, type Conversation, type Protocol, type ToolUse, type Turn } from './modelServer';

// Anthropic Messages (`POST /v1/messages`), streamed as Claude Code asks for it.

interface Block {
  type: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  content?: unknown;
  text?: string;
}

function conversation(parsed: Record<string, unknown>): Conversation {
  const messages = (parsed.messages as { role: string; content: string | Block[] }[]) ?? [];
  const uses = new Map<string, { name: string; input: Record<string, unknown>; result?: string }>();
  const order: string[] = [];
  const texts = [contentText(parsed.system)];
  for (const message of messages) {
    if (typeof message.content === 'string') {
      if (message.role === 'user') texts.push(message.content);
      continue;
    }
    for (const block of message.content) {
      if (block.type === 'tool_use' && block.id) {
        uses.set(block.id, { name: block.name ?? '', input: block.input ?? {} });
        order.push(block.id);
      } else if (block.type === 'tool_result' && block.tool_use_id) {
        const use = uses.get(block.tool_use_id);
        if (use) use.result = contentText(block.content);
      } else if (block.type === 'text' && message.role === 'user') {
        texts.push(block.text ?? '');
      }
    }
  }
  const toolUses: ToolUse[] = order.map((id) => uses.get(id)!);
  const tools = ((parsed.tools as { name: string }[] | undefined) ?? []).map((tool) => tool.name);
  return { text: texts.join('\n'), tools, toolUses, ...(typeof parsed.model === 'string' ? { model: parsed.model } : {}) };
}

let ids = 0;

function answer(_request: unknown, parsed: Record<string, unknown>, turn: Turn, response: http.ServerResponse): void {
  const id = `msg_${++ids}`;
  const model = typeof parsed.model === 'string' ? parsed.model : 'claude-test';
  const usage = { input_tokens: 1200, output_tokens: 40 };
  const isTool = 'tool' in turn;
  const content = isTool ? { type: 'tool_use', id: `toolu_${ids}`, name: turn.tool.name, input: turn.tool.input } : { type: 'text', text: turn.text };
  if (parsed.stream !== true) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: [content], stop_reason: isTool ? 'tool_use' : 'end_turn', stop_sequence: null, usage }));
    return;
  }
  const start = isTool ? { ...content, input: {} } : { type: 'text', text: '' };
  const delta = isTool ? { type: 'input_json_delta', partial_json: JSON.stringify(turn.tool.input) } : { type: 'text_delta', text: turn.text };
  sse(response, [
    { event: 'message_start', data: { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: start } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: isTool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ]);
}

export const anthropicMessages: Protocol = {
  name: 'Anthropic Messages',
  handles: (method, url) => method === 'POST' && /^\/v1\/messages(\?|$)/.test(url),
  answer,
  conversation,
};
