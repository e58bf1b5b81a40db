import { AgentError } from '../../domain/errors';
import type { TokenUsage } from '../../domain/model';
import type { AgentRequest, Logger, ToolBudget, ToolRead } from '../../domain/ports';
import { EDIT_TOOL_NAME } from '../../edits/toolCall';
import { estimateTokens } from '../../loop/prompt';
import { readToolDefinitions, readToolGuidance, readToolNames } from './definitions';
import { firstContext } from './firstContext';
import type { ReadTools } from './readTools';

// The turns of one round with the read-only tools, the same for every protocol: the
// model answers; read calls are carried out and their results sent back (each protocol
// has its own wire shape, made by `send` from the exchanges so far); an edit (tool call
// or text blocks) or plain text ends the round. The budget (calls, result tokens) holds
// across the round: once spent the model is told to propose now, and a model that calls
// tools again after that ends the attempt.

export const DEFAULT_TOOL_BUDGET: ToolBudget = { maxCalls: 25, maxResultTokens: 16_000 };

export interface ModelCall {
  /** The protocol's id of the call (tool_call_id, tool_use id, callId). */
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
  /** The arguments as sent when they were not valid JSON (`input` is then {}). */
  readonly badJson?: string;
}

export interface ModelTurn {
  readonly text: string;
  readonly calls: readonly ModelCall[];
  readonly usage?: TokenUsage;
}

export interface ToolResult {
  readonly id: string;
  readonly name: string;
  readonly content: string;
  readonly isError: boolean;
}

/** One model turn that called tools, the results it got, and what it was told after them. */
export interface Exchange {
  readonly turn: ModelTurn;
  readonly results: readonly ToolResult[];
  readonly note?: string;
}

export interface ToolLoopOptions {
  /** For messages: "the openai-compatible server at http://…". */
  readonly where: string;
  readonly component: string;
  readonly request: AgentRequest;
  readonly tools: ReadTools;
  /** One model call with the exchanges so far. */
  readonly send: (exchanges: readonly Exchange[]) => Promise<ModelTurn>;
  readonly onStatus: (message: string) => void;
  readonly log?: Logger;
}

export interface ToolLoopResult {
  readonly turn: ModelTurn;
  readonly usage: TokenUsage | undefined;
  readonly reads: readonly ToolRead[];
}

/** The request with the read tools offered and explained, when the loop offered tools at all. */
export function withReadTools(request: AgentRequest): AgentRequest {
  if (!request.tools || request.tools.length === 0 || request.toolBudget?.maxCalls === 0) return request;
  const tools = [...request.tools, ...readToolDefinitions().filter((tool) => !request.tools!.some((offered) => offered.name === tool.name))];
  const system = `${request.system}\n${readToolGuidance}`;
  return { ...request, system, tools, estimatedInputTokens: request.estimatedInputTokens + estimateTokens(readToolGuidance) + estimateTokens(JSON.stringify(readToolDefinitions())) };
}

/**
 * The request of a round with read tools: the tools offered and explained, and the
 * workspace map and imported modules in the first message (from half the read budget,
 * which they then count against).
 */
export async function prepareRequest(request: AgentRequest, tools: ReadTools): Promise<AgentRequest> {
  const offered = withReadTools(request);
  if (offered === request || offered.messages.length === 0) return offered;
  const budget = offered.toolBudget ?? DEFAULT_TOOL_BUDGET;
  const context = await firstContext(offered, tools.reader, tools.include, Math.floor(budget.maxResultTokens / 2)).catch(() => undefined);
  if (!context || context.text === '') return offered;
  const [first, ...rest] = offered.messages;
  const cut = first!.content.lastIndexOf('\n\n');
  const content = cut < 0 ? `${first!.content}\n\n${context.text}` : `${first!.content.slice(0, cut)}\n\n${context.text}${first!.content.slice(cut)}`;
  return {
    ...offered,
    messages: [{ ...first!, content }, ...rest],
    files: [...offered.files, ...context.imported],
    estimatedInputTokens: offered.estimatedInputTokens + context.tokens,
    toolBudget: { ...budget, maxResultTokens: Math.max(0, budget.maxResultTokens - context.tokens) },
  };
}

