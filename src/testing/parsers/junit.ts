import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { RunProblem, StackFrame, TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, frame, makeTest, parseJsFrame, splitErrorType, splitJsError, stripAnsi, trimBlankLines, workspacePath } from './common';

// JUnit XML as pytest (--junitxml), vitest and jest's junit reporters, mocha's xunit
// reporter, Maven Surefire and nextest write it. The dialects differ in where the file
// and the suite path live; each is read from where its writer puts it.

type Node = Record<string, unknown>;

const arrays = new Set(['testsuites.testsuite', 'testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err']);

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => arrays.has(name),
});

export class ReportFormatError extends Error {}

function text(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && '#text' in node) return String((node as Node)['#text']);
  return '';
}

function attr(node: Node, name: string): string | undefined {
  const value = node[name];
  return typeof value === 'string' ? value : undefined;
}

function list(node: Node, name: string): Node[] {
  const value = node[name];
  if (Array.isArray(value)) return value.map((entry) => (typeof entry === 'object' && entry !== null ? (entry as Node) : { '#text': String(entry) }));
  return [];
}

/** Stack frames of any of the languages whose runners write JUnit: JS, Python (pytest's `file:line: Error`), Java. */
function frames(body: string, context: ParseContext): StackFrame[] {
  const result: StackFrame[] = [];
  for (const line of body.split('\n')) {
    const js = /^\s*(at\s|❯\s)/.test(line) ? parseJsFrame(line, context) : undefined;
    if (js) {
      result.push(js);
      continue;
    }
    const pytest = /^([^\s:][^:]*\.py):(\d+):(?: in (\S+)|\s*\w*(?:Error|Exception)?\s*$)/.exec(line);
    if (pytest) {
      result.push(frame(line, pytest[1], Number(pytest[2]), undefined, pytest[3], context));
      continue;
    }
    const java = /^\s*at\s+([\w$.<>]+)\(([\w$]+\.(?:java|kt|scala)):(\d+)\)/.exec(line);
    if (java) result.push(frame(line, java[2], Number(java[3]), undefined, java[1], context));
  }
  // pytest prints the outermost frame first; a traceback's innermost call is where it broke.
  if (result.some((entry) => /\.py$/.test(entry.file ?? ''))) result.reverse();
  return result;
}

/** A pytest classname `tests.test_ops.TestMultiply` → `tests/test_ops.py` and suite `TestMultiply`, when the body confirms the file. */
function pytestLocation(classname: string, body: string): { file?: string; suite: string[] } {
  const parts = classname.split('.');
  for (let cut = parts.length; cut > 0; cut--) {
    const file = parts.slice(0, cut).join('/') + '.py';
    if (body.includes(file) || /^[a-z_][\w]*$/.test(parts[cut - 1]!)) return { file, suite: parts.slice(cut) };
  }
  return { suite: [classname] };
}

/** Attribute values as numbers, or undefined when they are not (writers put odd things there). */
function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function seconds(value: string | undefined): number | undefined {
  const number = value === undefined ? NaN : Number(value.replace(/,/g, ''));
  return Number.isFinite(number) ? Math.round(number * 1000) : undefined;
}

function looksLikePath(value: string): boolean {
  return /[/\\]/.test(value) || /\.(m?[jt]sx?|cjs|mts|cts|py|go|rs|java)$/.test(value);
}

interface Outcome {
  status: TestCase['status'];
  element?: 'failure' | 'error';
  message?: string;
  type?: string;
  body?: string;
}

function outcome(testcase: Node): Outcome {
  for (const element of ['failure', 'error'] as const) {
    const found = list(testcase, element)[0];
    if (found) return { status: 'failed', element, message: attr(found, 'message'), type: attr(found, 'type'), body: text(found) };
  }
  if (list(testcase, 'skipped').length > 0) return { status: 'skipped' };
  return { status: 'passed' };
}

