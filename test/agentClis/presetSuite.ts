import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentCliId } from '../../src/agents/clis/pins';
import { cartScript, ROUND_ONE_FAILURE, type Dialect } from './cartScript';
import { cartProject, installedCli, leftProcesses, ORIGINAL_CART, ORIGINAL_TEST, readProjectFile, removeTemps, runRefineLoop, tempDir } from './helpers';
import { ModelServer, type ModelServerOptions, type Protocol, type Received } from './modelServer';

// The same end-to-end cases for every preset, through the built `refine-loop run`:
// two rounds (the second informed by the first round's failure), 401, 500, a write
// outside the folder, an edit of a protected test file, a timeout. A preset's test file
// gives what differs: its protocol, its tool dialect, how it fails, where its key goes.

export interface PresetSpec {
  readonly id: AgentCliId;
  readonly protocol: Protocol;
  readonly dialect: Dialect;
  /** The base URL to pass, from the server's (e.g. `${url}/v1`). */
  readonly baseUrl: (serverUrl: string) => string;
  readonly model?: string;
  /** Whether a model request carried the key the test set. */
  readonly carriesKey: (request: Received, key: string) => boolean;
  /** The error body of a 401 and a 500 in this protocol. */
  readonly errorBody: (status: number) => string;
  /** Headers of the failing answers (a retry-after that shortens a CLI's fixed backoff). */
  readonly errorHeaders?: Readonly<Record<string, string>>;
  /** What the message says for a model error of this status (after `<id> (<binary>) `). */
  readonly failure: (status: number) => RegExp;
  /** Most model requests one failing round may make: the CLI's bounded retries. */
  readonly maxRequestsOnError: number;
  readonly agentTimeoutOnError?: number;
  /** Tool name of its read and edit, for the protected-file script. */
  readonly readTool: string;
  readonly editTool: string;
  /** How the report names the refused write outside (default: the file's name; codex's refusal names none). */
  readonly refusedWrite?: RegExp;
  /** More checks of the passing two-round run. */
  readonly checkPassedRun?: (result: { stdout: string; stderr: string }, server: ModelServer) => void;
}

const KEY = 'sk-refine-loop-test-key';

