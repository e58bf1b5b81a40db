import type { RunProblem, StackFrame, TestCase } from '../../domain/testReport';
import { type ParseContext, type ParsedTests, frame, makeTest, stripAnsi } from './common';

// `go test -json`: one event per line (run, output, pass, fail, skip) per package and
// test. Build failures come as plain text lines (Go before 1.24) or as `build-output`
// / `build-fail` events (1.24 and later); both become build problems. A package that
// fails with no failing test (a panic in init, TestMain, a timeout) is a crash.

interface Event {
  Action?: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Output?: string;
  Elapsed?: number;
}

interface TestState {
  pkg: string;
  name: string;
  output: string[];
  action?: string;
  elapsed?: number;
}

/** The folder of a package inside the module, '' for the module root. */
function packageDir(pkg: string, context: ParseContext): string {
  if (context.goModule && (pkg === context.goModule || pkg.startsWith(context.goModule + '/'))) return pkg.slice(context.goModule.length + 1);
  return '';
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir}/${file}`;
}

const buildError = /^(?:\.\/)?([^\s:]+\.go):(\d+):(?:(\d+):)? (.*)$/;

function goStack(lines: readonly string[], context: ParseContext): StackFrame[] {
  const frames: StackFrame[] = [];
  for (let index = 1; index < lines.length; index++) {
    const location = /^\t(\S+\.(?:go|s)):(\d+)(?: \+0x[0-9a-f]+)?$/.exec(lines[index]!);
    if (!location) continue;
    const fn = lines[index - 1]!.replace(/\(.*\)$/, '').trim();
    frames.push(frame(`${lines[index - 1]!.trim()} ${lines[index]!.trim()}`, location[1], Number(location[2]), undefined, fn, context));
  }
  return frames;
}

export function parseGoJson(input: string, context: ParseContext = {}): ParsedTests {
  const tests = new Map<string, TestState>();
  const packageOutput = new Map<string, string[]>();
  const packageResult = new Map<string, string>();
  const problems: RunProblem[] = [];
  const buildLines: string[] = [];

  // Compiler lines and the packages that did not build; stdout and stderr may arrive in either order.
  const failedBuilds: string[] = [];
  const flushBuild = (pkg?: string): void => {
    if (pkg && !failedBuilds.includes(pkg)) failedBuilds.push(pkg);
  };
  for (const raw of stripAnsi(input).replace(/\r\n/g, '\n').split('\n')) {
    if (raw.trim() === '') continue;
    let event: Event;
    try {
      event = JSON.parse(raw) as Event;
    } catch {
      // Plain text between events: compiler output, or `FAIL pkg [build failed]`.
      const failed = /^FAIL\s+(\S+)\s+\[(build failed|setup failed)\]/.exec(raw);
      if (failed) flushBuild(failed[1]);
      else if (!/^(# |ok\s|FAIL$|PASS$|\?\s)/.test(raw)) buildLines.push(raw);
      continue;
    }
    if (event.Action === 'build-output') {
      if (event.Output && !event.Output.startsWith('# ')) buildLines.push(event.Output.replace(/\n$/, ''));
      continue;
    }
    if (event.Action === 'build-fail') {
      flushBuild(event.ImportPath?.replace(/ \[.*\]$/, ''));
      continue;
    }
    const pkg = event.Package ?? '';
    if (!event.Test) {
      if (event.Action === 'output' && event.Output) {
        const lines = packageOutput.get(pkg) ?? [];
        lines.push(event.Output.replace(/\n$/, ''));
        packageOutput.set(pkg, lines);
      }
      if (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip') packageResult.set(pkg, event.Action);
      continue;
    }
    const key = `${pkg}\u0000${event.Test}`;
    const state = tests.get(key) ?? { pkg, name: event.Test, output: [] };
    tests.set(key, state);
    if (event.Action === 'output' && event.Output !== undefined) state.output.push(event.Output.replace(/\n$/, ''));
    if (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip') {
      state.action = event.Action;
      state.elapsed = event.Elapsed;
    }
  }
  const located = buildLines.map((line) => buildError.exec(line)).filter((match): match is RegExpExecArray => match !== null);
  // Paths are relative to the package folder; with one broken package that folder is known.
  const dir = failedBuilds.length === 1 ? packageDir(failedBuilds[0]!, context) : '';
  for (const match of located) {
    const file = match[1]!.includes('/') ? match[1]! : join(dir, match[1]!);
    problems.push({ kind: 'build', message: match[4]!, file, line: Number(match[2]), detail: buildLines.join('\n') });
  }
  if (located.length === 0) for (const pkg of failedBuilds) problems.push({ kind: 'build', message: `${pkg} did not build`, ...(buildLines.length > 0 ? { detail: buildLines.join('\n') } : {}) });

  const result: TestCase[] = [];
  const failedPackages = new Set<string>();
  const crashed: RunProblem[] = [];
  for (const state of tests.values()) {
    // A test that started but never finished belongs to a package that crashed: its output tells why.
    const action = state.action ?? (packageResult.get(state.pkg) === 'fail' ? 'fail' : undefined);
    if (!action) continue;
    const dir = packageDir(state.pkg, context);
    const parts = state.name.split('/');
    const name = parts.pop()!;
    const failed = action === 'fail';
    let message: string | undefined;
    let errorType: string | undefined;
    let file: string | undefined;
    let line: number | undefined;
    let stack: StackFrame[] = [];
    if (failed) {
      failedPackages.add(state.pkg);
      const body = state.output.filter((entry) => !/^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP):)/.test(entry));
      const panic = body.findIndex((entry) => /^\s*panic: /.test(entry));
      const logged = body.map((entry) => /^\s+([\w.-]+\.go):(\d+): (.*)$/.exec(entry)).find((match) => match !== null);
      if (/panic: test timed out/.test(body.join('\n'))) {
        errorType = 'timeout';
        message = body.find((entry) => /test timed out/.test(entry))!.trim();
        crashed.push({ kind: 'timeout', message: `${state.pkg}: go test's own time limit stopped the test binary in ${state.name}; the package's remaining tests did not run` });
      } else if (panic >= 0) {
        errorType = 'panic';
        message = body[panic]!.replace(/^\s*panic: /, '').replace(/ \[recovered\]$/, '');
        stack = goStack(body.slice(panic), context);
        // A panic ends the whole test binary: what came after it in the package never ran.
        crashed.push({ kind: 'crash', message: `${state.pkg}: the test binary panicked in ${state.name}; the package's remaining tests did not run` });
      } else {
        errorType = 'testing.T failure';
        const messageLines = body.map((entry) => entry.replace(/^\s+([\w.-]+\.go):(\d+): /, '').trim()).filter((entry) => entry !== '');
        message = messageLines.join('\n');
      }
      if (logged) {
        file = join(dir, logged[1]!);
        line = Number(logged[2]);
        if (stack.length === 0) stack = [frame(logged[0].trim(), file, line, undefined, state.name, {})];
      }
      const testFrame = stack.find((entry) => entry.inWorkspace && /_test\.go$/.test(entry.file ?? ''));
      if (file === undefined && testFrame) {
        file = testFrame.file;
        line = testFrame.line;
      }
    }
    result.push(
      makeTest({
        name,
        idFile: undefined,
        suite: [...(state.pkg ? [state.pkg] : []), ...parts],
        file,
        line,
        status: failed ? 'failed' : action === 'skip' ? 'skipped' : 'passed',
        durationMs: state.elapsed === undefined ? undefined : Math.round(state.elapsed * 1000),
        errorType,
        message,
        stack,
      }),
    );
  }
  // A parent test fails when a subtest does; with nothing of its own to say, the subtests tell it.
  const failedNames = result.filter((test) => test.status === 'failed').map((test) => test.suite.join('/') + '/' + test.name);
  const filtered = result.filter((test) => {
    if (test.status !== 'failed' || test.message?.trim()) return true;
    const full = test.suite.join('/') + '/' + test.name;
    return !failedNames.some((name) => name.startsWith(full + '/'));
  });

  for (const [pkg, action] of packageResult) {
    if (action === 'fail' && !failedPackages.has(pkg) && !problems.some((problem) => problem.kind === 'build')) {
      const output = (packageOutput.get(pkg) ?? []).filter((entry) => !/^(FAIL|ok)\s/.test(entry) && entry.trim() !== 'FAIL');
      const headline = output.find((entry) => /panic:|fatal|error/i.test(entry)) ?? output[0] ?? 'the test binary failed';
      problems.push({ kind: 'crash', message: `${pkg} failed outside any test: ${headline.trim()}`, detail: output.join('\n') });
    }
  }
  return { tests: filtered, problems: [...problems, ...crashed] };
}
