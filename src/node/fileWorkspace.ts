import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { PathError } from '../domain/errors';
import type { CommitResult, FileWrite, Workspace } from '../domain/ports';
import { type StepHook, syncFolder, writeTemp } from './atomicFile';
import { createRealPathGuard } from './realPathGuard';

// The Workspace port over a folder on disk. A commit checks every expected hash
// first and writes nothing when one differs; then it prepares every new file as a
// flushed temp file, checks the hashes once more (the person may have saved
// meanwhile), and only then renames them into place.

export interface FileWorkspaceOptions {
  /** Crash injection in tests: called between the steps of a commit. */
  readonly onStep?: StepHook;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface FileWorkspace extends Workspace {
  readonly root: string;
  resolvePath(path: string): Promise<string>;
  /** Removes temp files an interrupted commit left next to `paths` (and folders it left empty); returns how many files. */
  sweepTemps(paths: readonly string[]): Promise<number>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createFileWorkspace(root: string, options: FileWorkspaceOptions = {}): FileWorkspace {
  const absoluteRoot = resolve(root);

  const guard = createRealPathGuard(absoluteRoot);

  /** The absolute path of a workspace-relative one, or PathError (outside, `.git`, the store, NUL, symlink escape): the one path guard. */
  async function resolvePath(path: string): Promise<string> {
    return (await guard(path)).absolute;
  }

  async function readAbsolute(absolute: string): Promise<Uint8Array | undefined> {
    try {
      // A plain Uint8Array over the bytes read, not a copy of them (a 50 MB file is not held twice).
      const bytes = await readFile(absolute);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new PathError(`'${relative(absoluteRoot, absolute)}' is a folder, not a file.`, relative(absoluteRoot, absolute));
      throw error;
    }
  }

  /**
   * contentHash of the file as it is on disk, hashed as it is read: the check before and
   * after the temp files are written holds no copy of the file (null: no such file).
   */
  async function hashOnDisk(absolute: string): Promise<string | null> {
    let handle;
    try {
      handle = await open(absolute, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
    try {
      if ((await handle.stat()).isDirectory()) throw new PathError(`'${relative(absoluteRoot, absolute)}' is a folder, not a file.`, relative(absoluteRoot, absolute));
      const hash = createHash('sha256');
      const chunk = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) return hash.digest('hex');
        hash.update(chunk.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }

  async function conflictsOf(targets: readonly { write: FileWrite; absolute: string }[]) {
    const conflicts = [];
    for (const { write, absolute } of targets) {
      const actualHash = await hashOnDisk(absolute);
      if (actualHash !== write.expectedHash) conflicts.push({ path: write.path, expectedHash: write.expectedHash, actualHash });
    }
    return conflicts;
  }

  async function commit(writes: readonly FileWrite[]): Promise<CommitResult> {
    const step = options.onStep;
    const targets = [];
    for (const write of writes) targets.push({ write, absolute: await resolvePath(write.path) });
    const early = await conflictsOf(targets);
    if (early.length > 0) return { ok: false, conflicts: early };

    const temps = new Map<string, string>();
    try {
      for (const { write, absolute } of targets) {
        if (write.content === null) continue;
        await mkdir(dirname(absolute), { recursive: true });
        const mode = await stat(absolute).then((info) => info.mode & 0o7777, () => undefined);
        temps.set(absolute, await writeTemp(absolute, write.content, mode));
        await step?.(`temp ${write.path}`);
      }
      const late = await conflictsOf(targets);
      if (late.length > 0) {
        for (const temp of temps.values()) await rm(temp, { force: true });
        return { ok: false, conflicts: late };
      }
      await step?.('verified');
    } catch (error) {
      for (const temp of temps.values()) await rm(temp, { force: true });
      throw error;
    }

    const folders = new Set<string>();
    for (const { write, absolute } of targets) {
      const temp = temps.get(absolute);
      if (temp !== undefined) {
        await rename(temp, absolute);
        await step?.(`renamed ${write.path}`);
      } else if (await lstat(absolute).then(() => true, () => false)) {
        await rm(absolute);
        await step?.(`deleted ${write.path}`);
        await removeEmptyFolders(dirname(absolute));
      }
      folders.add(dirname(absolute));
    }
    for (const folder of folders) await syncFolder(folder);
    return { ok: true };
  }

  /** Folders left empty by a delete go too (as git would see it): undoing a created file leaves no trace. */
  async function removeEmptyFolders(folder: string): Promise<void> {
    for (let current = folder; current !== absoluteRoot && isInside(absoluteRoot, current); current = dirname(current)) {
      const empty = await readdir(current).then((names) => names.length === 0, () => false);
      if (!empty) return;
      await rmdir(current).catch(() => undefined);
    }
  }

  async function sweepTemps(paths: readonly string[]): Promise<number> {
    let removed = 0;
    for (const path of new Set(paths)) {
      const absolute = await resolvePath(path);
      const pattern = new RegExp(`^\\.${escapeRegExp(basename(absolute))}\\.refine-\\d+-[0-9a-f]{8}\\.tmp$`);
      for (const name of await readdir(dirname(absolute)).catch(() => [] as string[])) {
        if (!pattern.test(name)) continue;
        await rm(resolve(dirname(absolute), name), { force: true });
        removed++;
      }
      // A folder made for a file that never arrived.
      await removeEmptyFolders(dirname(absolute));
    }
    return removed;
  }

  return {
    root: absoluteRoot,
    resolvePath,
    sweepTemps,
    read: async (path) => readAbsolute(await resolvePath(path)),
    commit,
  };
}
