import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { AgentError, CancelledError } from '../../src/domain/errors';
import { buildPrompt } from '../../src/loop/prompt';
import type { AgentProgress, AgentRequest, Logger } from '../../src/domain/ports';
import { EDIT_TOOL_NAME } from '../../src/edits/toolCall';
import { parseSettings } from '../../src/domain/settings';
import { createReadTools } from '../../src/agents/tools/readTools';
import { createEditorAgent, createLanguageModelAgent, editorReader } from '../../src/vscode/lmAgent';

const editorTools = (root: string) => createReadTools({ reader: editorReader(root, []) });

// The vscode-lm provider inside the real VS Code host. VS Code 1.100's stable API has
// no way for a test to register a chat model (registerLanguageModelChatProvider is
// still a proposed API there), and the test host has no model extension. So: the real
// `vscode.lm.selectChatModels` path is tested for its no-model error, and the
// streaming, tool calls, cancellation and LanguageModelError mapping are tested with a
// LanguageModelChat written here, handed in through the `selectModels` option, that
// streams the real vscode.LanguageModelTextPart / ToolCallPart classes and throws the
// real vscode.LanguageModelError.

const EDIT = 'src/math.js\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n';

const silentLog: Logger & { lines: string[] } = {
  lines: [],
  info(component, message) {
    this.lines.push(`${component} ${message}`);
  },
  warn(component, message) {
    this.lines.push(`${component} ${message}`);
  },
  error(component, message) {
    this.lines.push(`${component} ${message}`);
  },
};

function request(offerTools = false): AgentRequest {
  return buildPrompt({
    round: 1,
    task: 'Make add() return the sum.',
    files: [{ path: 'src/math.js', reason: 'active', content: 'export function add(a, b) {\n  return a - b;\n}\n' }],
    feedback: 'not ok 1 - add: expected 3, got -1',
    budgetTokens: 8000,
    offerTools,
  });
}

interface Script {
  /** Parts to stream, or an error to throw from sendRequest. */
  parts?: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[];
  failOnSend?: Error;
  failMidStream?: Error;
  /** Waits for cancellation after the first part. */
  hang?: boolean;
  /** Throws from sendRequest when tools are offered, as a model without tool calling may. */
  refuseTools?: boolean;
  /** Parts chosen from the conversation (instead of `parts`). */
  respond?: (messages: vscode.LanguageModelChatMessage[]) => (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[];
}

class TestChatModel implements vscode.LanguageModelChat {
  readonly vendor = 'refine-loop-test';
  readonly version = '1';
  readonly maxInputTokens = 100_000;
  readonly received: { messages: vscode.LanguageModelChatMessage[]; options: vscode.LanguageModelChatRequestOptions | undefined }[] = [];
  sawCancellation = false;

  constructor(
    readonly id: string,
    readonly family: string,
    readonly name: string,
    private readonly script: Script,
  ) {}

  async sendRequest(messages: vscode.LanguageModelChatMessage[], options?: vscode.LanguageModelChatRequestOptions, token?: vscode.CancellationToken): Promise<vscode.LanguageModelChatResponse> {
    this.received.push({ messages, options });
    token?.onCancellationRequested(() => {
      this.sawCancellation = true;
    });
    if (this.script.failOnSend) throw this.script.failOnSend;
    if (this.script.refuseTools && options?.tools?.length) throw new Error('This model does not support tool calling.');
    const script = this.script;
    const chosen = script.respond ? script.respond(messages) : (script.parts ?? []);
    async function* stream(): AsyncIterable<vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart> {
      for (const part of chosen) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield part;
        if (script.hang) {
          await new Promise<void>((resolve) => token?.onCancellationRequested(() => resolve()));
          throw new vscode.CancellationError();
        }
      }
      if (script.failMidStream) throw script.failMidStream;
    }
    const parts = stream();
    return {
      stream: parts,
      text: (async function* () {
        for await (const part of parts) if (part instanceof vscode.LanguageModelTextPart) yield part.value;
      })(),
    };
  }

  async countTokens(text: string | vscode.LanguageModelChatMessage): Promise<number> {
    return Math.ceil((typeof text === 'string' ? text : JSON.stringify(text.content)).length / 4);
  }
}

