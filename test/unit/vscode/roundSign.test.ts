import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundSign, roundWords, type RoundFacts } from '../../../src/vscode/roundSign';

test('a round’s sign says progress, regression, passed, rejected or undone, from its facts', () => {
  const table: [RoundFacts, string, string][] = [
    [{ decision: 'approve', reverted: false, failing: 1, previousFailing: 2, fixed: 1, newlyFailing: 0 }, 'progress', '1 fixed, 1 still failing'],
    [{ decision: 'approve', reverted: false, failing: 1, previousFailing: 3 }, 'progress', '1 failing, was 3'],
    [{ decision: 'approve', reverted: false, failing: 2, previousFailing: 1, fixed: 0, newlyFailing: 1 }, 'regression', '1 newly failing, 2 failing'],
    [{ decision: 'approve', reverted: false, failing: 2, previousFailing: 2, fixed: 1, newlyFailing: 1 }, 'regression', '1 newly failing, 2 failing'],
    [{ decision: 'approve', reverted: false, failing: 4, previousFailing: 2 }, 'regression', '4 failing, was 2'],
    [{ decision: 'approve', reverted: false, failing: 0, previousFailing: 2, fixed: 2 }, 'passed', 'tests pass'],
    [{ decision: 'approve', reverted: false, failing: 2, previousFailing: 2, fixed: 0, newlyFailing: 0 }, 'noProgress', '2 failing, no progress'],
    [{ decision: 'reject', reverted: false }, 'rejected', 'rejected'],
    [{ decision: 'stop', reverted: false }, 'rejected', 'stopped, not applied'],
    [{ decision: 'approve', reverted: true, failing: 3, previousFailing: 2 }, 'reverted', 'undone'],
    [{ decision: 'approve', reverted: false }, 'pending', ''],
  ];
  for (const [facts, sign, words] of table) {
    assert.equal(roundSign(facts), sign, JSON.stringify(facts));
    assert.equal(roundWords(facts), words, JSON.stringify(facts));
  }
});
