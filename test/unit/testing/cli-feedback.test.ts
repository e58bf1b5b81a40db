import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { fixturesRoot } from './helpers';

// `refine-loop feedback` end to end, in process, on real test runs.

async function cli(args: string[], cwd = tmpdir()): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), readStdin: async () => '', cwd, env: process.env });
  return { code, stdout, stderr };
}

describe('refine-loop feedback', () => {
  it('prints the feedback and exits 1 when tests fail', async () => {
    const result = await cli(['feedback', '--root', join(fixturesRoot(), 'node-test'), '--', 'node --test test/']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^Tests: 4 failed, 2 passed, 1 skipped \(full suite\)\./);
    for (const name of ['subtracts small numbers', 'subtracts larger numbers', 'parses a price without a dollar sign', 'parses a price with cents']) assert.ok(result.stdout.includes(name), name);
    assert.ok(!result.stdout.includes('adds two numbers'));
    assert.match(result.stdout, /> 14 \| {3}return Number\(match\[1\]\);/, 'source lines read from the workspace');
  });

  it('--json prints the TestReport and the feedback; argv after -- runs without a shell', async () => {
    const result = await cli(['feedback', '--json', '--root', join(fixturesRoot(), 'node-test'), '--', 'node', '--test', 'test/']);
    assert.equal(result.code, 1);
    const parsed = JSON.parse(result.stdout) as { report: { format: string; tests: unknown[]; scope: string }; feedback: { text: string; groups: unknown[] } };
    assert.equal(parsed.report.format, 'tap');
    assert.equal(parsed.report.scope, 'full');
    assert.equal(parsed.report.tests.length, 7);
    assert.equal(parsed.feedback.groups.length, 3);
    assert.match(parsed.feedback.text, /<test-output>/);
  });

  it('exits 0 when all tests pass', async () => {
    const root = mkdtempSync(join(tmpdir(), 'refine-green-'));
    try {
      mkdirSync(join(root, 'test'));
      writeFileSync(join(root, 'test', 'ok.test.js'), "require('node:test')('works', () => {});\n");
      const result = await cli(['feedback', '--', 'node --test test/'], root);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /Tests: 0 failed, 1 passed \(full suite\)\.\nNo test failed\./);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exits 1 on a build error, which is not "0 failed"', async () => {
    const result = await cli(['feedback', '--root', join(fixturesRoot(), 'errors', 'node-syntax'), '--', 'node --test test/']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /\[collection error\] test\/broken\.test\.js: test\/broken\.test\.js failed to load: SyntaxError: Unexpected token ';'/);
  });

  it('usage errors exit 2 with a specific message', async () => {
    const none = await cli(['feedback', '--root', join(fixturesRoot(), 'jest')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give the test command after --\. This workspace suggests: refine-loop feedback -- npm test/);
    const unknown = await cli(['feedback', '--fast', '--', 'true']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--fast'/);
    const badNumber = await cli(['feedback', '--max-tokens', 'lots', '--', 'true']);
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.stderr, /--max-tokens needs a positive whole number, got 'lots'/);
  });
});
