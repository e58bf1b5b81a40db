import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SessionResult } from '../../src/vscode/loopApi';
import { createRunSessionTool, type ChatDeps } from '../../src/vscode/chat/lmTool';
import { decode, encode, forgetMathAgentSettings, testingApi, useRealLoopWithMathAgent, waitFor, workspaceUri } from './editorHelpers';

// The language-model tool and the @refine chat participant in the real VS Code host,
// with the real loop and `node --test` on the integration workspace.

const TOOL = 'refineLoop_runSession';
const EDIT = 'add subtracted; it adds now.\n\nsrc/math.js\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n';

const CONDENSED = 'Leave add as it is apart from its body: return a + b, in that order, without parentheses.';

const noopLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

class ScriptedChatModel implements vscode.LanguageModelChat {
  readonly id = 'scripted-chat-model';
  readonly vendor = 'refine-loop-test';
  readonly family = 'scripted';
  readonly name = 'Scripted Model';
  readonly version = '1';
  readonly maxInputTokens = 100_000;
  readonly prompts: string[] = [];

  /** One reply per request, the last one again once they run out. */
  constructor(private readonly replies: readonly string[] = [EDIT]) {}

  async sendRequest(messages: vscode.LanguageModelChatMessage[]): Promise<vscode.LanguageModelChatResponse> {
    this.prompts.push(messages.map((message) => message.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('')).join('\n'));
    // Asked to condense the reviewer's reasons (src/loop/lessonsCondense.ts), it answers with one sentence.
    const condensing = this.prompts.at(-1)!.includes("The reviewer's remarks, one per line");
    const reply = condensing ? CONDENSED : this.replies[Math.min(this.prompts.length - 1, this.replies.length - 1)]!;
    const parts = (async function* () {
      yield new vscode.LanguageModelTextPart(reply);
    })();
    return {
      stream: parts,
      text: (async function* () {
        yield reply;
      })(),
    };
  }

  async countTokens(text: string | vscode.LanguageModelChatMessage): Promise<number> {
    return Math.ceil((typeof text === 'string' ? text : JSON.stringify(text.content)).length / 4);
  }
}

/** A ChatResponseStream that records what the handler streams. */
function recordingStream(): { stream: vscode.ChatResponseStream; markdown: string[]; progress: string[]; buttons: vscode.Command[] } {
  const markdown: string[] = [];
  const progress: string[] = [];
  const buttons: vscode.Command[] = [];
  const stream = {
    markdown: (value: string | vscode.MarkdownString) => void markdown.push(typeof value === 'string' ? value : value.value),
    progress: (value: string) => void progress.push(value),
    button: (command: vscode.Command) => void buttons.push(command),
    anchor: () => undefined,
    filetree: () => undefined,
    reference: () => undefined,
    push: () => undefined,
  } as unknown as vscode.ChatResponseStream;
  return { stream, markdown, progress, buttons };
}

/** Plain text of streamed Markdown (the handler escapes punctuation so nothing becomes markup). */
const plain = (markdown: readonly string[]) => markdown.join('').replace(/\\(.)/g, '$1');

