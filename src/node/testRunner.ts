import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { Logger, TestPlan, TestRunner } from '../domain/ports';
import type { TestCase, TestReport, TestRun } from '../domain/testReport';
import { type CommandResult, runCommand } from './process';
import { type Command, type Framework, identifyFramework, withReport, withSelection } from '../testing/frameworks';
import { type ParseContext, type ParsedTests, type ReportFormat, ReportFormatError, assembleReport, detectFormat, parseReport } from '../testing/parsers/index';

// The TestRunner port over a real command: knows the framework from the command line,
// asks it for a machine-readable report, runs the previous round's failures first
// where it can select tests, and turns every outcome (a crash, a timeout, a report
// nobody could read) into a TestReport that never reads as "0 failed" by mistake.

export { runCommand, type CommandResult, type RunCommandOptions, testEnvironment, secretVariablePatterns } from './process';

export interface TestRunnerConfig {
  /** Absolute workspace folder; the command runs here. */
  readonly root: string;
  /** A shell command line, or argv. */
  readonly command: Command;
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: Logger;
  /** Override what the command line says about the framework. */
  readonly framework?: Framework;
  /** The environment to start from (default: this process's). */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** More variable names (or `*` patterns) kept from the test command (`refineLoop.secretVariables`). */
  readonly secretVariables?: readonly string[];
}

interface PackageJson {
  scripts?: Record<string, string>;
}

/**
 * `npm test` and friends, resolved to the script they run when it is one plain command,
 * so reporter and selection flags can go where that runner expects them. The
 * project's node_modules/.bin folders go first on PATH, as npm would put them.
 */
export function resolvePackageScript(root: string, command: Command): { command: Command; pathPrefix?: string } {
  const text = typeof command === 'string' ? command.trim() : command.join(' ');
  const match = /^(?:npm|pnpm|yarn)\s+(?:run\s+|run-script\s+)?(test|t)$/.exec(text);
  if (!match) return { command };
  let scripts: Record<string, string> | undefined;
  try {
    scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson).scripts;
  } catch {
    return { command };
  }
  const script = scripts?.test;
  // Composite scripts (a build first, pre/post steps) run as written.
  if (!script || /[;&|<>`$]|\bnpm\b|\byarn\b|\bpnpm\b/.test(script) || scripts?.pretest || scripts?.posttest) return { command };
  // As npm does: the package's node_modules/.bin, then each enclosing folder's.
  const bins: string[] = [];
  for (let folder = resolve(root); ; folder = dirname(folder)) {
    bins.push(join(folder, 'node_modules', '.bin'));
    if (dirname(folder) === folder) break;
  }
  return { command: script, pathPrefix: bins.join(delimiter) };
}

function goModule(root: string): string | undefined {
  try {
    return /^module\s+(\S+)/m.exec(readFileSync(join(root, 'go.mod'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function toRun(result: CommandResult): TestRun {
  return {
    command: result.command,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    cancelled: result.cancelled,
    outputHead: result.outputHead,
    outputTail: result.outputTail,
    droppedBytes: result.droppedBytes,
  };
}

/** The report file first, then the output in the framework's format, then whatever format the output looks like. */
export function parseRun(result: CommandResult, invocation: { format: ReportFormat; reportFile?: string }, reportText: string | undefined, context: ParseContext): { format: ReportFormat; parsed: ParsedTests } {
  const output = result.output ?? `${result.outputHead}\n${result.outputTail}`;
  const attempts: [ReportFormat, string][] = [];
  if (invocation.reportFile !== undefined) {
    if (reportText !== undefined && reportText.trim() !== '') attempts.push([invocation.format, reportText]);
  } else if (invocation.format !== 'raw') {
    attempts.push([invocation.format, output]);
  }
  const detected = detectFormat(output);
  if (detected !== 'raw' && !attempts.some(([format, text]) => format === detected && text === output)) attempts.push([detected, output]);
  for (const [format, text] of attempts) {
    try {
      const parsed = parseReport(format, text, context);
      if (parsed.tests.length > 0 || parsed.problems.length > 0) return { format, parsed };
    } catch (error) {
      if (!(error instanceof ReportFormatError)) throw error;
    }
  }
  return { format: 'raw', parsed: { tests: [], problems: [] } };
}

export function createTestRunner(config: TestRunnerConfig): TestRunner {
  const resolved = resolvePackageScript(config.root, config.command);
  const framework = config.framework ?? identifyFramework(resolved.command);
  const context: ParseContext = { root: config.root, ...(framework === 'go' ? { goModule: goModule(config.root) } : {}) };
  const log = config.log;

  async function once(command: Command, scope: TestReport['scope'], signal: AbortSignal, onOutput?: (chunk: string) => void): Promise<TestReport> {
    const folder = mkdtempSync(join(tmpdir(), 'refine-loop-tests-'));
    try {
      const invocation = withReport(framework, command, join(folder, framework === 'jest' ? 'report.json' : framework === 'node-test' ? 'report.tap' : 'report.xml'));
      const env: Record<string, string> = { ...config.env };
      if (resolved.pathPrefix) env.PATH = `${resolved.pathPrefix}${delimiter}${config.env?.PATH ?? config.baseEnv?.PATH ?? process.env.PATH ?? ''}`;
      log?.info('tests', `running ${typeof invocation.command === 'string' ? invocation.command : invocation.command.join(' ')} (${scope})`);
      const result = await runCommand({ cwd: config.root, command: invocation.command, timeoutMs: config.timeoutMs, env, ...(config.baseEnv ? { baseEnv: config.baseEnv } : {}), ...(config.secretVariables ? { secretVariables: config.secretVariables } : {}), signal, ...(onOutput ? { onOutput } : {}) });
      if (result.spawnError) {
        const run = toRun(result);
        return { format: 'raw', scope, tests: [], problems: [{ kind: 'runner', message: `The test command could not be started: ${result.spawnError}` }], run };
      }
      const reportText = invocation.reportFile && existsSync(invocation.reportFile) ? readFileSync(invocation.reportFile, 'utf8') : undefined;
      const { format, parsed } = parseRun(result, invocation, reportText, context);
      const report = assembleReport({ format, parsed, run: toRun(result), scope });
      if (result.outputLimitHit) report.problems.push({ kind: 'runner', message: `The test command printed more than ${Math.round(result.totalBytes / 1024 / 1024)} MB and was stopped.` });
      log?.info('tests', `${format}: ${report.tests.length} tests, ${report.problems.length} problems, exit ${result.exitCode ?? result.signal} in ${result.durationMs} ms`);
      return report;
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  return {
    async run(plan: TestPlan, signal: AbortSignal, onOutput?: (chunk: string) => void): Promise<TestReport> {
      const failing: readonly TestCase[] = plan.failingFirst ?? [];
      const selected = withSelection(framework, resolved.command, failing);
      if (selected !== undefined) {
        const first = await once(selected, 'selected', signal, onOutput);
        if (signal.aborted || first.run.timedOut || first.run.cancelled) return first;
        const ran = first.tests.some((test) => test.status !== 'skipped');
        const blocking = first.problems.some((problem) => problem.kind !== 'runner') || (ran && first.problems.length > 0);
        if (blocking || first.tests.some((test) => test.status === 'failed')) return first;
        // Nothing ran means the names changed since: only the full suite can tell.
        log?.info('tests', ran ? "the previous round's failures pass; running the full suite" : 'failing-first selected no test; running the full suite');
      }
      return once(resolved.command, 'full', signal, onOutput);
    },
  };
}
