import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ParsedTests } from '../../../src/testing/parsers/index';
import { ReportFormatError, assembleReport, detectFormat, parseReport } from '../../../src/testing/parsers/index';
import { isGreen } from '../../../src/domain/testReport';
import { capturedSamples, fixturesRoot } from './helpers';

// Every parser against output captured from the real runner (test/fixtures/runners/
// captured, made by capture.mjs), compared with a golden file of what it must find.
// REFINE_UPDATE_GOLDENS=1 rewrites the goldens; review their diff before committing.

function topFrame(stack: ParsedTests['tests'][number]['stack']): { topFrame?: string } {
  const frame = stack.find((entry) => entry.inWorkspace);
  return frame ? { topFrame: `${frame.file}:${frame.line}` } : {};
}

/** The part of a parse result the goldens pin: identity, outcome, and the failure's type, message and place. */
export function goldenView(parsed: ParsedTests): unknown {
  return {
    tests: parsed.tests.map((test) => ({
      id: test.id,
      status: test.status,
      ...(test.file !== undefined ? { file: test.file } : {}),
      ...(test.line !== undefined ? { line: test.line } : {}),
      ...(test.errorType !== undefined ? { errorType: test.errorType } : {}),
      ...(test.message !== undefined ? { message: test.message } : {}),
      ...(test.expected !== undefined ? { expected: test.expected } : {}),
      ...(test.actual !== undefined ? { actual: test.actual } : {}),
      ...topFrame(test.stack),
    })),
    problems: parsed.problems.map((problem) => ({ kind: problem.kind, message: problem.message, ...(problem.file !== undefined ? { file: problem.file } : {}), ...(problem.line !== undefined ? { line: problem.line } : {}) })),
  };
}

describe('parsers on captured runner output', () => {
  const samples = capturedSamples();
  it('has a sample of every format', () => {
    assert.deepEqual([...new Set(samples.map((sample) => sample.format))].sort(), ['go-json', 'jest-json', 'junit', 'libtest', 'mocha', 'pytest', 'tap']);
  });
  for (const sample of samples) {
    it(`${sample.name} (${sample.format}) matches its golden file`, () => {
      const text = readFileSync(join(fixturesRoot(), 'captured', sample.file), 'utf8');
      const parsed = parseReport(sample.format, text, { root: sample.root, goModule: sample.folder.endsWith('go-build') ? 'example.com/broken' : 'example.com/calc' });
      const goldenPath = join(fixturesRoot(), 'golden', `${sample.name}.json`);
      const actual = goldenView(parsed);
      if (process.env.REFINE_UPDATE_GOLDENS === '1' || !existsSync(goldenPath)) {
        if (process.env.REFINE_UPDATE_GOLDENS !== '1') assert.fail(`no golden file ${goldenPath}; run with REFINE_UPDATE_GOLDENS=1 and review it`);
        writeFileSync(goldenPath, JSON.stringify(actual, null, 2) + '\n');
      }
      assert.deepEqual(actual, JSON.parse(readFileSync(goldenPath, 'utf8')));
    });
    it(`${sample.name}: the format is recognised from the text alone`, () => {
      const text = readFileSync(join(fixturesRoot(), 'captured', sample.file), 'utf8');
      assert.equal(detectFormat(text), sample.format);
    });
  }
  it('a build or collection error sample never reads as zero failures with nothing wrong', () => {
    for (const sample of samples.filter((entry) => /error/.test(entry.name))) {
      const parsed = parseReport(sample.format, readFileSync(join(fixturesRoot(), 'captured', sample.file), 'utf8'), { root: sample.root });
      assert.ok(parsed.problems.length > 0, `${sample.name} has no problem`);
      assert.ok(parsed.problems.every((problem) => problem.kind === 'build' || problem.kind === 'collection'), sample.name);
    }
  });
});