describe('In the editor: the language-model tool and the @refine participant', () => {
  let original = '';
  before(async () => {
    const api = await testingApi();
    original = decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!;
    await useRealLoopWithMathAgent(api);
  });
  afterEach(async () => {
    const api = await testingApi();
    api.trust.setOverride(undefined);
    if (api.controller.isRunning) await vscode.commands.executeCommand('refineLoop.stop', 'keep');
    await waitFor('the session to end', () => !api.controller.isRunning, 30_000);
    await vscode.workspace.fs.writeFile(workspaceUri('src', 'math.js'), encode(original));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await forgetMathAgentSettings();
  });

  /** Approves round 1 and keeps the green result, as the person would in the panel. */
  async function approveAndKeep(): Promise<void> {
    const api = await testingApi();
    await waitFor('the review of round 1', () => api.controller.pending?.kind === 'review', 60_000);
    await vscode.commands.executeCommand('refineLoop.approve');
    const after = await waitFor('the after-tests gate', () => (api.controller.pending?.kind === 'afterTests' ? api.controller.pending : undefined), 60_000);
    assert.equal(after.view.passed, true);
    assert.equal(api.panel.handleMessage({ type: 'afterTests', round: 1, decision: 'stopKeep' }), true);
  }

  it('registers the tool with its input schema', async () => {
    await testingApi();
    const tool = vscode.lm.tools.find((each) => each.name === TOOL);
    assert.ok(tool, `${TOOL} is in vscode.lm.tools`);
    assert.deepEqual((tool.inputSchema as { required?: string[] }).required, ['task']);
  });

  it('in Restricted Mode the tool refuses with the reason and runs nothing', async () => {
    const api = await testingApi();
    api.trust.setOverride(false);
    const result = await vscode.lm.invokeTool(TOOL, { input: { task: 'make add add', testCommand: 'node --test' }, toolInvocationToken: undefined });
    const text = result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
    assert.match(text, /^Refused: .*Restricted Mode/);
    assert.equal(api.controller.isRunning, false);
  });

  it('asks for a confirmation that names the task and the test command', async () => {
    const api = await testingApi();
    const tool = createRunSessionTool({ log: noopLog, isTrusted: () => true, start: async () => undefined, history: api.history, loop: () => undefined } as unknown as ChatDeps);
    const prepared = await tool.prepareInvocation!({ input: { task: 'make add add', testCommand: 'node --test' } }, new vscode.CancellationTokenSource().token);
    assert.equal(prepared?.confirmationMessages?.title, 'Start a Refine Loop session?');
    const message = prepared!.confirmationMessages!.message;
    const text = typeof message === 'string' ? message : message.value;
    assert.match(text, /Task: make add add/);
    assert.match(text, /Test command \(runs in the workspace after every approved round\): node --test/);
  });

  it('invokeTool starts a session after the confirmation and returns its outcome and report', async function () {
    this.timeout(120_000);
    await testingApi();
    // Outside a chat, VS Code 1.100 asks prepareInvocation and shows its confirmation as a
    // modal dialog; its extension-test host answers every confirm dialog with yes
    // (DialogService.skipDialogs), so this host cannot decline it. The dialog's content is
    // checked above; here the session runs after it, through the one start path.
    const invoked = Promise.resolve(vscode.lm.invokeTool(TOOL, { input: { task: 'make add add', testCommand: 'node --test', files: ['src/math.js'] }, toolInvocationToken: undefined }));
    await Promise.race([approveAndKeep(), invoked.then((early) => assert.fail(`the tool returned before the review: ${JSON.stringify(early.content)}`))]);
    const result = await invoked;
    const text = result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
    assert.match(text, /^Outcome: passed after 1 round\(s\): the tests pass/);
    assert.match(text, /# Refine Loop session \S+/);
    assert.match(text, /\+ {2}return a \+ b;/);
    assert.match(decode(await vscode.workspace.fs.readFile(workspaceUri('src', 'math.js')))!, /return a \+ b;/);
  });

  it("the participant's handler runs a session with the chat's model and streams the rounds and the outcome", async function () {
    this.timeout(120_000);
    const api = await testingApi();
    const model = new ScriptedChatModel();
    const { stream, markdown, progress, buttons } = recordingStream();
    const request = { prompt: 'make add add', command: undefined, references: [], toolReferences: [], toolInvocationToken: undefined, model } as unknown as vscode.ChatRequest;
    const context = { history: [] } as unknown as vscode.ChatContext;
    const source = new vscode.CancellationTokenSource();
    const handled = Promise.resolve(api.chatHandler(request, context, stream, source.token));
    await approveAndKeep();
    const result = (await handled) as vscode.ChatResult;
    const text = plain(markdown);
    assert.ok(model.prompts.length >= 1 && model.prompts[0]!.includes('make add add'), "the chat's model got the task");
    assert.match(text, /Round 1: the agent proposes changes to src\/math\.js \(\+1 −1\)/);
    assert.match(text, /Round 1: review: approve/);
    assert.match(text, /Round 1: tests: \d+ passed, 0 failed/);
    assert.match(text, /\*\*Outcome: passed after 1 round\(s\): the tests pass\*\*/);
    assert.ok(text.indexOf('Round 1: the agent proposes') < text.indexOf('Outcome: passed'), 'the rounds stream before the outcome');
    assert.deepEqual(buttons.map((button) => button.command), ['refineLoop.showReview']);
    assert.ok(progress.length >= 1);
    assert.equal((result.metadata as { outcome?: SessionResult['outcome'] }).outcome, 'passed');
    source.dispose();
  });

  it('the panel names the lessons in the prompt and offers the session\'s own: discard writes nothing, keep and an edited keep write the file; the commands list and remove lessons', async function () {
    this.timeout(180_000);
    const api = await testingApi();
    const lessonsUri = workspaceUri('.refine-loop', 'lessons.md');
    const handWritten = '# Team lessons\n\n- Prefer early returns <!-- by hand -->\n';
    await vscode.workspace.fs.writeFile(lessonsUri, encode(handWritten));
    const lessonsText = async () => decode(await vscode.workspace.fs.readFile(lessonsUri));
    const reasons = ['Keep the signature of add as it is', 'Write the sum as a + b, in that order', 'Do not wrap the result in parentheses'];
    try {
      // Three different proposals, each rejected with a reason; the fourth repeats the third, so the session ends stuck.
      const model = new ScriptedChatModel([EDIT, EDIT.replace('return a + b;', 'return b + a;'), EDIT.replace('return a + b;', 'return (a + b);')]);
      const { stream } = recordingStream();
      const request = { prompt: 'make add add', model } as unknown as vscode.ChatRequest;
      const handled = Promise.resolve(api.chatHandler(request, { history: [] } as unknown as vscode.ChatContext, stream, new vscode.CancellationTokenSource().token));
      let sessionId = '';
      for (const [index, reason] of reasons.entries()) {
        const gate = await waitFor(`the review of round ${index + 1}`, () => (api.controller.pending?.kind === 'review' && api.controller.pending.view.round === index + 1 ? api.controller.pending : undefined), 60_000);
        sessionId = gate.view.sessionId;
        if (index === 0) assert.deepEqual(api.lessons.current, { sessionId, inPrompt: ['Prefer early returns'], proposed: [] }, 'the panel names the lesson in the prompt while the session runs');
        await vscode.commands.executeCommand('refineLoop.rejectWithReason', reason);
      }
      const result = (await handled) as vscode.ChatResult;
      assert.equal((result.metadata as { outcome?: string }).outcome, 'stuck');
      assert.match(model.prompts[0]!, /## Standing instructions from the reviewer\n\n[^\n]+\n\n- Prefer early returns/);
      assert.deepEqual((await api.history().load(sessionId))?.lessons, ['Prefer early returns']);

      // The panel (the real webview) shows the three proposals, each with the round and the reason it came from.
      // The chat's model condensed the three reasons into one more proposal, first, with all three as its sources.
      const offered = await waitFor('the panel to offer the lessons', () => (api.lessons.current?.sessionId === sessionId && api.lessons.current.proposed.length === 4 ? api.lessons.current : undefined), 30_000);
      assert.deepEqual(offered.inPrompt, ['Prefer early returns']);
      assert.deepEqual(
        offered.proposed.map((lesson) => [lesson.text, lesson.evidence.map((item) => [item.round, item.kind, item.text]), lesson.decision, lesson.condensed === true]),
        [[CONDENSED, reasons.map((reason, index) => [index + 1, 'rejection', reason]), 'open', true], ...reasons.map((reason, index) => [reason, [[index + 1, 'rejection', reason]], 'open', false])],
      );
      const condensedId = offered.proposed[0]!.id;
      const ids = offered.proposed.slice(1).map((lesson) => lesson.id);
      await waitFor('the webview to render the offer', () => api.panel.messageLog.some((message) => message.type === 'lessonsShown' && message.sessionId === sessionId && [condensedId, ...ids].every((id) => message.ids.includes(id))), 30_000);
      assert.equal(await lessonsText(), handWritten, 'nothing is kept without a yes, the condensed lesson included');

      const decided = (id: string) => waitFor(`the decision about ${id}`, () => api.lessons.current?.proposed.find((lesson) => lesson.id === id && lesson.decision !== 'open'), 15_000);
      assert.equal(api.panel.handleMessage({ type: 'lessonDecision', sessionId, id: condensedId, decision: 'discard' }), true);
      assert.equal((await decided(condensedId)).decision, 'discarded');
      assert.equal(api.panel.handleMessage({ type: 'lessonDecision', sessionId, id: ids[0]!, decision: 'discard' }), true);
      assert.equal((await decided(ids[0]!)).decision, 'discarded');
      assert.equal(await lessonsText(), handWritten, 'a discard writes nothing');
      assert.equal(api.panel.handleMessage({ type: 'lessonDecision', sessionId, id: ids[1]!, decision: 'keep' }), true);
      assert.equal((await decided(ids[1]!)).decision, 'kept');
      assert.equal(api.panel.handleMessage({ type: 'lessonDecision', sessionId, id: ids[2]!, decision: 'keep', text: 'Return a + b without parentheses' }), true);
      assert.equal((await decided(ids[2]!)).keptText, 'Return a + b without parentheses');
      assert.equal(
        await lessonsText(),
        `${handWritten}- ${reasons[1]} <!-- session ${sessionId}: round 2 rejection reason -->\n- Return a + b without parentheses <!-- session ${sessionId}: round 3 rejection reason, edited by the reviewer -->\n`,
      );

      // List shows them in a quick pick and returns them once it closes.
      const listing = Promise.resolve(vscode.commands.executeCommand('refineLoop.lessons.list'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      const listed = (await listing) as { text: string }[] | undefined;
      assert.deepEqual(listed?.map((lesson) => lesson.text), ['Prefer early returns', reasons[1], 'Return a + b without parentheses']);
      const removed = (await vscode.commands.executeCommand('refineLoop.lessons.remove', 1)) as { text: string } | undefined;
      assert.equal(removed?.text, 'Prefer early returns');
      assert.doesNotMatch((await lessonsText())!, /Prefer early returns/);
    } finally {
      await vscode.workspace.fs.delete(workspaceUri('.refine-loop'), { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('the participant in Restricted Mode says why and starts nothing', async () => {
    const api = await testingApi();
    api.trust.setOverride(false);
    const { stream, markdown } = recordingStream();
    const request = { prompt: 'make add add', model: new ScriptedChatModel() } as unknown as vscode.ChatRequest;
    await api.chatHandler(request, { history: [] } as unknown as vscode.ChatContext, stream, new vscode.CancellationTokenSource().token);
    assert.match(plain(markdown), /Restricted Mode/);
    assert.equal(api.controller.isRunning, false);
  });
});
