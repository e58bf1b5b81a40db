import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isGreen, type TestReport } from '../../../src/domain/testReport';
import { createTestRunner, parseRun, type CommandResult } from '../../../src/node/testRunner';
import { assembleReport, parseReport } from '../../../src/testing/parsers/index';
import { fixturesRoot } from './helpers';

// "Passed" needs evidence: at least one test ran, and every report read is whole and
// consistent. Each case here read as green before (0 failed, exit 0).

const run = { command: 'npm test', exitCode: 0, signal: null, durationMs: 5, timedOut: false, cancelled: false, outputHead: '', outputTail: '', droppedBytes: 0 };

function reportOf(format: 'tap' | 'junit', text: string): TestReport {
  return assembleReport({ format, parsed: parseReport(format, text), run, scope: 'full' });
}

const okLines = (count: number) => Array.from({ length: count }, (_, i) => `ok ${i + 1} - test ${i + 1}`).join('\n');

describe('green needs evidence', () => {
  it('no test at all is not green, and says why', () => {
    const report = assembleReport({ format: 'raw', parsed: { tests: [], problems: [] }, run, scope: 'full' });
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /no evidence that any test ran/);
  });

  it('every test skipped is not green', () => {
    const report = reportOf('tap', 'TAP version 13\nok 1 - a # SKIP not today\nok 2 - b # TODO later\n1..2\n');
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /all 2 tests were skipped/);
    assert.deepEqual(report.tests.map((test) => test.skipReason), ['skipped: not today', 'todo: later']);
  });

  it('TAP: a plan of 5 with one ok is a cut-off run', () => {
    const report = reportOf('tap', 'TAP version 13\n1..5\nok 1 - the only one\n');
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /planned 5 tests but reported 1/);
  });

  it('TAP: a trailing plan that does not match is a problem too', () => {
    assert.match(reportOf('tap', `TAP version 13\n${okLines(2)}\n1..3\n`).problems[0]!.message, /planned 3 tests but reported 2/);
  });

  it('TAP: Bail out! is a problem, whatever passed before it', () => {
    const report = reportOf('tap', 'TAP version 13\n1..3\nok 1 - first\nBail out! database unreachable\n');
    assert.equal(isGreen(report), false);
    assert.ok(report.problems.some((problem) => /bailed out: database unreachable/.test(problem.message)));
  });

  it('TAP: no plan at all means the stream was cut off', () => {
    const report = reportOf('tap', `TAP version 13\n${okLines(3)}\n`);
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /no plan/);
  });

  it('TAP: plans met at every level, and two streams one after the other, are fine', () => {
    const nested = ['TAP version 13', '# Subtest: suite', '    # Subtest: a', '    ok 1 - a', '    # Subtest: b', '    ok 2 - b', '    1..2', 'ok 1 - suite', '  ---', '  type: \'suite\'', '  ...', 'ok 2 - c', '1..2', ''].join('\n');
    assert.deepEqual(reportOf('tap', nested).problems, []);
    assert.equal(isGreen(reportOf('tap', nested)), true);
    const twice = `TAP version 13\n${okLines(2)}\n1..2\nTAP version 13\n${okLines(1)}\n1..1\n`;
    assert.deepEqual(reportOf('tap', twice).problems, []);
    assert.match(reportOf('tap', '# Subtest: s\n    1..2\n    ok 1 - a\nok 1 - s\n1..1\n').problems[0]?.message ?? '', /planned 2 tests in a subtest but reported 1/);
  });

  it('JUnit: a truncated report is a problem, not the tests it happened to hold', async () => {
    const whole = await readFile(join(fixturesRoot(), 'captured', 'vitest.xml'), 'utf8');
    for (const cut of [whole.indexOf('</testcase>') + '</testcase>'.length, Math.floor(whole.length / 2), whole.length - 20]) {
      const report = reportOf('junit', whole.slice(0, cut));
      assert.equal(isGreen(report), false, `cut at ${cut}`);
      assert.match(report.problems[0]!.message, /not complete, well-formed XML/, `cut at ${cut}`);
    }
  });

  it('JUnit: counts that do not agree with the elements are a problem', () => {
    const fewer = '<testsuites tests="5"><testsuite name="s" tests="5" failures="0"><testcase name="a" classname="s"/></testsuite></testsuites>';
    assert.match(reportOf('junit', fewer).problems[0]!.message, /declares 5 tests but contains 1/);
    const hidden = '<testsuite name="s" tests="2" failures="2"><testcase name="a" classname="s"/><testcase name="b" classname="s"/></testsuite>';
    const report = reportOf('junit', hidden);
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /declares 2 failing tests but contains 0/);
    // mocha's xunit reporter puts each failure in both counts; that is still consistent.
    const mocha = '<testsuite name="Mocha Tests" tests="2" failures="0" errors="1" skipped="0"><testcase classname="c" name="a"/><testcase classname="c" name="b"><failure>x</failure></testcase></testsuite>';
    assert.deepEqual(reportOf('junit', mocha).problems, []);
  });

  it('JUnit: a report file that is not XML at all reads as a problem, never as 0 failed', () => {
    const result: CommandResult = { ...run, outputLimitHit: false, totalBytes: 0, output: 'some runner chatter\n' };
    const parsed = parseRun(result, { format: 'junit', reportFile: '/tmp/report.xml' }, 'this is not xml {', {});
    const report = assembleReport({ ...parsed, run, scope: 'full' });
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /no evidence that any test ran/);
  });
});

