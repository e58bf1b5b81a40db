// The words for a test run the person reads, shared by the panel (its own `t`) and the
// editor's model (vscode.l10n.t): one wording, one place. Pure.

export type Translate = (message: string, ...args: (string | number)[]) => string;

export interface RunCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/**
 * A failing-first run: only the tests that failed before ran; the others did not run this
 * round (they are not "skipped" and not known to pass), and run once these pass.
 */
export function failingFirstWords(summary: RunCounts, t: Translate): string {
  const ran = summary.passed + summary.failed;
  const head = ran === 1 ? t('re-ran the 1 test that failed') : t('re-ran the {0} tests that failed', ran);
  const fixed = summary.passed === 1 ? t('1 fixed') : t('{0} fixed', summary.passed);
  const still = summary.failed === 1 ? t('1 still fails') : t('{0} still fail', summary.failed);
  const rest = summary.skipped === 0 ? '' : summary.skipped === 1 ? t('; the other test runs when these pass') : t('; the other {0} run when these pass', summary.skipped);
  return `${head}: ${fixed}, ${still}${rest}`;
}
