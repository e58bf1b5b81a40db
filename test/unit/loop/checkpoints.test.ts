import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJournaled, imagesOf, pendingJournals, recoverEntry, recoverJournal, restoreCheckpoint } from '../../../src/loop/checkpoints';
import { bytes, MemoryHistory, MemoryJournal, MemoryWorkspace, ScriptedReviewer, silentLog } from './fakes';
import { contentHash } from '../../../src/domain/hash';
import type { FileChange } from '../../../src/domain/model';

async function modify(workspace: MemoryWorkspace, path: string, after: string): Promise<FileChange> {
  const before = await workspace.read(path);
  return before === undefined ? { path, kind: 'create', after: bytes(after) } : { path, kind: 'modify', before, after: bytes(after), beforeHash: (await contentHash(before))! };
}

async function applyRound(ports: { workspace: MemoryWorkspace; journal: MemoryJournal }, round: number, edits: Record<string, string | null>) {
  const changes: FileChange[] = [];
  for (const [path, after] of Object.entries(edits)) {
    if (after === null) changes.push({ path, kind: 'delete', before: await ports.workspace.read(path) });
    else changes.push(await modify(ports.workspace, path, after));
  }
  const result = await applyJournaled('s', round, await imagesOf(changes, (p) => ports.workspace.read(p)), ports, round);
  assert.equal(result.ok, true);
}

test('restoring a checkpoint undoes that round and every later one, touching nothing else', async () => {
  const workspace = new MemoryWorkspace({ 'a.js': 'a0', 'b.js': 'b0', 'untouched.js': 'u0', 'old.js': 'gone soon' });
  const journal = new MemoryJournal();
  const ports = { workspace, history: new MemoryHistory(), journal, reviewer: new ScriptedReviewer(), log: silentLog };
  await applyRound(ports, 1, { 'a.js': 'a1' });
  await applyRound(ports, 2, { 'a.js': 'a2', 'new/c.js': 'c2', 'old.js': null });
  await applyRound(ports, 3, { 'b.js': 'b3' });
  workspace.files.set('untouched.js', bytes('the person edits this meanwhile'));

  const result = await restoreCheckpoint('s', 2, ports);
  assert.deepEqual(result.rounds, [3, 2]);
  assert.deepEqual(result.kept, []);
  assert.equal(workspace.get('a.js'), 'a1', 'round 1 stays');
  assert.equal(workspace.get('b.js'), 'b0');
  assert.equal(workspace.get('new/c.js'), undefined, 'a created file is removed');
  assert.equal(workspace.get('old.js'), 'gone soon', 'a deleted file comes back');
  assert.equal(workspace.get('untouched.js'), 'the person edits this meanwhile');
  assert.deepEqual((await journal.list({ states: ['reverted'] })).map((e) => e.round), [2, 3]);

  // Restoring again is a no-op: nothing is committed any more after round 1.
  assert.deepEqual((await restoreCheckpoint('s', 2, ports)).rounds, []);
});

test('a file changed after its round applied is not overwritten unless the person says so', async () => {
  for (const choice of ['keepCurrent', 'overwrite'] as const) {
    const workspace = new MemoryWorkspace({ 'a.js': 'a0', 'b.js': 'b0' });
    const journal = new MemoryJournal();
    const reviewer = new ScriptedReviewer([], [], choice);
    await applyRound({ workspace, journal }, 1, { 'a.js': 'a1', 'b.js': 'b1' });
    workspace.files.set('a.js', bytes('a1 plus the person typing'));
    const result = await restoreCheckpoint('s', 1, { workspace, history: new MemoryHistory(), journal, reviewer, log: silentLog });
    assert.equal(reviewer.conflicts.length, 1);
    const conflict = reviewer.conflicts[0]!;
    assert.deepEqual([conflict.path, new TextDecoder().decode(conflict.current), new TextDecoder().decode(conflict.restore), new TextDecoder().decode(conflict.applied)], [
      'a.js',
      'a1 plus the person typing',
      'a0',
      'a1',
    ]);
    assert.equal(workspace.get('b.js'), 'b0');
    if (choice === 'keepCurrent') {
      assert.equal(workspace.get('a.js'), 'a1 plus the person typing');
      assert.deepEqual(result.kept, ['a.js']);
    } else {
      assert.equal(workspace.get('a.js'), 'a0');
      assert.deepEqual([...result.restored].sort(), ['a.js', 'b.js']);
    }
  }
});

