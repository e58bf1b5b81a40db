import type { TestInventory } from '../domain/record';
import type { SuiteShrinkage, TestReport } from '../domain/testReport';

// The suite is pinned: the baseline's full run (or, without a baseline, the first full
// run) fixes which tests exist. A later full run that lacks some of them, or skips
// tests that ran then, is a smaller suite: the loop never calls it passed on its own.
// Ids are counted, not just collected: runners that name no file for a passing test
// (node:test's TAP) give two files' tests of the same name the same id.

/** Whether a run can pin or be held to the inventory: the whole suite, run to the end, with tests in it. */
export function comparable(report: TestReport): boolean {
  return report.scope === 'full' && !report.run.timedOut && !report.run.cancelled && report.tests.length > 0;
}

export function pinInventory(report: TestReport, round: number): TestInventory {
  const files: Record<string, string[]> = {};
  for (const test of report.tests) (files[test.file ?? ''] ??= []).push(test.id);
  return { pinnedAt: round, files, skipped: report.tests.filter((test) => test.status === 'skipped').map((test) => test.id) };
}

function counts(ids: Iterable<string>): Map<string, number> {
  const result = new Map<string, number>();
  for (const id of ids) result.set(id, (result.get(id) ?? 0) + 1);
  return result;
}

/** Tests the inventory has, with how many ran (were not skipped) when it was pinned. */
function inventoryCounts(inventory: TestInventory): { all: Map<string, number>; ran: Map<string, number>; fileOf: Map<string, string> } {
  const fileOf = new Map<string, string>();
  for (const [file, ids] of Object.entries(inventory.files)) for (const id of ids) if (file !== '') fileOf.set(id, file);
  const all = counts(Object.values(inventory.files).flat());
  const ran = new Map(all);
  for (const [id, skipped] of counts(inventory.skipped)) ran.set(id, Math.max(0, (ran.get(id) ?? 0) - skipped));
  return { all, ran, fileOf };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** What the run lacks against the inventory; undefined when nothing is missing or newly skipped. */
export function checkInventory(inventory: TestInventory, report: TestReport, deletedFiles: ReadonlyMap<string, number> = new Map()): SuiteShrinkage | undefined {
  if (!comparable(report)) return undefined;
  const pinned = inventoryCounts(inventory);
  const nowAll = counts(report.tests.map((test) => test.id));
  const nowRan = counts(report.tests.filter((test) => test.status !== 'skipped').map((test) => test.id));
  const skipReason = new Map(report.tests.filter((test) => test.status === 'skipped' && test.skipReason).map((test) => [test.id, test.skipReason!]));
  const missing: { id: string; file?: string }[] = [];
  const newlySkipped: { id: string; reason?: string }[] = [];
  for (const [id, count] of pinned.all) {
    const gone = Math.max(0, count - (nowAll.get(id) ?? 0));
    const file = pinned.fileOf.get(id);
    for (let i = 0; i < gone; i++) missing.push({ id, ...(file !== undefined ? { file } : {}) });
    const skipped = Math.max(0, (pinned.ran.get(id) ?? 0) - (nowRan.get(id) ?? 0) - gone);
    const reason = skipReason.get(id);
    for (let i = 0; i < skipped; i++) newlySkipped.push({ id, ...(reason !== undefined ? { reason } : {}) });
  }
  if (missing.length === 0 && newlySkipped.length === 0) return undefined;

  const causes: string[] = [];
  const missingFiles = [...new Set(missing.flatMap((test) => (test.file !== undefined ? [test.file] : [])))];
  for (const file of missingFiles) {
    const round = deletedFiles.get(file);
    if (round !== undefined) causes.push(`${file} was deleted or renamed in round ${round}`);
  }
  for (const [file, round] of deletedFiles) if (!missingFiles.includes(file) && /(^|\/)(tests?|spec|__tests__|e2e)\/|[._-](test|spec)\.|^test_|_test\./.test(file)) causes.push(`${file} (a test file) was deleted or renamed in round ${round}`);
  for (const problem of report.problems) if (problem.kind === 'collection') causes.push(problem.message);
  const reasons = [...new Set(newlySkipped.flatMap((test) => (test.reason !== undefined ? [test.reason] : [])))];
  if (reasons.length > 0) causes.push(`skipped because: ${reasons.slice(0, 3).join('; ')}`);
  const parts = [...(missing.length > 0 ? [`${plural(missing.length, 'test')} of the pinned suite missing`] : []), ...(newlySkipped.length > 0 ? [`${plural(newlySkipped.length, 'test')} newly skipped`] : [])];
  const summary = `${parts.join(', ')} (pinned at ${inventory.pinnedAt === 0 ? 'the baseline' : `round ${inventory.pinnedAt}`})${causes.length > 0 ? `: ${causes.slice(0, 2).join('; ')}` : ''}`;
  return { missing, newlySkipped, causes, summary };
}

/** The inventory with the tests a complete run added (the suite may grow; it may not shrink). */
export function extendInventory(inventory: TestInventory, report: TestReport): TestInventory {
  const pinned = counts(Object.values(inventory.files).flat());
  const now = counts(report.tests.map((test) => test.id));
  const files: Record<string, string[]> = Object.fromEntries(Object.entries(inventory.files).map(([file, ids]) => [file, [...ids]]));
  let grew = false;
  for (const test of report.tests) {
    const extra = (now.get(test.id) ?? 0) - (pinned.get(test.id) ?? 0);
    if (extra <= 0) continue;
    (files[test.file ?? ''] ??= []).push(test.id);
    pinned.set(test.id, (pinned.get(test.id) ?? 0) + 1);
    grew = true;
  }
  return grew ? { ...inventory, files } : inventory;
}

const listed = (ids: readonly string[], max: number) => ids.slice(0, max).map((id) => `  - ${id.replace(/^::/, '')}`).join('\n') + (ids.length > max ? `\n  - … and ${ids.length - max} more` : '');

/** The part of the next round's feedback that tells the agent the suite shrank. */
export function shrinkageFeedback(shrinkage: SuiteShrinkage): string {
  const lines = [`The test suite shrank: ${shrinkage.summary}.`, 'This does not count as passing. Restore the tests and the test configuration, and fix the code instead.'];
  if (shrinkage.missing.length > 0) lines.push('Missing tests:', listed(shrinkage.missing.map((test) => (test.file ? `${test.file}: ${test.id.replace(/^[^:]*::/, '')}` : test.id)), 10));
  if (shrinkage.newlySkipped.length > 0) lines.push('Newly skipped tests:', listed(shrinkage.newlySkipped.map((test) => (test.reason ? `${test.id} (${test.reason})` : test.id)), 10));
  return lines.join('\n');
}
