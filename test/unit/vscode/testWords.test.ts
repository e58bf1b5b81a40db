import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failingFirstWords } from '../../../src/protocol/testWords';
import { t } from '../../../src/vscode/translate';

test('a failing-first run says what re-ran, what it fixed, and that the others run later (not "skipped")', () => {
  assert.equal(failingFirstWords({ passed: 1, failed: 1, skipped: 3 }, t), 're-ran the 2 tests that failed: 1 fixed, 1 still fails; the other 3 run when these pass');
  assert.equal(failingFirstWords({ passed: 0, failed: 1, skipped: 1 }, t), 're-ran the 1 test that failed: 0 fixed, 1 still fails; the other test runs when these pass');
  assert.equal(failingFirstWords({ passed: 2, failed: 0, skipped: 0 }, t), 're-ran the 2 tests that failed: 2 fixed, 0 still fail');
});
