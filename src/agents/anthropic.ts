import { AgentError } from '../domain/errors';
import type { Agent, AgentProgress, AgentReply, AgentRequest } from '../domain/ports';
import { baseUrlOf, callController, httpCall, malformedError, postJson, readEvents, type HttpAgentOptions } from './http';
import { askModel } from './modelReply';
import { throttleProgress } from './progress';
import { prepareRequest, type Exchange, type ModelCall, type ModelTurn } from './tools/toolLoop';

// `anthropic`: POST {baseUrl}/v1/messages with `stream: true`. The stream is a series
// of named events: message_start, content_block_start / _delta / _stop per text or
// tool_use block, message_delta (stop reason, output tokens), message_stop; `ping`
// keeps the connection alive and `error` reports a failure mid-stream.

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

export type AnthropicAgentOptions = HttpAgentOptions;

interface StreamEvent {
  type?: string;
  index?: number;
  message?: { usage?: { input_tokens?: number; output_tokens?: number } };
  content_block?: { type?: string; id?: string; text?: string; name?: string; input?: unknown };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number; input_tokens?: number };
  error?: { type?: string; message?: string };
}

interface Block {
  kind: 'text' | 'tool_use' | 'other';
  id: string;
  text: string;
  name: string;
  json: string;
  input?: unknown;
}

/** The messages of one tool exchange: the assistant's text and tool_use blocks, then the tool_result blocks (and any note) in one user message. */
function wireExchange(exchange: Exchange): Record<string, unknown>[] {
  const assistant: Record<string, unknown>[] = [];
  if (exchange.turn.text.trim()) assistant.push({ type: 'text', text: exchange.turn.text });
  for (const each of exchange.turn.calls) assistant.push({ type: 'tool_use', id: each.id, name: each.name, input: typeof each.input === 'object' && each.input !== null ? each.input : {} });
  const user: Record<string, unknown>[] = exchange.results.map((result) => ({ type: 'tool_result', tool_use_id: result.id, content: result.content, ...(result.isError ? { is_error: true } : {}) }));
  if (exchange.note) user.push({ type: 'text', text: exchange.note });
  return [
    { role: 'assistant', content: assistant },
    { role: 'user', content: user },
  ];
}

