import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from './helpers';
import { LoopbackServer, writeEvents } from './loopbackServer';

// The README's CLI example for an OpenAI-compatible server, run for real: the compiled
// `refine-loop run` in a child process, on a copy of demo/, against a loopback server
// that streams chat completions. Two rounds: the second must carry the test feedback.

const cli = path.resolve(__dirname, '../../../src/cli/main.js');
const block = (search: string, replace: string) => `src/cart.js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const replies = [
  `Subtotal ignored quantities.\n\n${block('    total += item.price;', '    total += item.price * item.quantity;')}`,
  `The discount is a percentage.\n\n${block('  return amount - percent;', '  return amount - (amount * percent) / 100;')}`,
];
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('refine-loop run with --provider openai-compatible', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('fixes the demo in two rounds against a streaming server, with the key from OPENAI_API_KEY', async () => {
    const server = await LoopbackServer.start((_request, response, index) => {
      const reply = replies[index] ?? 'No more ideas.';
      return writeEvents(response, [chunk({ role: 'assistant', content: '' }), chunk({ content: reply.slice(0, 25) }), chunk({ content: reply.slice(25) }), chunk({}, 'stop'), 'data: [DONE]\n\n']);
    });
    cleanups.push(() => server.close());
    const { dir, remove } = tempDir('demo');
    cleanups.push(remove);
    cpSync(path.join(repoRoot(), 'demo'), dir, { recursive: true });

    const args = [cli, 'run', '--root', dir, '--task', 'make the cart tests pass', '--file', 'src/cart.js', '--provider', 'openai-compatible', '--model', 'test-model', '--base-url', `${server.url}/v1`, '--approve', 'auto'];
    const env = { ...process.env, OPENAI_API_KEY: 'sk-cli-secret', REFINE_LOOP_API_KEY: '' };
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, args, { env, timeout: 90_000 }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
      child.stdin?.end();
    });

    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: passed after 2 rounds?/);
    assert.equal(server.received.length, 2);
    assert.equal(server.received[0]!.headers.authorization, 'Bearer sk-cli-secret');
    assert.doesNotMatch(result.stdout + result.stderr, /sk-cli-secret/);
    const second = (server.received[1]!.body.messages as { role: string; content: string }[]).at(-1)!.content;
    assert.match(second, /<test-output>[\s\S]*applyDiscount[\s\S]*<\/test-output>/, 'round 2 carries the failing test');
    assert.match(readFileSync(path.join(dir, 'src', 'cart.js'), 'utf8'), /amount - \(amount \* percent\) \/ 100/);
  });
});
