import * as z from 'zod';

// One normalised shape for every test runner's result. Parsers in src/testing produce
// it; the loop, the feedback builder, the store and the review panel read it.

export const stackFrameSchema = z.object({
  /** Workspace-relative when inside the workspace, else as printed. */
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  function: z.string().optional(),
  /** True when the frame is in the project's own code (not node_modules, site-packages, the runtime). */
  inWorkspace: z.boolean(),
  raw: z.string(),
});
export type StackFrame = z.infer<typeof stackFrameSchema>;

export const testStatuses = ['passed', 'failed', 'skipped'] as const;

export const testCaseSchema = z.object({
  /** Stable across runs of the same test: file + suite path + name. */
  id: z.string(),
  name: z.string(),
  /** Enclosing suites / describe blocks, outermost first. */
  suite: z.array(z.string()).default([]),
  file: z.string().optional(),
  line: z.number().int().optional(),
  status: z.enum(testStatuses),
  durationMs: z.number().optional(),
  /** For failures: the error's type (AssertionError, TypeError, panic…) and message. */
  errorType: z.string().optional(),
  message: z.string().optional(),
  expected: z.string().optional(),
  actual: z.string().optional(),
  stack: z.array(stackFrameSchema).default([]),
  /** For skipped tests, why, when the runner says (`# SKIP 'only' option not set`, a todo). */
  skipReason: z.string().optional(),
});
export type TestCase = z.infer<typeof testCaseSchema>;

/** Something that kept tests from running at all: it must never read as "0 failed". */
export const runProblemSchema = z.object({
  kind: z.enum(['build', 'collection', 'runner', 'timeout', 'crash']),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  detail: z.string().optional(),
});
export type RunProblem = z.infer<typeof runProblemSchema>;

export const reportFormats = ['tap', 'junit', 'jest-json', 'go-json', 'pytest', 'libtest', 'mocha', 'raw'] as const;

export const testRunSchema = z.object({
  command: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  cancelled: z.boolean(),
  /** First and last bytes of the combined output; `droppedBytes` were cut between them. */
  outputHead: z.string(),
  outputTail: z.string(),
  droppedBytes: z.number().int(),
});
export type TestRun = z.infer<typeof testRunSchema>;

export const testReportSchema = z.object({
  format: z.enum(reportFormats),
  /** `selected`: only some tests ran (failing-first); a session passes only on `full`. */
  scope: z.enum(['full', 'selected']),
  tests: z.array(testCaseSchema),
  problems: z.array(runProblemSchema),
  run: testRunSchema,
});
export type TestReport = z.infer<typeof testReportSchema>;

/**
 * A full run that lacks tests of the pinned inventory (the baseline's full run), or
 * skips tests that ran then: never `passed` unless the person accepts it at the gate.
 */
export interface SuiteShrinkage {
  /** Tests of the inventory the run did not report, with their file when the runner named one. */
  readonly missing: readonly { readonly id: string; readonly file?: string }[];
  /** Tests that ran when the inventory was pinned and were skipped now (skip, todo, `only`), with the runner's reason. */
  readonly newlySkipped: readonly { readonly id: string; readonly reason?: string }[];
  /** What the loop knows of why: test files a round deleted, files that failed to load. */
  readonly causes: readonly string[];
  /** One line for a person: how many fewer, and why if known. */
  readonly summary: string;
}

export function failingTests(report: TestReport): TestCase[] {
  return report.tests.filter((test) => test.status === 'failed');
}

/**
 * Green needs evidence: the whole suite ran, at least one test ran and passed, nothing
 * failed, and nothing kept tests from running or made the report doubtful (a cut-off
 * report, an unmet TAP plan, a bail-out: the parsers report those as problems).
 */
export function isGreen(report: TestReport): boolean {
  return (
    report.scope === 'full' &&
    report.tests.some((test) => test.status === 'passed') &&
    report.problems.length === 0 &&
    !report.run.timedOut &&
    !report.run.cancelled &&
    report.run.exitCode === 0 &&
    report.tests.every((test) => test.status !== 'failed')
  );
}

export function summarize(report: TestReport): { passed: number; failed: number; skipped: number; problems: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const test of report.tests) {
    if (test.status === 'passed') passed++;
    else if (test.status === 'failed') failed++;
    else skipped++;
  }
  return { passed, failed, skipped, problems: report.problems.length };
}
