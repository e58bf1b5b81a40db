import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type TestReport, testReportSchema } from '../../../src/domain/testReport';
import { buildFeedback } from '../../../src/testing/feedback/index';
import { createTestRunner } from '../../../src/node/testRunner';
import { fixturesRoot, repoRoot } from './helpers';

// Each fixture project run by its real runner through createTestRunner, at test time.
// scripts/setup-runners.mjs installs what is missing (idempotent, fast when all is
// there); a runner it cannot install is skipped with the reason printed.

interface Golden {
  tests: { id: string; status: string; message?: string }[];
  problems: { kind: string; message: string }[];
}

const installed = new Map<string, string>();
function setup(): void {
  const result = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'setup-runners.mjs')], { encoding: 'utf8', timeout: 15 * 60_000 });
  for (const line of result.stdout.split('\n')) {
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (match && !match[2]!.startsWith('MISSING')) installed.set(match[1]!, match[2]!);
  }
}

function pytestCommand(): string {
  const python = /\((.+)\)$/.exec(installed.get('pytest') ?? '')?.[1] ?? 'python3';
  return `${python} -m pytest`;
}

function skipUnless(runner: string): string | false {
  if (installed.size === 0) setup();
  if (installed.has(runner)) return false;
  const reason = `${runner} is not installed and scripts/setup-runners.mjs could not install it here`;
  process.stderr.write(`SKIP: ${reason}\n`);
  return reason;
}

function golden(name: string): Golden {
  return JSON.parse(readFileSync(join(fixturesRoot(), 'golden', `${name}.json`), 'utf8')) as Golden;
}

function failingOf(report: TestReport | Golden): [string, string | undefined][] {
  return report.tests
    .filter((test) => test.status === 'failed')
    .map((test): [string, string | undefined] => [test.id, test.message])
    .sort();
}

const signal = new AbortController().signal;

// folder, runner for setup, command, golden of the format the runner asks for
const suites: [string, string, () => string, string][] = [
  ['node-test', 'node:test', () => 'npm test', 'node-test'],
  ['mocha', 'mocha', () => 'npm test', 'mocha-xunit'],
  ['jest', 'jest', () => 'npm test', 'jest'],
  ['vitest', 'vitest', () => 'npm test', 'vitest'],
  ['pytest', 'pytest', pytestCommand, 'pytest'],
  ['go', 'go', () => 'go test ./...', 'go'],
  ['cargo', 'cargo', () => 'cargo test', 'cargo'],
];

/** Rust before 1.73 words its panics differently: Debian's cargo 1.63 has its own golden file. */
function goldenFor(name: string): string {
  const version = /^cargo (\d+)\.(\d+)/.exec(installed.get('cargo') ?? '');
  return name === 'cargo' && version && Number(version[1]) === 1 && Number(version[2]) < 73 ? 'cargo-debian' : name;
}

