// The child process of the crash-injection test: applies one round (journal, atomic
// writes, commit mark) to a real folder, or restores its checkpoint, and pauses
// forever at step N, where the parent kills it with SIGKILL.
// Usage: node crashChild.js ROOT STORE N [apply|restore] (N 0: no pause).
import { applyJournaled, imagesOf, restoreCheckpoint } from '../../../src/loop/checkpoints';
import type { FileChange } from '../../../src/domain/model';
import { createFileJournal, createFileSessionHistory } from '../../../src/node/sessionStore';
import { createFileWorkspace } from '../../../src/node/fileWorkspace';

export const CRASH_SESSION = 'crash-session';

/** The round the child applies: modifies, a delete and a create in a new folder. */
export const roundEdits: Record<string, string | null> = {
  'src/a.js': 'export const a = 1;\n',
  'src/b.js': 'export const b = 2;\n',
  'src/c.js': 'export const c = 3;\n',
  'src/gone.js': null,
  'src/new/d.js': 'export const d = 4;\n',
};

export const preFiles: Record<string, string> = {
  'src/a.js': 'export const a = 0;\n',
  'src/b.js': 'export const b = 0;\n',
  'src/c.js': 'export const c = 0;\n',
  'src/gone.js': 'export const gone = true;\n',
  'src/keep.js': 'untouched\n',
};

async function main(): Promise<void> {
  const [root, storeFolder, crashAtText, mode = 'apply'] = process.argv.slice(2);
  const crashAt = Number(crashAtText);
  let count = 0;
  const step = async (name: string) => {
    count++;
    process.stdout.write(`step ${count} ${name}\n`);
    if (count === crashAt) {
      process.stdout.write('paused\n');
      setInterval(() => {}, 60_000);
      await new Promise(() => {});
    }
  };
  const workspace = createFileWorkspace(root!, { onStep: step });
  const history = createFileSessionHistory(storeFolder!, { onStep: step });
  const journal = createFileJournal(storeFolder!, { onStep: step });
  if (mode === 'restore') {
    const refuse = () => Promise.reject(new Error('no gate is expected while restoring'));
    await step('start');
    const restored = await restoreCheckpoint(CRASH_SESSION, 1, { workspace, history, journal, reviewer: { review: refuse, afterTests: refuse, resolveConflict: refuse }, log: { info() {}, warn() {}, error() {} } });
    process.stdout.write(`done ${count} ${restored.restored.length}\n`);
    return;
  }
  const changes: FileChange[] = [];
  for (const [path, after] of Object.entries(roundEdits)) {
    const before = await workspace.read(path);
    if (after === null) changes.push({ path, kind: 'delete', before });
    else if (before === undefined) changes.push({ path, kind: 'create', after: new TextEncoder().encode(after) });
    else changes.push({ path, kind: 'modify', before, after: new TextEncoder().encode(after) });
  }
  await step('start');
  const result = await applyJournaled(CRASH_SESSION, 1, await imagesOf(changes, (path) => workspace.read(path)), { workspace, journal }, Date.now());
  process.stdout.write(`done ${count} ${result.ok}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
