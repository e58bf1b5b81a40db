import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal, createFileSessionHistory } from '../../../src/node/sessionStore';
import type { SessionRecord } from '../../../src/domain/record';

const bytes = (text: string) => new TextEncoder().encode(text);

function record(sessionId: string, startedAt: number): SessionRecord {
  return { version: 1, sessionId, task: `task of ${sessionId}`, startedAt, approvalMode: 'reviewEachRound', maxRounds: 5, rounds: [] };
}

test('saves, lists (newest first) and loads sessions', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'refine-store-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const history = createFileSessionHistory(folder);
  await history.save(record('s-1', 100));
  await history.save({ ...record('s-2', 200), outcome: 'passed', reason: 'green', rounds: [] });
  assert.deepEqual(
    (await history.list()).map((s) => [s.sessionId, s.outcome]),
    [
      ['s-2', 'passed'],
      ['s-1', undefined],
    ],
  );
  assert.equal((await history.load('s-1'))?.task, 'task of s-1');
  assert.equal(await history.load('nope'), undefined);
});

test('refuses a damaged session file and an unsafe session id', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'refine-store-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const history = createFileSessionHistory(folder);
  await mkdir(join(folder, 'sessions', 'bad'), { recursive: true });
  await writeFile(join(folder, 'sessions', 'bad', 'session.json'), '{"version":1}');
  await assert.rejects(history.load('bad'), /not a session record/);
  await assert.rejects(history.load('../etc'), /not a session id/);
  await assert.rejects(createFileJournal(folder).read('../etc', 1), /not a session id/);
  assert.deepEqual(await history.list(), [], 'a damaged session is left out of the list');
});

test('journal entries round-trip bytes exactly and filter by state', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'refine-store-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const journal = createFileJournal(folder);
  const binary = new Uint8Array([0, 255, 10, 13, 0xef, 0xbb, 0xbf]);
  const files = [
    { path: 'a.bin', before: binary, beforeHash: 'h1', after: bytes('new'), afterHash: 'h2' },
    { path: 'created.txt', before: undefined, beforeHash: null, after: bytes(''), afterHash: 'h3' },
  ];
  await journal.write({ sessionId: 's', round: 1, createdAt: 1, state: 'committed', files });
  await journal.write({ sessionId: 's', round: 2, createdAt: 2, state: 'pending', files: [] });
  const loaded = await journal.read('s', 1);
  assert.deepEqual(loaded?.files[0]?.before, binary);
  assert.equal(loaded?.files[1]?.before, undefined);
  assert.deepEqual(loaded?.files[1]?.after, new Uint8Array());
  assert.deepEqual((await journal.list({ states: ['pending'] })).map((e) => e.round), [2]);
  assert.deepEqual((await journal.list({ sessionId: 's' })).map((e) => e.round), [1, 2]);
});
