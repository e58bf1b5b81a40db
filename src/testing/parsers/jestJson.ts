import type { RunProblem, TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, makeTest, splitErrorType, splitJsError, stripAnsi, workspacePath } from './common';
import { ReportFormatError } from './junit';

// Jest's `--json --outputFile` report; vitest's `--reporter=json` writes the same shape.
// A test file that failed to run (syntax error, missing module) has no assertion
// results and a `message`: a collection problem.

interface Assertion {
  ancestorTitles?: string[];
  title?: string;
  status?: string;
  duration?: number | null;
  failureMessages?: string[];
  failureDetails?: { matcherResult?: { expected?: unknown; actual?: unknown } }[];
  location?: { line?: number; column?: number } | null;
}

interface FileResult {
  name?: string;
  status?: string;
  message?: string;
  failureMessage?: string | null;
  assertionResults?: Assertion[];
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function parseJestJson(input: string, context: ParseContext = {}): ParsedTests {
  let document: { testResults?: FileResult[]; numTotalTests?: unknown; numFailedTests?: unknown };
  try {
    document = JSON.parse(input) as typeof document;
  } catch (error) {
    throw new ReportFormatError(`Not a readable Jest/Vitest JSON report: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(document.testResults)) throw new ReportFormatError('Not a Jest/Vitest JSON report: no "testResults" array.');

  const tests: TestCase[] = [];
  const problems: RunProblem[] = [];
  for (const fileResult of document.testResults) {
    const file = fileResult.name ? workspacePath(fileResult.name, context) : undefined;
    const assertions = fileResult.assertionResults ?? [];
    const fileMessage = stripAnsi(fileResult.message ?? fileResult.failureMessage ?? '').trim();
    if (fileResult.status === 'failed' && assertions.length === 0) {
      const messageLines = fileMessage.split('\n').map((line) => line.replace(/^[\s●]+/, ''));
      const errorLine = messageLines.find((line) => /^(\w+Error|Cannot find module)\b/.test(line));
      const headline = (errorLine ?? messageLines.find((line) => line !== '' && !/^Test suite failed to run$/.test(line)) ?? 'the test file failed to run').replace(context.root ? `${context.root.replace(/\/+$/, '')}/` : '\u0000', '');
      problems.push({ kind: 'collection', message: `${file ?? 'a test file'} failed to run: ${headline}`, ...(file ? { file } : {}), detail: fileMessage });
      continue;
    }
    for (const assertion of assertions) {
      const failed = assertion.status === 'failed';
      const status: TestCase['status'] = failed ? 'failed' : assertion.status === 'passed' ? 'passed' : 'skipped';
      let errorType: string | undefined;
      let message: string | undefined;
      let stack: TestCase['stack'] = [];
      if (failed) {
        const split = splitJsError(assertion.failureMessages?.join('\n') ?? '', context);
        const typed = splitErrorType(split.message);
        errorType = typed.errorType ?? 'Error';
        message = typed.message;
        stack = split.stack;
      }
      const matcher = assertion.failureDetails?.find((detail) => detail?.matcherResult)?.matcherResult;
      tests.push(
        makeTest({
          name: assertion.title ?? '',
          suite: assertion.ancestorTitles ?? [],
          file,
          line: assertion.location?.line ?? undefined,
          status,
          durationMs: assertion.duration ?? undefined,
          errorType,
          message,
          expected: failed ? show(matcher?.expected) : undefined,
          actual: failed ? show(matcher?.actual) : undefined,
          stack,
        }),
      );
    }
    // A file whose tests passed but which failed afterwards (an open handle, a thrown afterAll).
    if (fileResult.status === 'failed' && assertions.every((assertion) => assertion.status !== 'failed') && fileMessage) {
      problems.push({ kind: 'runner', message: `${file ?? 'a test file'} failed outside any test: ${fileMessage.split('\n').find((line) => line.trim() !== '')?.trim() ?? ''}`, ...(file ? { file } : {}), detail: fileMessage });
    }
  }
  // The totals the report declares must be there: fewer results than declared means some were lost.
  const declared = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
  const total = declared(document.numTotalTests);
  const failed = declared(document.numFailedTests);
  if (total !== undefined && tests.length < total) problems.push({ kind: 'runner', message: `The Jest/Vitest JSON report declares ${total} tests but contains ${tests.length}: the report is incomplete.` });
  else if (failed !== undefined && tests.filter((test) => test.status === 'failed').length < failed)
    problems.push({ kind: 'runner', message: `The Jest/Vitest JSON report declares ${failed} failing tests but contains ${tests.filter((test) => test.status === 'failed').length}: the report is inconsistent.` });
  return { tests, problems };
}
