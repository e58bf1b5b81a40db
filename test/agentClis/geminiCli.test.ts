import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { cartScript, ROUND_ONE_FAILURE } from './cartScript';
import { geminiDialect, geminiError, geminiGenerateContent } from './geminiProtocol';
import { cartProject, installedCli, leftProcesses, ORIGINAL_CART, ORIGINAL_TEST, readProjectFile, removeTemps, runRefineLoop, tempDir } from './helpers';
import { ModelServer, type ModelServerOptions } from './modelServer';

// The gemini-cli preset end to end: the real Gemini CLI 0.61.0 run by the built
// `refine-loop run --provider gemini-cli` against a loopback Gemini API server that
// scripts its function calls (read_file, replace, write_file). With a model given, as
// here, gemini makes no router call first.

const KEY = 'gemini-test-key-123';
const MODEL = 'gemini-2.5-pro';

describe('gemini-cli preset through refine-loop run', () => {
  const servers: ModelServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
    removeTemps();
  });
  const serve = async (options: Partial<ModelServerOptions> = {}) => {
    const server = await ModelServer.start({ protocol: geminiGenerateContent, script: cartScript(geminiDialect), ...options });
    servers.push(server);
    return server;
  };
  const { binDir, binary } = installedCli('gemini-cli');
  const onPath = { PATH: `${binDir}:${process.env.PATH ?? ''}`, REFINE_LOOP_API_KEY: KEY };
  const geminiArgs = (server: ModelServer, ...more: string[]) => ['--provider', 'gemini-cli', '--model', MODEL, '--base-url', server.url, ...more];

  it("passes in two rounds, the second made from the first round's test failure, with its tool uses as progress", async () => {
    const server = await serve();
    const project = cartProject();
    const result = await runRefineLoop(project, geminiArgs(server), onPath);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
    assert.match(readProjectFile(project, 'src/cart.js'), /Math\.round\(sum \* 1\.1\)/);
    assert.match(result.stderr, /round 1: Read src\/cart\.js\n/);
    assert.match(result.stderr, /round 2: Edit src\/cart\.js\n/);
    assert.match(result.stderr, /\(sandboxed\)/);
    const roundTwo = server.conversations.find((each) => /# Round 2/.test(each.text));
    assert.ok(roundTwo?.text.includes(ROUND_ONE_FAILURE), 'round 2 carried the failure of round 1');
    assert.ok(server.modelRequests.every((request) => request.headers['x-goog-api-key'] === KEY), 'the key went into GEMINI_API_KEY');
    assert.ok(server.modelRequests.every((request) => request.url.startsWith(`/v1beta/models/${MODEL}:streamGenerateContent`)), 'the model was passed, and no router call was made');
    assert.match(result.stdout, /gemini-cli: \d+ input tokens, \d+ output tokens/);
    assert.match(result.stdout, /Round 2: changed src\/cart\.js\./, "the CLI's final message is the summary");
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(KEY));
  });

  it('takes the binary from --agent-command and says plainly when the model answers 401 (exit 145), with nothing applied and no retry', async () => {
    const server = await serve({ fail: { status: 401, body: geminiError(401, 'API key not valid. Please pass a valid API key.') } });
    const project = cartProject();
    const result = await runRefineLoop(project, [...geminiArgs(server), '--agent-command', binary], { REFINE_LOOP_API_KEY: KEY });
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /gemini-cli \(gemini\) exited with code 145 after an error: the model server answered 401 UNAUTHENTICATED: API key not valid/);
    assert.match(result.stdout + result.stderr, /key Refine Loop passes it in GEMINI_API_KEY/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.equal(server.modelRequests.length, 1);
  });

  it('says plainly when the model answers 500 (exit 244), trying at most twice', async () => {
    const server = await serve({ fail: { status: 500, body: geminiError(500, 'Internal error encountered.') } });
    const project = cartProject();
    const result = await runRefineLoop(project, geminiArgs(server), onPath);
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout + result.stderr, /gemini-cli \(gemini\) exited with code 244 after an error: the model server answered 500 INTERNAL: Internal error encountered\./);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    // One round fails; at most GEMINI_MAX_ATTEMPTS requests.
    assert.ok(server.modelRequests.length <= 2, `${server.modelRequests.length} requests`);
  });

  it('keeps a write outside its folder from landing, and reports it with the proposal', async () => {
    const outside = path.join(tempDir('outside'), 'escaped.txt');
    let tried = false;
    const server = await serve({
      script: cartScript(geminiDialect, {
        roundOne: (dialect) => {
          if (tried) return undefined;
          tried = true;
          return dialect.write(outside, 'written from outside the scratch copy\n');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, geminiArgs(server), onPath);
    assert.ok(tried);
    assert.equal(existsSync(outside), false, 'nothing was written outside');
    assert.match(result.stdout, /Refused or failed tool uses[\s\S]*escaped\.txt: Path not in workspace/);
    assert.match(result.stdout, /outcome: passed after 2 rounds/);
  });

  it('gates an edit of a protected test file like any proposal', async () => {
    const server = await serve({
      script: cartScript(geminiDialect, {
        roundOne: (dialect, workdir, conversation) => {
          const test = `${workdir}/test/cart.test.js`;
          if (conversation.toolUses.some((use) => dialect.isEdit(use) && use.result !== undefined)) return { text: 'Relaxed the test.' };
          return dialect.edit(test, 'assert.equal(sum, 33', 'assert.equal(sum, 30');
        },
      }),
    });
    const project = cartProject();
    const result = await runRefineLoop(project, geminiArgs(server, '--max-rounds', '1'), onPath);
    assert.match(result.stderr, /! protected paths: test\/cart\.test\.js/);
    assert.equal(readProjectFile(project, 'test/cart.test.js'), ORIGINAL_TEST, 'without a yes the test file is not changed');
    assert.notEqual(result.code, 0);
  });

  it('stops a CLI that outlives --agent-timeout with its whole tree, nothing applied', async () => {
    const server = await serve({ hang: true });
    const project = cartProject();
    // gemini takes seconds to start on a busy machine: long enough that it surely waits on the model when stopped.
    const result = await runRefineLoop(project, geminiArgs(server, '--agent-timeout', '25', '--max-rounds', '1'), onPath);
    assert.equal(result.code, 1);
    assert.match(result.stdout + result.stderr, /gemini-cli \(gemini\) did not finish within 25 s and was stopped with every process it started/);
    assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
    assert.deepEqual(leftProcesses(result.marker), []);
    assert.ok(server.modelRequests.length >= 1);
  });
});
