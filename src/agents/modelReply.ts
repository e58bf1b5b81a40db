// What both HTTP providers do once their one model call (`send`) is written: ask, let
// the model read with the read-only tools where it has them, and turn its last turn into
// the reply, with a malformed tool call refused rather than guessed at.
import type { AgentReply, AgentRequest, Logger, ToolCall } from '../domain/ports';
import { malformedError, textReply, type Call } from './http';
import type { ThrottledProgress } from './progress';
import type { ReadTools } from './tools/readTools';
import { runToolLoop, type Exchange, type ModelTurn } from './tools/toolLoop';

export interface ModelAsk {
  readonly call: Call;
  readonly component: string;
  readonly model: string;
  readonly baseUrl: string;
  /** The request as offered to the model (with the tools' first context where it has tools). */
  readonly request: AgentRequest;
  readonly tools: ReadTools | undefined;
  readonly send: (exchanges: readonly Exchange[]) => Promise<ModelTurn>;
  readonly progress: ThrottledProgress;
  readonly log: Logger | undefined;
  /** How a tool call whose JSON did not parse is named in the error ("the input of a … call"). */
  readonly malformedWhat: (toolName: string) => string;
}

export async function askModel(ask: ModelAsk): Promise<AgentReply> {
  const { request, model, component } = ask;
  ask.log?.info(component, `round ${request.round}: ${model} at ${ask.baseUrl}, ~${request.estimatedInputTokens} input tokens${request.tools ? `, ${request.tools.length} tool(s) offered` : ''}`);
  ask.progress.report({ kind: 'status', message: `Asking ${model}` });
  const result = ask.tools
    ? await runToolLoop({ where: ask.call.where, component, request, tools: ask.tools, send: ask.send, onStatus: (message) => ask.progress.report({ kind: 'status', message }), log: ask.log })
    : await ask.send([]).then((turn) => ({ turn, usage: turn.usage, reads: [] }));
  const toolCalls: ToolCall[] = [];
  for (const each of result.turn.calls) {
    if (each.badJson !== undefined) throw malformedError(ask.call, ask.malformedWhat(each.name), each.badJson);
    toolCalls.push({ name: each.name, input: each.input });
  }
  ask.log?.info(component, `round ${request.round}: ${result.turn.text.length} characters, ${toolCalls.length} tool call(s), ${result.reads.length} read(s)`);
  return textReply(result.turn.text, toolCalls, model, ask.baseUrl, result.usage, result.reads);
}
