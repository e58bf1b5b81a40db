import { matchesAny } from '../domain/glob';
import type { FileChange } from '../domain/model';
import type { TestInventory } from '../domain/record';
import type { SuiteShrinkage, TestReport } from '../domain/testReport';
import { checkInventory, comparable, extendInventory, pinInventory } from '../testing/inventory';
import { filesRunByScripts, protectedReasons } from './testConfig';

// What a session knows about its test suite, for the two integrity checks of a round:
// before the review, which changes touch the tests or their configuration (they always
// ask); after the tests, whether the suite is still the pinned one (else never passed).

/**
 * Whether a report's files are test files. Not for Rust (unit tests live in the source
 * files, and a test's file is where it panicked) nor go (its test files are `_test.go`,
 * protected by pattern; a failure's file may be the code under test).
 */
function namesTestFiles(report: TestReport): boolean {
  return report.format !== 'libtest' && report.format !== 'go-json' && report.format !== 'raw';
}

export class SuiteGuard {
  private pinned: TestInventory | undefined;
  /** Files a test report named as test files (a test's file, a file that failed to load). */
  private readonly testFiles = new Set<string>();
  private commandFiles = new Set<string>();
  /** Files a round deleted or renamed away, with the round: the likely cause of missing tests. */
  private readonly deleted = new Map<string, number>();

  constructor(
    private readonly testCommand: string,
    private readonly globs: readonly string[],
  ) {}

  get inventory(): TestInventory | undefined {
    return this.pinned;
  }

  /** Reads which files the test scripts run (package.json as it is now); call once, before the first round. */
  async readScripts(read: (path: string) => Promise<Uint8Array | undefined>): Promise<void> {
    const bytes = await read('package.json').catch(() => undefined);
    this.commandFiles = new Set(filesRunByScripts(bytes === undefined ? undefined : new TextDecoder().decode(bytes), this.testCommand));
  }

  /** Why each changed path needs an explicit yes, in order. */
  protectedIn(changes: readonly FileChange[]): Map<string, string> {
    return protectedReasons(changes, { globs: this.globs, testCommand: this.testCommand, testFiles: this.testFiles, commandFiles: this.commandFiles }, matchesAny);
  }

  /** A round wrote these: deletions and renames are remembered as causes of missing tests. */
  noteWritten(round: number, changes: readonly FileChange[]): void {
    for (const change of changes) {
      if (change.kind === 'delete') this.deleted.set(change.path, round);
      if (change.kind === 'rename' && change.oldPath !== undefined) this.deleted.set(change.oldPath, round);
    }
  }

  /**
   * One run's report: the files it names are test files from now on; the first
   * comparable full run pins the inventory; later ones are held to it.
   */
  observe(report: TestReport, round: number): SuiteShrinkage | undefined {
    if (namesTestFiles(report)) {
      for (const test of report.tests) if (test.file !== undefined) this.testFiles.add(test.file);
      for (const problem of report.problems) if (problem.kind === 'collection' && problem.file !== undefined) this.testFiles.add(problem.file);
    }
    if (!comparable(report)) return undefined;
    if (this.pinned === undefined) {
      this.pinned = pinInventory(report, round);
      return undefined;
    }
    const shrank = checkInventory(this.pinned, report, this.deleted);
    if (shrank === undefined && report.problems.length === 0) this.pinned = extendInventory(this.pinned, report);
    return shrank;
  }

  /** Best of N: whether a run in a scratch copy is smaller than the pinned suite, without learning from it. */
  check(report: TestReport): SuiteShrinkage | undefined {
    if (this.pinned === undefined || !comparable(report)) return undefined;
    return checkInventory(this.pinned, report, this.deleted);
  }

  /** The person accepted the smaller suite: this run's tests are the suite from now on. */
  accept(report: TestReport, round: number): void {
    if (comparable(report)) this.pinned = pinInventory(report, round);
  }
}
