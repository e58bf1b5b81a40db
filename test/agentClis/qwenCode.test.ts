import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { chatCompletions } from './chatProtocol';
import { cartScript, qwenDialect, ROUND_ONE_FAILURE } from './cartScript';
import { cartProject, installedCli, leftProcesses, ORIGINAL_CART, ORIGINAL_TEST, readProjectFile, removeTemps, runRefineLoop, tempDir } from './helpers';
import { ModelServer, type ModelServerOptions } from './modelServer';

// The qwen-code preset end to end: the real Qwen Code 0.15.10 run by the built
// `refine-loop run --provider qwen-code` against a loopback chat completions server
// that scripts its tool calls. Qwen Code does not confine itself: the sandbox does.

const KEY = 'sk-qwen-test-key';

describe('qwen-code preset through refine-loop run', () => {
  const servers: ModelServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
    removeTemps();
  });
  const serve = async (options: Partial<ModelServerOptions> = {}) => {
    const server = await ModelServer.start({ protocol: chatCompletions, script: cartScript(qwenDialect), ...options });
    servers.push(server);
    return server;
  };
  const { binDir } = installedCli('qwen-code');
  const onPath = { PATH: `${binDir}:${process.env.PATH ?? ''}`, REFINE_LOOP_API_KEY: KEY };
  const args = (server: ModelServer, ...more: string[]) => ['--provider', 'qwen-code', '--base-url', `${server.url}/v1`, '--model', 'qwen3-coder-test', ...more];

  it("passes in two rounds, the second made from the first round's test failure, with its tool uses as progress", async () => {
    const server = await serve();
    const project = cartProject();
    const result = await runRefineLoop(project, args(server), onPath);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
    assert.match(readProjectFile(project, 'src/cart.js'), /Math\.round\(sum \* 1\.1\)/);
    assert.match(result.stderr, /round 1: Read src\/cart\.js\n/);
    assert.match(result.stderr, /round 2: Edit src\/cart\.js\n/);
    const roundTwo = server.conversations.find((each) => /# Round 2/.test(each.text));
    assert.ok(roundTwo?.text.includes(ROUND_ONE_FAILURE), 'round 2 carried the failure of round 1');
    assert.ok(server.modelRequests.every((request) => request.headers.authorization === `Bearer ${KEY}`), 'the key went into OPENAI_API_KEY');
    assert.ok(server.conversations.every((each) => each.model === 'qwen3-coder-test'), '--model went into OPENAI_MODEL');
    assert.match(result.stdout, /qwen-code: \d+ input tokens, \d+ output tokens/);
  });

  it('fails plainly on a 401 reported inside exit 0, nothing applied, one request', async () => {
    const server = await serve({ fail: { status: 401, body: JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }) } });
    const project = cartProject();
    const result = await runRefineLoop(project, args(server), onPath);
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /qwen-code \(qwen\) exited 0 but reported an error: the model call failed: 401/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.equal(server.modelRequests.length, 1);
  });

  it('fails plainly on a 500 after its fixed, bounded retries', async () => {
    const server = await serve({ fail: { status: 500, body: JSON.stringify({ error: { message: 'internal error', type: 'server_error' } }) } });
    const project = cartProject();
    const result = await runRefineLoop(project, args(server, '--agent-timeout', '150'), onPath);
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /qwen-code \(qwen\) exited 0 but reported an error: the model call failed: 500/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    // Its stream retry makes 7 attempts in 0.15.10; the SDK's own retries are off.
    assert.ok(server.modelRequests.length <= 7, `${server.modelRequests.length} requests`);
  });

  it('cannot write outside its folder in the sandbox, and the refusal is reported', async () => {
    const outside = path.join(tempDir('outside'), 'escaped.txt');
    let tried = false;
    const server = await serve({
      script: cartScript(qwenDialect, {
        roundOne: (dialect) => {
          if (tried) return undefined;
          tried = true;
          return dialect.write(outside, 'written from outside the scratch copy\n');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, args(server), onPath);
    assert.ok(tried);
    assert.equal(existsSync(outside), false, 'nothing was written outside');
    assert.match(result.stdout, /Refused or failed tool uses[\s\S]*escaped\.txt/);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
  });

  it('gates an edit of a protected test file like any proposal', async () => {
    const server = await serve({
      script: cartScript(qwenDialect, {
        roundOne: (dialect, workdir, conversation) => {
          const test = `${workdir}/test/cart.test.js`;
          if (conversation.toolUses.some((use) => use.name === 'edit' && use.result !== undefined)) return { text: 'Relaxed the test.' };
          if (!conversation.toolUses.some((use) => use.name === 'read_file' && JSON.stringify(use.input).includes('cart.test.js'))) return dialect.read(test);
          return dialect.edit(test, 'assert.equal(sum, 33', 'assert.equal(sum, 30');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, args(server, '--max-rounds', '1'), onPath);
    assert.match(result.stderr, /! protected paths: test\/cart\.test\.js/);
    assert.equal(readProjectFile(project, 'test/cart.test.js'), ORIGINAL_TEST, 'without a yes the test file is not changed');
    assert.notEqual(result.code, 0);
  });

  it('stops a CLI that outlives --agent-timeout with its whole tree, nothing applied', async () => {
    const server = await serve({ hang: true });
    const project = cartProject();
    const result = await runRefineLoop(project, args(server, '--agent-timeout', '5', '--max-rounds', '1'), onPath);
    assert.equal(result.code, 1);
    assert.match(result.stdout + result.stderr, /qwen-code \(qwen\) did not finish within 5 s and was stopped with every process it started/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.deepEqual(leftProcesses(result.marker), []);
  });
});
