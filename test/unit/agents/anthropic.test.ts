import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ANTHROPIC_VERSION } from '../../../src/agents/anthropic';
import { createAgent } from '../../../src/agents/index';
import { EDIT_TOOL_NAME } from '../../../src/edits/toolCall';
import { httpTestAgent, recordingLogger, sampleRequest } from './helpers';
import { EDIT_REPLY, faultSuite } from './httpFaults';
import { sendJson, serveInSuite, writeEvents } from './loopbackServer';

// The anthropic provider against a loopback server that speaks the Messages API
// streaming protocol: named events from message_start to message_stop.

const event = (name: string, data: Record<string, unknown>): string => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const messageStart = event('message_start', {
  message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'test-model', content: [], stop_reason: null, usage: { input_tokens: 512, output_tokens: 1 } },
});

function framesWithoutEnd(parts: readonly string[]): string[] {
  return [
    messageStart,
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...parts.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  ];
}

const ending = [event('content_block_stop', { index: 0 }), event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 77 } }), event('message_stop', {})];

const makeAgent = httpTestAgent('anthropic', '', 'sk-ant-test');

faultSuite({
  name: 'anthropic',
  path: '/v1/messages',
  makeAgent,
  frames: (parts) => [...framesWithoutEnd(parts), ...ending],
  framesWithoutEnd,
  textFrame: (text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
  errorBody: (message) => ({ type: 'error', error: { type: 'invalid_request_error', message } }),
});

describe('anthropic: the protocol', () => {
  const serve = serveInSuite();

  it('sends the key, the version, the system text apart from the messages, and reports usage', async () => {
    const server = await serve((_request, response) => writeEvents(response, [...framesWithoutEnd(EDIT_REPLY), ...ending]));
    const log = recordingLogger();
    const request = sampleRequest();
    const reply = await makeAgent(server.url, { apiKey: 'sk-ant-secret', log }).propose(request, new AbortController().signal);
    const sent = server.received[0]!;
    assert.equal(sent.headers['x-api-key'], 'sk-ant-secret');
    assert.equal(sent.headers['anthropic-version'], ANTHROPIC_VERSION);
    assert.equal(sent.body.model, 'test-model');
    assert.equal(sent.body.system, request.system);
    assert.deepEqual(sent.body.messages, request.messages);
    assert.equal(typeof sent.body.max_tokens, 'number');
    assert.equal(reply.kind, 'text');
    if (reply.kind !== 'text') return;
    assert.equal(reply.text, EDIT_REPLY.join(''));
    assert.deepEqual(reply.usage, { inputTokens: 512, outputTokens: 77 });
    assert.doesNotMatch(log.lines.join('\n'), /sk-ant-secret/);
  });

  it('offers the edit tool and assembles a tool_use block from input_json_delta fragments', async () => {
    const input = { edits: [{ kind: 'create', path: 'src/new.js', content: 'export const x = 1;\n' }] };
    const json = JSON.stringify(input);
    const server = await serve((_request, response) =>
      writeEvents(response, [
        messageStart,
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Creating the file.' } }),
        event('content_block_stop', { index: 0 }),
        event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: EDIT_TOOL_NAME, input: {} } }),
        event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: json.slice(0, 15) } }),
        event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: json.slice(15) } }),
        event('content_block_stop', { index: 1 }),
        event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }),
        event('message_stop', {}),
      ]),
    );
    const reply = await makeAgent(server.url).propose(sampleRequest({ offerTools: true }), new AbortController().signal);
    const tools = server.received[0]!.body.tools as { name: string; input_schema: { type: string } }[];
    assert.equal(tools[0]!.name, EDIT_TOOL_NAME);
    assert.equal(tools[0]!.input_schema.type, 'object');
    assert.equal(reply.kind, 'text');
    if (reply.kind !== 'text') return;
    assert.equal(reply.text, 'Creating the file.');
    assert.deepEqual(reply.toolCalls, [{ name: EDIT_TOOL_NAME, input }]);
  });

  it('reports an overloaded error event in the middle of the stream', async () => {
    const server = await serve((_request, response) =>
      writeEvents(response, [...framesWithoutEnd(EDIT_REPLY.slice(0, 1)), event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })]),
    );
    await assert.rejects(makeAgent(server.url).propose(sampleRequest(), new AbortController().signal), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'agent.serverError');
      assert.match(error.message, /reported overloaded_error in the middle of the reply: Overloaded\. .*in a minute/);
      return true;
    });
  });

  it('retries 529 (overloaded) before the stream starts', async () => {
    const server = await serve((_request, response, index) => {
      if (index === 0) return sendJson(response, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      return writeEvents(response, [...framesWithoutEnd(EDIT_REPLY), ...ending]);
    });
    const reply = await makeAgent(server.url).propose(sampleRequest(), new AbortController().signal);
    assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
    assert.equal(server.received.length, 2);
  });

  it('asks for a key before sending anything', async () => {
    const server = await serve((_request, response) => writeEvents(response, [...framesWithoutEnd(EDIT_REPLY), ...ending]));
    const agent = createAgent({ provider: 'anthropic', baseUrl: server.url, model: 'test-model', root: '/', timeoutMs: 1000 });
    await assert.rejects(agent.propose(sampleRequest(), new AbortController().signal), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'agent.noApiKey');
      assert.match(error.message, /ANTHROPIC_API_KEY/);
      return true;
    });
    assert.equal(server.received.length, 0);
  });
});
