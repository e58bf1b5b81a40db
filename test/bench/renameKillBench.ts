import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pendingJournals, recoverEntry, restoreCheckpoint } from '../../src/loop/checkpoints';
import { createFileWorkspace } from '../../src/node/fileWorkspace';
import { createFileJournal, createFileSessionHistory } from '../../src/node/sessionStore';
import { CRASH_SESSION, preFiles } from '../unit/node/crashChild';
import { noConflicts, paths, postFiles, runCrashChild, setUp, state } from '../unit/node/crashFixture';

// `npm run bench:reliability`'s deterministic pass: a real child process applies a round
// (or restores its checkpoint) and is SIGKILLed at every rename point (each file renamed
// or deleted into place, each journal entry renamed), once per recovery choice. After
// each kill every file must be in its pre- or post-round state, and the recovery the next
// start offers must bring back exactly the state chosen: 0 files lost.

const log = { info() {}, warn() {}, error() {} };

type Mode = 'apply' | 'restore';

const runChild = async (child: string, root: string, store: string, crashAt: number, mode: Mode): Promise<string[]> => (await runCrashChild(child, root, store, crashAt, mode)).steps;



const differing = (now: Record<string, string | undefined>, target: Record<string, string | undefined>) => paths.filter((path) => now[path] !== target[path]);

/** Whether a step is a rename point: a file or journal entry renamed (or deleted) into place. */
const isRenamePoint = (step: string) => /\b(renamed|deleted)\b/.test(step);

export interface RenameKillResult {
  /** Kills by mode: how many rename points each has, and how many kills were made there. */
  readonly apply: { points: number; kills: number };
  readonly restore: { points: number; kills: number };
  readonly lost: number;
  readonly tempsLeft: number;
}

/** `child`: the crash child (test/unit/node/crashChild.ts) built to a script. */
export async function renameKillBench(child: string): Promise<RenameKillResult> {
  const result = { apply: { points: 0, kills: 0 }, restore: { points: 0, kills: 0 }, lost: 0, tempsLeft: 0 };
  for (const mode of ['apply', 'restore'] as const) {
    const dry = await setUp('refine-bench-rename-');
    if (mode === 'restore') await runChild(child, dry.root, dry.store, 0, 'apply');
    const steps = await runChild(child, dry.root, dry.store, 0, mode);
    await rm(dry.base, { recursive: true, force: true });
    const points = steps.flatMap((step, index) => (isRenamePoint(step) ? [index + 1] : []));
    result[mode].points = points.length;
    // An interrupted apply is restored, or rolled forward; an interrupted restore is run again.
    const choices = mode === 'apply' ? (['restore', 'rollForward'] as const) : (['restore'] as const);
    for (const crashAt of points) {
      for (const choice of choices) {
        const { base, root, store } = await setUp('refine-bench-rename-');
        try {
          if (mode === 'restore') await runChild(child, root, store, 0, 'apply');
          await runChild(child, root, store, crashAt, mode);
          result[mode].kills++;
          const afterKill = await state(root);
          result.lost += paths.filter((path) => afterKill[path] !== preFiles[path] && afterKill[path] !== postFiles[path]).length;
          const workspace = createFileWorkspace(root);
          const journal = createFileJournal(store);
          const ports = { workspace, history: createFileSessionHistory(store), journal, reviewer: noConflicts, log };
          let target = preFiles as Record<string, string | undefined>;
          const pending = mode === 'apply' ? await pendingJournals(journal) : [];
          if (pending.length > 0) {
            await recoverEntry(pending[0]!, choice, ports);
            if (choice === 'rollForward') target = postFiles;
          } else {
            await restoreCheckpoint(CRASH_SESSION, 1, ports);
          }
          await workspace.sweepTemps(paths);
          result.lost += differing(await state(root), target).length;
          result.tempsLeft += (await readdir(join(root, 'src'), { recursive: true })).filter((name) => String(name).endsWith('.tmp')).length;
        } finally {
          await rm(base, { recursive: true, force: true });
        }
      }
    }
  }
  return result;
}
