import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTranslator, t } from '../../../src/vscode/translate';
import { describeSummary, outcomeLabel } from '../../../src/vscode/sessionModel';

test('English by default, with {n} placeholders filled in; the translator set by the extension is used after', () => {
  assert.equal(t('Round {0} of {1}', 2, 5), 'Round 2 of 5');
  assert.equal(t('{1} before {0}', 'a', 'b'), 'b before a');
  assert.equal(t('kept {3}', 1), 'kept {3}', 'a placeholder without its argument stays');
  assert.equal(describeSummary({ passed: 3, failed: 1, skipped: 0, problems: 1 }), '1 failing, 3 passing, 1 problem');
  try {
    setTranslator((message, ...args) => `«${message}»${args.join('|')}`);
    assert.equal(outcomeLabel('stuck'), '«Stuck»');
    assert.equal(t('Round {0}', 4), '«Round {0}»4');
  } finally {
    setTranslator((message, ...args) => message.replace(/\{(\d+)\}/g, (_, index: string) => String(args[Number(index)])));
  }
});
