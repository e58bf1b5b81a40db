import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EDIT_TOOL_NAME } from '../../../src/edits/toolCall';
import { fixture, tempDir } from './helpers';
import { LoopbackServer, writeEvents, type Received } from './loopbackServer';

// End to end through the compiled CLI: a project whose bug is a constant in
// src/units.js, imported by src/format.js, imported by the test. No failing stack frame
// names src/units.js, so the first prompt does not hold it: the scripted model reads it
// with read_file and proposes only once the file's text is in the conversation.

const cli = path.resolve(__dirname, '../../../src/cli/main.js');
const FIX = { summary: 'An inch is 2.54 cm.', edits: [{ kind: 'replace', path: 'src/units.js', search: 'const CM_PER_INCH = 2.45;', replace: 'const CM_PER_INCH = 2.54;' }] };

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const openaiCall = (id: string, name: string, input: unknown) => [
  chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: JSON.stringify(input) } }] }),
  chunk({}, 'tool_calls'),
  'data: [DONE]\n\n',
];
const event = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const anthropicCall = (id: string, name: string, input: unknown) => [
  event('message_start', { message: { usage: { input_tokens: 50, output_tokens: 1 } } }),
  event('content_block_start', { index: 0, content_block: { type: 'tool_use', id, name, input: {} } }),
  event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } }),
  event('content_block_stop', { index: 0 }),
  event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 20 } }),
  event('message_stop', {}),
];

/** The text of everything the model has been sent, tool results included. */
const conversation = (request: Received) => JSON.stringify(request.body.messages);

function runCli(args: string[], env: Record<string, string | undefined>, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { env: { ...process.env, REFINE_LOOP_API_KEY: '', ...env }, timeout: 90_000 }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
    child.stdin?.end(input);
  });
}

const openaiText = (text: string) => [chunk({ role: 'assistant', content: text }), chunk({}, 'stop'), 'data: [DONE]\n\n'];
const TEXT_FIX = 'An inch is 2.54 cm.\n\nsrc/units.js\n<<<<<<< SEARCH\nconst CM_PER_INCH = 2.45;\n=======\nconst CM_PER_INCH = 2.54;\n>>>>>>> REPLACE\n';
const QUESTION = 'Which file holds the conversion constant? I cannot tell from the test alone.';
/** The report's count ("after N rounds" in its Outcome) and the last line's must agree. */
function roundsSaid(stdout: string): { report: number; lastLine: number } {
  const report = /## Outcome\n\n\*\*\w+\*\* after (\d+) rounds?/.exec(stdout)?.[1];
  const lastLine = /outcome: \w+ after (\d+) rounds?\n$/.exec(stdout)?.[1];
  return { report: Number(report), lastLine: Number(lastLine) };
}

const providers = [
  { provider: 'openai-compatible', path: '/v1', env: { OPENAI_API_KEY: 'sk-test' }, call: openaiCall },
  { provider: 'anthropic', path: '', env: { ANTHROPIC_API_KEY: 'sk-ant-test' }, call: anthropicCall },
] as const;

describe('refine-loop run: the agent reads the file no stack frame names, then fixes it in one round', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  for (const each of providers) {
    it(`with --provider ${each.provider}`, async () => {
      const server = await LoopbackServer.start((request, response) => {
        const seen = conversation(request);
        // Propose only once the constant's line came back from read_file.
        const frames = seen.includes('const CM_PER_INCH = 2.45;') ? each.call('fix', EDIT_TOOL_NAME, FIX) : each.call('look', 'read_file', { path: 'src/units.js' });
        return writeEvents(response, frames);
      });
      cleanups.push(() => server.close());
      const { dir, remove } = tempDir(`units-${each.provider}`);
      cleanups.push(remove);
      cpSync(fixture('units-project'), dir, { recursive: true });

      const result = await runCli(
        ['run', '--root', dir, '--task', 'make the tests pass', '--test', 'node --test', '--provider', each.provider, '--model', 'test-model', '--base-url', `${server.url}${each.path}`, '--approve', 'auto', '--verbose'],
        each.env,
      );
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /outcome: passed after 1 rounds?\n$/);
      assert.equal(server.received.length, 2, 'one read, then the proposal');
      assert.doesNotMatch(conversation(server.received[0]!), /CM_PER_INCH = 2\.45/, 'the first prompt does not hold src/units.js');
      assert.match(result.stderr, /round 1: reading src\/units\.js/);
      assert.match(result.stdout, /## Round 1[\s\S]*Read by the agent:[\s\S]*read_file `src\/units\.js`/);
      assert.match(readFileSync(path.join(dir, 'src', 'units.js'), 'utf8'), /CM_PER_INCH = 2\.54;/);
    });
  }
});

describe('refine-loop run: a reply without edits is the round\'s outcome', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  async function project(name: string): Promise<string> {
    const { dir, remove } = tempDir(name);
    cleanups.push(remove);
    cpSync(fixture('units-project'), dir, { recursive: true });
    return dir;
  }
  const args = (dir: string, url: string, approve: 'each' | 'auto') => ['run', '--root', dir, '--task', 'make the tests pass', '--test', 'node --test', '--provider', 'openai-compatible', '--model', 'm', '--base-url', `${url}/v1`, '--approve', approve];

  it('reviewEachRound: the person sees the question, answers with a reason, and the answer reaches the model', async () => {
    const server = await LoopbackServer.start((request, response) =>
      writeEvents(response, openaiText(conversation(request).includes('The reviewer answers: it is CM_PER_INCH in src/units.js') ? TEXT_FIX : QUESTION)),
    );
    cleanups.push(() => server.close());
    const dir = await project('no-edits-review');
    const result = await runCli(args(dir, server.url, 'each'), {}, 'n it is CM_PER_INCH in src/units.js\ny\ny\n');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stderr, /round 1 of at most 5: the agent proposes[\s\S]*Which file holds the conversion constant\?/);
    assert.match(result.stdout, /## Round 1\n\nWhich file holds the conversion constant\?[\s\S]*Review: reject — it is CM_PER_INCH in src\/units\.js[\s\S]*Note: the agent replied without edits/);
    assert.deepEqual(roundsSaid(result.stdout), { report: 2, lastLine: 2 });
    assert.match(readFileSync(path.join(dir, 'src', 'units.js'), 'utf8'), /2\.54/);
  });

  it('autoUntilGreen: replies without edits are rounds without progress, and the loop stops as stuck', async () => {
    const server = await LoopbackServer.start((_request, response) => writeEvents(response, openaiText(QUESTION)));
    cleanups.push(() => server.close());
    const dir = await project('no-edits-auto');
    const result = await runCli(args(dir, server.url, 'auto'), {});
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout, /\*\*stuck\*\* after 2 rounds/);
    assert.deepEqual(roundsSaid(result.stdout), { report: 2, lastLine: 2 });
    assert.equal(server.received.length, 2);
    assert.match(readFileSync(path.join(dir, 'src', 'units.js'), 'utf8'), /2\.45/, 'nothing written');
  });

  it('an agent call that fails is a round of the report too (it said 0, the last line 1)', async () => {
    const server = await LoopbackServer.start((_request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'bad key' } }));
    });
    cleanups.push(() => server.close());
    const dir = await project('agent-fails');
    const result = await runCli(args(dir, server.url, 'auto'), {});
    assert.equal(result.code, 1);
    assert.match(result.stdout, /## Round 1\n[\s\S]*Note: the agent call failed: .*(refused the API key|needs an API key)/);
    assert.deepEqual(roundsSaid(result.stdout), { report: 1, lastLine: 1 });
  });
});
