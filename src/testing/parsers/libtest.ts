import type { RunProblem, StackFrame, TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, frame, makeTest, stripAnsi } from './common';

// `cargo test` output: libtest's `test name ... ok|FAILED|ignored` lines, the captured
// stdout of each failure (`---- name stdout ----`) with its panic message and location,
// and, before any test runs, rustc's errors (`error[E0308]: …` then `--> file:line:col`),
// which are build problems.

function rustBacktrace(lines: readonly string[], context: ParseContext): StackFrame[] {
  const frames: StackFrame[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fn = /^\s*\d+: (.+)$/.exec(lines[index]!);
    const at = /^\s*at (.+?):(\d+):(\d+)$/.exec(lines[index + 1] ?? '');
    if (fn && at) frames.push(frame(`${fn[1]} at ${at[1]}:${at[2]}:${at[3]}`, at[1], Number(at[2]), Number(at[3]), fn[1], context));
  }
  return frames;
}

export function parseLibtest(input: string, context: ParseContext = {}): ParsedTests {
  const lines = stripAnsi(input).replace(/\r\n/g, '\n').split('\n');
  const tests = new Map<string, { status: TestCase['status']; binary?: string }>();
  const output = new Map<string, string[]>();
  const problems: RunProblem[] = [];
  let binary: string | undefined;
  let current: string | undefined;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const running = /^\s*Running (?:unittests )?(\S+)/.exec(line);
    if (running) binary = running[1];
    if (/^\s*Doc-tests /.test(line)) binary = 'doc-tests';
    const result = /^test (.+?) \.\.\. (ok|FAILED|ignored|bench)(?:, .*)?$/.exec(line);
    if (result) {
      tests.set(result[1]!, { status: result[2] === 'FAILED' ? 'failed' : result[2] === 'ignored' ? 'skipped' : 'passed', binary });
      current = undefined;
      continue;
    }
    const captured = /^---- (.+?) std(?:out|err) ----$/.exec(line);
    if (captured) {
      current = captured[1]!;
      output.set(current, []);
      continue;
    }
    if (current !== undefined) {
      if (/^(failures:|test result: )/.test(line)) current = undefined;
      else output.get(current)!.push(line);
      continue;
    }
    const compileError = /^error(?:\[(E\d+)\])?: (.+)$/.exec(line);
    if (compileError && !/^error: test failed, to rerun/.test(line)) {
      if (/^could not compile/.test(compileError[2]!)) {
        if (!problems.some((problem) => problem.kind === 'build')) problems.push({ kind: 'build', message: compileError[2]! });
        continue;
      }
      const at = /^\s*--> (.+?):(\d+):(\d+)$/.exec(lines[index + 1] ?? '');
      const detail: string[] = [line];
      for (let next = index + 1; next < lines.length && lines[next]!.trim() !== '' && !/^(error|warning)/.test(lines[next]!); next++) detail.push(lines[next]!);
      problems.push({
        kind: 'build',
        message: compileError[1] ? `${compileError[1]}: ${compileError[2]}` : compileError[2]!,
        ...(at ? { file: at[1]!.replace(/^\.\//, ''), line: Number(at[2]) } : {}),
        detail: detail.join('\n'),
      });
    }
  }
  // "could not compile" alone says less than the errors before it.
  if (problems.length > 1) {
    const generic = problems.findIndex((problem) => problem.kind === 'build' && /^could not compile/.test(problem.message));
    if (generic >= 0) problems.splice(generic, 1);
  }

  const result: TestCase[] = [];
  for (const [fullName, { status }] of tests) {
    const path = fullName.split('::');
    const name = path.pop()!;
    let errorType: string | undefined;
    let message: string | undefined;
    let stack: StackFrame[] = [];
    let file: string | undefined;
    let line: number | undefined;
    if (status === 'failed') {
      const body = output.get(fullName) ?? [];
      const panicIndex = body.findIndex((entry) => /^thread '.*' (?:\(\d+\) )?panicked at /.test(entry));
      if (panicIndex >= 0) {
        errorType = 'panic';
        const header = body[panicIndex]!;
        let location = /panicked at (.+?):(\d+):(\d+):$/.exec(header);
        const messageLines: string[] = [];
        if (location) {
          // Rust 1.73 and later: location on the header line, the message below it.
          for (let next = panicIndex + 1; next < body.length && !/^(stack backtrace:|note: )/.test(body[next]!); next++) messageLines.push(body[next]!);
        } else {
          // Older: panicked at 'message…', file:line:col (the message may span lines).
          const quoted = [header.replace(/^.*? panicked at '/, '')];
          for (let next = panicIndex + 1; next < body.length && !/', \S+:\d+:\d+$/.test(quoted[quoted.length - 1]!); next++) quoted.push(body[next]!);
          const last = /^([\s\S]*)', (\S+?):(\d+):(\d+)$/.exec(quoted.join('\n'));
          if (last) {
            messageLines.push(last[1]!);
            location = [last[0], last[2]!, last[3]!, last[4]!] as unknown as RegExpExecArray;
          } else messageLines.push(...quoted);
        }
        message = messageLines.join('\n').trim();
        stack = rustBacktrace(body.slice(panicIndex), context);
        if (location) {
          const panicFrame = frame(header, location[1], Number(location[2]), Number(location[3]), undefined, context);
          if (!stack.some((entry) => entry.file === panicFrame.file && entry.line === panicFrame.line)) stack.unshift(panicFrame);
          file = panicFrame.file;
          line = panicFrame.line;
        }
      } else {
        errorType = 'failure';
        message = body.join('\n').trim() || 'test failed';
      }
    }
    result.push(makeTest({ name, suite: path, idFile: undefined, file, line, status, errorType, message, stack }));
  }
  return { tests: result, problems };
}
