import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createAgent } from '../../../src/agents/index';
import { EDIT_TOOL_NAME } from '../../../src/edits/toolCall';
import { httpTestAgent, recordingLogger, sampleRequest } from './helpers';
import { EDIT_REPLY, faultSuite } from './httpFaults';
import { sendJson, serveInSuite, writeEvents } from './loopbackServer';

// The openai-compatible provider against a loopback server that speaks the chat
// completions streaming protocol: `data: {chat.completion.chunk}` frames, then `data: [DONE]`.

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'test-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 321, completion_tokens: 45, total_tokens: 366 } })}\n\n`;

function framesWithoutEnd(parts: readonly string[]): string[] {
  return [chunk({ role: 'assistant', content: '' }), ...parts.map((part) => chunk({ content: part }))];
}

const makeAgent = httpTestAgent('openai-compatible', '/v1');

faultSuite({
  name: 'openai-compatible',
  path: '/v1/chat/completions',
  makeAgent,
  frames: (parts) => [...framesWithoutEnd(parts), chunk({}, 'stop'), usageChunk, 'data: [DONE]\n\n'],
  framesWithoutEnd,
  textFrame: (text) => chunk({ content: text }),
  errorBody: (message) => ({ error: { message, type: 'invalid_request_error', code: null } }),
});

