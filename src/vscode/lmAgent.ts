import * as vscode from 'vscode';
import { AgentError, CancelledError, errorMessage } from '../domain/errors';
import type { Agent, AgentProgress, AgentReply, AgentRequest, Logger, ToolCall, ToolRead } from '../domain/ports';
import type { WorkspacePath } from '../domain/model';
import type { Settings } from '../domain/settings';
import { createAgent } from '../agents/index';
import { DEFAULT_MAX_REPLY_BYTES, formatBytes, formatSeconds } from '../agents/limits';
import { throttleProgress } from '../agents/progress';
import { checkNotEmpty } from '../agents/replyCheck';
import { createReadTools, type ReadTools } from '../agents/tools/readTools';
import { prepareRequest, runToolLoop, type Exchange, type ModelCall, type ModelTurn } from '../agents/tools/toolLoop';
import { createWorkspaceReader } from '../node/workspaceReader';

// `vscode-lm`: whatever chat models VS Code's Language Model API offers (GitHub Copilot
// and other providers). Streamed, cancellable, with LanguageModelError codes turned
// into messages a person can act on.

export interface LanguageModelAgentOptions {
  /** Model id, family or name from refineLoop.agent.model; empty or absent: the only model, or ask. */
  readonly model?: string;
  readonly log: Logger;
  /** Asks the person to choose when several models fit and none is set (a quick pick in the editor). */
  readonly pickModel?: (models: readonly vscode.LanguageModelChat[]) => Promise<vscode.LanguageModelChat | undefined>;
  /** Where models come from; default `vscode.lm.selectChatModels`. */
  readonly selectModels?: () => Thenable<readonly vscode.LanguageModelChat[]>;
  readonly timeoutMs?: number;
  readonly maxReplyBytes?: number;
  /** The read-only workspace tools, offered whenever the loop offers tools. */
  readonly tools?: ReadTools;
}

const JUSTIFICATION = 'Refine Loop asks the model for edits that make your tests pass; you review each proposal before it is applied.';

function describeModel(model: vscode.LanguageModelChat): string {
  return `${model.name} (${model.vendor}/${model.id})`;
}

function matches(model: vscode.LanguageModelChat, wanted: string): boolean {
  const lower = wanted.toLowerCase();
  return [model.id, model.family, model.name, `${model.vendor}/${model.family}`].some((value) => value.toLowerCase() === lower);
}

/** A LanguageModelError (or anything thrown by the API) as an AgentError with what to do next. */
export function languageModelErrorToAgentError(error: unknown, model: string): AgentError {
  if (error instanceof AgentError) return error;
  const code = error instanceof vscode.LanguageModelError ? error.code : undefined;
  const said = errorMessage(error);
  switch (code) {
    case vscode.LanguageModelError.NoPermissions.name:
      return new AgentError(
        `VS Code did not let Refine Loop use ${model}: no consent was given (${said}). Nothing was applied. Run the command again and allow access when VS Code asks, or manage access under Accounts → Manage Language Model Access.`,
        'agent.noConsent',
        { cause: error },
      );
    case vscode.LanguageModelError.Blocked.name:
      return new AgentError(
        `${model} refused the request: blocked, usually a quota or rate limit (${said}). Nothing was applied. Wait and run the round again, or choose another model in refineLoop.agent.model.`,
        'agent.blocked',
        { cause: error },
      );
    case vscode.LanguageModelError.NotFound.name:
      return new AgentError(
        `${model} is no longer available in VS Code (${said}). Nothing was applied. Choose another model (refineLoop.agent.model), or check that its extension is installed and signed in.`,
        'agent.modelGone',
        { cause: error },
      );
    default:
      return new AgentError(`${model} failed: ${said}. Nothing was applied. Run the round again; if it repeats, choose another model.`, 'agent.modelError', { cause: error });
  }
}

/** One tool exchange as chat messages: the assistant's tool calls, then their results (and any note) from the user. */
function wireExchange(exchange: Exchange): vscode.LanguageModelChatMessage[] {
  const assistant: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = [];
  if (exchange.turn.text.trim()) assistant.push(new vscode.LanguageModelTextPart(exchange.turn.text));
  for (const each of exchange.turn.calls) assistant.push(new vscode.LanguageModelToolCallPart(each.id, each.name, typeof each.input === 'object' && each.input !== null ? each.input : {}));
  const user: (vscode.LanguageModelTextPart | vscode.LanguageModelToolResultPart)[] = exchange.results.map(
    (result) => new vscode.LanguageModelToolResultPart(result.id, [new vscode.LanguageModelTextPart(result.content)]),
  );
  if (exchange.note) user.push(new vscode.LanguageModelTextPart(exchange.note));
  return [vscode.LanguageModelChatMessage.Assistant(assistant), vscode.LanguageModelChatMessage.User(user)];
}

