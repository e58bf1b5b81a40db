import type * as http from 'node:http';
import { type Conversation, type ModelScript, type ScriptedServer, type ToolStep, sendEvents, sendJson, startServer } from './scriptedModel';

// A loopback model server speaking the Gemini API the way gemini-cli 0.61 uses it:
// `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` (each SSE frame a
// GenerateContentResponse), and the non-streamed `:generateContent` router call it makes
// first when no `-m` is given. Tool calls are `functionCall` parts (`read_file
// {file_path}`, `replace {file_path, old_string, new_string, instruction}`, `write_file`).

interface Part {
  readonly text?: string;
  readonly thought?: boolean;
  readonly functionCall?: { readonly name?: string; readonly args?: unknown };
  readonly functionResponse?: { readonly name?: string; readonly response?: unknown };
}

interface Content {
  readonly role?: string;
  readonly parts?: readonly Part[];
}

function responseText(response: unknown): string {
  if (typeof response === 'string') return response;
  const record = response as { output?: unknown; error?: unknown } | undefined;
  if (typeof record?.output === 'string') return record.output;
  if (typeof record?.error === 'string') return record.error;
  return JSON.stringify(response ?? '');
}

/** The conversation a generateContent request carries: user texts, and each function call with its response. */
export function geminiConversation(body: unknown): Conversation {
  const contents = ((body as { contents?: Content[] } | undefined)?.contents ?? []) as Content[];
  const prompt: string[] = [];
  const steps: { name: string; input: unknown; output: string; answered: boolean }[] = [];
  for (const content of contents) {
    for (const part of content.parts ?? []) {
      if (content.role === 'user' && typeof part.text === 'string') prompt.push(part.text);
      if (part.functionCall) steps.push({ name: part.functionCall.name ?? '', input: part.functionCall.args ?? {}, output: '', answered: false });
      if (part.functionResponse) {
        const step = steps.find((candidate) => !candidate.answered && candidate.name === part.functionResponse?.name);
        if (step) {
          step.output = responseText(part.functionResponse.response);
          step.answered = true;
        }
      }
    }
  }
  return { prompt: prompt.join('\n'), steps: steps.map(({ name, input, output }): ToolStep => ({ name, input, output })) };
}

/** The tool calls a gemini script makes. */
export const geminiTools = {
  read: (file: string) => ({ name: 'read_file', input: { file_path: file } }),
  edit: (file: string, before: string, after: string) => ({ name: 'replace', input: { file_path: file, old_string: before, new_string: after, instruction: `Replace the faulty code in ${file}.` } }),
  write: (file: string, content: string) => ({ name: 'write_file', input: { file_path: file, content } }),
};

const usageMetadata = { promptTokenCount: 1500, candidatesTokenCount: 60, totalTokenCount: 1560 };

function candidateFrame(turn: ReturnType<ModelScript>): unknown {
  const parts =
    turn.kind === 'tools' ? turn.calls.map((call) => ({ functionCall: { name: call.name, args: call.input } })) : turn.kind === 'text' ? [{ text: turn.text }] : [];
  return { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: 'scripted' };
}

export async function startGeminiServer(script: ModelScript): Promise<ScriptedServer> {
  return startServer(async (request, response: http.ServerResponse, forced) => {
    const path = request.url.split('?')[0] ?? '';
    const match = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent)$/.exec(path);
    if (request.method !== 'POST' || !match) {
      sendJson(response, 404, { error: { code: 404, message: `no ${request.method} ${request.url} here`, status: 'NOT_FOUND' } });
      return false;
    }
    if (forced !== undefined || match[2] === 'streamGenerateContent') {
      const turn: ReturnType<ModelScript> = forced !== undefined ? { kind: 'status', status: forced } : script(geminiConversation(request.body));
      if (turn.kind === 'hang') return true;
      if (turn.kind === 'status') {
        const message = turn.message ?? (turn.status === 401 ? 'API key not valid (scripted 401).' : `Scripted server error ${turn.status}.`);
        sendJson(response, turn.status, { error: { code: turn.status, message, status: turn.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL' } });
        return true;
      }
      sendEvents(response, [{ data: candidateFrame(turn) }]);
      return true;
    }
    // The router's classifier call (no -m): it wants a JSON verdict as the model's text.
    sendJson(response, 200, candidateFrame({ kind: 'text', text: JSON.stringify({ reasoning: 'A small scripted task.', model_choice: 'flash' }) }));
    return true;
  });
}
