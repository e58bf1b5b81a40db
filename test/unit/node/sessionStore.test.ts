import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal, createFileSessionHistory } from '../../../src/node/sessionStore';
import { cliJournalKeyPath, fileJournalKey } from '../../../src/node/journalKey';
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

test('with a key: entries carry a MAC; a planted, forged or edited entry is reported, left out of the list and refused by read', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'refine-store-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const configHome = await mkdtemp(join(tmpdir(), 'refine-config-'));
  t.after(() => rm(configHome, { recursive: true, force: true }));
  const keyPath = cliJournalKeyPath({ XDG_CONFIG_HOME: configHome });
  assert.equal(keyPath, join(configHome, 'refine-loop', 'journal.key'));
  const untrusted: string[] = [];
  const journal = createFileJournal(folder, { key: fileJournalKey(keyPath), onUntrusted: (path) => untrusted.push(path) });
  const files = [{ path: 'src/calc.js', before: bytes('old'), beforeHash: 'h1', after: bytes('new'), afterHash: 'h2' }];
  await journal.write({ sessionId: 's', round: 1, createdAt: 1, state: 'pending', files });
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600, 'the key file is the person’s only');
  assert.match(JSON.parse(await readFile(join(folder, 'sessions/s/journal/1.json'), 'utf8')).mac, /^[0-9a-f]{64}$/);
  assert.deepEqual((await journal.list({ states: ['pending'] })).map((e) => e.round), [1]);

  // Planted without a MAC (as a reply would), under another key, and a real entry edited.
  await createFileJournal(folder).write({ sessionId: 'planted', round: 1, createdAt: 1, state: 'pending', files });
  await createFileJournal(folder, { key: async () => new Uint8Array(32) }).write({ sessionId: 'forged', round: 1, createdAt: 1, state: 'pending', files });
  await journal.write({ sessionId: 'edited', round: 1, createdAt: 1, state: 'pending', files });
  const editedPath = join(folder, 'sessions/edited/journal/1.json');
  const edited = JSON.parse(await readFile(editedPath, 'utf8'));
  edited.files[0].after = Buffer.from('evil').toString('base64');
  await writeFile(editedPath, JSON.stringify(edited));
  // A real entry copied to another session's name.
  await mkdir(join(folder, 'sessions/moved/journal'), { recursive: true });
  await writeFile(join(folder, 'sessions/moved/journal/1.json'), await readFile(join(folder, 'sessions/s/journal/1.json')));

  assert.deepEqual((await journal.list({ states: ['pending'] })).map((e) => e.sessionId), ['s']);
  assert.deepEqual(untrusted.map((path) => path.split('/').at(-3)).sort(), ['edited', 'forged', 'moved', 'planted']);
  await assert.rejects(journal.read('planted', 1), /carries no MAC/);
  await assert.rejects(journal.read('forged', 1), /MAC does not match/);
  await assert.rejects(journal.read('edited', 1), /MAC does not match/);
  await assert.rejects(journal.read('moved', 1), /names session s round 1/);
  // The same key file gives the same key to the next process.
  assert.equal((await createFileJournal(folder, { key: fileJournalKey(keyPath) }).read('s', 1))?.files[0]?.path, 'src/calc.js');
});