export function describePreset(spec: PresetSpec): void {
  describe(`${spec.id} preset through refine-loop run`, () => {
    const servers: ModelServer[] = [];
    after(async () => {
      for (const server of servers) await server.close();
      removeTemps();
    });
    const serve = async (options: Partial<ModelServerOptions> = {}) => {
      const server = await ModelServer.start({ protocol: spec.protocol, script: cartScript(spec.dialect), ...options });
      servers.push(server);
      return server;
    };
    const { binDir, binary } = installedCli(spec.id);
    const onPath = { PATH: `${binDir}:${process.env.PATH ?? ''}`, REFINE_LOOP_API_KEY: KEY };
    const args = (server: ModelServer, ...more: string[]) => ['--provider', spec.id, '--base-url', spec.baseUrl(server.url), ...(spec.model ? ['--model', spec.model] : []), ...more];
    const label = new RegExp(`${spec.id} \\(${path.basename(binary)}\\)`);

    it("passes in two rounds, the second made from the first round's test failure, with its tool uses as progress", async () => {
      const server = await serve();
      const project = cartProject();
      const result = await runRefineLoop(project, args(server), onPath);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /outcome: passed after 2 rounds/);
      assert.match(readProjectFile(project, 'src/cart.js'), /Math\.round\(sum \* 1\.1\)/);
      assert.match(result.stderr, /round 1: Read src\/cart\.js\n/);
      assert.match(result.stderr, /round 2: Edit src\/cart\.js\n/);
      assert.match(result.stderr, /\(sandboxed\)/);
      const roundTwo = server.conversations.find((each) => each.tools.length > 0 && /# Round 2/.test(each.text));
      assert.ok(roundTwo?.text.includes(ROUND_ONE_FAILURE), 'round 2 carried the failure of round 1');
      assert.ok(server.modelRequests.every((request) => spec.carriesKey(request, KEY)), 'the key went into the CLI\'s own variable');
      if (spec.model) assert.ok(server.conversations.every((each) => each.model === undefined || each.model === spec.model), '--model reached the model');
      assert.match(result.stdout, new RegExp(`${spec.id}: \\d+ input tokens, \\d+ output tokens`));
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(KEY));
      spec.checkPassedRun?.(result, server);
    });

    for (const status of [401, 500]) {
      it(`says plainly when the model answers ${status}: nothing applied, no retry storm`, async () => {
        const server = await serve({ fail: { status, body: spec.errorBody(status), ...(spec.errorHeaders ? { headers: spec.errorHeaders } : {}) } });
        const project = cartProject();
        const result = await runRefineLoop(project, [...args(server, '--max-rounds', '1'), ...(spec.agentTimeoutOnError ? ['--agent-timeout', String(spec.agentTimeoutOnError)] : [])], onPath);
        assert.equal(result.code, 1, result.stderr + result.stdout);
        assert.match(result.stdout + result.stderr, label);
        assert.match(result.stdout + result.stderr, spec.failure(status));
        assert.match(result.stdout, /Nothing was applied/);
        assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
        assert.ok(server.modelRequests.length >= 1 && server.modelRequests.length <= spec.maxRequestsOnError, `${server.modelRequests.length} model requests`);
      });
    }

    it('writes nothing outside its folder, and the refused write is reported with the proposal', async () => {
      const outside = path.join(tempDir('outside'), 'escaped.txt');
      let tried = false;
      const server = await serve({
        script: cartScript(spec.dialect, {
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
      assert.match(result.stdout, new RegExp(`Refused or failed tool uses[\\s\\S]*${(spec.refusedWrite ?? /escaped\.txt/).source}`));
      assert.match(result.stdout, /outcome: passed after 2 rounds/);
    });

    it('gates an edit of a protected test file like any proposal', async () => {
      const server = await serve({
        script: cartScript(spec.dialect, {
          roundOne: (dialect, workdir, conversation) => {
            const test = `${workdir}/test/cart.test.js`;
            if (conversation.toolUses.some((use) => use.name === spec.editTool && use.result !== undefined)) return { text: 'Relaxed the test.' };
            if (!conversation.toolUses.some((use) => use.name === spec.readTool && JSON.stringify(use.input).includes('cart.test.js'))) return dialect.read(test);
            return dialect.edit(test, 'assert.equal(sum, 33', 'assert.equal(sum, 30');
          },
        }),
      });
      const project = cartProject();
      const result = await runRefineLoop(project, args(server, '--max-rounds', '1'), onPath);
      assert.match(result.stderr, /! protected paths: test\/cart\.test\.js/);
      assert.match(result.stdout, /Protected paths touched: `test\/cart\.test\.js`/);
      assert.equal(readProjectFile(project, 'test/cart.test.js'), ORIGINAL_TEST, 'without a yes the test file is not changed');
      assert.notEqual(result.code, 0);
    });

    it('stops a CLI that outlives --agent-timeout with its whole tree, nothing applied', async () => {
      const server = await serve({ hang: true });
      const project = cartProject();
      const result = await runRefineLoop(project, args(server, '--agent-timeout', '5', '--max-rounds', '1'), onPath);
      assert.equal(result.code, 1);
      assert.match(result.stdout + result.stderr, new RegExp(`${label.source} did not finish within 5 s and was stopped with every process it started`));
      assert.equal(readProjectFile(project, 'src/cart.js'), ORIGINAL_CART);
      assert.deepEqual(leftProcesses(result.marker), []);
    });

    it('takes its binary from --agent-command', async () => {
      const server = await serve();
      const project = cartProject();
      const result = await runRefineLoop(project, args(server, '--agent-command', binary, '--max-rounds', '1'), { REFINE_LOOP_API_KEY: KEY });
      assert.match(result.stderr, /round 1: Edit src\/cart\.js\n/, result.stderr);
      assert.match(result.stderr, /round 1: applied src\/cart\.js/);
    });
  });
}
