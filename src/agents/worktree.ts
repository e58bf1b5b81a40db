import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentError, PathError } from '../domain/errors';
import { sha256Hex } from '../domain/hash';
import type { FileChange } from '../domain/model';
import { createRealPathGuard } from '../node/realPathGuard';

// A scratch copy of the workspace for agent programs that edit files themselves, and
// the difference they made. The copy leaves out `.git` and heavy generated folders,
// and remembers the hash of every file it copied: the diff is taken against that
// snapshot, so the person's own edits during the run are never mistaken for the agent's.

/** Folder names never copied and never diffed (version control internals and generated trees). */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.tox',
  'target',
  'dist',
  '.next',
  '.gradle',
  '.refine-loop',
]);

export interface Snapshot {
  /** Workspace-relative path (with /) to the SHA-256 of the bytes copied. */
  readonly hashes: Map<string, string>;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Copies `root` into `copy` (an empty folder). Symlinks that stay inside the workspace
 * are recreated; those that point outside are left out, so the program cannot write
 * through them into files beyond the copy.
 */
export async function copyWorkspace(root: string, copy: string): Promise<Snapshot> {
  const hashes = new Map<string, string>();
  const realRoot = await fs.realpath(root);
  const walk = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const rel = relative ? path.join(relative, entry.name) : entry.name;
      const source = path.join(root, rel);
      const target = path.join(copy, rel);
      if (entry.isDirectory()) {
        if (SKIPPED_FOLDERS.has(entry.name)) continue;
        await fs.mkdir(target, { recursive: true });
        await walk(rel);
      } else if (entry.isFile()) {
        const bytes = await fs.readFile(source);
        await fs.writeFile(target, bytes);
        hashes.set(toPosix(rel), await sha256Hex(bytes));
      } else if (entry.isSymbolicLink()) {
        const resolved = await fs.realpath(source).catch(() => undefined);
        if (resolved === undefined || !isInside(realRoot, resolved)) continue;
        await fs.symlink(path.relative(path.dirname(path.join(realRoot, rel)), resolved), target);
      }
    }
  };
  await walk('');
  return { hashes };
}

/** Regular files under `root` (skipped folders and symlinks left out), as workspace-relative paths. */
async function listFiles(root: string): Promise<Set<string>> {
  const files = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const rel = relative ? path.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(rel);
      } else if (entry.isFile()) {
        files.add(toPosix(rel));
      }
    }
  };
  await walk('');
  return files;
}

/**
 * What the program changed in `copy` since `snapshot`, as FileChanges against the
 * workspace at `root`. Throws AgentError when a file the program changed was also
 * changed in the workspace meanwhile (the two edits cannot both be kept unseen).
 */
export async function diffCopy(root: string, copy: string, snapshot: Snapshot): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  const copied = await listFiles(copy);
  const conflict = (rel: string): AgentError =>
    new AgentError(
      `${rel} changed in the workspace while the agent command worked on its copy. Nothing was applied. Run the round again so the agent starts from the current file.`,
      'agent.workspaceChanged',
    );
  const readWorkspace = async (rel: string): Promise<Uint8Array | undefined> => {
    try {
      return await fs.readFile(path.join(root, rel));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };

  // The one path guard, against the real workspace, before the workspace is even read: a
  // copy where `gitlink` (a link to .git) became a folder must not reach .git/hooks.
  const guard = createRealPathGuard(root);
  const refused: string[] = [];
  const allowed = async (rel: string): Promise<boolean> => {
    try {
      await guard(rel);
      return true;
    } catch (error) {
      if (!(error instanceof PathError)) throw error;
      refused.push(error.message);
      return false;
    }
  };

  for (const rel of [...copied].sort()) {
    const after = await fs.readFile(path.join(copy, rel));
    const afterHash = await sha256Hex(after);
    const snapshotHash = snapshot.hashes.get(rel);
    if (snapshotHash === afterHash || !(await allowed(rel))) continue;
    const before = await readWorkspace(rel);
    const beforeHash = before === undefined ? undefined : await sha256Hex(before);
    if (snapshotHash === undefined) {
      if (before !== undefined) throw conflict(rel);
      changes.push({ path: rel, kind: 'create', after });
    } else {
      if (beforeHash !== snapshotHash || before === undefined) throw conflict(rel);
      changes.push({ path: rel, kind: 'modify', before, after, beforeHash });
    }
  }
  for (const [rel, snapshotHash] of [...snapshot.hashes].sort(([a], [b]) => a.localeCompare(b))) {
    if (copied.has(rel) || !(await allowed(rel))) continue;
    const before = await readWorkspace(rel);
    if (before === undefined) continue;
    const beforeHash = await sha256Hex(before);
    if (beforeHash !== snapshotHash) throw conflict(rel);
    changes.push({ path: rel, kind: 'delete', before, beforeHash });
  }
  if (refused.length > 0) {
    throw new AgentError(`The agent command changed files the loop may not touch; nothing was applied. ${refused.join(' ')}`, 'agent.pathRefused');
  }
  return changes;
}

/** Under the workspace root, but neither the agent's business nor a sign of it: churn of git and tools while the agent ran. */
const OUTSIDE_SCAN_SKIPPED = new Set([...SKIPPED_FOLDERS].filter((name) => name !== '.git'));
const GIT_CHURN = /^\.git\/(index|index\.lock|FETCH_HEAD|ORIG_HEAD|objects\/.*|logs\/.*|refs\/remotes\/.*)$/;

/**
 * Files under `root` (its .git included) created or changed since `sinceMs`, by
 * modification or status-change time: what an agent that was meant to touch only its
 * copy wrote to the workspace itself (through `../`, an absolute path or a link).
 * Reports at most `limit` paths; the scan stops after `maxEntries` entries.
 */
export async function changedOutsideCopy(root: string, sinceMs: number, limit = 50, maxEntries = 200_000): Promise<{ paths: string[]; complete: boolean }> {
  const paths: string[] = [];
  let seen = 0;
  const walk = async (relative: string): Promise<boolean> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
    } catch {
      return true;
    }
    for (const entry of entries) {
      if (++seen > maxEntries) return false;
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory() && OUTSIDE_SCAN_SKIPPED.has(entry.name)) continue;
      const info = await fs.lstat(path.join(root, rel)).catch(() => undefined);
      if (info && Math.max(info.mtimeMs, info.ctimeMs) >= sinceMs && !entry.isDirectory() && !GIT_CHURN.test(rel)) {
        paths.push(rel);
        if (paths.length >= limit) return false;
      }
      if (entry.isDirectory() && !(await walk(rel))) return false;
    }
    return true;
  };
  const complete = await walk('');
  return { paths: paths.sort(), complete };
}
