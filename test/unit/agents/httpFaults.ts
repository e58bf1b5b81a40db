import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../src/domain/errors';
import type { Agent, AgentProgress } from '../../../src/domain/ports';
import { failure, recordingLogger, sampleRequest, waitFor, type HttpTestOptions } from './helpers';
import { LoopbackServer, sendJson, serveInSuite, tick, writeEvents, writeHuge } from './loopbackServer';

// The faults every HTTP provider must turn into a specific AgentError, each injected
// by a real loopback server that otherwise speaks the provider's protocol.

export interface Protocol {
  readonly name: string;
  /** The request path the provider must call, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly makeAgent: (baseUrl: string, options?: HttpTestOptions) => Agent;
  /** A whole, valid stream whose reply text is the parts joined. */
  readonly frames: (parts: readonly string[]) => string[];
  /** The same stream without its end-of-reply event. */
  readonly framesWithoutEnd: (parts: readonly string[]) => string[];
  /** One frame carrying reply text (for the 10 MB reply), after `framesWithoutEnd([])`. */
  readonly textFrame: (text: string) => string;
  readonly errorBody: (message: string) => unknown;
}

export const EDIT_REPLY = ['Fixing the sign.\n\nsrc/math.js\n<<<<<<< SEARCH\n', '  return a - b;\n=======\n', '  return a + b;\n>>>>>>> REPLACE\n'];

