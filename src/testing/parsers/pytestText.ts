import type { RunProblem, StackFrame, TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, frame, makeTest, stripAnsi } from './common';

// pytest's terminal output, the fallback when no --junitxml report was written. The
// FAILURES sections give each failure's `E` lines and `file:line: ErrorType`; the
// short summary (`FAILED id - msg`) and verbose lines (`id PASSED`) give node ids.
// Collection errors ("ERROR collecting x.py") are problems, never "0 failed".

function nodeIdParts(nodeId: string): { file?: string; suite: string[]; name: string } {
  const parts = nodeId.split('::');
  const name = parts.pop() ?? nodeId;
  const file = parts.shift();
  return { ...(file ? { file } : {}), suite: parts, name };
}

interface Section {
  title: string;
  lines: string[];
}

function sections(lines: readonly string[], heading: RegExp): Section[] {
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return [];
  const result: Section[] = [];
  for (let index = start + 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^={5,} .* ={5,}$/.test(line) || /^-+ generated xml file/.test(line)) break;
    const header = /^_{3,} (.+?) _{3,}$/.exec(line);
    if (header) result.push({ title: header[1]!, lines: [] });
    else result[result.length - 1]?.lines.push(line);
  }
  return result;
}

function failureDetail(section: Section, context: ParseContext): { errorType?: string; message?: string; stack: StackFrame[]; file?: string; line?: number } {
  const stack: StackFrame[] = [];
  let errorType: string | undefined;
  for (const line of section.lines) {
    const location = /^([^\s:][^:]*\.py):(\d+):(?: in (\S+)|\s*(\w+)?\s*$)/.exec(line);
    if (location) {
      stack.unshift(frame(line, location[1], Number(location[2]), undefined, location[3], context));
      if (location[4]) errorType = location[4];
    }
  }
  const eLines = section.lines.filter((line) => /^E\s/.test(line)).map((line) => line.replace(/^E\s{1,7}/, ''));
  let message = eLines.join('\n').trim();
  const typed = /^(\w+(?:Error|Exception|Exit|Interrupt)): ([\s\S]*)$/.exec(message);
  if (typed) {
    errorType ??= typed[1];
    if (typed[1] === errorType) message = typed[2]!;
  }
  const testFrame = stack.find((entry) => entry.inWorkspace && /(^|\/)(test_[^/]*|[^/]*_test)\.py$/.test(entry.file ?? '')) ?? stack[stack.length - 1];
  return { errorType, message: message || undefined, stack, file: testFrame?.file, line: testFrame?.line };
}

export function parsePytestText(input: string, context: ParseContext = {}): ParsedTests {
  const lines = stripAnsi(input).replace(/\r\n/g, '\n').split('\n');
  const statuses = new Map<string, TestCase['status']>();
  const summaryMessages = new Map<string, string>();
  const problems: RunProblem[] = [];

  for (const line of lines) {
    // -v: "tests/test_x.py::test_a PASSED   [ 20%]"
    const verbose = /^(\S+::\S+)\s+(PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR)\b/.exec(line);
    if (verbose) statuses.set(verbose[1]!, verbose[2] === 'PASSED' || verbose[2] === 'XFAIL' || verbose[2] === 'XPASS' ? 'passed' : verbose[2] === 'SKIPPED' ? 'skipped' : 'failed');
    // short summary: "FAILED tests/test_x.py::test_a - assert 1 == 2", "PASSED id" with -rA
    const summary = /^(FAILED|ERROR|PASSED|SKIPPED|XFAIL|XPASS) (\S+::\S+)(?: - (.*))?$/.exec(line);
    if (summary) {
      statuses.set(summary[2]!, summary[1] === 'FAILED' || summary[1] === 'ERROR' ? 'failed' : summary[1] === 'SKIPPED' ? 'skipped' : 'passed');
      if (summary[3]) summaryMessages.set(summary[2]!, summary[3]);
    }
  }

  // Failure details, keyed by the section title (the test's name, "Class.test" or "test[param]").
  const details = new Map<string, Section>();
  for (const section of sections(lines, /^={5,} FAILURES ={5,}$/)) details.set(section.title, section);

  for (const section of sections(lines, /^={5,} ERRORS ={5,}$/)) {
    const collecting = /^ERROR collecting (.+)$/.exec(section.title);
    const eLine = section.lines.find((line) => /^E\s/.test(line))?.replace(/^E\s+/, '') ?? section.lines.find((line) => line.trim() !== '')?.trim() ?? 'error';
    if (collecting) {
      problems.push({ kind: 'collection', message: `${collecting[1]} could not be collected: ${eLine}`, file: collecting[1]!, detail: section.lines.join('\n').trim() });
    } else {
      // "ERROR at setup of test_x": the test errored in a fixture; it counts as failed.
      const test = /^ERROR at (?:setup|teardown) of (.+)$/.exec(section.title)?.[1];
      if (test) details.set(test, section);
    }
  }
  if (problems.length === 0 && /Interrupted: \d+ errors? during collection/.test(input)) {
    problems.push({ kind: 'collection', message: 'pytest stopped during collection', detail: lines.filter((line) => /^ERROR /.test(line)).join('\n') });
  }
  for (const line of lines) {
    const usage = /^(ERROR: .*|error: .*)$/.exec(line);
    if (usage && !/^ERROR \S+::/.test(line) && !line.startsWith('ERROR collecting')) problems.push({ kind: 'runner', message: usage[1]! });
  }

  const tests: TestCase[] = [];
  for (const [nodeId, status] of statuses) {
    const { file, suite, name } = nodeIdParts(nodeId);
    const key = [...suite, name].join('.');
    const section = details.get(key) ?? details.get(name);
    const detail = status === 'failed' && section ? failureDetail(section, context) : undefined;
    tests.push(
      makeTest({
        name,
        suite,
        file,
        line: detail?.file === file ? detail?.line : undefined,
        status,
        errorType: status === 'failed' ? (detail?.errorType ?? 'AssertionError') : undefined,
        message: status === 'failed' ? (detail?.message ?? summaryMessages.get(nodeId)) : undefined,
        stack: detail?.stack ?? [],
      }),
    );
  }
  return { tests, problems };
}
