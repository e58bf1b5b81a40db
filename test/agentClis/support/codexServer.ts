import type * as http from 'node:http';
import { type Conversation, type ModelScript, type ScriptedServer, type ToolStep, sendEvents, sendJson, startServer } from './scriptedModel';

// A loopback model server speaking the OpenAI Responses API the way codex 0.171 uses it:
// `POST /v1/responses`, streamed. Reads are `exec_command` function calls
// (`{"cmd": "cat src/cart.js"}`); the edit is a `custom_tool_call` named `apply_patch`
// whose input is a `*** Begin Patch … *** End Patch` text. Anything else gets a 404.

interface InputItem {
  readonly type?: string;
  readonly role?: string;
  readonly content?: unknown;
  readonly name?: string;
  readonly arguments?: string;
  readonly input?: string;
  readonly call_id?: string;
  readonly output?: unknown;
}

function itemText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('');
}

/** The conversation a Responses request carries: its user texts and its tool calls paired with their outputs. */
export function codexConversation(body: unknown): Conversation {
  const input = ((body as { input?: InputItem[] } | undefined)?.input ?? []) as InputItem[];
  const prompt: string[] = [];
  const steps: { name: string; input: unknown; output: string; callId: string }[] = [];
  for (const item of input) {
    if (item.type === 'message' && (item.role === 'user' || item.role === 'developer')) prompt.push(itemText(item.content));
    if (item.type === 'function_call') {
      let args: unknown = item.arguments;
      try {
        args = JSON.parse(item.arguments ?? '');
      } catch {
        // Left as text.
      }
      steps.push({ name: item.name ?? '', input: args, output: '', callId: item.call_id ?? '' });
    }
    if (item.type === 'custom_tool_call') steps.push({ name: item.name ?? '', input: item.input ?? '', output: '', callId: item.call_id ?? '' });
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const step = steps.find((candidate) => candidate.callId === item.call_id);
      if (step) step.output = typeof item.output === 'string' ? item.output : itemText(item.output) || JSON.stringify(item.output);
    }
  }
  return { prompt: prompt.join('\n'), steps: steps.map(({ name, input: stepInput, output }): ToolStep => ({ name, input: stepInput, output })) };
}

/** The tool calls a codex script makes. */
export const codexTools = {
  read: (file: string) => ({ name: 'exec_command', input: { cmd: `cat ${file}` } }),
  shell: (cmd: string) => ({ name: 'exec_command', input: { cmd } }),
  /** Replaces `before` with `after` (each one or more whole lines) in `file`. */
  edit: (file: string, before: string, after: string) => ({
    name: 'apply_patch',
    input: ['*** Begin Patch', `*** Update File: ${file}`, '@@', ...before.split('\n').map((line) => `-${line}`), ...after.split('\n').map((line) => `+${line}`), '*** End Patch', ''].join('\n'),
  }),
  add: (file: string, content: string) => ({
    name: 'apply_patch',
    input: ['*** Begin Patch', `*** Add File: ${file}`, ...content.split('\n').map((line) => `+${line}`), '*** End Patch', ''].join('\n'),
  }),
};

const usage = { input_tokens: 1200, input_tokens_details: { cached_tokens: 0 }, output_tokens: 80, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1280 };

let sequence = 0;

function responseFrames(turn: ReturnType<ModelScript>): { event: string; data: unknown }[] {
  const id = `resp_${++sequence}`;
  const frames: { event: string; data: unknown }[] = [{ event: 'response.created', data: { type: 'response.created', response: { id } } }];
  const items: unknown[] = [];
  if (turn.kind === 'tools') {
    for (const call of turn.calls) {
      const callId = `call_${++sequence}`;
      items.push(
        typeof call.input === 'string'
          ? { type: 'custom_tool_call', id: `ctc_${sequence}`, status: 'completed', call_id: callId, name: call.name, input: call.input }
          : { type: 'function_call', id: `fc_${sequence}`, status: 'completed', call_id: callId, name: call.name, arguments: JSON.stringify(call.input) },
      );
    }
  } else if (turn.kind === 'text') {
    const itemId = `msg_${sequence}`;
    frames.push({ event: 'response.output_item.added', data: { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: itemId, role: 'assistant', status: 'in_progress', content: [] } } });
    frames.push({ event: 'response.output_text.delta', data: { type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta: turn.text } });
    items.push({ type: 'message', id: itemId, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] });
  }
  items.forEach((item, index) => frames.push({ event: 'response.output_item.done', data: { type: 'response.output_item.done', output_index: index, item } }));
  frames.push({ event: 'response.completed', data: { type: 'response.completed', response: { id, status: 'completed', output: items, usage } } });
  return frames;
}

export async function startCodexServer(script: ModelScript): Promise<ScriptedServer> {
  return startServer(async (request, response: http.ServerResponse, forced) => {
    const path = request.url.split('?')[0];
    if (request.method !== 'POST' || path !== '/v1/responses') {
      sendJson(response, 404, { error: { message: `no ${request.method} ${request.url} here` } });
      return false;
    }
    const turn: ReturnType<ModelScript> = forced !== undefined ? { kind: 'status', status: forced } : script(codexConversation(request.body));
    if (turn.kind === 'hang') return true;
    if (turn.kind === 'status') {
      const message = turn.message ?? (turn.status === 401 ? 'Incorrect API key provided (scripted 401).' : `Scripted server error ${turn.status}.`);
      sendJson(response, turn.status, { error: { message, type: turn.status === 401 ? 'invalid_request_error' : 'server_error', code: turn.status === 401 ? 'invalid_api_key' : null } });
      return true;
    }
    sendEvents(response, responseFrames(turn));
    return true;
  });
}
