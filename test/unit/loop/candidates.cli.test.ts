import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LoopbackServer, writeEvents } from '../agents/loopbackServer';
import { scratchBase } from '../../../src/node/scratchCopies';

// Best of N end to end: the built CLI (dist/cli.js, what `npm run build` makes) against
// a loopback openai-compatible server whose three answers to the same prompt differ
// (one fixes one of the cart's two bugs, one breaks a passing test, one fixes both),
// on a copy of the cart fixture whose tests are run for real by `node --test`.

function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) if (existsSync(path.join(dir, 'test/fixtures/loop/cart'))) return dir;
  return process.cwd();
}
const ROOT = repoRoot();
const CLI = path.join(ROOT, 'dist', 'cli.js');
const { NODE_TEST_CONTEXT: _ignored, ...cleanEnv } = process.env;
const configHome = mkdtempSync(path.join(tmpdir(), 'refine-candidates-config-'));
process.on('exit', () => rmSync(configHome, { recursive: true, force: true }));
const env = { ...cleanEnv, NODE_OPTIONS: '', XDG_CONFIG_HOME: configHome, OPENAI_API_KEY: '', REFINE_LOOP_API_KEY: '' };

const block = (search: string, replace: string) => `src/cart.js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
const TOTAL_BUG = '  return items.reduce((sum, item) => sum - item.price * item.quantity, 0);';
const TOTAL_FIX = '  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);';
const DISCOUNT_BUG = '  return Math.round(price * percent);';
const DISCOUNT_FIX = '  return Math.round(price * (1 - percent / 100));';
/** In the order the server hands them out for one prompt; the one that fixes both comes last, and slowest. */
const ATTEMPTS = [
  { text: `Prices are added.\n\n${block(TOTAL_BUG, TOTAL_FIX)}`, delayMs: 0 },
  { text: `The discount, and a start value.\n\n${block(DISCOUNT_BUG, DISCOUNT_FIX)}\n${block(TOTAL_BUG, '  return items.reduce((sum, item) => sum + item.price * item.quantity, 1);')}`, delayMs: 50 },
  { text: `Both.\n\n${block(TOTAL_BUG, TOTAL_FIX)}\n${block(DISCOUNT_BUG, DISCOUNT_FIX)}`, delayMs: 300 },
];
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

async function serveAttempts(): Promise<LoopbackServer> {
  const seen = new Map<string, number>();
  return LoopbackServer.start(async (request, response) => {
    const key = JSON.stringify(request.body.messages);
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const attempt = ATTEMPTS[index % ATTEMPTS.length]!;
    await new Promise((resolve) => setTimeout(resolve, attempt.delayMs));
    const usage = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 10 } })}\n\n`;
    await writeEvents(response, [chunk({ role: 'assistant', content: attempt.text }), chunk({}, 'stop'), usage, 'data: [DONE]\n\n']);
  });
}

function runCli(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, 'run', ...args], { env, timeout: 120_000 }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
    child.stdin?.end(stdin);
  });
}

describe('refine-loop run --candidates (built CLI, loopback server, real tests)', { skip: existsSync(CLI) ? false : 'dist/cli.js is not built (npm run build)' }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function project(): Promise<{ dir: string; server: LoopbackServer; common: string[] }> {
    const base = mkdtempSync(path.join(tmpdir(), 'refine-candidates-'));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const dir = path.join(base, 'cart');
    cpSync(path.join(ROOT, 'test/fixtures/loop/cart'), dir, { recursive: true });
    const server = await serveAttempts();
    cleanups.push(() => server.close());
    const common = ['--root', dir, '--task', 'Make the cart tests pass', '--file', 'src/cart.js', '--test', 'node --test', '--provider', 'openai-compatible', '--model', 'm', '--base-url', `${server.url}/v1`, '--approve', 'auto'];
    return { dir, server, common };
  }

  it('--candidates 3 --approve auto passes in 1 round with the attempt that fixed both', { timeout: 120_000 }, async () => {
    const { dir, server, common } = await project();
    const result = await runCli([...common, '--candidates', '3', '--report', path.join(dir, '..', 'report.md')], '');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: passed after 1 rounds/);
    assert.equal(server.received.length, 3, 'three attempts, one request each');
    assert.ok(server.received.every((request) => request.body.temperature === 0.8), 'the attempts sample (temperature 0.8)');
    const cart = readFileSync(path.join(dir, 'src', 'cart.js'), 'utf8');
    assert.ok(cart.includes(TOTAL_FIX) && cart.includes(DISCOUNT_FIX), cart);
    assert.ok(!cart.includes(', 1);'), 'not the attempt that broke the empty cart');
    // Progress per attempt on stderr, and the ranking: the attempt that fixed both first.
    // The three requests go out at once, so which attempt number gets which answer
    // depends on the order they reach the server: find each by its test result.
    const attemptWith = (result_: string) => {
      const found = [...result.stderr.matchAll(new RegExp(`round 1, attempt (\\d) \\(openai-compatible:m\\): ${result_}`, 'g'))];
      assert.equal(found.length, 1, `one attempt with "${result_}":\n${result.stderr}`);
      return found[0]![1]!;
    };
    const both = attemptWith('3 passed, 0 failed, 0 newly failing');
    const one = attemptWith('2 passed, 1 failed, 0 newly failing');
    const broke = attemptWith('1 passed, 2 failed, 1 newly failing');
    assert.match(result.stderr, new RegExp(`attempts ranked ${both}, ${one}, ${broke}; attempt ${both} goes to the review \\(by rule\\)`), result.stderr);
    // The project's own tests pass, for real; the report shows all three attempts.
    assert.equal(spawnSync(process.execPath, ['--test'], { cwd: dir, env, encoding: 'utf8' }).status, 0);
    const report = readFileSync(path.join(dir, '..', 'report.md'), 'utf8');
    assert.match(report, /Attempts \(best of 3\)/);
    assert.match(report, new RegExp(`1\\. attempt ${both} \\(chosen\\)`));
    // No scratch copy is left behind.
    assert.ok(!existsSync(scratchBase(dir)) || readdirSync(scratchBase(dir)).length === 0, 'no scratch copy is left');
  });

  it('--candidates 1 does not pass in 1 round (the first answer fixes one bug)', { timeout: 120_000 }, async () => {
    const { dir, server, common } = await project();
    const result = await runCli([...common, '--candidates', '1', '--max-rounds', '1'], '');
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout, /outcome: limitReached after 1 rounds/);
    assert.equal(server.received.length, 1);
    assert.equal(server.received[0]!.body.temperature, undefined, 'one attempt keeps the server default');
    assert.doesNotMatch(result.stderr, /attempt/);
    assert.ok(readFileSync(path.join(dir, 'src', 'cart.js'), 'utf8').includes(DISCOUNT_BUG));
  });
});
