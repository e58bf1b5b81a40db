import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AgentError } from '../../../src/domain/errors';
import { checkReply, hasEdits } from '../../../src/agents/replyCheck';

describe('checkReply', () => {
  it('accepts every edit format the engine reads', () => {
    assert.equal(hasEdits('Fix.\n\nsrc/a.ts\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n'), true);
    assert.equal(hasEdits('```diff\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-x\n+y\n```\n'), true);
    assert.equal(hasEdits('src/new.ts\n```ts\nexport const x = 1;\n```\n'), true);
  });

  it('lets a malformed block through, for the loop to feed back', () => {
    assert.equal(hasEdits('src/a.ts\n<<<<<<< SEARCH\nx\n=======\ny\n'), true);
  });

  it('rejects an empty reply and prose only, with their own codes', () => {
    assert.throws(() => checkReply(' \n', [], 'm'), (error: unknown) => error instanceof AgentError && error.code === 'agent.emptyReply');
    assert.throws(() => checkReply('I think the tests are wrong.', [], 'm'), (error: unknown) => error instanceof AgentError && error.code === 'agent.noEdits');
    assert.doesNotThrow(() => checkReply('', [{ name: 'apply_edits', input: {} }], 'm'), 'tool calls are edits');
  });

  it('quotes at most 200 characters of the reply', () => {
    assert.throws(
      () => checkReply('word '.repeat(100), [], 'm'),
      (error: unknown) => error instanceof AgentError && /It began: "(word ){40}…"/.test(error.message),
    );
  });
});