export function createAnthropicAgent(options: AnthropicAgentOptions): Agent {
  const baseUrl = baseUrlOf(options, DEFAULT_ANTHROPIC_BASE_URL);
  const model = options.model?.trim() ?? '';
  const component = 'agent.anthropic';

  async function propose(request: AgentRequest, signal: AbortSignal, onProgress?: (progress: AgentProgress) => void): Promise<AgentReply> {
    if (!options.apiKey) {
      throw new AgentError(
        'No Anthropic API key is set. Nothing was sent. Set one with "Refine Loop: Set API Key" in VS Code, or REFINE_LOOP_API_KEY / ANTHROPIC_API_KEY for the CLI.',
        'agent.noApiKey',
      );
    }
    if (!model) {
      throw new AgentError('No Anthropic model is set. Set refineLoop.agent.model (or --model), for example `claude-sonnet-4-5`.', 'agent.noModel');
    }
    const progress = throttleProgress(onProgress);
    const { controller, timedOut, dispose } = callController(signal, options.timeoutMs);
    const call = httpCall(options, signal, {
      where: `the Anthropic API at ${baseUrl}`,
      component,
      model,
      hadApiKey: true,
      keyHint: 'REFINE_LOOP_API_KEY or ANTHROPIC_API_KEY',
      unreachableHint: 'Check the network connection and any proxy, and the base URL if you set one (refineLoop.agent.baseUrl, --base-url).',
    });
    const offered = options.tools ? await prepareRequest(request, options.tools) : request;
    const headers = { 'x-api-key': options.apiKey, 'anthropic-version': ANTHROPIC_VERSION, accept: 'text/event-stream' };

    /** One streamed message over the conversation so far. */
    const send = async (exchanges: readonly Exchange[]): Promise<ModelTurn> => {
      const body: Record<string, unknown> = {
        model,
        max_tokens: offered.maxOutputTokens ?? options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
        stream: true,
        system: offered.system,
        messages: [...offered.messages.map(({ role, content }) => ({ role, content })), ...exchanges.flatMap(wireExchange)],
      };
      if (offered.temperature !== undefined) body.temperature = offered.temperature;
      if (offered.tools && offered.tools.length > 0) {
        body.tools = offered.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }));
      }
      const response = await postJson(call, `${baseUrl}/v1/messages`, headers, body, controller.signal, timedOut);

      const blocks = new Map<number, Block>();
      let inputTokens: number | undefined;
      let outputTokens: number | undefined;
      let stopReason: string | undefined;
      let characters = 0;
      await readEvents(call, response, controller.signal, timedOut, () => characters, (event) => {
        let data: StreamEvent;
        try {
          data = JSON.parse(event.data) as StreamEvent;
        } catch {
          throw malformedError(call, `a ${event.event} event`, event.data);
        }
        const type = data.type ?? event.event;
        switch (type) {
          case 'message_start':
            inputTokens = data.message?.usage?.input_tokens;
            outputTokens = data.message?.usage?.output_tokens;
            return false;
          case 'content_block_start': {
            const start = data.content_block ?? {};
            const kind = start.type === 'text' ? 'text' : start.type === 'tool_use' ? 'tool_use' : 'other';
            blocks.set(data.index ?? blocks.size, { kind, id: start.id ?? '', text: start.text ?? '', name: start.name ?? '', json: '', input: start.input });
            return false;
          }
          case 'content_block_delta': {
            const block = blocks.get(data.index ?? 0);
            if (!block) throw malformedError(call, 'a delta for a block it never started', event.data);
            if (data.delta?.type === 'text_delta') block.text += data.delta.text ?? '';
            else if (data.delta?.type === 'input_json_delta') block.json += data.delta.partial_json ?? '';
            characters = [...blocks.values()].reduce((sum, each) => sum + each.text.length + each.json.length, 0);
            progress.report({ kind: 'text', characters });
            return false;
          }
          case 'message_delta':
            if (data.delta?.stop_reason) stopReason = data.delta.stop_reason;
            if (data.usage?.output_tokens !== undefined) outputTokens = data.usage.output_tokens;
            if (data.usage?.input_tokens !== undefined) inputTokens = data.usage.input_tokens;
            return false;
          case 'message_stop':
            return true;
          case 'error': {
            const kind = data.error?.type ?? 'error';
            const hint = kind === 'overloaded_error' ? 'The API is overloaded; run the round again in a minute.' : 'Run the round again.';
            throw new AgentError(`The Anthropic API reported ${kind} in the middle of the reply: ${data.error?.message ?? event.data}. Nothing was applied. ${hint}`, 'agent.serverError');
          }
          default:
            return false; // ping, content_block_stop, and events added later
        }
      });

      progress.flush();
      const ordered = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
      const text = ordered.filter((block) => block.kind === 'text').map((block) => block.text).join('');
      const calls: ModelCall[] = ordered
        .filter((block) => block.kind === 'tool_use')
        .map((block, index) => {
          const id = block.id || `toolu_${exchanges.length}_${index}`;
          try {
            return { id, name: block.name, input: block.json.trim() ? (JSON.parse(block.json) as unknown) : (block.input ?? {}) };
          } catch {
            return { id, name: block.name, input: {}, badJson: block.json };
          }
        });
      if (stopReason === 'max_tokens') options.log?.warn(component, `${model} stopped at max_tokens; the reply may be cut short`);
      return { text, calls, usage: { inputTokens, outputTokens } };
    };

    try {
      return await askModel({ call, component, model, baseUrl, request: offered, tools: options.tools, send, progress, log: options.log, malformedWhat: (name) => `the input of a ${name} tool call` });
    } finally {
      dispose();
    }
  }

  return { id: `anthropic:${model || '(no model)'}`, acceptsTools: true, propose };
}
