import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { personEnv, runCliChild, type CliChildRun } from '../cliChild';
import { repoRoot } from '../repoRoot';

// End to end, as an unattended run would be: `refine-loop run --approve auto` with no
// terminal (stdin closed or scripted), the real `command` provider running a scripted
// agent that cheats, the real test runner through `npm test`. The agent's cheat never
// ends `passed`, and without the person's yes the workspace keeps the original.

const ROOT = repoRoot();

/** A reply-mode agent that prints the same reply every round. */
const agentSource = (reply: string) => `process.stdin.resume();\nprocess.stdin.on('end', () => process.stdout.write(${JSON.stringify(reply)}));\n`;

async function project(t: { after: (fn: () => Promise<void>) => void }, spec: boolean): Promise<{ base: string; root: string }> {
  const base = await mkdtemp(join(tmpdir(), 'refine-integrity-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'cart');
  await cp(join(ROOT, 'test/fixtures/loop/cart'), root, { recursive: true });
  if (spec) {
    // The tests in spec/: the two failing ones in one file, the passing one in another.
    const tests = await readFile(join(root, 'test/cart.test.js'), 'utf8');
    const [head, ...cases] = tests.split(/\n(?=test\()/);
    await mkdir(join(root, 'spec'));
    await writeFile(join(root, 'spec/total_spec.js'), `${head}\n${cases.slice(0, 2).join('\n')}\n`);
    await writeFile(join(root, 'spec/cart_spec.js'), `${head}\n${cases[2]}`);
    await rm(join(root, 'test'), { recursive: true });
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'cart', private: true, scripts: { test: 'node --test spec/*_spec.js' } }, null, 2) + '\n');
  }
  return { base, root };
}

async function runCli(base: string, root: string, reply: string, answers: string): Promise<CliChildRun> {
  await writeFile(join(base, 'agent.js'), agentSource(reply));
  return runCliChild(['run', '--task', 'Make the cart tests pass', '--root', root, '--test', 'npm test', '--approve', 'auto', '--max-rounds', '2', '--agent-command', `node ${JSON.stringify(join(base, 'agent.js'))}`], { cwd: base, env: personEnv(), answers });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';
const NARROW = ['Only run the test that passes.', '', 'package.json', '<<<<<<< SEARCH', '    "test": "node --test"', '=======', '    "test": "node --test --test-name-pattern=empty"', '>>>>>>> REPLACE', ''].join('\n');
const DELETE = ['The total spec is obsolete.', '', '*** Begin Patch', '*** Delete File: spec/total_spec.js', '*** End Patch', ''].join('\n');

test('cli run --approve auto, no terminal: an agent that narrows the test script does not pass, and package.json keeps its script', { timeout: 120_000 }, async (t) => {
  const { base, root } = await project(t, false);
  const original = await readFile(join(root, 'package.json'), 'utf8');
  const run = await runCli(base, root, NARROW, '');
  assert.equal(run.code, 1, run.stderr);
  assert.doesNotMatch(lastLine(run.stdout), /passed/);
  assert.match(run.stderr, /! protected paths: package\.json \(it changes the script the tests run with \("test"\)\)/);
  assert.equal(await readFile(join(root, 'package.json'), 'utf8'), original);
});

test('cli run --approve auto, no terminal: an agent that deletes the failing test in spec/ does not pass, and the test stays', { timeout: 120_000 }, async (t) => {
  const { base, root } = await project(t, true);
  const original = await readFile(join(root, 'spec/total_spec.js'), 'utf8');
  const run = await runCli(base, root, DELETE, '');
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /baseline: 1 passed, 2 failed/);
  assert.doesNotMatch(lastLine(run.stdout), /passed/);
  assert.match(run.stderr, /! protected paths: spec\/total_spec\.js/);
  assert.equal(await readFile(join(root, 'spec/total_spec.js'), 'utf8'), original);
});

test('cli run --approve auto: a deletion the person lets through leaves a smaller suite that passes only with a', { timeout: 180_000 }, async (t) => {
  // y applies, y includes the protected file; then at the after-tests gate: stdin ends (keep) or a (accept).
  for (const [answers, outcome] of [
    ['y\ny\n', 'stopped'],
    ['y\ny\na\n', 'passed'],
  ] as const) {
    const { base, root } = await project(t, true);
    const run = await runCli(base, root, DELETE, answers);
    assert.match(run.stderr, /warning: The test suite shrank: 2 tests of the pinned suite missing \(pinned at the baseline\): spec\/total_spec.js was deleted or renamed in round 1/, run.stderr);
    assert.match(run.stderr, /a accept the smaller suite/);
    assert.equal(lastLine(run.stdout), `outcome: ${outcome} after 1 rounds`, run.stderr);
    assert.equal(run.code, outcome === 'passed' ? 0 : 1);
    assert.equal(existsSync(join(root, 'spec/total_spec.js')), false);
  }
});