export function faultSuite(protocol: Protocol): void {
  describe(`${protocol.name}: faults, each against a loopback server`, () => {
    const serve = serveInSuite();
    const propose = (agent: Agent, signal = new AbortController().signal, onProgress?: (event: AgentProgress) => void) => agent.propose(sampleRequest(), signal, onProgress);

    it('streams a reply in parts and reports progress', async () => {
      const server = await serve((_request, response) => writeEvents(response, protocol.frames(EDIT_REPLY)));
      const progress: number[] = [];
      const reply = await propose(protocol.makeAgent(server.url), undefined, (event) => {
        if (event.kind === 'text') progress.push(event.characters);
      });
      assert.equal(reply.kind, 'text');
      assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
      assert.equal(server.received[0]?.url, protocol.path);
      assert.equal(server.received[0]?.body.stream, true);
      assert.ok(progress.length >= 1);
      assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'counts only grow');
      assert.equal(progress.at(-1), EDIT_REPLY.join('').length, 'the last count is the whole reply');
    });

    it('says the endpoint is unreachable, without retrying', async () => {
      const url = await LoopbackServer.closedPort();
      const error = await failure(propose(protocol.makeAgent(url)));
      assert.equal(error.code, 'agent.unreachable');
      assert.ok(error.message.includes(url), 'names where');
      assert.match(error.message, /\(ECONNREFUSED\)\. Nothing was applied\. .*base URL/);
    });

    it('says the key was refused on 401, without retrying', async () => {
      const server = await serve((_request, response) => sendJson(response, 401, protocol.errorBody('invalid x-api-key')));
      const error = await failure(propose(protocol.makeAgent(server.url, { apiKey: 'sk-wrong' })));
      assert.equal(error.code, 'agent.unauthorized');
      assert.doesNotMatch(error.message, /sk-wrong/);
      assert.match(error.message, /refused the API key \(HTTP 401: invalid x-api-key\).*Set API Key/);
      assert.equal(server.received.length, 1);
    });

    it('names the unknown model on 404', async () => {
      const server = await serve((_request, response) => sendJson(response, 404, protocol.errorBody("model 'no-such-model' not found")));
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.modelNotFound');
      assert.match(error.message, /404 for model 'test-model' \(model 'no-such-model' not found\)\. .*refineLoop\.agent\.model/);
      assert.equal(server.received.filter((request) => request.method === 'POST').length, 1, 'not retried');
    });

    it('retries 429 (honouring Retry-After) and 5xx, then succeeds', async () => {
      const statuses = [429, 500, 503];
      const server = await serve((_request, response, index) => {
        const status = statuses[index];
        if (status) return sendJson(response, status, protocol.errorBody('busy'), { 'retry-after': '0' });
        return writeEvents(response, protocol.frames(EDIT_REPLY));
      });
      const log = recordingLogger();
      const reply = await propose(protocol.makeAgent(server.url, { retries: 3, log }));
      assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
      assert.equal(server.received.length, 4);
      assert.equal(log.lines.filter((line) => /retry \d of 3/.test(line)).length, 3);
    });

    it('gives up on 429 after the bounded retries', async () => {
      const server = await serve((_request, response) => sendJson(response, 429, protocol.errorBody('rate limit reached'), { 'retry-after': '0' }));
      const error = await failure(propose(protocol.makeAgent(server.url, { retries: 2 })));
      assert.equal(error.code, 'agent.rateLimited');
      assert.match(error.message, /HTTP 429 after 3 attempt\(s\): rate limit reached/);
      assert.equal(server.received.length, 3);
    });

    it('gives up on a 5xx that persists', async () => {
      const server = await serve((_request, response) => sendJson(response, 502, protocol.errorBody('upstream down')));
      const error = await failure(propose(protocol.makeAgent(server.url, { retries: 1 })));
      assert.equal(error.code, 'agent.serverError');
      assert.match(error.message, /HTTP 502 after 2 attempt\(s\): upstream down/);
      assert.equal(server.received.length, 2);
    });

    it('retries a connection reset before the reply, then succeeds', async () => {
      const server = await serve((_request, response, index) => {
        if (index === 0) return void response.socket?.destroy();
        return writeEvents(response, protocol.frames(EDIT_REPLY));
      });
      const reply = await propose(protocol.makeAgent(server.url));
      assert.equal(reply.kind === 'text' && reply.text, EDIT_REPLY.join(''));
      assert.equal(server.received.length, 2);
    });

    it('gives up when every connection is reset', async () => {
      const server = await serve((_request, response) => void response.socket?.destroy());
      const error = await failure(propose(protocol.makeAgent(server.url, { retries: 2 })));
      assert.equal(error.code, 'agent.connectionFailed');
      assert.match(error.message, /failed \(\w+\) after 3 attempt\(s\)/);
      assert.equal(server.received.length, 3);
    });

    it('reports a stream cut mid-way, with how far it got', async () => {
      const server = await serve(async (_request, response) => {
        await writeEvents(response, protocol.framesWithoutEnd(EDIT_REPLY.slice(0, 2)), { end: false });
        await tick(20);
        response.socket?.destroy();
      });
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.streamCut');
      assert.match(error.message, new RegExp(`broke in the middle of the reply \\(after ${EDIT_REPLY[0]!.length + EDIT_REPLY[1]!.length} characters`));
    });

    it('reports a stream that ends before its end-of-reply event', async () => {
      const server = await serve((_request, response) => writeEvents(response, protocol.framesWithoutEnd(EDIT_REPLY)));
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.streamCut');
      assert.match(error.message, /closed the stream before its end-of-reply event/);
    });

    it('reports malformed JSON in the stream', async () => {
      const server = await serve((_request, response) => writeEvents(response, ['data: {not json at all\n\n']));
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.malformedReply');
      assert.match(error.message, /not valid JSON/);
    });

    it('reports an empty reply', async () => {
      const server = await serve((_request, response) => writeEvents(response, protocol.frames([])));
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.emptyReply');
      assert.match(error.message, /test-model at http:\/\/127\.0\.0\.1:\d+.* returned an empty reply/);
    });

    it('hands a reply with no edits (a question, giving up) to the loop as text', async () => {
      const server = await serve((_request, response) => writeEvents(response, protocol.frames(['The tests look wrong to me; ', 'I would not change the code.'])));
      const reply = await propose(protocol.makeAgent(server.url));
      assert.equal(reply.kind === 'text' && reply.text, 'The tests look wrong to me; I would not change the code.');
    });

    it('stops reading a 10 MB reply at the cap', async () => {
      const progress = { written: 0, done: false };
      const server = await serve((_request, response) => writeHuge(response, 10 * 1024 * 1024, protocol.framesWithoutEnd([]).join(''), protocol.textFrame, progress));
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.replyTooLarge');
      assert.match(error.message, /larger than 4\.0 MB/);
    });

    it('hangs up on a reply that would never end', async () => {
      // Loopback socket buffers hold several MB, so only a much longer stream shows the hang-up.
      const endless = 512 * 1024 * 1024;
      const progress = { written: 0, done: false };
      const server = await serve((_request, response) => writeHuge(response, endless, protocol.framesWithoutEnd([]).join(''), protocol.textFrame, progress));
      const error = await failure(propose(protocol.makeAgent(server.url)));
      assert.equal(error.code, 'agent.replyTooLarge');
      assert.ok(await waitFor(() => progress.done, 10_000), 'the server saw the connection close');
      assert.ok(progress.written < 64 * 1024 * 1024, `the client hung up early (the server wrote ${progress.written} bytes)`);
    });

    it('times out a server that never answers', async () => {
      const server = await serve(() => undefined);
      const error = await failure(propose(protocol.makeAgent(server.url, { timeoutMs: 300 })));
      assert.equal(error.code, 'agent.timeout');
      assert.match(error.message, /did not finish a reply within 0.3 s.*refineLoop\.agent\.timeoutSeconds/);
    });

    it('is cancelled mid-stream by the caller', async () => {
      const server = await serve(async (_request, response) => {
        await writeEvents(response, protocol.framesWithoutEnd(EDIT_REPLY.slice(0, 1)), { end: false });
      });
      const controller = new AbortController();
      const error = await failure(
        propose(protocol.makeAgent(server.url), controller.signal, (event) => {
          if (event.kind === 'text') controller.abort();
        }),
      );
      assert.ok(error instanceof CancelledError);
    });
  });
}
