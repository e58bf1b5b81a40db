import type * as http from 'node:http';
import type { Dialect } from './cartScript';
import { sse, type Conversation, type Protocol, type Received, type ToolUse, type Turn } from './modelServer';

// The Gemini API as gemini-cli 0.61 uses it: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`
// (each SSE frame a GenerateContentResponse), tool calls as `functionCall` parts and
// their results as `functionResponse` parts. Without `-m` a non-streamed
// `:generateContent` router call comes first; it gets the verdict it asks for.

interface Part {
  readonly text?: string;
  readonly functionCall?: { readonly name?: string; readonly args?: Record<string, unknown> };
  readonly functionResponse?: { readonly name?: string; readonly response?: unknown };
}

function responseText(response: unknown): string {
  const record = response as { output?: unknown; error?: unknown } | undefined;
  if (typeof record?.output === 'string') return record.output;
  if (typeof record?.error === 'string') return record.error;
  return JSON.stringify(response ?? '');
}

function conversation(parsed: Record<string, unknown>): Conversation {
  const contents = (parsed.contents as { role?: string; parts?: Part[] }[] | undefined) ?? [];
  const system = (parsed.systemInstruction as { parts?: Part[] } | undefined)?.parts ?? [];
  const texts = system.map((part) => part.text ?? '');
  const uses: { name: string; input: Record<string, unknown>; result?: string }[] = [];
  for (const content of contents) {
    for (const part of content.parts ?? []) {
      if (content.role === 'user' && typeof part.text === 'string') texts.push(part.text);
      if (part.functionCall) uses.push({ name: part.functionCall.name ?? '', input: part.functionCall.args ?? {} });
      if (part.functionResponse) {
        const use = uses.find((each) => each.result === undefined && each.name === part.functionResponse?.name);
        if (use) use.result = responseText(part.functionResponse.response);
      }
    }
  }
  const tools = ((parsed.tools as { functionDeclarations?: { name: string }[] }[] | undefined) ?? []).flatMap((tool) => (tool.functionDeclarations ?? []).map((each) => each.name));
  return { text: texts.join('\n'), tools, toolUses: uses as ToolUse[] };
}

const usageMetadata = { promptTokenCount: 1500, candidatesTokenCount: 60, totalTokenCount: 1560 };

function answer(request: Received, _parsed: Record<string, unknown>, turn: Turn, response: http.ServerResponse): void {
  if (!request.url.includes(':streamGenerateContent')) {
    const verdict = JSON.stringify({ reasoning: 'A small scripted task.', model_choice: 'flash' });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: verdict }] }, finishReason: 'STOP', index: 0 }], usageMetadata }));
    return;
  }
  const parts = 'tool' in turn ? [{ functionCall: { name: turn.tool.name, args: turn.tool.input } }] : [{ text: turn.text }];
  sse(response, [{ data: { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: 'scripted' } }]);
}

export const geminiGenerateContent: Protocol = {
  name: 'Gemini generateContent',
  handles: (method, url) => method === 'POST' && /^\/v1beta\/models\/[^/:]+:(streamGenerateContent|generateContent)(\?|$)/.test(url),
  answer,
  conversation,
};

/** How the cart script's steps look as gemini-cli tool calls. */
export const geminiDialect: Dialect = {
  read: (file) => ({ tool: { name: 'read_file', input: { file_path: file } } }),
  edit: (file, oldText, newText) => ({ tool: { name: 'replace', input: { file_path: file, old_string: oldText, new_string: newText, instruction: `Fix the cart total in ${file}.` } } }),
  write: (file, content) => ({ tool: { name: 'write_file', input: { file_path: file, content } } }),
  isEdit: (use) => use.name === 'replace' || use.name === 'write_file',
  isRead: (use) => use.name === 'read_file',
};

/** The body of a Gemini API error answer. */
export function geminiError(status: number, message: string): string {
  return JSON.stringify({ error: { code: status, message, status: status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL' } });
}
