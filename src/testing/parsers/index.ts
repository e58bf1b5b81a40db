import { type RunProblem, type TestReport, type TestRun, type reportFormats } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, stripAnsi } from './common';
import { parseGoJson } from './goJson';
import { parseJestJson } from './jestJson';
import { ReportFormatError, parseJunit } from './junit';
import { parseLibtest } from './libtest';
import { parseMochaText } from './mochaText';
import { parsePytestText } from './pytestText';
import { parseTap } from './tap';

// One entry point over the parsers: parse a known format, guess the format of text
// nobody labelled, and assemble a TestReport in which a run that failed without a
// failing test always carries a problem (never "0 failed").

export type ReportFormat = (typeof reportFormats)[number];
export type { ParseContext, ParsedTests };
export { ReportFormatError, parseGoJson, parseJestJson, parseJunit, parseLibtest, parseMochaText, parsePytestText, parseTap };

const parsers: Record<Exclude<ReportFormat, 'raw'>, (text: string, context: ParseContext) => ParsedTests> = {
  tap: parseTap,
  junit: parseJunit,
  'jest-json': parseJestJson,
  'go-json': parseGoJson,
  pytest: parsePytestText,
  libtest: parseLibtest,
  mocha: parseMochaText,
};

/** Parses `text` as `format`. Throws ReportFormatError when the text is not that format at all. */
export function parseReport(format: ReportFormat, text: string, context: ParseContext = {}): ParsedTests {
  if (format === 'raw') return { tests: [], problems: [] };
  return parsers[format](text, context);
}

/** Which format a runner's output is in, from its shape; `raw` when none fits. */
export function detectFormat(text: string): ReportFormat {
  const head = stripAnsi(text.slice(0, 20000)).trimStart();
  if (/^(<\?xml[^>]*>\s*)?<testsuites?\b/.test(head)) return 'junit';
  if (head.startsWith('{') && /"testResults"\s*:/.test(text)) return 'jest-json';
  if (/^\{"(Time|Action|ImportPath)"/m.test(head) || /^FAIL\s+\S+\s+\[(build|setup) failed\]$/m.test(head)) return 'go-json';
  if (/^TAP version \d+/m.test(head) || /^(not )?ok \d+ /m.test(head)) return 'tap';
  if (/^=+ test session starts =+$/m.test(head) || /^=+ (\d+ (passed|failed|errors?)|FAILURES|ERRORS) /m.test(stripAnsi(text))) return 'pytest';
  if (/^running \d+ tests?$/m.test(head) || /^test result: (ok|FAILED)\./m.test(stripAnsi(text)) || /^\s*Compiling \S+ v\d/m.test(head)) return 'libtest';
  if (/^\s+\d+ passing \(\d+m?s\)$/m.test(stripAnsi(text)) || /^\s*Exception during run: /m.test(head)) return 'mocha';
  return 'raw';
}

export interface AssembleInput {
  readonly format: ReportFormat;
  readonly parsed: ParsedTests;
  readonly run: TestRun;
  readonly scope: TestReport['scope'];
}

function lastLines(text: string, count: number): string {
  return stripAnsi(text).trimEnd().split('\n').slice(-count).join('\n');
}

/**
 * The TestReport of one run. Adds the problems a parser cannot see: a timeout, a
 * cancel, and a command that failed while no test failed (a crash, a missing runner,
 * a report nobody could parse).
 */
export function assembleReport({ format, parsed, run, scope }: AssembleInput): TestReport {
  const problems: RunProblem[] = [...parsed.problems];
  const failing = parsed.tests.filter((test) => test.status === 'failed').length;
  const tail = lastLines(run.outputTail || run.outputHead, 40);
  if (run.timedOut) problems.push({ kind: 'timeout', message: `The test command did not finish within its time limit and was stopped (${Math.round(run.durationMs / 1000)} s).`, detail: tail });
  else if (run.cancelled) problems.push({ kind: 'runner', message: 'The test run was cancelled before it finished.', detail: tail });
  else if (run.signal !== null) problems.push({ kind: 'crash', message: `The test command was killed by ${run.signal}.`, detail: tail });
  else if (run.exitCode !== 0 && failing === 0 && problems.length === 0) {
    const notFound = run.exitCode === 127 ? ' (command not found)' : '';
    problems.push({
      kind: 'runner',
      message: `The test command exited with code ${run.exitCode}${notFound} but no failing test was reported${parsed.tests.length === 0 ? ' (no test results could be read)' : ''}.`,
      detail: tail,
    });
  } else if (run.exitCode === 0 && parsed.tests.length === 0 && problems.length === 0) {
    // No evidence is not a pass: an emptied script (`exit 0`) or a runner that found no files looks just like this.
    problems.push({
      kind: 'runner',
      message: format === 'raw' ? 'The test command succeeded but no test results could be read from it: there is no evidence that any test ran.' : 'The test command succeeded but reported no tests at all.',
      detail: tail,
    });
  } else if (run.exitCode === 0 && problems.length === 0 && parsed.tests.every((test) => test.status === 'skipped')) {
    problems.push({ kind: 'runner', message: `The test command succeeded but all ${parsed.tests.length} tests were skipped: no test ran.`, detail: tail });
  }
  return { format, scope, tests: parsed.tests, problems, run };
}
