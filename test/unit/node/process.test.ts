import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCommand, testEnvironment } from '../../../src/node/process';
import { fixturesRoot } from '../testing/helpers';

// The process runner against real processes: a hanging test with grandchildren, a
// 1 GiB output flood, caps, cancel, environment hygiene.

/** A process that still runs: exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const linux = process.platform === 'linux';

describe('runCommand', () => {
  it('kills a hanging test and all its descendants within timeout + 3 s', { skip: linux ? false : 'reads /proc to find survivors' }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'refine-hang-'));
    const pidsFile = join(folder, 'pids');
    try {
      const timeoutMs = 2000;
      const started = Date.now();
      const result = await runCommand({ cwd: join(fixturesRoot(), 'hang'), command: ['node', '--test', 'hang.test.js'], timeoutMs, env: { HANG_PIDS_FILE: pidsFile } });
      const elapsed = Date.now() - started;
      assert.equal(result.timedOut, true);
      assert.ok(elapsed <= timeoutMs + 3000, `returned after ${elapsed} ms`);
      const pids = readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
      assert.equal(pids.length, 5, 'test process, its shell, two sleeps under the shell, one detached sleep');
      const survivors = pids.filter(alive);
      assert.deepEqual(survivors, [], `surviving descendants: ${survivors.join(', ')}`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('caps a 1 GiB output flood: killed past 50 MB, head and tail kept, memory under 200 MB', async () => {
    // In its own process, so its peak memory is the runner's alone.
    const processModule = join(__dirname, '..', '..', '..', 'src', 'node', 'process.js');
    const script = `
      const { runCommand } = require(${JSON.stringify(processModule)});
      runCommand({ cwd: ${JSON.stringify(join(fixturesRoot(), 'flood'))}, command: ['node', 'flood.js'], timeoutMs: 120000 }).then((result) => {
        console.log(JSON.stringify({ ...result, output: result.output === undefined ? null : result.output.length, outputHead: result.outputHead.length, outputTail: result.outputTail.length, maxRssKb: process.resourceUsage().maxRSS }));
      });`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { outputLimitHit: boolean; totalBytes: number; droppedBytes: number; outputHead: number; outputTail: number; output: number | null; maxRssKb: number; signal: string | null };
    assert.equal(result.outputLimitHit, true);
    assert.ok(result.totalBytes > 50 * 1024 * 1024 && result.totalBytes < 1024 * 1024 * 1024, `read ${result.totalBytes} bytes`);
    assert.equal(result.outputHead, 64 * 1024);
    assert.equal(result.outputTail, 64 * 1024);
    assert.equal(result.droppedBytes, result.totalBytes - 128 * 1024);
    assert.equal(result.output, null, 'the whole output is not kept past 16 MB');
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(result.maxRssKb < 200 * 1024, `peak memory ${Math.round(result.maxRssKb / 1024)} MB`);
  });

  it('keeps head and tail and counts the bytes dropped between them', async () => {
    const result = await runCommand({ cwd: tmpdir(), command: ['node', '-e', "process.stdout.write('A'.repeat(100) + 'B'.repeat(1000) + 'C'.repeat(100))"], timeoutMs: 20000, headBytes: 100, tailBytes: 100 });
    assert.equal(result.outputHead, 'A'.repeat(100));
    assert.equal(result.outputTail, 'C'.repeat(100));
    assert.equal(result.droppedBytes, 1000);
    assert.equal(result.exitCode, 0);
  });

  it('streams output as it comes, stdout and stderr together', async () => {
    const chunks: string[] = [];
    const result = await runCommand({ cwd: tmpdir(), command: 'echo out; echo err >&2; exit 3', timeoutMs: 20000, onOutput: (chunk) => chunks.push(chunk) });
    assert.equal(result.exitCode, 3);
    assert.match(chunks.join(''), /out\n/);
    assert.match(chunks.join(''), /err\n/);
    assert.equal(result.output, chunks.join(''));
  });

  it('stops on cancel, promptly', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const result = await runCommand({ cwd: tmpdir(), command: ['sleep', '30'], timeoutMs: 60000, signal: controller.signal });
    assert.equal(result.cancelled, true);
    assert.equal(result.timedOut, false);
    assert.ok(Date.now() - started < 4000);
  });

  it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const started = Date.now();
    const result = await runCommand({ cwd: tmpdir(), command: ['node', '-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], timeoutMs: 500, killGraceMs: 500 });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(Date.now() - started < 3000);
  });

  it('does not wait for what the command left running, and ends it', { skip: linux ? false : 'reads /proc to find survivors' }, async () => {
    const started = Date.now();
    const result = await runCommand({ cwd: tmpdir(), command: 'sleep 30 & echo $!; exit 0', timeoutMs: 20000 });
    assert.equal(result.exitCode, 0);
    assert.ok(Date.now() - started < 5000, `returned after ${Date.now() - started} ms`);
    const pid = Number(result.outputHead.trim());
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, 'the background sleep was killed');
  });

  it('ends a grandchild that left the group and the session (setsid) and holds the output open', { skip: linux ? false : 'reads /proc to find survivors' }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'refine-setsid-'));
    try {
      const pidFile = join(folder, 'pid');
      const started = Date.now();
      const result = await runCommand({ cwd: tmpdir(), command: `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' & while [ ! -s ${pidFile} ]; do sleep 0.05; done; exit 0`, timeoutMs: 60000 });
      assert.equal(result.exitCode, 0);
      assert.ok(Date.now() - started < 30000, `returned after ${Date.now() - started} ms`);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.equal(alive(pid), false, `the setsid grandchild ${pid} was killed`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('an agent run: stdin given, stdout and stderr apart, no CI variables added', async () => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const result = await runCommand({ cwd: tmpdir(), command: 'cat; echo oops >&2; echo "ci=${CI:-unset}"', timeoutMs: 20000, purpose: 'agent', baseEnv: { PATH: process.env.PATH }, stdin: 'the prompt\n', onStdout: (chunk) => out.push(chunk), onStderr: (chunk) => err.push(chunk) });
    assert.equal(result.exitCode, 0);
    assert.equal(Buffer.concat(out).toString(), 'the prompt\nci=unset\n');
    assert.equal(Buffer.concat(err).toString(), 'oops\n');
  });

  it('says when the command cannot be started', async () => {
    const result = await runCommand({ cwd: tmpdir(), command: ['/nonexistent/refine-loop-runner'], timeoutMs: 5000 });
    assert.match(result.spawnError ?? '', /ENOENT/);
    assert.equal(result.exitCode, null);
  });

  it('passes CI=1 NO_COLOR=1 FORCE_COLOR=0 and never this extension\'s secrets', async () => {
    const baseEnv = { PATH: process.env.PATH, HOME: '/tmp', REFINE_LOOP_API_KEY: 'secret-1', refine_loop_token: 'secret-2', OPENAI_API_KEY: 'secret-3', ANTHROPIC_API_KEY: 'secret-4', OPENROUTER_API_KEY: 'secret-5', GEMINI_API_KEY: 'secret-6', GOOGLE_API_KEY: 'secret-7', MISTRAL_API_KEY: 'secret-8', GOOGLE_GENERATIVE_AI_API_KEY: 'secret-9', HF_TOKEN: 'secret-10', CORP_VAULT_TOKEN: 'secret-11', FORCE_COLOR: '3', KEEP_ME: 'yes', GOOGLE_CLOUD_PROJECT: 'kept' };
    const result = await runCommand({ cwd: tmpdir(), command: ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))'], timeoutMs: 20000, baseEnv, secretVariables: ['corp_*_token'] });
    const env = JSON.parse(result.output!) as Record<string, string>;
    assert.equal(env.CI, '1');
    assert.equal(env.NO_COLOR, '1');
    assert.equal(env.FORCE_COLOR, '0');
    assert.equal(env.KEEP_ME, 'yes');
    assert.equal(env.GOOGLE_CLOUD_PROJECT, 'kept', 'a provider name alone is not a secret');
    assert.ok(!result.output!.includes('secret-'), 'no secret reached the test command');
  });

  it('testEnvironment: extra variables win over the defaults', () => {
    assert.equal(testEnvironment({}, { CI: 'true' }).CI, 'true');
    assert.ok(!('REFINE_LOOP_X' in testEnvironment({ REFINE_LOOP_X: '1' })));
  });

  it('the hang fixture exists where the test expects it', () => {
    assert.ok(existsSync(join(fixturesRoot(), 'hang', 'hang.test.js')));
  });
});