describe('openai-compatible: the protocol', () => {
  const serve = serveInSuite();
  const full = (parts: readonly string[]) => [...framesWithoutEnd(parts), chunk({}, 'stop'), usageChunk, 'data: [DONE]\n\n'];

  it('sends the system text, the messages, the model and the key, and reports usage', async () => {
    const server = await serve((_request, response) => writeEvents(response, full(EDIT_REPLY)));
    const log = recordingLogger();
    const request = sampleRequest();
    const reply = await makeAgent(server.url, { apiKey: 'sk-test-secret', log }).propose(request, new AbortController().signal);
    const sent = server.received[0]!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.headers.authorization, 'Bearer sk-test-secret');
    assert.equal(sent.body.model, 'test-model');
    assert.deepEqual(sent.body.stream_options, { include_usage: true });
    assert.deepEqual(sent.body.messages, [{ role: 'system', content: request.system }, ...request.messages]);
    assert.equal(sent.body.tools, undefined);
    assert.equal(reply.kind, 'text');
    if (reply.kind !== 'text') return;
    assert.deepEqual(reply.usage, { inputTokens: 321, outputTokens: 45 });
    assert.equal(reply.model, 'test-model');
    assert.doesNotMatch(log.lines.join('\n'), /sk-test-secret/);
  });

  it('sends no Authorization header without a key (a local server)', async () => {
    const server = await serve((_request, response) => writeEvents(response, full(EDIT_REPLY)));
    await makeAgent(server.url).propose(sampleRequest(), new AbortController().signal);
    assert.equal(server.received[0]!.headers.authorization, undefined);
  });

  it('offers the edit tool and assembles a streamed tool call from its fragments', async () => {
    const input = { summary: 'fix sign', edits: [{ kind: 'replace', path: 'src/math.js', search: '  return a - b;', replace: '  return a + b;' }] };
    const json = JSON.stringify(input);
    const server = await serve((_request, response) =>
      writeEvents(response, [
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: EDIT_TOOL_NAME, arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(0, 20) } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(20) } }] }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ]),
    );
    const reply = await makeAgent(server.url).propose(sampleRequest({ offerTools: true }), new AbortController().signal);
    const tools = server.received[0]!.body.tools as { type: string; function: { name: string; parameters: { type: string } } }[];
    assert.equal(tools[0]!.type, 'function');
    assert.equal(tools[0]!.function.name, EDIT_TOOL_NAME);
    assert.equal(tools[0]!.function.parameters.type, 'object');
    assert.equal(reply.kind, 'text');
    if (reply.kind !== 'text') return;
    assert.deepEqual(reply.toolCalls, [{ name: EDIT_TOOL_NAME, input }]);
  });

  it('asks again without tools when the model has none', async () => {
    const server = await serve((request, response) => {
      if (request.body.tools) return sendJson(response, 400, { error: { message: 'registry.ollama.ai/library/gemma:2b does not support tools' } });
      return writeEvents(response, full(EDIT_REPLY));
    });
    const log = recordingLogger();
    const reply = await makeAgent(server.url, { log }).propose(sampleRequest({ offerTools: true }), new AbortController().signal);
    assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
    assert.equal(server.received.length, 2);
    assert.equal(server.received[1]!.body.tools, undefined);
    assert.match(log.lines.join('\n'), /does not take tools/);
  });

  it('asks again without stream_options when an older server rejects it', async () => {
    const server = await serve((request, response) => {
      if (request.body.stream_options) return sendJson(response, 400, { error: { message: "Unrecognized request argument supplied: stream_options" } });
      return writeEvents(response, full(EDIT_REPLY));
    });
    const reply = await makeAgent(server.url).propose(sampleRequest(), new AbortController().signal);
    assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
    assert.equal(server.received.length, 2);
    assert.equal(server.received[1]!.body.stream_options, undefined);
  });

  it('reports a 400 it cannot work around with the server\'s words', async () => {
    const server = await serve((_request, response) => sendJson(response, 400, { error: { message: 'context length exceeded: 40000 > 32768' } }));
    await assert.rejects(makeAgent(server.url).propose(sampleRequest(), new AbortController().signal), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'agent.badRequest');
      assert.match(error.message, /rejected the request \(HTTP 400: context length exceeded: 40000 > 32768\)\. Nothing was applied\. .*lower refineLoop\.agent\.maxPromptTokens/);
      return true;
    });
    assert.equal(server.received.length, 1);
  });

  it('reports a malformed tool call', async () => {
    const server = await serve((_request, response) =>
      writeEvents(response, [chunk({ tool_calls: [{ index: 0, function: { name: EDIT_TOOL_NAME, arguments: '{"edits": [' } }] }), chunk({}, 'tool_calls'), 'data: [DONE]\n\n']),
    );
    await assert.rejects(makeAgent(server.url).propose(sampleRequest({ offerTools: true }), new AbortController().signal), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'agent.malformedReply');
      assert.match(error.message, /arguments of a apply_edits call that is not valid JSON/);
      return true;
    });
  });

  it('reports an error object sent in the middle of the stream', async () => {
    const server = await serve((_request, response) => writeEvents(response, [...framesWithoutEnd(EDIT_REPLY.slice(0, 1)), `data: ${JSON.stringify({ error: { message: 'model crashed' } })}\n\n`]));
    await assert.rejects(makeAgent(server.url).propose(sampleRequest(), new AbortController().signal), /reported an error in the middle of the reply: model crashed/);
  });

  it('accepts a server that answers with one JSON completion instead of a stream', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { choices: [{ index: 0, message: { role: 'assistant', content: EDIT_REPLY.join('') }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 20 } }),
    );
    const reply = await makeAgent(server.url).propose(sampleRequest(), new AbortController().signal);
    assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
    assert.deepEqual(reply.kind === 'text' && reply.usage, { inputTokens: 10, outputTokens: 20 });
  });

  it('asks for a model before calling anyone, naming those the server lists', async () => {
    const server = await serve((request, response) => {
      if (request.method === 'GET' && request.url === '/v1/models') return sendJson(response, 200, { object: 'list', data: [{ id: 'qwen2.5-coder:7b' }, { id: 'llama3.1:8b' }] });
      return sendJson(response, 500, {});
    });
    const agent = createAgent({ provider: 'openai-compatible', baseUrl: `${server.url}/v1`, root: '/', timeoutMs: 1000 });
    await assert.rejects(agent.propose(sampleRequest(), new AbortController().signal), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'agent.noModel');
      assert.match(error.message, /No model is set for the openai-compatible server at http:\/\/127\.0\.0\.1:\d+\/v1\. .* The server lists: qwen2\.5-coder:7b, llama3\.1:8b\./);
      return true;
    });
    assert.ok(server.received.every((request) => request.method === 'GET'), 'no completion was requested');
  });

  it('names the models the server has when it does not know the one asked for', async () => {
    const server = await serve((request, response) => {
      if (request.method === 'GET') return sendJson(response, 200, { data: [{ id: 'llama3.1:8b' }] });
      return sendJson(response, 404, { error: { message: "model 'test-model' not found, try pulling it first" } });
    });
    await assert.rejects(makeAgent(server.url).propose(sampleRequest(), new AbortController().signal), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'agent.modelNotFound');
      assert.match(error.message, /404 for model 'test-model' \(model 'test-model' not found, try pulling it first\)\..* The server lists: llama3\.1:8b\./);
      return true;
    });
  });
});
