import { lstat, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PathError } from '../domain/errors';
import { guardPath, isGitFolderName, STORE_FOLDER } from '../domain/pathGuard';

// The real-path half of the one path guard. The lexical half (src/domain/pathGuard.ts)
// judges the text of a path; this one follows it on disk, segment by segment, resolving
// every symbolic link it meets, and refuses whatever really lies outside the root, in any
// `.git` folder (or the git folder a `.git` file points to: worktrees, submodules), or in
// the loop's own store. Every Workspace adapter (files, editor) and the worktree results
// pass here before a byte is read or written.

export interface GuardedPath {
  /** The normalised workspace-relative path. */
  readonly relative: string;
  /** The absolute path under the root as named (symlinks inside the root are kept as they are). */
  readonly absolute: string;
}

export type RealPathGuard = (path: string) => Promise<GuardedPath>;

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The git folder a `.git` *file* names (`gitdir: PATH`), resolved; undefined when `folder/.git` is not such a file. */
async function gitFileTarget(folder: string): Promise<string | undefined> {
  const dotGit = join(folder, '.git');
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const text = await readFile(dotGit, 'utf8').catch(() => '');
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  if (!match) return undefined;
  const target = resolve(folder, match[1]!);
  return realpath(target).catch(() => target);
}

/** A folder shaped like a git folder (HEAD, objects/, refs/), whatever its name: a bare repository, a submodule's gitdir. */
async function looksLikeGitFolder(folder: string): Promise<boolean> {
  const kinds = await Promise.all(['HEAD', 'objects', 'refs'].map((name) => lstat(join(folder, name)).catch(() => undefined)));
  return kinds[0]?.isFile() === true && kinds[1]?.isDirectory() === true && kinds[2]?.isDirectory() === true;
}

/** A guard for paths under `root`; the root's real path is looked up once. */
export function createRealPathGuard(root: string): RealPathGuard {
  const absoluteRoot = resolve(root);
  let realRootPromise: Promise<string> | undefined;

  return async (path: string): Promise<GuardedPath> => {
    const normalised = guardPath(path);
    const segments = normalised.split('/');
    const absolute = resolve(absoluteRoot, ...segments);
    if (!isInside(absoluteRoot, absolute)) throw new PathError(`Path '${path}' resolves outside the workspace.`, path);
    const realRoot = await (realRootPromise ??= realpath(absoluteRoot));
    const refuse = (why: string): never => {
      throw new PathError(`Path '${normalised}' ${why}, which edits may not touch.`, path);
    };
    const check = (real: string) => {
      if (!isInside(realRoot, real)) refuse('resolves outside the workspace through a symbolic link');
      const inside = relative(realRoot, real).split(sep).filter((segment) => segment !== '');
      if (inside.some(isGitFolderName)) refuse('really lies inside a .git folder (through a symbolic link)');
      if (inside[0]?.toLowerCase() === STORE_FOLDER) refuse(`really lies inside ${STORE_FOLDER}/, Refine Loop's own store (through a symbolic link)`);
    };
    const gitTargets: string[] = [];
    const noteGitFile = async (folder: string) => {
      const target = await gitFileTarget(folder);
      if (target !== undefined) gitTargets.push(target);
    };

    // Walk the existing segments on disk; `current` is always a real path.
    let current = realRoot;
    await noteGitFile(current);
    let index = 0;
    for (; index < segments.length; index++) {
      const next = join(current, segments[index]!);
      let info;
      try {
        info = await lstat(next);
      } catch (error) {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') break;
        throw error;
      }
      if (info.isSymbolicLink()) {
        let target;
        try {
          target = await realpath(next);
        } catch {
          refuse('is (or passes through) a symbolic link that points nowhere');
        }
        current = target!;
      } else {
        current = next;
      }
      check(current);
      const isFolder = info.isDirectory() || (info.isSymbolicLink() && (await lstat(current).then((real) => real.isDirectory(), () => false)));
      if (isFolder) {
        if (await looksLikeGitFolder(current)) refuse('really lies inside a git folder (HEAD, objects/, refs/)');
        await noteGitFile(current);
      }
    }
    // The segments that do not exist yet are made inside the last real folder.
    const final = index < segments.length ? join(current, ...segments.slice(index)) : current;
    check(final);
    for (const target of gitTargets) {
      if (isInside(target, final)) refuse('really lies inside the git folder a .git file points to');
    }
    return { relative: normalised, absolute };
  };
}
