import type * as http from 'node:http';
import type { Dialect } from './cartScript';
import { contentText, sse, type Conversation, type Protocol, type Received, type ToolUse, type Turn } from './modelServer';

// The OpenAI Responses API as codex 0.171 uses it: `POST /v1/responses`, streamed. Codex
// reads files with its `exec_command` function tool (`{"cmd": "cat …"}`) and edits them
// with `apply_patch`, a freeform (custom) tool whose input is a `*** Begin Patch` text.
// A script's edit (old text → new text) becomes a patch of whole lines, made from what
// the conversation's last read of that file returned.

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

function conversation(parsed: Record<string, unknown>): Conversation {
  const input = (parsed.input as InputItem[] | undefined) ?? [];
  const texts: string[] = [];
  const uses = new Map<string, { name: string; input: Record<string, unknown>; result?: string }>();
  for (const item of input) {
    if (item.type === 'message' && (item.role === 'user' || item.role === 'developer')) texts.push(contentText(item.content));
    else if (item.type === 'function_call') {
      let args: Record<string, unknown> = {};
      try {
        args = JSON.parse(item.arguments ?? '{}') as Record<string, unknown>;
      } catch {
        args = { unparsed: item.arguments };
      }
      uses.set(item.call_id ?? '', { name: item.name ?? '', input: args });
    } else if (item.type === 'custom_tool_call') {
      uses.set(item.call_id ?? '', { name: item.name ?? '', input: { patch: item.input ?? '' } });
    } else if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const use = uses.get(item.call_id ?? '');
      if (use) use.result = typeof item.output === 'string' ? item.output : contentText(item.output);
    }
  }
  const tools = ((parsed.tools as { name?: string; type?: string }[] | undefined) ?? []).map((tool) => tool.name ?? tool.type ?? '');
  return { text: texts.join('\n'), tools, toolUses: [...uses.values()] as ToolUse[], ...(typeof parsed.model === 'string' ? { model: parsed.model } : {}) };
}

/** What a read of `file` returned last in this conversation (codex's output header cut off). */
function lastRead(conv: Conversation, file: string): string | undefined {
  const read = [...conv.toolUses].reverse().find((use) => use.name === 'exec_command' && String(use.input.cmd ?? '').includes(file) && use.result !== undefined);
  if (!read?.result) return undefined;
  const marker = read.result.indexOf('Output:\n');
  return marker >= 0 ? read.result.slice(marker + 'Output:\n'.length) : read.result;
}

/** A patch replacing the lines that hold `oldText` (read from the file's content) with those lines changed. */
export function patchFor(file: string, content: string, oldText: string, newText: string): string {
  const at = content.indexOf(oldText);
  if (at < 0) throw new Error(`the scripted edit's old text is not in ${file}: ${oldText}`);
  const start = content.lastIndexOf('\n', at - 1) + 1;
  const endNewline = content.indexOf('\n', at + oldText.length);
  const end = endNewline < 0 ? content.length : endNewline;
  const before = content.slice(start, end);
  const after = before.replace(oldText, newText);
  const lines = (prefix: string, text: string) => text.split('\n').map((line) => `${prefix}${line}`);
  return ['*** Begin Patch', `*** Update File: ${file}`, '@@', ...lines('-', before), ...lines('+', after), '*** End Patch', ''].join('\n');
}

function patchToAdd(file: string, content: string): string {
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  return ['*** Begin Patch', `*** Add File: ${file}`, ...body.split('\n').map((line) => `+${line}`), '*** End Patch', ''].join('\n');
}

let ids = 0;

function answer(_request: Received, parsed: Record<string, unknown>, turn: Turn, response: http.ServerResponse): void {
  const id = `resp_${++ids}`;
  const items: Record<string, unknown>[] = [];
  if ('tool' in turn) {
    const { name, input } = turn.tool;
    const callId = `call_${++ids}`;
    if (name === 'apply_patch') {
      let patch = typeof input.patch === 'string' ? input.patch : undefined;
      if (patch === undefined && typeof input.content === 'string') patch = patchToAdd(String(input.file_path), input.content);
      if (patch === undefined) {
        const file = String(input.file_path);
        const content = lastRead(conversation(parsed), file);
        if (content === undefined) throw new Error(`the script edits ${file} before codex read it`);
        patch = patchFor(file, content, String(input.old_string), String(input.new_string));
      }
      items.push({ type: 'custom_tool_call', id: `ctc_${ids}`, status: 'completed', call_id: callId, name, input: patch });
    } else {
      items.push({ type: 'function_call', id: `fc_${ids}`, status: 'completed', call_id: callId, name, arguments: JSON.stringify(input) });
    }
  } else {
    items.push({ type: 'message', id: `msg_${ids}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] });
  }
  const usage = { input_tokens: 1200, input_tokens_details: { cached_tokens: 0 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1240 };
  sse(response, [
    { event: 'response.created', data: { type: 'response.created', response: { id } } },
    ...items.map((item, index) => ({ event: 'response.output_item.done', data: { type: 'response.output_item.done', output_index: index, item } })),
    { event: 'response.completed', data: { type: 'response.completed', response: { id, status: 'completed', output: items, usage } } },
  ]);
}

export const openaiResponses: Protocol = {
  name: 'OpenAI Responses',
  handles: (method, url) => method === 'POST' && /^\/v1\/responses(\?|$)/.test(url),
  answer,
  conversation,
};

/** How the cart script's steps look as codex tool calls. */
export const codexDialect: Dialect = {
  read: (file) => ({ tool: { name: 'exec_command', input: { cmd: `cat ${file}` } } }),
  edit: (file, oldText, newText) => ({ tool: { name: 'apply_patch', input: { file_path: file, old_string: oldText, new_string: newText } } }),
  write: (file, content) => ({ tool: { name: 'apply_patch', input: { file_path: file, content } } }),
  isEdit: (use) => use.name === 'apply_patch',
  isRead: (use) => use.name === 'exec_command' && /^\s*cat\s/.test(String(use.input.cmd ?? '')),
};

/** The body of an OpenAI error answer. */
export function openaiError(status: number, message: string): string {
  return JSON.stringify({ error: { message, type: status === 401 ? 'invalid_request_error' : 'server_error', code: status === 401 ? 'invalid_api_key' : null } });
}