/** A report that is not whole XML (cut off, edited, two writers at once) is not evidence of anything. */
function xmlError(input: string): string | undefined {
  const checked = XMLValidator.validate(input);
  if (checked === true) return undefined;
  return checked.err.line !== undefined ? `line ${checked.err.line}: ${checked.err.msg}` : checked.err.msg;
}

/** The counts a report declares, against the elements it holds: fewer tests or failures than declared means some were lost. */
function countProblems(root: Node, suites: readonly Node[]): RunProblem[] {
  const problems: RunProblem[] = [];
  const tally = (node: Node): { tests: number; failing: number } => {
    let tests = 0;
    let failing = 0;
    for (const testcase of list(node, 'testcase')) {
      tests++;
      if (list(testcase, 'failure').length > 0 || list(testcase, 'error').length > 0) failing++;
    }
    for (const suite of list(node, 'testsuite')) {
      const inner = tally(suite);
      tests += inner.tests;
      failing += inner.failing;
    }
    return { tests, failing };
  };
  for (const node of [root, ...suites]) {
    const declaredTests = integer(attr(node, 'tests'));
    // Writers disagree on failures vs errors (mocha's xunit puts every failure in both): the larger is the floor.
    const declaredFailing = Math.max(integer(attr(node, 'failures')) ?? 0, integer(attr(node, 'errors')) ?? 0);
    if (declaredTests === undefined && declaredFailing === 0) continue;
    const found = tally(node);
    const name = node === root ? 'The JUnit report' : `Suite "${attr(node, 'name') ?? ''}" of the JUnit report`;
    if (declaredTests !== undefined && found.tests < declaredTests) problems.push({ kind: 'runner', message: `${name} declares ${declaredTests} tests but contains ${found.tests}: the report is incomplete.` });
    else if (found.failing < declaredFailing) problems.push({ kind: 'runner', message: `${name} declares ${declaredFailing} failing tests but contains ${found.failing}: the report is inconsistent.` });
  }
  return problems;
}