function addUsage(sum: TokenUsage | undefined, usage: TokenUsage | undefined): TokenUsage | undefined {
  if (!usage) return sum;
  const add = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  return { inputTokens: add(sum?.inputTokens, usage.inputTokens), outputTokens: add(sum?.outputTokens, usage.outputTokens) };
}

/** Cuts a result to `tokens`, saying so. */
function capped(content: string, tokens: number): string {
  if (estimateTokens(content) <= tokens) return content;
  let end = Math.max(0, tokens * 4 - 200);
  while (end > 0 && estimateTokens(content.slice(0, end)) > tokens - 60) end = Math.floor(end * 0.8);
  return `${content.slice(0, end)}\n… cut: the read budget of this round had about ${tokens} tokens left. Propose with what you have, or ask for fewer lines.`;
}

export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopResult> {
  const budget = options.request.toolBudget ?? DEFAULT_TOOL_BUDGET;
  const exchanges: Exchange[] = [];
  const reads: ToolRead[] = [];
  let usage: TokenUsage | undefined;
  let calls = 0;
  let resultTokens = 0;
  let toldToPropose = false;
  for (;;) {
    const turn = await options.send(exchanges);
    usage = addUsage(usage, turn.usage);
    const edit = turn.calls.some((call) => call.name === EDIT_TOOL_NAME && call.badJson === undefined);
    if (edit || turn.calls.length === 0) {
      const kept = turn.calls.filter((call) => call.name === EDIT_TOOL_NAME && call.badJson === undefined);
      return { turn: { ...turn, calls: kept }, usage, reads };
    }
    if (toldToPropose) {
      throw new AgentError(
        `${options.where} kept calling tools (${turn.calls.map((call) => call.name).join(', ')}) after its read budget for this round was spent (${calls} calls, about ${resultTokens} tokens of results) and it was told to propose. Nothing was applied. Run the round again, name the files in the task, or raise refineLoop.agent.maxToolCalls.`,
        'agent.toolBudgetSpent',
      );
    }
    const results: ToolResult[] = [];
    let spent = false;
    for (const call of turn.calls) {
      const over = calls >= budget.maxCalls || resultTokens >= budget.maxResultTokens;
      if (over) {
        spent = true;
        results.push({ id: call.id, name: call.name, content: 'Error: the read budget of this round is spent; this call was not carried out. Propose your edits now.', isError: true });
        reads.push({ tool: call.name, target: '', size: 0, error: 'not carried out: the read budget was spent' });
        continue;
      }
      calls++;
      if (call.badJson !== undefined) {
        const message = `the arguments of this ${call.name} call are not valid JSON (${call.badJson.slice(0, 120)}). Call it again with a JSON object${readToolNames.includes(call.name) || call.name === EDIT_TOOL_NAME ? '' : `; the tools are ${[...readToolNames, EDIT_TOOL_NAME].join(', ')}`}.`;
        results.push({ id: call.id, name: call.name, content: `Error: ${message}`, isError: true });
        reads.push({ tool: call.name, target: '', size: 0, error: message });
        continue;
      }
      const outcome = await options.tools.run(call.name, call.input);
      options.onStatus(outcome.status);
      const content = capped(outcome.content, budget.maxResultTokens - resultTokens);
      // A result that had to be cut used up what was left.
      resultTokens = content === outcome.content ? resultTokens + estimateTokens(content) : budget.maxResultTokens;
      results.push({ id: call.id, name: call.name, content, isError: outcome.isError });
      reads.push({ ...outcome.read, size: content.length });
    }
    if (calls >= budget.maxCalls || resultTokens >= budget.maxResultTokens) spent = true;
    let note: string | undefined;
    if (spent) {
      toldToPropose = true;
      note = `The read budget of this round is spent (${calls} of ${budget.maxCalls} tool calls, about ${resultTokens} of ${budget.maxResultTokens} tokens of results). Propose your edits now, with ${EDIT_TOOL_NAME} or search/replace blocks; another read call ends this attempt.`;
      options.log?.info(options.component, `round ${options.request.round}: read budget spent after ${calls} call(s)`);
    }
    exchanges.push({ turn, results, ...(note !== undefined ? { note } : {}) });
  }
}