describe('real runners on the fixture projects', () => {
  before(() => setup());

  for (const [folder, runner, command, goldenName] of suites) {
    it(`${folder}: the report lists exactly the fixture's failing tests with their messages`, { skip: skipUnless(runner) }, async () => {
      const root = join(fixturesRoot(), folder);
      const report = await createTestRunner({ root, command: command(), timeoutMs: 300_000 }).run({}, signal);
      const expected = golden(goldenFor(goldenName));
      assert.equal(report.scope, 'full');
      assert.deepEqual(testReportSchema.parse(report), report, 'the report is valid by the shared schema');
      assert.deepEqual(report.problems.map((problem) => [problem.kind, problem.message]), expected.problems.map((problem) => [problem.kind, problem.message]));
      assert.deepEqual(failingOf(report), failingOf(expected));
      assert.deepEqual(report.tests.map((test) => [test.id, test.status]).sort(), expected.tests.map((test) => [test.id, test.status]).sort());
      assert.notEqual(report.run.exitCode, 0);

      const feedback = buildFeedback({ report, maxTokens: 6000, root });
      for (const test of report.tests) {
        if (test.status === 'failed') assert.ok(feedback.text.includes(test.name), `feedback names ${test.name}`);
        if (test.status === 'passed') assert.ok(!feedback.text.includes(test.name), `feedback does not name passing ${test.name}`);
      }
    });

    it(`${folder}: failing-first runs only the previous failures and says so`, { skip: skipUnless(runner) }, async () => {
      const root = join(fixturesRoot(), folder);
      const expected = golden(goldenFor(goldenName));
      const previousFailing = expected.tests.filter((test) => test.status === 'failed').map((test) => test.id);
      const full = await createTestRunner({ root, command: command(), timeoutMs: 300_000 }).run({}, signal);
      const failing = full.tests.filter((test) => test.status === 'failed');
      const report = await createTestRunner({ root, command: command(), timeoutMs: 300_000 }).run({ failingFirst: failing }, signal);
      assert.equal(report.scope, 'selected');
      assert.deepEqual(report.tests.filter((test) => test.status === 'failed').map((test) => test.id).sort(), [...previousFailing].sort());
      const passedNames = report.tests.filter((test) => test.status === 'passed').map((test) => test.name);
      assert.deepEqual(passedNames, [], 'no passing test ran');
    });
  }

  const errorCases: [string, string, () => string, string][] = [
    ['errors/node-syntax', 'node:test', () => 'node --test test/', 'collection'],
    ['errors/mocha-syntax', 'mocha', () => 'npm test', 'collection'],
    ['errors/jest-syntax', 'jest', () => `${join(fixturesRoot(), 'node_modules', '.bin', 'jest')}`, 'collection'],
    ['errors/vitest-syntax', 'vitest', () => `${join(fixturesRoot(), 'node_modules', '.bin', 'vitest')} run`, 'collection'],
    ['errors/pytest-collect', 'pytest', pytestCommand, 'collection'],
    ['errors/go-build', 'go', () => 'go test ./...', 'build'],
    ['errors/cargo-build', 'cargo', () => 'cargo test', 'build'],
  ];
  for (const [folder, runner, command, kind] of errorCases) {
    it(`${folder}: a ${kind} error is a problem, never "0 failed"`, { skip: skipUnless(runner) }, async () => {
      const report = await createTestRunner({ root: join(fixturesRoot(), folder), command: command(), timeoutMs: 300_000 }).run({}, signal);
      assert.ok(report.problems.some((problem) => problem.kind === kind), JSON.stringify(report.problems));
      testReportSchema.parse(report);
      assert.ok(report.problems.every((problem) => !problem.message.includes(fixturesRoot())), 'paths are workspace-relative');
      const feedback = buildFeedback({ report, maxTokens: 6000 });
      assert.match(feedback.summaryLine, /kept tests from running/);
    });
  }
});

describe('failing-first when the failures are fixed', () => {
  it('runs the full suite after the selected tests pass, and only that counts as full', async () => {
    const root = mkdtempSync(join(tmpdir(), 'refine-fixed-'));
    try {
      cpSync(join(fixturesRoot(), 'node-test'), root, { recursive: true });
      const source = join(root, 'src', 'calc.js');
      const runner = createTestRunner({ root, command: 'node --test test/', timeoutMs: 120_000 });
      const first = await runner.run({}, signal);
      const subtractFailures = first.tests.filter((test) => test.status === 'failed' && test.name.startsWith('subtracts'));
      assert.equal(subtractFailures.length, 2);
      // Fix subtract only: the selected tests pass, so the full suite runs and still shows the price bug.
      writeFileSync(source, readFileSync(source, 'utf8').replace('function subtract(a, b) {\n  return a + b;', 'function subtract(a, b) {\n  return a - b;'));
      const outputs: string[] = [];
      const second = await runner.run({ failingFirst: subtractFailures }, signal, (chunk) => outputs.push(chunk));
      assert.equal(second.scope, 'full');
      assert.equal(second.tests.length, first.tests.length);
      assert.deepEqual(second.tests.filter((test) => test.status === 'failed').map((test) => test.name).sort(), ['parses a price with cents', 'parses a price without a dollar sign']);
      assert.ok(outputs.join('').length > 0, 'output was streamed');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('falls back to the full suite when the selected names match nothing', async () => {
    const root = join(fixturesRoot(), 'node-test');
    const runner = createTestRunner({ root, command: 'node --test test/', timeoutMs: 120_000 });
    const first = await runner.run({}, signal);
    const renamed = first.tests.filter((test) => test.status === 'failed').map((test) => ({ ...test, name: `${test.name} (renamed since)` }));
    const report = await runner.run({ failingFirst: renamed }, signal);
    assert.equal(report.scope, 'full');
    assert.equal(report.tests.length, first.tests.length);
  });
});

describe('runs that cannot run', () => {
  it('a missing command is a runner problem with the shell\'s message', async () => {
    const report = await createTestRunner({ root: tmpdir(), command: 'refine-loop-no-such-runner --all', timeoutMs: 20_000 }).run({}, signal);
    assert.equal(report.problems[0]?.kind, 'runner');
    assert.match(report.problems[0]!.message, /exited with code 127 \(command not found\)/);
    assert.match(report.problems[0]!.detail ?? '', /not found/);
  });

  it('a timeout is a timeout problem', async () => {
    const report = await createTestRunner({ root: tmpdir(), command: ['sleep', '20'], timeoutMs: 500 }).run({}, signal);
    assert.equal(report.run.timedOut, true);
    assert.equal(report.problems[0]?.kind, 'timeout');
  });
});
