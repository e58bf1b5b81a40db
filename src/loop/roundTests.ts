// One test run of a round: the failing tests first where the framework can select them,
// then the whole suite once they pass (only the whole suite can say green), the sources
// the failures point into, and the feedback the agent reads next.
import type { TestResultRecord } from '../domain/record';
import type { EventSink, TestRunner, Workspace } from '../domain/ports';
import { failingTests, isGreen, summarize, type SuiteShrinkage, type TestReport } from '../domain/testReport';
import { buildFeedback, sourcesNeeded, type Feedback } from '../testing/feedback';

const decoder = new TextDecoder();

export async function runRoundTests(
  ports: { readonly tests: TestRunner; readonly workspace: Workspace; readonly emit: EventSink },
  round: number,
  previous: TestReport | undefined,
  maxTokens: number,
  signal: AbortSignal,
): Promise<{ report: TestReport; feedback: Feedback; failingSources: string[] }> {
  const failingFirst = previous ? failingTests(previous) : [];
  ports.emit({ type: 'testsStarted', round, scope: failingFirst.length > 0 ? 'failingFirst' : 'full' });
  const onOutput = (chunk: string) => ports.emit({ type: 'testOutput', round, chunk });
  let report = await ports.tests.run(failingFirst.length > 0 ? { failingFirst } : {}, signal, onOutput);
  if (report.scope === 'selected' && failingTests(report).length === 0 && report.problems.length === 0) report = await ports.tests.run({}, signal, onOutput);
  const failingSources = sourcesNeeded(report);
  const sources: Record<string, string> = {};
  for (const path of failingSources) {
    const bytes = await ports.workspace.read(path).catch(() => undefined);
    if (bytes !== undefined) sources[path] = decoder.decode(bytes);
  }
  return { report, feedback: buildFeedback({ report, previous, sources, maxTokens }), failingSources };
}

/** What the session record keeps of a run; a smaller suite than the pinned one is never green. */
export function testResultRecord(report: TestReport, previous: TestReport | undefined, feedback: Feedback, shrank: SuiteShrinkage | undefined): TestResultRecord {
  return {
    summary: summarize(report),
    scope: report.scope,
    green: isGreen(report) && shrank === undefined,
    failing: failingTests(report).map((test) => test.id),
    problems: report.problems.map((problem) => `${problem.kind}: ${problem.message}`),
    exitCode: report.run.exitCode,
    durationMs: report.run.durationMs,
    // The baseline has nothing to be measured against.
    newlyFailing: previous ? feedback.delta.newlyFailing.length : 0,
    fixed: previous ? feedback.delta.fixed.length : 0,
    summaryLine: feedback.summaryLine,
    ...(shrank ? { suiteShrank: { missing: shrank.missing.map((test) => test.id), newlySkipped: shrank.newlySkipped.map((test) => test.id), summary: shrank.summary } } : {}),
  };
}