export function createLanguageModelAgent(options: LanguageModelAgentOptions): Agent {
  const component = 'agent.vscode-lm';
  const selectModels = options.selectModels ?? (() => vscode.lm.selectChatModels());
  const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  /** The model the person picked, kept for the rounds after. */
  let pickedId: string | undefined;

  async function chooseModel(): Promise<vscode.LanguageModelChat> {
    const models = await selectModels();
    if (models.length === 0) {
      throw new AgentError(
        "No chat model is available through VS Code's Language Model API. Nothing was sent. Install and sign in to a model provider such as GitHub Copilot, or set refineLoop.agent.provider to openai-compatible, anthropic or command.",
        'agent.noModel',
      );
    }
    const wanted = options.model?.trim();
    if (wanted) {
      const found = models.find((model) => matches(model, wanted));
      if (!found) {
        throw new AgentError(
          `VS Code has no chat model '${wanted}'. Available: ${models.map(describeModel).join(', ')}. Nothing was sent. Set refineLoop.agent.model to one of these ids, or leave it empty to choose.`,
          'agent.modelNotFound',
        );
      }
      return found;
    }
    const remembered = pickedId ? models.find((model) => model.id === pickedId) : undefined;
    if (remembered) return remembered;
    if (models.length === 1 || !options.pickModel) return models[0] as vscode.LanguageModelChat;
    const picked = await options.pickModel(models);
    if (!picked) throw new CancelledError('No language model was chosen.');
    pickedId = picked.id;
    return picked;
  }

  async function propose(request: AgentRequest, signal: AbortSignal, onProgress?: (progress: AgentProgress) => void): Promise<AgentReply> {
    if (signal.aborted) throw new CancelledError();
    const model = await chooseModel();
    const where = describeModel(model);
    const offered = options.tools ? await prepareRequest(request, options.tools) : request;
    options.log.info(component, `round ${request.round}: ${where}, ~${offered.estimatedInputTokens} input tokens (model limit ${model.maxInputTokens})`);

    // The API has no system role: the instructions open the first user message.
    const messages = offered.messages.map((message, index) => {
      const content = index === 0 ? `${offered.system}\n\n${message.content}` : message.content;
      return message.role === 'user' ? vscode.LanguageModelChatMessage.User(content) : vscode.LanguageModelChatMessage.Assistant(content);
    });
    const tools = offered.tools?.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema }));

    const cancellation = new vscode.CancellationTokenSource();
    let timedOut = false;
    const onAbort = (): void => cancellation.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          cancellation.cancel();
        }, options.timeoutMs)
      : undefined;
    const stopped = (): Error | undefined => {
      if (timedOut) {
        return new AgentError(`${where} did not finish a reply within ${formatSeconds(options.timeoutMs ?? 0)}. Nothing was applied. Raise refineLoop.agent.timeoutSeconds or shrink the prompt.`, 'agent.timeout');
      }
      return signal.aborted ? new CancelledError('Agent call cancelled.') : undefined;
    };

    const progress = throttleProgress(onProgress);
    let toolsDropped = false;
    /** One streamed answer over the conversation so far: tool calls are answered with LanguageModelToolResultPart. */
    const send = async (exchanges: readonly Exchange[]): Promise<ModelTurn> => {
      const conversation = [...messages, ...exchanges.flatMap(wireExchange)];
      let text = '';
      const calls: ModelCall[] = [];
      const response = await Promise.resolve(model.sendRequest(conversation, { justification: JUSTIFICATION, ...(tools && tools.length > 0 && !toolsDropped ? { tools } : {}) }, cancellation.token))
        .catch((error: unknown) => {
          // A model without tool calling may refuse the tools: ask once more for text edit blocks.
          if (!tools?.length || toolsDropped || exchanges.length > 0 || stopped() || !/tool/i.test(errorMessage(error))) throw error;
          toolsDropped = true;
          options.log.warn(component, `${where} does not take tools (${errorMessage(error)}); asking for text edit blocks instead`);
          return model.sendRequest(conversation, { justification: JUSTIFICATION }, cancellation.token);
        });
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelTextPart) text += part.value;
        else if (part instanceof vscode.LanguageModelToolCallPart) calls.push({ id: part.callId || `call_${exchanges.length}_${calls.length}`, name: part.name, input: part.input });
        else continue;
        if (text.length > maxReplyBytes) {
          cancellation.cancel();
          throw new AgentError(`${where} sent a reply larger than ${formatBytes(maxReplyBytes)}; it was cut off and dropped. Nothing was applied. Ask for a smaller change.`, 'agent.replyTooLarge');
        }
        progress.report({ kind: 'text', characters: text.length });
        const stop = stopped();
        if (stop) throw stop;
      }
      progress.flush();
      const stop = stopped();
      if (stop) throw stop;
      return { text, calls };
    };

    let result: { turn: ModelTurn; reads: readonly ToolRead[] };
    try {
      progress.report({ kind: 'status', message: `Asking ${model.name}` });
      result = options.tools
        ? await runToolLoop({ where, component, request: offered, tools: options.tools, send, onStatus: (message) => progress.report({ kind: 'status', message }), log: options.log })
        : { turn: await send([]), reads: [] };
    } catch (error) {
      throw stopped() ?? languageModelErrorToAgentError(error, where);
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
    const { text } = result.turn;
    const toolCalls: ToolCall[] = result.turn.calls.map((each) => ({ name: each.name, input: each.input }));
    options.log.info(component, `round ${request.round}: ${text.length} characters, ${toolCalls.length} tool call(s), ${result.reads.length} read(s)`);
    checkNotEmpty(text, toolCalls, where);
    return { kind: 'text', text, model: model.id, ...(toolCalls.length > 0 ? { toolCalls } : {}), ...(result.reads.length > 0 ? { reads: result.reads } : {}) };
  }

  const id = options.model?.trim() ? `vscode-lm:${options.model.trim()}` : 'vscode-lm';
  return { id, acceptsTools: true, propose };
}

