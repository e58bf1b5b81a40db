import { AgentError } from '../domain/errors';
import type { Agent, AgentProgress, AgentReply, AgentRequest } from '../domain/ports';
import { baseUrlOf, callController, httpCall, malformedError, postJson, readEvents, readJsonBody, type HttpAgentOptions } from './http';
import { askModel } from './modelReply';
import { throttleProgress } from './progress';
import { prepareRequest, type Exchange, type ModelCall, type ModelTurn } from './tools/toolLoop';

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

/** The chat messages of one tool exchange: the assistant's calls, a `tool` message per result, then any note. */
function wireExchange(exchange: Exchange): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [
    {
      role: 'assistant',
      // A string, even empty: some local servers refuse a null content.
      content: exchange.turn.text,
      tool_calls: exchange.turn.calls.map((each) => ({ id: each.id, type: 'function', function: { name: each.name, arguments: each.badJson ?? JSON.stringify(each.input) } })),
    },
    ...exchange.results.map((result) => ({ role: 'tool', tool_call_id: result.id, content: result.content })),
  ];
  if (exchange.note) messages.push({ role: 'user', content: exchange.note });
  return messages;
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
    const offered = options.tools ? await prepareRequest(request, options.tools) : request;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let toolsDropped = false;
    let streamOptionsDropped = false;

    /** One streamed completion over the conversation so far. */
    const send = async (exchanges: readonly Exchange[]): Promise<ModelTurn & { finishReason?: string }> => {
      const body: Record<string, unknown> = {
        model,
        stream: true,
        messages: [{ role: 'system', content: offered.system }, ...offered.messages.map(({ role, content }) => ({ role, content })), ...exchanges.flatMap(wireExchange)],
      };
      if (!streamOptionsDropped) body.stream_options = { include_usage: true };
      const maxTokens = offered.maxOutputTokens ?? options.maxOutputTokens;
      if (maxTokens) body.max_tokens = maxTokens;
      if (offered.temperature !== undefined) body.temperature = offered.temperature;
      if (offered.tools && offered.tools.length > 0 && !toolsDropped) {
        body.tools = offered.tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
      }
      // Models without tool support answer 400 about tools: ask again with text edit
      // blocks only. Older servers that reject `stream_options` are asked without it.
      const withoutTools = (_status: number, message: string): unknown => {
        if (body.tools && exchanges.length === 0 && /tool/i.test(message)) {
          options.log?.warn(component, `${model} does not take tools (${message}); asking for text edit blocks instead`);
          toolsDropped = true;
          const { tools: _dropped, ...rest } = body;
          return rest;
        }
        if (/stream_options/i.test(message)) {
          options.log?.warn(component, `the server does not take stream_options (${message}); asking without usage reports`);
          streamOptionsDropped = true;
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
      const toolParts = new Map<number, { id: string; name: string; arguments: string }>();
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
            const seen = toolParts.get(index) ?? { id: '', name: '', arguments: '' };
            if (part.id) seen.id = part.id;
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
      const calls: ModelCall[] = [...toolParts].sort(([a], [b]) => a - b).map(([index, part]) => {
        const id = part.id || `call_${exchanges.length}_${index}`;
        try {
          return { id, name: part.name, input: part.arguments.trim() ? (JSON.parse(part.arguments) as unknown) : {} };
        } catch {
          return { id, name: part.name, input: {}, badJson: part.arguments };
        }
      });
      if (finishReason === 'length') options.log?.warn(component, `${model} stopped at its output limit; the reply may be cut short`);
      return { text, calls, ...(usage ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } } : {}), ...(finishReason ? { finishReason } : {}) };
    };

    try {
      return await askModel({ call, component, model, baseUrl, request: offered, tools: options.tools, send, progress, log: options.log, malformedWhat: (name) => `arguments of a ${name || 'tool'} call` });
    } finally {
      dispose();
    }
  }

  return { id: `openai-compatible:${model || '(no model)'}`, acceptsTools: true, propose };
}
