import type { TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, makeTest, splitErrorType, splitJsError, stripAnsi, workspacePath } from './common';

// Mocha's default `spec` reporter, the fallback when no xunit file was written. The
// listing gives suites (by indentation) and results (`✔ name`, `N) name`, `- name`);
// the numbered failure details after "N failing" give each failure's error and stack.

interface Listed {
  name: string;
  suite: string[];
  status: TestCase['status'];
  number?: number;
}

export function parseMochaText(input: string, context: ParseContext = {}): ParsedTests {
  const lines = stripAnsi(input).replace(/\r\n/g, '\n').split('\n');
  const listed: Listed[] = [];
  const suites: { indent: number; name: string }[] = [];
  const summaryIndex = lines.findIndex((line) => /^\s+\d+ passing\b/.test(line));
  const listingEnd = summaryIndex >= 0 ? summaryIndex : lines.length;

  for (const line of lines.slice(0, listingEnd)) {
    if (line.trim() === '') continue;
    const indent = line.search(/\S/);
    while (suites.length > 0 && suites[suites.length - 1]!.indent >= indent) suites.pop();
    const text = line.trim();
    const passed = /^[✔✓√]\s+(.+?)(?:\s+\(\d+ms\))?$/.exec(text);
    const failed = /^(\d+)\)\s+(.+)$/.exec(text);
    const pending = /^-\s+(.+)$/.exec(text);
    const suite = suites.map((entry) => entry.name);
    if (passed) listed.push({ name: passed[1]!, suite, status: 'passed' });
    else if (failed) listed.push({ name: failed[2]!, suite, status: 'failed', number: Number(failed[1]) });
    else if (pending) listed.push({ name: pending[1]!, suite, status: 'skipped' });
    else suites.push({ indent, name: text });
  }

  // Failure details: "  1) suite\n       name:\n\n      Error: message\n      at …"
  const details = new Map<number, string[]>();
  let current: number | undefined;
  let inTitle = false;
  for (const line of lines.slice(listingEnd)) {
    const header = /^\s{2}(\d+)\) (.*)$/.exec(line);
    if (header) {
      current = Number(header[1]);
      details.set(current, []);
      inTitle = !header[2]!.endsWith(':');
      continue;
    }
    if (current === undefined) continue;
    if (inTitle) {
      if (line.trimEnd().endsWith(':')) inTitle = false;
      continue;
    }
    details.get(current)!.push(line);
  }

  const tests = listed.map((entry) => {
    if (entry.status !== 'failed') return makeTest({ name: entry.name, suite: entry.suite, status: entry.status });
    const body = (details.get(entry.number ?? -1) ?? []).map((line) => line.replace(/^\s{0,6}/, ''));
    // Mocha prints a "+ expected - actual" diff after the message; the message ends before it.
    const diffAt = body.findIndex((line) => /^\+ expected - actual$/.test(line.trim()));
    const withoutDiff = diffAt >= 0 ? [...body.slice(0, diffAt), ...body.slice(diffAt).filter((line) => /^\s*at\s/.test(line))] : body;
    const split = splitJsError(withoutDiff.join('\n'), context);
    const typed = splitErrorType(split.message);
    return makeTest({
      name: entry.name,
      suite: entry.suite,
      status: 'failed',
      errorType: typed.errorType ?? 'Error',
      message: typed.message,
      stack: split.stack,
    });
  });
  // A test file that failed to load stops mocha before any test: "Exception during run: file:line".
  const problems: ParsedTests['problems'] = [];
  const exceptionAt = lines.findIndex((line) => /^\s*Exception during run: /.test(line));
  if (exceptionAt >= 0) {
    const where = /Exception during run: (.+?):(\d+)\s*$/.exec(lines[exceptionAt]!);
    const errorLine = lines.slice(exceptionAt + 1).find((line) => /^\s*[A-Z]\w*(Error|Exception)\b[^:]*:/.test(line))?.trim();
    const file = where ? workspacePath(where[1]!, context) : undefined;
    problems.push({
      kind: 'collection',
      message: `${file ?? 'a test file'} failed to load: ${errorLine ?? lines[exceptionAt]!.trim()}`,
      ...(file ? { file } : {}),
      ...(where ? { line: Number(where[2]) } : {}),
      detail: lines.slice(exceptionAt, exceptionAt + 12).join('\n').trim(),
    });
  }
  return { tests, problems };
}
