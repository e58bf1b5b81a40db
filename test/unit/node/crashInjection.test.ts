import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pendingJournals, recoverEntry, restoreCheckpoint } from '../../../src/loop/checkpoints';
import { createFileJournal, createFileSessionHistory } from '../../../src/node/sessionStore';
import { createFileWorkspace } from '../../../src/node/fileWorkspace';
import { CRASH_SESSION, preFiles } from './crashChild';
import { noConflicts, paths, postFiles, runCrashChild, setUp, state } from './crashFixture';

// Crash injection: a real child process applies a round and is killed with SIGKILL at
// every step of the apply, several times per step. After each kill every file must be
// in its pre-round or its post-round state, and recovery from the journal must bring
// back the pre-round state (or, when chosen, the post-round state). Nothing is lost.

const CHILD = join(__dirname, 'crashChild.js');
const REPEATS = Number(process.env.REFINE_CRASH_REPEATS ?? 3);

const log = { info() {}, warn() {}, error() {} };

const runChild = (root: string, store: string, crashAt: number, mode: 'apply' | 'restore' = 'apply') => runCrashChild(CHILD, root, store, crashAt, mode);



const same = (a: Record<string, string | undefined>, b: Record<string, string | undefined>, path: string) => a[path] === b[path];

test('crash injection: killed between every step of an apply, no file is ever lost', { timeout: 300_000 }, async (t) => {
  // A dry run counts the steps.
  const dry = await setUp('refine-crash-');
  const full = await runChild(dry.root, dry.store, 0);
  await rm(dry.base, { recursive: true, force: true });
  assert.equal(full.done, true);
  assert.ok(full.steps.length >= 12, `expected every step to be reported, got ${full.steps.join(', ')}`);

  let runs = 0;
  let lost = 0;
  let mixedStates = 0;
  const recoveries = { restore: 0, rollForward: 0, checkpoint: 0, nothingJournaled: 0 };
  for (let crashAt = 1; crashAt <= full.steps.length; crashAt++) {
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const { base, root, store: storeFolder } = await setUp('refine-crash-');
      try {
        const child = await runChild(root, storeFolder, crashAt);
        assert.equal(child.killed, true);
        runs++;
        const afterCrash = await state(root);
        const pre = paths.filter((path) => same(afterCrash, preFiles, path));
        const post = paths.filter((path) => same(afterCrash, postFiles, path));
        const neither = paths.filter((path) => !pre.includes(path) && !post.includes(path));
        lost += neither.length;
        assert.deepEqual(neither, [], `after a kill at step ${crashAt} (${child.steps.at(-1)}), files in neither state`);
        if (pre.length < paths.length && post.length < paths.length) mixedStates++;

        const workspace = createFileWorkspace(root);
        const journal = createFileJournal(storeFolder);
        const ports = { workspace, history: createFileSessionHistory(storeFolder), journal, reviewer: noConflicts, log };
        const pending = await pendingJournals(journal);
        const committed = await journal.list({ states: ['committed'] });
        const rollForward = repeat % 2 === 1 && pending.length > 0;
        if (pending.length > 0) {
          await recoverEntry(pending[0]!, rollForward ? 'rollForward' : 'restore', ports);
          recoveries[rollForward ? 'rollForward' : 'restore']++;
        } else if (committed.length > 0) {
          await restoreCheckpoint(CRASH_SESSION, 1, ports);
          recoveries.checkpoint++;
        } else {
          recoveries.nothingJournaled++;
          assert.equal(post.filter((path) => !pre.includes(path)).length, 0, 'no file may change before the journal is written');
        }
        await workspace.sweepTemps(paths);
        const recovered = await state(root);
        const target = rollForward ? postFiles : preFiles;
        const wrong = paths.filter((path) => !same(recovered, target, path));
        lost += wrong.length;
        assert.deepEqual(wrong, [], `after recovery from a kill at step ${crashAt}`);
        const leftovers = (await readdir(join(root, 'src'), { recursive: true })).filter((name) => String(name).endsWith('.tmp'));
        assert.deepEqual(leftovers, [], 'no temp files left in the project');
        if (!rollForward) assert.deepEqual((await readdir(join(root, 'src'))).sort(), ['a.js', 'b.js', 'c.js', 'gone.js', 'keep.js'], 'the folder the round created is gone');
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    }
  }
  t.diagnostic(
    `crash injection: ${runs} runs (${full.steps.length} steps × ${REPEATS}), ${lost} files lost, ${mixedStates} runs left a half-applied round, recovered by ${JSON.stringify(recoveries)}`,
  );
  assert.equal(runs, full.steps.length * REPEATS);
  assert.equal(lost, 0);
  assert.ok(mixedStates > 0, 'some kills must land between two files of the round, or the test proves little');
  assert.ok(recoveries.restore > 0 && recoveries.rollForward > 0 && recoveries.checkpoint > 0);
});

test('crash injection: killed between every step of a restore, running it again finishes it', { timeout: 300_000 }, async (t) => {
  const dry = await setUp('refine-crash-');
  await runChild(dry.root, dry.store, 0, 'apply');
  const full = await runChild(dry.root, dry.store, 0, 'restore');
  assert.deepEqual(await state(dry.root), { ...preFiles, 'src/new/d.js': undefined });
  await rm(dry.base, { recursive: true, force: true });
  assert.ok(full.steps.length >= 10, `expected every step to be reported, got ${full.steps.join(', ')}`);

  let runs = 0;
  let lost = 0;
  const repeats = Math.max(1, Math.floor(REPEATS / 3));
  for (let crashAt = 1; crashAt <= full.steps.length; crashAt++) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const { base, root, store: storeFolder } = await setUp('refine-crash-');
      try {
        await runChild(root, storeFolder, 0, 'apply');
        const child = await runChild(root, storeFolder, crashAt, 'restore');
        assert.equal(child.killed, true);
        runs++;
        const afterCrash = await state(root);
        const neither = paths.filter((path) => !same(afterCrash, preFiles, path) && !same(afterCrash, postFiles, path));
        lost += neither.length;
        assert.deepEqual(neither, [], `after a kill at restore step ${crashAt} (${child.steps.at(-1)})`);
        const workspace = createFileWorkspace(root);
        await restoreCheckpoint(CRASH_SESSION, 1, { workspace, history: createFileSessionHistory(storeFolder), journal: createFileJournal(storeFolder), reviewer: noConflicts, log });
        await workspace.sweepTemps(paths);
        const recovered = await state(root);
        const wrong = paths.filter((path) => !same(recovered, preFiles, path));
        lost += wrong.length;
        assert.deepEqual(wrong, [], `after restoring again from a kill at restore step ${crashAt}`);
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    }
  }
  t.diagnostic(`crash injection during restore: ${runs} runs (${full.steps.length} steps × ${repeats}), ${lost} files lost`);
  assert.equal(lost, 0);
});
