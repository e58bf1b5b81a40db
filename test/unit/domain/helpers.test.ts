import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomHex, toHex } from '../../../src/domain/hex';
import { SESSION_ID_PATTERN, newSessionId } from '../../../src/domain/sessionId';
import { estimateTokens, truncateToTokens } from '../../../src/domain/tokens';
import { sha256Hex } from '../../../src/domain/hash';

test('hex: two lowercase digits a byte, leading zeros kept', async () => {
  assert.equal(toHex(new Uint8Array([0, 1, 15, 16, 255])), '00010f10ff');
  assert.equal(toHex(new Uint8Array()), '');
  assert.match(randomHex(4), /^[0-9a-f]{8}$/);
  assert.equal(await sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('session ids: the UTC start to the second, then 8 hex digits; they sort by start', () => {
  const id = newSessionId(Date.UTC(2026, 11, 1, 9, 19, 28, 500));
  assert.match(id, /^20261201-091928-[0-9a-f]{8}$/);
  assert.match(id, SESSION_ID_PATTERN);
  assert.notEqual(newSessionId(0), newSessionId(0), 'two ids of the same second differ');
  assert.ok(newSessionId(Date.UTC(2026, 0, 1)) < newSessionId(Date.UTC(2026, 0, 2)));
});

test('token estimate: four ASCII characters a token, one a character outside ASCII', () => {
  assert.equal(estimateTokens(''), 0);
  assert.equal(estimateTokens('abcd'), 1);
  assert.equal(estimateTokens('abcde'), 2);
  assert.equal(estimateTokens('日本語'), 3);
  assert.equal(estimateTokens('abcd日本'), 3);
});

test('truncating to a token budget keeps the longest start within it', () => {
  assert.equal(truncateToTokens('abcdefgh', 1), 'abcd');
  assert.equal(truncateToTokens('ab日本語', 2), 'ab日');
  assert.equal(truncateToTokens('short', 100), 'short');
  for (const text of ['a'.repeat(37), '日本'.repeat(9) + 'xyz']) assert.ok(estimateTokens(truncateToTokens(text, 5)) <= 5);
});
