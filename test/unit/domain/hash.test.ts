import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentHash, sha256Hex } from '../../../src/domain/hash';

test('sha256Hex matches the known digest of "abc"', async () => {
  assert.equal(await sha256Hex(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('contentHash of a missing file is null', async () => {
  assert.equal(await contentHash(undefined), null);
});