const text = (value: string): vscode.LanguageModelTextPart => new vscode.LanguageModelTextPart(value);

async function failure(promise: Promise<unknown>): Promise<AgentError | CancelledError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AgentError || error instanceof CancelledError, `an AgentError or CancelledError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('Agent providers: vscode-lm in the real VS Code host', () => {
  it('says clearly that no chat model is available when VS Code has none', async function () {
    const models = await vscode.lm.selectChatModels();
    if (models.length > 0) {
      // A host with a model extension (for example Copilot signed in) cannot show this error.
      this.skip();
    }
    const agent = createLanguageModelAgent({ log: silentLog });
    const error = await failure(agent.propose(request(), new AbortController().signal));
    assert.equal(error.code, 'agent.noModel');
    assert.match(error.message, /No chat model is available through VS Code's Language Model API.*GitHub Copilot.*refineLoop\.agent\.provider/);
  });

  it('streams a reply from the model, with the instructions in the first user message', async () => {
    const model = new TestChatModel('test-1', 'test-family', 'Test Model', { parts: [text('Fixing the sign.\n\n'), text(EDIT.slice(0, 30)), text(EDIT.slice(30))] });
    const agent = createLanguageModelAgent({ log: silentLog, selectModels: async () => [model] });
    const progress: AgentProgress[] = [];
    const sent = request();
    const reply = await agent.propose(sent, new AbortController().signal, (event) => progress.push(event));
    assert.equal(reply.kind, 'text');
    assert.equal(reply.kind === 'text' && reply.text, `Fixing the sign.\n\n${EDIT}`);
    assert.equal(reply.kind === 'text' && reply.model, 'test-1');
    const first = model.received[0]!.messages[0]!;
    assert.equal(first.role, vscode.LanguageModelChatMessageRole.User);
    const content = (first.content[0] as vscode.LanguageModelTextPart).value;
    assert.ok(content.startsWith(sent.system), 'system text first');
    assert.ok(content.includes(sent.task), 'then the task');
    assert.ok(model.received[0]!.options?.justification);
    const characters = progress.filter((event) => event.kind === 'text').map((event) => (event as { characters: number }).characters);
    assert.equal(characters[0], 18, 'the first part is reported at once');
    assert.equal(characters.at(-1), 18 + EDIT.length, 'the last count is the whole reply');
  });

  it('offers the edit tool and returns the tool calls', async () => {
    const input = { edits: [{ kind: 'replace', path: 'src/math.js', search: '  return a - b;', replace: '  return a + b;' }] };
    const model = new TestChatModel('test-1', 'test-family', 'Test Model', { parts: [new vscode.LanguageModelToolCallPart('call-1', EDIT_TOOL_NAME, input)] });
    const agent = createLanguageModelAgent({ log: silentLog, selectModels: async () => [model] });
    const reply = await agent.propose(request(true), new AbortController().signal);
    assert.equal(model.received[0]!.options?.tools?.[0]?.name, EDIT_TOOL_NAME);
    assert.deepEqual(reply.kind === 'text' && reply.toolCalls, [{ name: EDIT_TOOL_NAME, input }]);
  });

  it('uses the model named by the setting, and names the available ones when it is missing', async () => {
    const a = new TestChatModel('model-a', 'family-a', 'Model A', { parts: [text(EDIT)] });
    const b = new TestChatModel('model-b', 'family-b', 'Model B', { parts: [text(EDIT)] });
    const chosen = createLanguageModelAgent({ model: 'family-b', log: silentLog, selectModels: async () => [a, b] });
    await chosen.propose(request(), new AbortController().signal);
    assert.equal(a.received.length, 0);
    assert.equal(b.received.length, 1);

    const missing = createLanguageModelAgent({ model: 'gpt-9', log: silentLog, selectModels: async () => [a, b] });
    const error = await failure(missing.propose(request(), new AbortController().signal));
    assert.equal(error.code, 'agent.modelNotFound');
    assert.match(error.message, /no chat model 'gpt-9'\. Available: Model A \(refine-loop-test\/model-a\), Model B/);
  });

  it('asks which model when several fit and none is set, once per session', async () => {
    const a = new TestChatModel('model-a', 'family-a', 'Model A', { parts: [text(EDIT)] });
    const b = new TestChatModel('model-b', 'family-b', 'Model B', { parts: [text(EDIT)] });
    let asked = 0;
    const agent = createLanguageModelAgent({
      log: silentLog,
      selectModels: async () => [a, b],
      pickModel: async (models) => {
        asked++;
        return models[1];
      },
    });
    await agent.propose(request(), new AbortController().signal);
    await agent.propose(request(), new AbortController().signal);
    assert.equal(asked, 1);
    assert.equal(b.received.length, 2);

    const undecided = createLanguageModelAgent({ log: silentLog, selectModels: async () => [a, b], pickModel: async () => undefined });
    assert.ok((await failure(undecided.propose(request(), new AbortController().signal))) instanceof CancelledError);
  });

  it('maps LanguageModelError codes to messages: no consent, blocked (quota), model gone', async () => {
    const cases: [vscode.LanguageModelError, string, RegExp][] = [
      [vscode.LanguageModelError.NoPermissions('consent denied'), 'agent.noConsent', /no consent was given \(consent denied\).*allow access/],
      [vscode.LanguageModelError.Blocked('quota exceeded'), 'agent.blocked', /blocked, usually a quota or rate limit \(quota exceeded\)/],
      [vscode.LanguageModelError.NotFound('gone'), 'agent.modelGone', /no longer available in VS Code \(gone\)/],
    ];
    for (const [thrown, code, message] of cases) {
      const model = new TestChatModel('test-1', 'f', 'Test Model', { failOnSend: thrown });
      const error = await failure(createLanguageModelAgent({ log: silentLog, selectModels: async () => [model] }).propose(request(), new AbortController().signal));
      assert.equal(error.code, code);
      assert.match(error.message, message);
    }
  });

  it('reports an error in the middle of the stream', async () => {
    const model = new TestChatModel('test-1', 'f', 'Test Model', { parts: [text('src/math.js\n')], failMidStream: new Error('connection to the model lost') });
    const error = await failure(createLanguageModelAgent({ log: silentLog, selectModels: async () => [model] }).propose(request(), new AbortController().signal));
    assert.equal(error.code, 'agent.modelError');
    assert.match(error.message, /Test Model \(refine-loop-test\/test-1\) failed: connection to the model lost/);
  });

  it('cancels the request through its CancellationToken', async () => {
    const model = new TestChatModel('test-1', 'f', 'Test Model', { parts: [text('src/math.js\n'), text('never sent')], hang: true });
    const controller = new AbortController();
    const agent = createLanguageModelAgent({ log: silentLog, selectModels: async () => [model] });
    const error = await failure(
      agent.propose(request(), controller.signal, (event) => {
        if (event.kind === 'text') controller.abort();
      }),
    );
    assert.ok(error instanceof CancelledError);
    assert.equal(model.sawCancellation, true, 'the token given to sendRequest was cancelled');
  });

  it('times out a model that stops answering', async () => {
    const model = new TestChatModel('test-1', 'f', 'Test Model', { parts: [text('src/math.js\n')], hang: true });
    const agent = createLanguageModelAgent({ log: silentLog, selectModels: async () => [model], timeoutMs: 300 });
    const error = await failure(agent.propose(request(), new AbortController().signal));
    assert.equal(error.code, 'agent.timeout');
    assert.equal(model.sawCancellation, true);
  });

  it('rejects an empty reply; hands a reply without edits to the loop', async () => {
    const empty = new TestChatModel('test-1', 'f', 'Test Model', { parts: [] });
    assert.equal((await failure(createLanguageModelAgent({ log: silentLog, selectModels: async () => [empty] }).propose(request(), new AbortController().signal))).code, 'agent.emptyReply');
    const chatty = new TestChatModel('test-1', 'f', 'Test Model', { parts: [text('Looks fine to me.')] });
    const answer = await createLanguageModelAgent({ log: silentLog, selectModels: async () => [chatty] }).propose(request(), new AbortController().signal);
    assert.equal(answer.kind === 'text' && answer.text, 'Looks fine to me.', 'a reply without edits goes to the loop, which shows it');
  });

  it('answers a read_file call with a LanguageModelToolResultPart holding the unsaved buffer, not the disk', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const uri = vscode.Uri.joinPath(folder, 'scratch', 'units.js');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('const CM_PER_INCH = 2.45; // on disk\n'));
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, 0, 100), 'const CM_PER_INCH = 2.54; // typed, not saved'));
    assert.equal(editor.document.isDirty, true);
    try {
      const seen: string[] = [];
      // Decides from the conversation: no tool result yet, read the file; else propose.
      const model = new TestChatModel('test-1', 'f', 'Test Model', {
        respond: (messages) => {
          const results = messages.flatMap((message) => message.content.filter((part): part is vscode.LanguageModelToolResultPart => part instanceof vscode.LanguageModelToolResultPart));
          for (const result of results) for (const part of result.content) if (part instanceof vscode.LanguageModelTextPart) seen.push(`${result.callId}: ${part.value}`);
          return results.length === 0 ? [new vscode.LanguageModelToolCallPart('read-1', 'read_file', { path: 'scratch/units.js' })] : [text(EDIT)];
        },
      });
      const statuses: string[] = [];
      const agent = createEditorAgent(parseSettings({}), folder.fsPath, undefined, silentLog);
      assert.equal(agent.acceptsTools, true, 'the editor offers tools');
      const agentWithModel = createLanguageModelAgent({ log: silentLog, selectModels: async () => [model], tools: editorTools(folder.fsPath) });
      const reply = await agentWithModel.propose(request(true), new AbortController().signal, (event) => {
        if (event.kind === 'status') statuses.push(event.message);
      });
      assert.equal(model.received.length, 2);
      assert.deepEqual(model.received[0]!.options?.tools?.map((tool) => tool.name), [EDIT_TOOL_NAME, 'read_file', 'list_files', 'search_text']);
      assert.equal(seen.length, 1);
      assert.match(seen[0]!, /^read-1: scratch\/units\.js: lines 1-1 of 1\n1\tconst CM_PER_INCH = 2\.54; \/\/ typed, not saved$/);
      assert.ok(statuses.includes('reading scratch/units.js'), statuses.join(' | '));
      assert.equal(reply.kind === 'text' && reply.text, EDIT);
      assert.deepEqual(reply.kind === 'text' && reply.reads?.map((read) => read.target), ['scratch/units.js']);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.workspace.fs.delete(uri);
    }
  });

  it('asks again without tools when the model refuses them', async () => {
    const model = new TestChatModel('test-1', 'f', 'Test Model', { parts: [text(EDIT)], refuseTools: true });
    const agent = createLanguageModelAgent({ log: silentLog, selectModels: async () => [model], tools: editorTools(vscode.workspace.workspaceFolders![0]!.uri.fsPath) });
    const reply = await agent.propose(request(true), new AbortController().signal);
    assert.equal(reply.kind === 'text' && reply.text, EDIT);
    assert.equal(model.received.length, 2);
    assert.ok((model.received[0]!.options?.tools?.length ?? 0) > 0);
    assert.equal(model.received[1]!.options?.tools, undefined);
  });

  it('creates the agent of the editor settings: vscode-lm, or a provider of src/agents', () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    assert.equal(createEditorAgent(parseSettings({}), root, undefined, silentLog).id, 'vscode-lm');
    assert.equal(createEditorAgent(parseSettings({ 'agent.model': 'gpt-4o' }), root, undefined, silentLog).id, 'vscode-lm:gpt-4o');
    assert.equal(createEditorAgent(parseSettings({ 'agent.provider': 'openai-compatible', 'agent.model': 'qwen' }), root, undefined, silentLog).id, 'openai-compatible:qwen');
    assert.equal(createEditorAgent(parseSettings({ 'agent.provider': 'command', 'agent.command': 'my-agent', 'agent.commandMode': 'worktree' }), root, undefined, silentLog).id, 'command:worktree');
  });
});
