import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as http from 'node:http';
import { createAgent } from '../../../src/agents/index';
import { EDIT_TOOL_NAME } from '../../../src/edits/toolCall';
import { buildPrompt } from '../../../src/loop/prompt';
import type { AgentProgress, AgentReply, AgentRequest } from '../../../src/domain/ports';
import { createWorkspaceReader } from '../../../src/node/workspaceReader';
import { failure, fixture, tempDir } from './helpers';
import { serveInSuite, writeEvents, type Received } from './loopbackServer';

// The read-only tools inside one round, for both HTTP protocols, against real loopback
// servers that play a scripted model. The model decides from the tool results already
// in the conversation (as real clients' test servers must), not from a request count.

interface ScriptedCall {
  readonly id: string;
  readonly name: string;
  /** Raw arguments, as the model streams them (may be broken JSON). */
  readonly json: string;
}
interface ScriptedTurn {
  readonly text?: string;
  readonly calls?: readonly ScriptedCall[];
}
interface ResultSeen {
  readonly id: string;
  readonly content: string;
  readonly isError: boolean;
}

interface WireProtocol {
  readonly name: 'openai-compatible' | 'anthropic';
  readonly path: string;
  frames(turn: ScriptedTurn): string[];
  /** A stream that stops in the middle of a tool call's arguments. */
  cutFrames(call: ScriptedCall): string[];
  results(body: Record<string, unknown>): ResultSeen[];
  notes(body: Record<string, unknown>): string[];
  toolNames(body: Record<string, unknown>): string[];
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

const openai: WireProtocol = {
  name: 'openai-compatible',
  path: '/v1',
  frames(turn) {
    const frames = [chunk({ role: 'assistant', content: turn.text ?? null })];
    (turn.calls ?? []).forEach((call, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: call.json.slice(0, 7) } }] }));
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: call.json.slice(7) } }] }));
    });
    frames.push(chunk({}, turn.calls?.length ? 'tool_calls' : 'stop'));
    frames.push(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 10 } })}\n\n`, 'data: [DONE]\n\n');
    return frames;
  },
  cutFrames(call) {
    return [chunk({ role: 'assistant', content: null }), chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: call.json.slice(0, 9) } }] })];
  },
  results(body) {
    return (body.messages as { role: string; tool_call_id?: string; content: string }[])
      .filter((message) => message.role === 'tool')
      .map((message) => ({ id: message.tool_call_id ?? '', content: message.content, isError: message.content.startsWith('Error:') }));
  },
  notes(body) {
    const messages = body.messages as { role: string; content: string }[];
    return messages.slice(2).filter((message) => message.role === 'user').map((message) => message.content);
  },
  toolNames(body) {
    return ((body.tools ?? []) as { function: { name: string } }[]).map((tool) => tool.function.name);
  },
};

const event = (name: string, data: Record<string, unknown>): string => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const messageStart = event('message_start', { message: { id: 'msg', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 100, output_tokens: 1 } } });

const anthropic: WireProtocol = {
  name: 'anthropic',
  path: '',
  frames(turn) {
    const frames = [messageStart];
    let index = 0;
    if (turn.text) {
      frames.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }), event('content_block_delta', { index, delta: { type: 'text_delta', text: turn.text } }), event('content_block_stop', { index }));
      index++;
    }
    for (const call of turn.calls ?? []) {
      frames.push(
        event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.json.slice(0, 7) } }),
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.json.slice(7) } }),
        event('content_block_stop', { index }),
      );
      index++;
    }
    frames.push(event('message_delta', { delta: { stop_reason: turn.calls?.length ? 'tool_use' : 'end_turn' }, usage: { output_tokens: 10 } }), event('message_stop', {}));
    return frames;
  },
  cutFrames(call) {
    return [
      messageStart,
      event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
      event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: call.json.slice(0, 9) } }),
    ];
  },
  results(body) {
    const out: ResultSeen[] = [];
    for (const message of body.messages as { role: string; content: unknown }[]) {
      if (message.role !== 'user' || !Array.isArray(message.content)) continue;
      for (const block of message.content as { type: string; tool_use_id?: string; content?: string; is_error?: boolean }[]) {
        if (block.type === 'tool_result') out.push({ id: block.tool_use_id ?? '', content: block.content ?? '', isError: block.is_error === true });
      }
    }
    return out;
  },
  notes(body) {
    const out: string[] = [];
    for (const message of body.messages as { role: string; content: unknown }[]) {
      if (message.role === 'user' && Array.isArray(message.content)) for (const block of message.content as { type: string; text?: string }[]) if (block.type === 'text') out.push(block.text ?? '');
    }
    return out;
  },
  toolNames(body) {
    return ((body.tools ?? []) as { name: string }[]).map((tool) => tool.name);
  },
};

const call = (id: string, name: string, input: unknown): ScriptedCall => ({ id, name, json: JSON.stringify(input) });
const FIX = { summary: 'An inch is 2.54 cm.', edits: [{ kind: 'replace', path: 'src/units.js', search: 'const CM_PER_INCH = 2.45;', replace: 'const CM_PER_INCH = 2.54;' }] };
const TEXT_FIX = 'An inch is 2.54 cm.\n\nsrc/units.js\n<<<<<<< SEARCH\nconst CM_PER_INCH = 2.45;\n=======\nconst CM_PER_INCH = 2.54;\n>>>>>>> REPLACE\n';

function roundRequest(root: string, options: { maxToolCalls?: number; budgetTokens?: number } = {}): AgentRequest {
  return buildPrompt({
    round: 1,
    task: 'Make the tests pass.',
    files: [{ path: 'test/format.test.js', reason: 'failing-test', content: readFileSync(path.join(root, 'test', 'format.test.js'), 'utf8') }],
    feedback: "not ok 1 - 2.54 cm is one inch\n  expected: '1.00 in'\n  actual: '1.04 in'\n",
    budgetTokens: options.budgetTokens ?? 32_000,
    offerTools: true,
    maxToolCalls: options.maxToolCalls ?? 25,
  });
}

for (const protocol of [openai, anthropic]) {
  describe(`${protocol.name}: read-only tools in one round, against a scripted loopback model`, () => {
    const serve = serveInSuite();
    let root: string;
    let remove: () => void;
    before(() => {
      ({ dir: root, remove } = tempDir(`tools-${protocol.name}`));
      cpSync(fixture('units-project'), root, { recursive: true });
    });
    after(() => remove());

    const agentFor = (url: string) =>
      createAgent({ provider: protocol.name, baseUrl: `${url}${protocol.path}`, model: 'test-model', apiKey: 'sk-test', root, timeoutMs: 10_000, retries: 0, retryBaseMs: 5, reader: createWorkspaceReader(root) });
    /** A server whose model answers `script(results so far, request body)`. */
    const scripted = (script: (results: ResultSeen[], body: Record<string, unknown>) => ScriptedTurn | 'cut', cutCall?: ScriptedCall) =>
      serve((request: Received, response: http.ServerResponse) => {
        const turn = script(protocol.results(request.body), request.body);
        if (turn === 'cut') {
          return writeEvents(response, protocol.cutFrames(cutCall!), { end: false }).then(() => {
            response.destroy();
          });
        }
        return writeEvents(response, protocol.frames(turn));
      });
    const unchanged = () => assert.match(readFileSync(path.join(root, 'src', 'units.js'), 'utf8'), /2\.45/);

    it('lists, searches, reads, then proposes with the edit tool; progress names each call', async () => {
      const server = await scripted((results) => {
        if (results.length === 0) return { text: 'Let me look around.', calls: [call('c1', 'list_files', { path: 'src' })] };
        if (results.length === 1) return { calls: [call('c2', 'search_text', { query: 'CM_PER_INCH' })] };
        if (results.length === 2) return { calls: [call('c3', 'read_file', { path: 'src/units.js' })] };
        return { calls: [call('c4', EDIT_TOOL_NAME, FIX)] };
      });
      const statuses: string[] = [];
      const reply = await agentFor(server.url).propose(roundRequest(root), new AbortController().signal, (progress: AgentProgress) => {
        if (progress.kind === 'status') statuses.push(progress.message);
      });
      assert.equal(server.received.length, 4);
      assert.deepEqual(protocol.toolNames(server.received[0]!.body), [EDIT_TOOL_NAME, 'read_file', 'list_files', 'search_text']);
      const results = protocol.results(server.received[3]!.body);
      assert.deepEqual(results.map((result) => result.id), ['c1', 'c2', 'c3']);
      assert.match(results[0]!.content, /src\/format\.js\nsrc\/units\.js/);
      assert.match(results[1]!.content, /src\/units\.js:3: const CM_PER_INCH = 2\.45;/);
      assert.match(results[2]!.content, /3\tconst CM_PER_INCH = 2\.45;/);
      assert.ok(statuses.includes('listing src') && statuses.includes('searching for "CM_PER_INCH"') && statuses.includes('reading src/units.js'), statuses.join(' | '));
      assert.equal(reply.kind, 'text');
      const text = reply as Extract<AgentReply, { kind: 'text' }>;
      assert.deepEqual(text.toolCalls, [{ name: EDIT_TOOL_NAME, input: FIX }]);
      assert.deepEqual(text.reads?.map((read) => [read.tool, read.target]), [['list_files', 'src'], ['search_text', 'CM_PER_INCH'], ['read_file', 'src/units.js']]);
      assert.ok(text.reads!.every((read) => read.size > 0 && read.error === undefined));
      assert.deepEqual(text.usage, { inputTokens: 400, outputTokens: protocol.name === 'anthropic' ? 40 : 40 });
      unchanged();
    });

    it('reads, then proposes with text edit blocks', async () => {
      const server = await scripted((results) => (results.length === 0 ? { calls: [call('r1', 'read_file', { path: 'src/units.js' })] } : { text: TEXT_FIX }));
      const reply = await agentFor(server.url).propose(roundRequest(root), new AbortController().signal);
      assert.equal(reply.kind === 'text' && reply.text, TEXT_FIX);
      assert.equal(reply.kind === 'text' && reply.toolCalls, undefined);
      assert.equal(server.received.length, 2);
    });

    it('answers every bad tool call with an error result that says what to fix, and goes on', async () => {
      const bad = [
        call('b1', 'run_shell', { command: 'rm -rf /' }),
        { id: 'b2', name: 'read_file', json: '{"path": "src/units.js"' },
        call('b3', 'read_file', {}),
        call('b4', 'read_file', { path: '../../etc/passwd' }),
        call('b5', 'read_file', { path: 'src' }),
        call('b6', 'search_text', { query: '([', isRegex: true }),
      ];
      const server = await scripted((results) => (results.length === 0 ? { calls: bad } : { calls: [call('e1', EDIT_TOOL_NAME, FIX)] }));
      const reply = await agentFor(server.url).propose(roundRequest(root), new AbortController().signal);
      const results = protocol.results(server.received[1]!.body);
      assert.deepEqual(results.map((result) => result.id), ['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
      assert.ok(results.every((result) => result.isError && result.content.startsWith('Error: ')), JSON.stringify(results));
      const expected = [/no tool named 'run_shell'/, /not valid JSON .*Call it again with a JSON object/, /input of read_file is not right \(path:/, /outside the workspace/, /is a folder, not a file/, /not a valid regular expression/];
      expected.forEach((pattern, index) => assert.match(results[index]!.content, pattern));
      assert.equal(reply.kind === 'text' && reply.reads?.length, 6);
      assert.ok(reply.kind === 'text' && reply.reads!.every((read) => read.error));
      unchanged();
    });

    it('tells the model to propose when the calls are spent, and ends the attempt when it keeps calling', async () => {
      const server = await scripted((results) => ({ calls: [call(`k${results.length}`, 'read_file', { path: 'src/format.js' })] }));
      const error = await failure(agentFor(server.url).propose(roundRequest(root, { maxToolCalls: 2 }), new AbortController().signal));
      assert.equal(error.code, 'agent.toolBudgetSpent');
      assert.match(error.message, /kept calling tools \(read_file\) after its read budget for this round was spent \(2 calls.*Nothing was applied.*refineLoop\.agent\.maxToolCalls/);
      assert.equal(server.received.length, 3);
      assert.deepEqual(protocol.notes(server.received[1]!.body), []);
      assert.match(protocol.notes(server.received[2]!.body).join('\n'), /read budget of this round is spent \(2 of 2 tool calls.*Propose your edits now/);
      unchanged();
    });

    it('does not carry out calls past the budget, and takes the proposal that follows the note', async () => {
      const server = await scripted((results) =>
        results.length === 0 ? { calls: [call('a', 'read_file', { path: 'src/units.js' }), call('b', 'read_file', { path: 'src/format.js' }), call('c', 'list_files', {})] } : { calls: [call('e', EDIT_TOOL_NAME, FIX)] },
      );
      const reply = await agentFor(server.url).propose(roundRequest(root, { maxToolCalls: 2 }), new AbortController().signal);
      const results = protocol.results(server.received[1]!.body);
      assert.equal(results[0]!.isError, false);
      assert.equal(results[1]!.isError, false);
      assert.match(results[2]!.content, /^Error: the read budget of this round is spent; this call was not carried out/);
      assert.equal(reply.kind === 'text' && reply.toolCalls?.[0]?.name, EDIT_TOOL_NAME);
    });

    it('cuts a result to the tokens left of the prompt budget', async () => {
      const request = roundRequest(root);
      const tight = { ...request, toolBudget: { maxCalls: 25, maxResultTokens: 40 } };
      const server = await scripted((results) => (results.length === 0 ? { calls: [call('t', 'read_file', { path: 'package.json' })] } : { text: TEXT_FIX }));
      await agentFor(server.url).propose(tight, new AbortController().signal);
      const [result] = protocol.results(server.received[1]!.body);
      assert.match(result!.content, /… cut: the read budget of this round had about 40 tokens left/);
      assert.ok(result!.content.length < 40 * 4 + 200, `${result!.content.length} characters`);
      assert.match(protocol.notes(server.received[1]!.body).join('\n'), /Propose your edits now/);
    });

    it('a stream cut in the middle of a tool call ends the attempt with a clear message, nothing applied', async () => {
      const cutCall = call('x', 'read_file', { path: 'src/units.js' });
      const server = await scripted((results) => (results.length === 0 ? { calls: [call('first', 'list_files', {})] } : 'cut'), cutCall);
      const error = await failure(agentFor(server.url).propose(roundRequest(root), new AbortController().signal));
      assert.equal(error.code, 'agent.streamCut');
      assert.match(error.message, /broke in the middle of the reply.*Nothing was applied/);
      assert.equal(server.received.length, 2);
      unchanged();
    });

    it('offers no read tools when refineLoop.agent.maxToolCalls is 0', async () => {
      const server = await scripted(() => ({ text: TEXT_FIX }));
      await agentFor(server.url).propose(roundRequest(root, { maxToolCalls: 0 }), new AbortController().signal);
      assert.deepEqual(protocol.toolNames(server.received[0]!.body), [EDIT_TOOL_NAME]);
    });
  });
}