describe('green needs evidence, with the real test runner', () => {
  async function project(files: Record<string, string>, t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'refine-evidence-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), content);
    }
    return root;
  }
  const { NODE_TEST_CONTEXT: _ignored, ...baseEnv } = process.env;

  it('a test script set to `exit 0` is not green', async (t) => {
    const root = await project({ 'package.json': JSON.stringify({ scripts: { test: 'exit 0' } }) }, t);
    const report = await createTestRunner({ root, command: 'npm test', timeoutMs: 30_000, baseEnv }).run({}, AbortSignal.timeout(30_000));
    assert.equal(report.run.exitCode, 0);
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /no evidence that any test ran/);
  });

  it('`node --test` on a folder with no test files (0 tests, exit 0) is not green', async (t) => {
    const root = await project({ 'spec/cart_spec.js': "require('node:test')('x', () => {});\n" }, t);
    const report = await createTestRunner({ root, command: 'node --test spec/', timeoutMs: 30_000, baseEnv }).run({}, AbortSignal.timeout(30_000));
    assert.equal(report.run.exitCode, 0);
    assert.equal(isGreen(report), false);
    assert.match(report.problems[0]!.message, /no evidence that any test ran/);
  });
});

describe('green needs evidence, from a real TAP producer', () => {
  const { NODE_TEST_CONTEXT: _ignored, ...baseEnv } = process.env;
  for (const [name, script, expected] of [
    ['stops after 1 of 5 planned tests', "console.log('TAP version 13\\n1..5\\nok 1 - first')", /planned 5 tests but reported 1/],
    ['bails out', "console.log('TAP version 13\\n1..2\\nok 1 - first\\nBail out! no database')", /bailed out: no database/],
  ] as const) {
    it(`a command whose TAP ${name}, exit 0, is not green`, async (t) => {
      const root = await mkdtemp(join(tmpdir(), 'refine-evidence-'));
      t.after(() => rm(root, { recursive: true, force: true }));
      await writeFile(join(root, 'tap.js'), `${script};\n`);
      const report = await createTestRunner({ root, command: 'node tap.js', timeoutMs: 30_000, baseEnv }).run({}, AbortSignal.timeout(30_000));
      assert.equal(report.format, 'tap');
      assert.equal(report.run.exitCode, 0);
      assert.equal(isGreen(report), false);
      assert.ok(report.problems.some((problem) => expected.test(problem.message)), JSON.stringify(report.problems));
    });
  }
});

describe('Jest/Vitest JSON: declared totals must be there', () => {
  it('fewer results than numTotalTests, or fewer failures than numFailedTests, is a problem', async () => {
    const whole = JSON.parse(await readFile(join(fixturesRoot(), 'captured', 'jest.json'), 'utf8')) as { testResults: { assertionResults: { status: string }[] }[] };
    assert.deepEqual(parseReport('jest-json', JSON.stringify(whole)).problems, []);
    const cut = structuredClone(whole);
    cut.testResults[0]!.assertionResults = cut.testResults[0]!.assertionResults.slice(0, 1);
    const lost = assembleReport({ format: 'jest-json', parsed: parseReport('jest-json', JSON.stringify(cut)), run, scope: 'full' });
    assert.equal(isGreen(lost), false);
    assert.ok(lost.problems.some((problem) => /declares 7 tests but contains 1/.test(problem.message)), JSON.stringify(lost.problems));
    const hidden = structuredClone(whole);
    for (const result of hidden.testResults[0]!.assertionResults) if (result.status === 'failed') result.status = 'passed';
    assert.ok(parseReport('jest-json', JSON.stringify(hidden)).problems.some((problem) => /declares 4 failing tests but contains 0/.test(problem.message)));
  });
});