test('the person typing between the look and the write is never clobbered', async () => {
  const workspace = new MemoryWorkspace({ 'a.js': 'a0' });
  const journal = new MemoryJournal();
  await applyRound({ workspace, journal }, 1, { 'a.js': 'a1' });
  let typed = false;
  workspace.beforeCommit = () => {
    if (!typed) workspace.files.set('a.js', bytes('typed at the last moment'));
    typed = true;
  };
  const reviewer = new ScriptedReviewer([], [], 'keepCurrent');
  const result = await restoreCheckpoint('s', 1, { workspace, history: new MemoryHistory(), journal, reviewer, log: silentLog });
  assert.equal(workspace.get('a.js'), 'typed at the last moment');
  assert.deepEqual(result.kept, ['a.js']);
});

test('an apply whose base changed writes nothing and leaves an abandoned journal entry', async () => {
  const workspace = new MemoryWorkspace({ 'a.js': 'a0', 'b.js': 'b0' });
  const journal = new MemoryJournal();
  const changes = [await modify(workspace, 'a.js', 'a1'), await modify(workspace, 'b.js', 'b1')];
  const images = await imagesOf(changes, (p) => workspace.read(p));
  workspace.files.set('b.js', bytes('person'));
  const result = await applyJournaled('s', 1, images, { workspace, journal }, 0);
  assert.deepEqual(result, { ok: false, conflicts: ['b.js'] });
  assert.equal(workspace.get('a.js'), 'a0');
  assert.equal((await journal.read('s', 1))?.state, 'abandoned');
});

test('an interrupted apply is found and can be restored or rolled forward', async () => {
  for (const choice of ['restore', 'rollForward'] as const) {
    const workspace = new MemoryWorkspace({ 'a.js': 'a0', 'b.js': 'b0' });
    const journal = new MemoryJournal();
    const changes = [await modify(workspace, 'a.js', 'a1'), await modify(workspace, 'b.js', 'b1'), await modify(workspace, 'c.js', 'c1')];
    const images = await imagesOf(changes, (p) => workspace.read(p));
    await journal.write({ sessionId: 's', round: 1, createdAt: 0, state: 'pending', files: images });
    workspace.files.set('a.js', bytes('a1')); // the crash came after the first file only
    const ports = { workspace, journal, reviewer: new ScriptedReviewer(), log: silentLog };
    assert.equal((await pendingJournals(journal)).length, 1);
    const done = await recoverJournal(ports, async () => choice);
    assert.equal(done[0]?.choice, choice);
    const expected = choice === 'restore' ? ['a0', 'b0', undefined] : ['a1', 'b1', 'c1'];
    assert.deepEqual(['a.js', 'b.js', 'c.js'].map((p) => workspace.get(p)), expected);
    assert.deepEqual(await pendingJournals(journal), []);
    assert.equal((await journal.read('s', 1))?.state, choice === 'restore' ? 'reverted' : 'committed');
    // Idempotent: running it again writes nothing.
    assert.deepEqual((await recoverEntry((await journal.read('s', 1))!, choice, ports)).written, []);
  }
});

test('a write that fails part-way leaves the journal pending and says how to recover', async () => {
  const workspace = new MemoryWorkspace({ 'a.js': 'a0', 'b.js': 'b0' });
  const journal = new MemoryJournal();
  const images = await imagesOf([await modify(workspace, 'a.js', 'a1'), await modify(workspace, 'b.js', 'b1')], (p) => workspace.read(p));
  workspace.commit = async () => {
    workspace.files.set('a.js', bytes('a1'));
    throw new Error('EACCES: permission denied, rename b.js');
  };
  await assert.rejects(applyJournaled('s', 1, images, { workspace, journal }, 0), /Writing round 1 failed part-way \(EACCES.*restore or finish the round from the journal/);
  assert.equal((await journal.read('s', 1))?.state, 'pending');
  const ports = { workspace: new MemoryWorkspace(), journal, reviewer: new ScriptedReviewer(), log: silentLog };
  ports.workspace.files.set('a.js', bytes('a1'));
  ports.workspace.files.set('b.js', bytes('b0'));
  await recoverEntry((await pendingJournals(journal))[0]!, 'restore', ports);
  assert.deepEqual([ports.workspace.get('a.js'), ports.workspace.get('b.js')], ['a0', 'b0']);
});
