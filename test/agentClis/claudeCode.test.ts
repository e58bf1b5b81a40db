import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { anthropicMessages } from './anthropicProtocol';
import { cartScript, claudeDialect, ROUND_ONE_FAILURE } from './cartScript';
import { cartProject, installedCli, leftProcesses, ORIGINAL_CART, ORIGINAL_TEST, readProjectFile, removeTemps, runRefineLoop, tempDir } from './helpers';
import { ModelServer, type ModelServerOptions } from './modelServer';

// The claude-code preset end to end: the real Claude Code 2.1.197 run by the built
// `refine-loop run --provider claude-code` against a loopback Anthropic Messages server
// that scripts its tool calls.

const KEY = 'sk-ant-test-key-for-claude';

describe('claude-code preset through refine-loop run', () => {
  const servers: ModelServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
    removeTemps();
  });
  const serve = async (options: Partial<ModelServerOptions> = {}) => {
    const server = await ModelServer.start({ protocol: anthropicMessages, script: cartScript(claudeDialect), ...options });
    servers.push(server);
    return server;
  };
  const { binDir, binary } = installedCli('claude-code');
  const onPath = { PATH: `${binDir}:${process.env.PATH ?? ''}`, REFINE_LOOP_API_KEY: KEY };

  it('passes in two rounds, the second made from the first round\'s test failure, with its tool uses as progress', async () => {
    const server = await serve();
    const project = cartProject();
    const result = await runRefineLoop(project, ['--provider', 'claude-code', '--base-url', server.url], onPath);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
    assert.match(readProjectFile(project, 'src/cart.js'), /Math\.round\(sum \* 1\.1\)/);
    assert.match(result.stderr, /round 1: Read src\/cart\.js\n/);
    assert.match(result.stderr, /round 2: Edit src\/cart\.js\n/);
    assert.match(result.stderr, /\(sandboxed\)/);
    const roundTwo = server.conversations.find((each) => /# Round 2/.test(each.text));
    assert.ok(roundTwo?.text.includes(ROUND_ONE_FAILURE), 'round 2 carried the failure of round 1');
    assert.ok(server.modelRequests.every((request) => request.headers['x-api-key'] === KEY), 'the key went into ANTHROPIC_API_KEY');
    assert.match(result.stdout, /claude-code: \d+ input tokens, \d+ output tokens/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(KEY));
  });

  it('takes the binary from --agent-command and says plainly when the model answers 401, with nothing applied and no retry storm', async () => {
    const server = await serve({ fail: { status: 401, body: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }) } });
    const project = cartProject();
    const result = await runRefineLoop(project, ['--provider', 'claude-code', '--agent-command', binary, '--base-url', server.url], { REFINE_LOOP_API_KEY: KEY });
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /claude-code \(claude\) exited with code 1 after an error: the model answered 401/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    // One round fails; at most 1 + CLAUDE_MAX_RETRIES requests (Claude Code retries a 401 too).
    assert.ok(server.modelRequests.length <= 3, `${server.modelRequests.length} requests`);
  });

  it('says plainly when the model answers 500, retrying a bounded number of times', async () => {
    const server = await serve({ fail: { status: 500, body: JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }) } });
    const project = cartProject();
    const result = await runRefineLoop(project, ['--provider', 'claude-code', '--base-url', server.url], onPath);
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /claude-code \(claude\) exited with code 1 after an error: the model answered 500/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    // One round fails; at most 1 + CLAUDE_MAX_RETRIES requests.
    assert.ok(server.modelRequests.length <= 3, `${server.modelRequests.length} requests`);
  });

  it('keeps a write outside its folder from landing, and reports it with the proposal', async () => {
    const outside = path.join(tempDir('outside'), 'escaped.txt');
    let tried = false;
    const server = await serve({
      script: cartScript(claudeDialect, {
        roundOne: (dialect) => {
          if (tried) return undefined;
          tried = true;
          return dialect.write(outside, 'written from outside the scratch copy\n');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, ['--provider', 'claude-code', '--base-url', server.url], onPath);
    assert.equal(existsSync(outside), false, 'nothing was written outside');
    assert.ok(tried);
    assert.match(result.stdout, /Refused or failed tool uses[\s\S]*escaped\.txt/);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
  });

  it('gates an edit of a protected test file like any proposal', async () => {
    const server = await serve({
      script: cartScript(claudeDialect, {
        roundOne: (dialect, workdir, conversation) => {
          const test = `${workdir}/test/cart.test.js`;
          if (conversation.toolUses.some((use) => use.name === 'Edit' && use.result !== undefined)) return { text: 'Relaxed the test.' };
          if (!conversation.toolUses.some((use) => use.name === 'Read' && JSON.stringify(use.input).includes('cart.test.js'))) return dialect.read(test);
          return dialect.edit(test, 'assert.equal(sum, 33', 'assert.equal(sum, 30');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, ['--provider', 'claude-code', '--base-url', server.url, '--max-rounds', '1'], onPath);
    assert.match(result.stderr, /! protected paths: test\/cart\.test\.js/);
    assert.match(result.stdout, /Protected paths touched: `test\/cart\.test\.js`/);
    assert.equal(readProjectFile(project, 'test/cart.test.js'), ORIGINAL_TEST, 'without a yes the test file is not changed');
    assert.notEqual(result.code, 0);
  });

  it('stops a CLI that outlives --agent-timeout with its whole tree, nothing applied', async () => {
    const server = await serve({ hang: true });
    const project = cartProject();
    const result = await runRefineLoop(project, ['--provider', 'claude-code', '--base-url', server.url, '--agent-timeout', '5', '--max-rounds', '1'], onPath);
    assert.equal(result.code, 1);
    assert.match(result.stdout + result.stderr, /claude-code \(claude\) did not finish within 5 s and was stopped with every process it started/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.deepEqual(leftProcesses(result.marker), []);
    assert.ok(server.modelRequests.length >= 1);
  });
});
