import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { cartScript, ROUND_ONE_FAILURE } from './cartScript';
import { codexDialect, openaiError, openaiResponses } from './codexProtocol';
import { cartProject, installedCli, leftProcesses, ORIGINAL_CART, ORIGINAL_TEST, readProjectFile, removeTemps, runRefineLoop, tempDir } from './helpers';
import { ModelServer, type ModelServerOptions } from './modelServer';

// The codex preset end to end: the real codex 0.171.0 run by the built
// `refine-loop run --provider codex` against a loopback OpenAI Responses server that
// scripts its tool calls (reads as `exec_command`, edits as `apply_patch`). codex offers
// apply_patch only for a model it knows, hence gpt-5.5.

const KEY = 'sk-test-key-for-codex';
const MODEL = 'gpt-5.5';

describe('codex preset through refine-loop run', () => {
  const servers: ModelServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
    removeTemps();
  });
  const serve = async (options: Partial<ModelServerOptions> = {}) => {
    const server = await ModelServer.start({ protocol: openaiResponses, script: cartScript(codexDialect), ...options });
    servers.push(server);
    return server;
  };
  const { binDir, binary } = installedCli('codex');
  const onPath = { PATH: `${binDir}:${process.env.PATH ?? ''}`, REFINE_LOOP_API_KEY: KEY };
  const codexArgs = (server: ModelServer, ...more: string[]) => ['--provider', 'codex', '--model', MODEL, '--base-url', `${server.url}/v1`, ...more];

  it("passes in two rounds, the second made from the first round's test failure, with its tool uses as progress", async () => {
    const server = await serve();
    const project = cartProject();
    const result = await runRefineLoop(project, codexArgs(server), onPath);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
    assert.match(readProjectFile(project, 'src/cart.js'), /Math\.round\(sum \* 1\.1\)/);
    assert.match(result.stderr, /round 1: Read src\/cart\.js\n/);
    assert.match(result.stderr, /round 2: Edit src\/cart\.js\n/);
    assert.match(result.stderr, /\(sandboxed\)/);
    const roundTwo = server.conversations.find((each) => /# Round 2/.test(each.text));
    assert.ok(roundTwo?.text.includes(ROUND_ONE_FAILURE), 'round 2 carried the failure of round 1');
    assert.ok(server.modelRequests.every((request) => request.headers.authorization === `Bearer ${KEY}`), "the key went into the provider's env_key");
    assert.ok(server.conversations.every((each) => each.model === MODEL), 'the model was passed');
    assert.match(result.stdout, /codex: \d+ input tokens, \d+ output tokens/);
    assert.match(result.stdout, /Round 2: changed src\/cart\.js\./, "the CLI's final message is the summary");
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(KEY));
  });

  it('takes the binary from --agent-command and says plainly when the model answers 401, with nothing applied and no retry', async () => {
    const server = await serve({ fail: { status: 401, body: openaiError(401, 'Incorrect API key provided') } });
    const project = cartProject();
    const result = await runRefineLoop(project, [...codexArgs(server), '--agent-command', binary], { REFINE_LOOP_API_KEY: KEY });
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /codex \(codex\) exited with code 1 after an error: unexpected status 401 Unauthorized: Incorrect API key provided/);
    assert.match(result.stdout + result.stderr, /key Refine Loop passes it in OPENAI_API_KEY/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.equal(server.modelRequests.length, 1);
  });

  it('says plainly when the model answers 500, retrying a bounded number of times', async () => {
    const server = await serve({ fail: { status: 500, body: openaiError(500, 'The server had an error') } });
    const project = cartProject();
    const result = await runRefineLoop(project, codexArgs(server), onPath);
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /codex \(codex\) exited with code 1 after an error: .*codex says this when the model server answers with a 5xx status/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    // One round fails; at most 1 + CODEX_MAX_RETRIES requests.
    assert.ok(server.modelRequests.length <= 3, `${server.modelRequests.length} requests`);
  });

  it('keeps a patch outside its folder from landing, and reports it with the proposal', async () => {
    const outside = path.join(tempDir('outside'), 'escaped.txt');
    let tried = false;
    const server = await serve({
      script: cartScript(codexDialect, {
        roundOne: (dialect) => {
          if (tried) return undefined;
          tried = true;
          return dialect.write(outside, 'written from outside the scratch copy\n');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, codexArgs(server), onPath);
    assert.ok(tried);
    assert.equal(existsSync(outside), false, 'nothing was written outside');
    assert.match(result.stdout, /Refused or failed tool uses[\s\S]*writing outside of the project/);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
  });

  it('gates an edit of a protected test file like any proposal', async () => {
    const server = await serve({
      script: cartScript(codexDialect, {
        roundOne: (dialect, workdir, conversation) => {
          const test = `${workdir}/test/cart.test.js`;
          if (conversation.toolUses.some((use) => dialect.isEdit(use) && use.result !== undefined)) return { text: 'Relaxed the test.' };
          if (!conversation.toolUses.some((use) => dialect.isRead(use) && JSON.stringify(use.input).includes('cart.test.js'))) return dialect.read(test);
          return dialect.edit(test, 'assert.equal(sum, 33', 'assert.equal(sum, 30');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, codexArgs(server, '--max-rounds', '1'), onPath);
    assert.match(result.stderr, /! protected paths: test\/cart\.test\.js/);
    assert.equal(readProjectFile(project, 'test/cart.test.js'), ORIGINAL_TEST, 'without a yes the test file is not changed');
    assert.notEqual(result.code, 0);
  });

  it('stops a CLI that outlives --agent-timeout with its whole tree, nothing applied', async () => {
    const server = await serve({ hang: true });
    const project = cartProject();
    const result = await runRefineLoop(project, codexArgs(server, '--agent-timeout', '5', '--max-rounds', '1'), onPath);
    assert.equal(result.code, 1);
    assert.match(result.stdout + result.stderr, /codex \(codex\) did not finish within 5 s and was stopped with every process it started/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.deepEqual(leftProcesses(result.marker), []);
    assert.ok(server.modelRequests.length >= 1);
  });
});