describe('parsers on bad input', () => {
  it('JUnit: text that is not a report is a specific error', () => {
    assert.throws(() => parseReport('junit', '<html><body>502 Bad Gateway</body></html>'), (error: unknown) => error instanceof ReportFormatError && /no <testsuites> or <testsuite>/.test(error.message));
  });
  it('Jest JSON: broken JSON is a specific error', () => {
    assert.throws(() => parseReport('jest-json', '{"testResults": ['), (error: unknown) => error instanceof ReportFormatError && /Not a readable Jest\/Vitest JSON report/.test(error.message));
    assert.throws(() => parseReport('jest-json', '{"results": []}'), /no "testResults" array/);
  });
  it('unrecognised text is raw', () => {
    assert.equal(detectFormat('make: *** No rule to make target test. Stop.\n'), 'raw');
    assert.deepEqual(parseReport('raw', 'anything'), { tests: [], problems: [] });
  });
  it('go: a package that fails outside any test is a crash', () => {
    const lines = [
      { Action: 'start', Package: 'example.com/x' },
      { Action: 'output', Package: 'example.com/x', Output: 'panic: init failed\n' },
      { Action: 'output', Package: 'example.com/x', Output: 'FAIL\texample.com/x\t0.01s\n' },
      { Action: 'fail', Package: 'example.com/x', Elapsed: 0.01 },
    ];
    const parsed = parseReport('go-json', lines.map((line) => JSON.stringify(line)).join('\n'));
    assert.equal(parsed.tests.length, 0);
    assert.equal(parsed.problems[0]?.kind, 'crash');
    assert.match(parsed.problems[0]!.message, /panic: init failed/);
  });
  it('TAP: ANSI colour codes do not reach names or messages', () => {
    const parsed = parseReport('tap', 'TAP version 13\n\u001b[31mnot ok 1 - red test\u001b[0m\n  ---\n  error: "boom"\n  ...\n1..1\n');
    assert.equal(parsed.tests[0]?.name, 'red test');
    assert.equal(parsed.tests[0]?.message, 'boom');
  });
});

describe('assembleReport: what the parser cannot see', () => {
  const run = { command: 'x', exitCode: 0, signal: null, durationMs: 5, timedOut: false, cancelled: false, outputHead: 'some output', outputTail: '', droppedBytes: 0 };
  const passing = { tests: [{ id: 'a', name: 'a', suite: [], status: 'passed' as const, stack: [] }], problems: [] };
  const table: [string, Parameters<typeof assembleReport>[0], string | undefined, boolean][] = [
    ['a clean pass is green', { format: 'tap', parsed: passing, run, scope: 'full' }, undefined, true],
    ['a pass of only the selected tests is not green', { format: 'tap', parsed: passing, run, scope: 'selected' }, undefined, false],
    ['exit 1 with nothing failing is a runner problem', { format: 'tap', parsed: passing, run: { ...run, exitCode: 1 }, scope: 'full' }, 'runner', false],
    ['exit 127 says the command was not found', { format: 'raw', parsed: { tests: [], problems: [] }, run: { ...run, exitCode: 127 }, scope: 'full' }, 'runner', false],
    ['a known format with no tests at all is a problem', { format: 'junit', parsed: { tests: [], problems: [] }, run, scope: 'full' }, 'runner', false],
    ['a timeout is a timeout', { format: 'tap', parsed: passing, run: { ...run, exitCode: null, timedOut: true }, scope: 'full' }, 'timeout', false],
    ['a kill by signal is a crash', { format: 'tap', parsed: passing, run: { ...run, exitCode: null, signal: 'SIGSEGV' }, scope: 'full' }, 'crash', false],
  ];
  for (const [name, input, problem, green] of table) {
    it(name, () => {
      const report = assembleReport(input);
      assert.equal(report.problems[0]?.kind, problem);
      assert.equal(isGreen(report), green);
    });
  }
  it('names exit code 127 as command not found', () => {
    const report = assembleReport({ format: 'raw', parsed: { tests: [], problems: [] }, run: { ...run, exitCode: 127 }, scope: 'full' });
    assert.match(report.problems[0]!.message, /exited with code 127 \(command not found\) but no failing test was reported \(no test results could be read\)/);
  });
});
