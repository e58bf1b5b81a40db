// What a round's sign in the Sessions view says, decided from its facts alone: the
// person reads the icon before the words, so a round that fixed one of two failing
// tests is progress, not a red cross. Pure (no `vscode`).
import { t } from './translate';

export type RoundSign = 'rejected' | 'reverted' | 'pending' | 'passed' | 'regression' | 'progress' | 'noProgress';

export interface RoundFacts {
  /** The review's decision: approve, reject or stop. */
  readonly decision?: string;
  readonly reverted: boolean;
  /** Failing tests and problems after the round's run; undefined before it ran. */
  readonly failing?: number;
  /** Failing after the round before (or the baseline). */
  readonly previousFailing?: number;
  readonly newlyFailing?: number;
  readonly fixed?: number;
}

export function roundSign(round: RoundFacts): RoundSign {
  if (round.decision !== undefined && round.decision !== 'approve') return 'rejected';
  if (round.reverted) return 'reverted';
  if (round.failing === undefined) return 'pending';
  if (round.failing === 0) return 'passed';
  if ((round.newlyFailing ?? 0) > 0) return 'regression';
  if ((round.fixed ?? 0) > 0 || (round.previousFailing !== undefined && round.failing < round.previousFailing)) return 'progress';
  if (round.previousFailing !== undefined && round.failing > round.previousFailing) return 'regression';
  return 'noProgress';
}

/** The words beside the sign, short enough to stay readable next to the inline actions. */
export function roundWords(round: RoundFacts): string {
  switch (roundSign(round)) {
    case 'rejected':
      return round.decision === 'stop' ? t('stopped, not applied') : t('rejected');
    case 'reverted':
      return t('undone');
    case 'pending':
      return '';
    case 'passed':
      return t('tests pass');
    case 'regression':
      return (round.newlyFailing ?? 0) > 0 ? t('{0} newly failing, {1} failing', round.newlyFailing ?? 0, round.failing ?? 0) : t('{0} failing, was {1}', round.failing ?? 0, round.previousFailing ?? 0);
    case 'progress':
      return (round.fixed ?? 0) > 0 ? t('{0} fixed, {1} still failing', round.fixed ?? 0, round.failing ?? 0) : t('{0} failing, was {1}', round.failing ?? 0, round.previousFailing ?? 0);
    case 'noProgress':
      return t('{0} failing, no progress', round.failing ?? 0);
  }
}