/** The editor's quick pick of chat models, for `pickModel`. */
export async function pickModelWithQuickPick(models: readonly vscode.LanguageModelChat[]): Promise<vscode.LanguageModelChat | undefined> {
  const items = models.map((model) => ({ label: model.name, description: `${model.vendor} · ${model.family}`, detail: `id ${model.id}, up to ${model.maxInputTokens} input tokens`, model }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Refine Loop: choose a language model', placeHolder: 'Set refineLoop.agent.model to skip this question' });
  return picked?.model;
}

/**
 * The agent for the editor's settings: the Language Model API for `vscode-lm`, else the
 * provider of src/agents with the key from SecretStorage. Fits LoopApi.createAgent.
 */
export function createEditorAgent(settings: Settings, root: string, apiKey: string | undefined, log: Logger): Agent {
  const timeoutMs = settings['agent.timeoutSeconds'] * 1000;
  const model = settings['agent.model'].trim() || undefined;
  const reader = editorReader(root, settings['context.exclude']);
  const include = settings['context.include'];
  if (settings['agent.provider'] === 'vscode-lm') {
    return createLanguageModelAgent({ model, log, pickModel: pickModelWithQuickPick, timeoutMs, tools: createReadTools({ reader, include }) });
  }
  return createAgent({
    provider: settings['agent.provider'],
    model,
    baseUrl: settings['agent.baseUrl'].trim() || undefined,
    apiKey,
    command: settings['agent.command'],
    commandMode: settings['agent.commandMode'],
    sandbox: settings['agent.sandbox'],
    secretVariables: settings.secretVariables,
    root,
    timeoutMs,
    log,
    reader,
    include,
    protectedPaths: settings.protectedPaths,
  });
}

/** What the read tools see in the editor: the disk, except that a file with unsaved changes is read from its buffer. */
export function editorReader(root: string, exclude: readonly string[]) {
  const base = vscode.Uri.file(root);
  return createWorkspaceReader(root, {
    exclude,
    openText: (path: WorkspacePath) => {
      const uri = vscode.Uri.joinPath(base, ...path.split('/')).toString();
      const document = vscode.workspace.textDocuments.find((each) => each.uri.toString() === uri);
      return document?.isDirty ? document.getText() : undefined;
    },
  });
}
