import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Atomic file replacement: the new bytes go to a temp file in the same folder, are
// flushed to disk, and then renamed over the target, so a reader (or a crash) sees
// the old file or the new one, never half of either.

/** Called between the steps of a write; tests use it to kill the process at each step. */
export type StepHook = (step: string) => void | Promise<void>;

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.refine-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `bytes` to a new temp file next to `path` and flushes it; returns the temp path. */
export async function writeTemp(path: string, bytes: Uint8Array, mode?: number): Promise<string> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', mode ?? 0o666);
  try {
    await handle.writeFile(bytes);
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Flushes a folder's entries (the renames in it) to disk; a no-op where folders cannot be opened. */
export async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Windows cannot fsync a folder; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

export async function writeFileAtomic(path: string, bytes: Uint8Array, step?: StepHook): Promise<void> {
  const temp = await writeTemp(path, bytes);
  await step?.(`temp ${basename(path)}`);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await step?.(`renamed ${basename(path)}`);
  await syncFolder(dirname(path));
}
