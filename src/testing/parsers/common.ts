import type { RunProblem, StackFrame, TestCase } from '../../domain/testReport';

// What every parser shares: the context it parses in, what it returns, and the small
// helpers that turn a runner's paths and stack lines into workspace terms. Pure.

export interface ParseContext {
  /** Absolute path of the workspace folder, so paths can be made workspace-relative. */
  readonly root?: string;
  /** Go: the module path from go.mod, so package import paths map to folders. */
  readonly goModule?: string;
}

/** What a parser found: the tests with their results, and what kept tests from running. */
export interface ParsedTests {
  readonly tests: TestCase[];
  readonly problems: RunProblem[];
}

// Colour and cursor escapes: the one helper in src/domain.
import { stripAnsi } from '../../domain/terminalText';

export { stripAnsi };

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

/**
 * A path as the runner printed it, made workspace-relative when it is inside `root`.
 * `file://` URLs, backslashes and a leading `./` are normalised.
 */
export function workspacePath(raw: string, context: ParseContext): string {
  let path = raw.trim().replace(/^file:\/\//, '').replace(/\\/g, '/');
  if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
  const root = context.root ? trimSlashes(context.root.replace(/\\/g, '/')) : undefined;
  if (root && (path === root || path.startsWith(root + '/'))) path = path.slice(root.length + 1);
  while (path.startsWith('./')) path = path.slice(2);
  return path;
}

const libraryMarkers = [/(^|\/)node_modules\//, /(^|\/)(site|dist)-packages\//, /^node:/, /^internal\//, /^\/rustc\//, /(^|\/)\.cargo\/registry\//, /^\/usr\/(local\/)?lib\//, /(^|\/)go\/pkg\/mod\//, /^<anonymous>$/, /^native$/];

/** True for a path that is the project's own code: relative (inside the workspace) and not a library. */
export function isWorkspaceFile(path: string): boolean {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:\//.test(path) || path.startsWith('..')) return false;
  return !libraryMarkers.some((marker) => marker.test(path));
}

export function frame(raw: string, file: string | undefined, line: number | undefined, column: number | undefined, fn: string | undefined, context: ParseContext): StackFrame {
  const path = file === undefined ? undefined : workspacePath(file, context);
  const result: StackFrame = { raw: raw.trim(), inWorkspace: path !== undefined && isWorkspaceFile(path) };
  if (path !== undefined) result.file = path;
  if (line !== undefined && Number.isFinite(line)) result.line = line;
  if (column !== undefined && Number.isFinite(column)) result.column = column;
  if (fn) result.function = fn;
  return result;
}

// `at fn (file:1:2)`, `at file:1:2`, node:test's TAP `fn (file:1:2)`, vitest's `❯ file:1:2` / `❯ fn file:1:2`.
const jsFrameWithFunction = /^\s*(?:at\s+)?(.+?)\s+\((.+?):(\d+):(\d+)\)\s*$/;
const jsFrameBare = /^\s*at\s+(.+?):(\d+):(\d+)\s*$/;
const vitestFrame = /^\s*❯\s+(?:(\S+)\s+)?(\S+?):(\d+):(\d+)\s*$/;

export function parseJsFrame(line: string, context: ParseContext): StackFrame | undefined {
  let match = vitestFrame.exec(line);
  if (match) return frame(line, match[2], Number(match[3]), Number(match[4]), match[1], context);
  match = jsFrameWithFunction.exec(line);
  if (match && /[/\\.]|^node:|<anonymous>/.test(match[2] ?? '')) return frame(line, match[2], Number(match[3]), Number(match[4]), match[1], context);
  match = jsFrameBare.exec(line);
  if (match) return frame(line, match[1], Number(match[2]), Number(match[3]), undefined, context);
  if (/^\s*at\s+.*\((?:native|<anonymous>)\)\s*$/.test(line) || /^\s*at new Promise/.test(line)) return frame(line, '<anonymous>', undefined, undefined, undefined, context);
  return undefined;
}

/** Splits a JavaScript error text into its message part and its stack frames. */
export function splitJsError(text: string, context: ParseContext): { message: string; stack: StackFrame[] } {
  const messageLines: string[] = [];
  const stack: StackFrame[] = [];
  for (const line of stripAnsi(text).split('\n')) {
    const parsed = /^\s*(at\s|❯\s)/.test(line) ? parseJsFrame(line, context) : undefined;
    if (parsed) stack.push(parsed);
    else if (stack.length === 0) messageLines.push(line);
  }
  return { message: trimBlankLines(messageLines).join('\n'), stack };
}

/** `TypeError: x`, `AssertionError [ERR_ASSERTION]: x` → type and message; otherwise the text as message. */
export function splitErrorType(text: string): { errorType?: string; message: string } {
  const match = /^\s*((?:[A-Z][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception|Failure)|Error)(?:\s+\[[A-Z_0-9]+\])?:\s?([\s\S]*)$/.exec(text);
  if (match) return { errorType: match[1], message: match[2]!.trim() };
  return { message: text.trim() };
}

export function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}

/** Stable across runs: file, suites and name. */
export function testId(file: string | undefined, suite: readonly string[], name: string): string {
  return [file ?? '', [...suite, name].join(' › ')].join('::');
}

/**
 * A test case with its id. Runners that name a test's file only when it fails (node:test's
 * TAP, go, libtest) pass `idFile: undefined` so the id stays the same when it passes.
 */
export function makeTest(fields: Omit<TestCase, 'id' | 'suite' | 'stack'> & { suite?: string[]; stack?: StackFrame[]; idFile?: string }): TestCase {
  const { idFile, ...rest } = fields;
  const suite = rest.suite ?? [];
  const test: TestCase = { ...rest, id: testId('idFile' in fields ? idFile : rest.file, suite, rest.name), suite, stack: rest.stack ?? [] };
  for (const key of Object.keys(test) as (keyof TestCase)[]) if (test[key] === undefined) delete test[key];
  return test;
}

/** The first frame in the project's own code, if any. */
export function topWorkspaceFrame(stack: readonly StackFrame[]): StackFrame | undefined {
  return stack.find((entry) => entry.inWorkspace && entry.file !== undefined);
}