export function parseJunit(input: string, context: ParseContext = {}): ParsedTests {
  const clean = stripAnsi(input);
  const invalid = xmlError(clean);
  if (invalid !== undefined && !/<testsuites?[\s>]/.test(clean)) throw new ReportFormatError(`Not a readable JUnit XML report: ${invalid}`);
  const damage: RunProblem | undefined =
    invalid === undefined ? undefined : { kind: 'runner', message: `The JUnit report is not complete, well-formed XML (${invalid}): it was cut off or damaged, so its results cannot be trusted.` };
  let document: Node;
  try {
    document = xml.parse(clean) as Node;
  } catch (error) {
    if (damage) return { tests: [], problems: [damage] };
    throw new ReportFormatError(`Not a readable JUnit XML report: ${error instanceof Error ? error.message : String(error)}`);
  }
  const suites: Node[] = [];
  const collect = (node: Node): void => {
    for (const suite of list(node, 'testsuite')) {
      suites.push(suite);
      collect(suite);
    }
  };
  const root = (document.testsuites as Node | undefined) ?? document;
  collect(root);
  if (suites.length === 0 && !document.testsuites) throw new ReportFormatError('Not a JUnit XML report: no <testsuites> or <testsuite> element.');

  // pytest names the module in `classname` (`tests.test_ops.TestClass`), not the file.
  const pytestDialect = suites.some((suite) => attr(suite, 'name') === 'pytest') || /^[^\s:]+\.py:\d+: \w+$/m.test(input);
  const tests: TestCase[] = [];
  const problems: RunProblem[] = damage ? [damage] : countProblems(root, suites);
  for (const suite of suites) {
    const suiteName = attr(suite, 'name') ?? '';
    for (const testcase of list(suite, 'testcase')) {
      const classname = attr(testcase, 'classname') ?? '';
      const rawName = attr(testcase, 'name') ?? '';
      const result = outcome(testcase);
      const body = stripAnsi(result.body ?? '').replace(/\r\n/g, '\n');

      // Where the file and suite path live differs per writer.
      let file = attr(testcase, 'file');
      let suitePath: string[] = [];
      let name = rawName;
      if (rawName.includes(' > ') && (looksLikePath(classname) || looksLikePath(suiteName))) {
        // vitest / jest-junit: classname or suite is the file, name is "describe > test".
        const parts = rawName.split(' > ');
        name = parts.pop()!;
        suitePath = parts;
        file ??= looksLikePath(classname) ? classname : suiteName;
      } else if (classname === rawName && classname !== '') {
        // jest-junit: classname and name are both "describe title"; the suite element is the describe.
        if (suiteName && rawName.startsWith(`${suiteName} `)) {
          suitePath = [suiteName];
          name = rawName.slice(suiteName.length + 1);
        }
      } else if (looksLikePath(classname)) {
        file ??= classname;
      } else if (file === undefined && pytestDialect && /^[\w.]+$/.test(classname)) {
        const located = pytestLocation(classname, body);
        file = located.file;
        suitePath = located.suite;
      } else if (classname !== '') {
        suitePath = [classname];
      }
      const relative = file === undefined ? undefined : workspacePath(file, context);

      // A file that could not be collected or compiled is not a failed test.
      const collectionFailure =
        (result.element === 'error' && /collection failure|error collecting/i.test(result.message ?? '')) ||
        (result.status === 'failed' && (rawName === classname || looksLikePath(rawName)) && /SyntaxError|RollupError|Parse failure|Failed to load|Cannot find module|ImportError/.test(body + (result.type ?? '')));
      if (collectionFailure) {
        const headline = body.split('\n').find((line) => /^E\s+\w*(Error|Exception)/.test(line))?.replace(/^E\s+/, '') ?? (result.message ?? body.split('\n')[0] ?? 'collection failed').split('\n')[0]!;
        const where = relative ?? (rawName.includes('.') && !rawName.includes('/') ? rawName.replace(/\./g, '/') + '.py' : workspacePath(rawName, context));
        problems.push({ kind: 'collection', message: `${where} could not be collected: ${headline.trim()}`, file: where, detail: body.trim() });
        continue;
      }

      let errorType = result.type;
      let message = result.message;
      if (result.status === 'failed') {
        const errorLine = body.split('\n').find((line) => /^\s*(?:(?:[A-Z][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception)|Error)(?:\s+\[[A-Z_0-9]+\])?:/.test(line));
        const pytestTypeLine = /^[^\s:][^:]*\.py:\d+: (\w+)\s*$/m.exec(body);
        if (!errorType && errorLine) errorType = splitErrorType(errorLine).errorType;
        if (!errorType && pytestTypeLine) errorType = pytestTypeLine[1];
        if (errorType?.includes('.')) errorType = errorType.split('.').pop();
        if (!message) message = errorLine ? splitErrorType(splitJsError(body.slice(body.indexOf(errorLine)), context).message).message : trimBlankLines(body.split('\n'))[0];
        // pytest repeats "ErrorType: " inside the message attribute.
        if (message && errorType && message.startsWith(`${errorType}: `)) message = message.slice(errorType.length + 2);
      }
      const stack = result.status === 'failed' ? frames(body, context) : [];
      // vitest's diff of one-line values: "- Expected\n+ Received\n\n- 2\n+ 8".
      const diff = /^- Expected\n\+ Received\n\n- (.*)\n\+ (.*)\n(?:\n|\s*$)/m.exec(body);
      tests.push(
        makeTest({
          name,
          suite: suitePath,
          file: relative,
          line: integer(attr(testcase, 'line')),
          status: result.status,
          durationMs: seconds(attr(testcase, 'time')),
          errorType: result.status === 'failed' ? (errorType ?? (result.element === 'error' ? 'Error' : 'AssertionError')) : undefined,
          message: message?.trim(),
          ...(diff ? { expected: diff[1], actual: diff[2] } : {}),
          stack,
        }),
      );
    }
  }
  return { tests, problems };
}
