import { AgentError } from '../domain/errors';
import type { Agent, AgentProgress, AgentReply, AgentRequest, ToolCall } from '../domain/ports';
import { baseUrlOf, callController, httpCall, malformedError, postJson, readEvents, readJsonBody, textReply, type HttpAgentOptions } from './http';
import { throttleProgress } from './progress';

// `openai-compatible`: POST {baseUrl}/chat/completions with `stream: true` (server-sent
// events of `chat.completion.chunk` objects, ended by `data: [DONE]`). Ollama, vLLM,
// LM Studio, llama.cpp server, OpenAI and OpenRouter all speak it.

export const DEFAULT_OPENAI_BASE_URL = 'http://localhost:11434/v1';

export type OpenAiAgentOptions = HttpAgentOptions;

interface ChunkDelta {
  content?: string | null;
  reasoning_content?: string | null;
  tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
}

interface Chunk {
  choices?: { delta?: ChunkDelta; message?: ChunkDelta; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

/** The model ids the server lists at GET {baseUrl}/models, for messages; undefined when it lists none. */
export async function listModels(baseUrl: string, apiKey: string | undefined, signal: AbortSignal): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${baseUrl}/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.any([signal, AbortSignal.timeout(3000)]),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    const ids = (body.data ?? []).map((model) => model.id).filter((id): id is string => typeof id === 'string');
    return ids.length > 0 ? ids : undefined;
  } catch {
    return undefined;
  }
}

function modelsSentence(ids: string[] | undefined): string {
  if (!ids) return '';
  const shown = ids.slice(0, 20).join(', ');
  return ` The server lists: ${shown}${ids.length > 20 ? `, and ${ids.length - 20} more` : ''}.`;
}

export function createOpenAiAgent(options: OpenAiAgentOptions): Agent {
  const baseUrl = baseUrlOf(options, DEFAULT_OPENAI_BASE_URL);
  const model = options.model?.trim() ?? '';
  const component = 'agent.openai';

  async function propose(request: AgentRequest, signal: AbortSignal, onProgress?: (progress: AgentProgress) => void): Promise<AgentReply> {
    if (!model) {
      const available = await listModels(baseUrl, options.apiKey, signal);
      throw new AgentError(
        `No model is set for the openai-compatible server at ${baseUrl}. Set refineLoop.agent.model (or --model) to one the server has, for example \`qwen2.5-coder:7b\` for Ollama.${modelsSentence(available)}`,
        'agent.noModel',
      );
    }
    const progress = throttleProgress(onProgress);
    const { controller, timedOut, dispose } = callController(signal, options.timeoutMs);
    const call = httpCall(options, signal, {
      where: `the openai-compatible server at ${baseUrl}`,
      component,
      model,
      hadApiKey: Boolean(options.apiKey),
      keyHint: 'REFINE_LOOP_API_KEY or OPENAI_API_KEY',
      unreachableHint: 'Is the server running, and is the base URL right (refineLoop.agent.baseUrl, --base-url)? For a local Ollama, start it with `ollama serve`.',
    });
    try {
      const body: Record<string, unknown> = {
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'system', content: request.system }, ...request.messages.map(({ role, content }) => ({ role, content }))],
      };
      const maxTokens = request.maxOutputTokens ?? options.maxOutputTokens;
      if (maxTokens) body.max_tokens = maxTokens;
      if (request.tools && request.tools.length > 0) {
        body.tools = request.tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
      }
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

      options.log?.info(component, `round ${request.round}: ${model} at ${baseUrl}, ~${request.estimatedInputTokens} input tokens${body.tools ? ', edit tool offered' : ''}`);
      progress.report({ kind: 'status', message: `Asking ${model}` });
      // Models without tool support answer 400 about tools: ask again with text edit
      // blocks only. Older servers that reject `stream_options` are asked without it.
      const withoutTools = (_status: number, message: string): unknown => {
        if (body.tools && /tool/i.test(message)) {
          options.log?.warn(component, `${model} does not take tools (${message}); asking for text edit blocks instead`);
          const { tools: _dropped, ...rest } = body;
          return rest;
        }
        if (/stream_options/i.test(message)) {
          options.log?.warn(component, `the server does not take stream_options (${message}); asking without usage reports`);
          const { stream_options: _dropped, ...rest } = body;
          return rest;
        }
        return undefined;
      };
      const response = await postJson(call, `${baseUrl}/chat/completions`, headers, body, controller.signal, timedOut, withoutTools).catch(async (error: unknown) => {
        if (!(error instanceof AgentError) || error.code !== 'agent.modelNotFound') throw error;
        const available = await listModels(baseUrl, options.apiKey, signal);
        throw new AgentError(error.message + modelsSentence(available), error.code, { cause: error });
      });

      let text = '';
      const toolParts = new Map<number, { name: string; arguments: string }>();
      let usage: Chunk['usage'];
      let finishReason: string | undefined;
      const take = (chunk: Chunk): void => {
        if (chunk.error) {
          const said = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? JSON.stringify(chunk.error));
          throw new AgentError(`The openai-compatible server at ${baseUrl} reported an error in the middle of the reply: ${said}. Nothing was applied. Run the round again.`, 'agent.serverError');
        }
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          const delta = choice.delta ?? choice.message ?? {};
          if (typeof delta.content === 'string') text += delta.content;
          for (const part of delta.tool_calls ?? []) {
            const index = part.index ?? 0;
            const seen = toolParts.get(index) ?? { name: '', arguments: '' };
            seen.name += part.function?.name ?? '';
            seen.arguments += part.function?.arguments ?? '';
            toolParts.set(index, seen);
          }
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
        progress.report({ kind: 'text', characters: text.length + [...toolParts.values()].reduce((sum, part) => sum + part.arguments.length, 0) });
      };

      if ((response.headers.get('content-type') ?? '').includes('application/json')) {
        // A server that ignored `stream: true` answers with one completion object.
        take((await readJsonBody(call, response)) as Chunk);
      } else {
        await readEvents(call, response, controller.signal, timedOut, () => text.length, (event) => {
          if (event.data.trim() === '[DONE]') return true;
          let chunk: Chunk;
          try {
            chunk = JSON.parse(event.data) as Chunk;
          } catch {
            throw malformedError(call, 'a stream event', event.data);
          }
          take(chunk);
          return false;
        });
      }

      progress.flush();
      const toolCalls: ToolCall[] = [];
      for (const [, part] of [...toolParts].sort(([a], [b]) => a - b)) {
        try {
          toolCalls.push({ name: part.name, input: part.arguments.trim() ? (JSON.parse(part.arguments) as unknown) : {} });
        } catch {
          throw malformedError(call, `arguments of a ${part.name || 'tool'} call`, part.arguments);
        }
      }
      if (finishReason === 'length') options.log?.warn(component, `${model} stopped at its output limit; the reply may be cut short`);
      options.log?.info(component, `round ${request.round}: ${text.length} characters, ${toolCalls.length} tool call(s), finish ${finishReason ?? 'unknown'}`);
      return textReply(text, toolCalls, model, baseUrl, usage ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } : undefined);
    } finally {
      dispose();
    }
  }

  return { id: `openai-compatible:${model || '(no model)'}`, propose };
}
