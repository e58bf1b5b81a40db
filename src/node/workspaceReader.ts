import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PathError } from '../domain/errors';
import { matchesAny } from '../domain/glob';
import { guardPath } from '../domain/pathGuard';
import type { WorkspacePath } from '../domain/model';
import type { FileListing, FileRead, WorkspaceReader } from '../domain/ports';
import { isIgnored, parseGitignore, type IgnoreRule } from './gitignore';
import { createRealPathGuard } from './realPathGuard';

// The WorkspaceReader port over a folder on disk: what the agent's read-only tools see.
// Every path passes the lexical path guard, then the real-path guard (no symlink out of
// the root, into a .git folder or into the store); listings skip .gitignore'd and excluded files, `.git` and `.refine-loop`,
// and never follow a symlinked folder. The editor passes `openText` so that a file's
// unsaved buffer is what the model reads.

export interface WorkspaceReaderOptions {
  /** Globs of files never listed (refineLoop.context.exclude). */
  readonly exclude?: readonly string[];
  /** The text of the file's unsaved buffer, if it has one (the editor). */
  readonly openText?: (path: WorkspacePath) => string | undefined;
  /**
   * Throws PathError when `absolute` must not be read. Default: its real path (symlinks
   * resolved) must lie inside the root's. A stricter check can plug in here.
   */
  readonly checkRealPath?: (path: WorkspacePath, absolute: string) => Promise<void>;
  /** Most entries one walk visits before it stops counting (default 100,000). */
  readonly maxWalk?: number;
}

/** Folders no listing enters, whatever .gitignore says. */
const neverListed = new Set(['.git', '.refine-loop']);

export function createWorkspaceReader(root: string, options: WorkspaceReaderOptions = {}): WorkspaceReader {
  const absoluteRoot = resolve(root);
  const exclude = options.exclude ?? [];
  const maxWalk = options.maxWalk ?? 100_000;

  // The one path guard on real paths: no symlink out of the root, into any .git folder or into the store.
  const guard = createRealPathGuard(absoluteRoot);
  const defaultCheck = async (path: WorkspacePath): Promise<void> => {
    await guard(path);
  };
  const checkRealPath = options.checkRealPath ?? defaultCheck;

  function absoluteOf(path: WorkspacePath): { path: string; absolute: string } {
    const guarded = guardPath(path);
    if (guarded.split('/').some((segment) => segment.toLowerCase() === '.refine-loop')) throw new PathError(`Path '${path}' is inside .refine-loop/, Refine Loop's own store.`, path);
    return { path: guarded, absolute: resolve(absoluteRoot, ...guarded.split('/')) };
  }

  async function readFileOf(path: WorkspacePath, maxBytes: number): Promise<FileRead> {
    const target = absoluteOf(path);
    await checkRealPath(target.path, target.absolute);
    const open = options.openText?.(target.path);
    if (open !== undefined) {
      const bytes = new TextEncoder().encode(open);
      return bytes.length > maxBytes ? { kind: 'tooLarge', size: bytes.length } : { kind: 'file', bytes };
    }
    const info = await stat(target.absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!info) return { kind: 'missing' };
    if (info.isDirectory()) return { kind: 'folder' };
    if (info.size > maxBytes) return { kind: 'tooLarge', size: info.size };
    return { kind: 'file', bytes: new Uint8Array(await readFile(target.absolute)) };
  }

  async function listFiles(request: { readonly folder?: WorkspacePath; readonly limit: number }): Promise<FileListing> {
    const start = request.folder !== undefined && request.folder.replace(/[./\\]/g, '') !== '' ? absoluteOf(request.folder).path : '';
    if (start !== '') await checkRealPath(start, resolve(absoluteRoot, ...start.split('/')));
    const files: string[] = [];
    let total = 0;
    let visited = 0;
    let complete = true;
    // Depth first, names sorted, so a listing is the same every time.
    const walk = async (folder: string, rules: readonly IgnoreRule[]): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(folder === '' ? absoluteRoot : join(absoluteRoot, ...folder.split('/')), { withFileTypes: true });
      } catch {
        return;
      }
      const gitignore = entries.find((entry) => entry.name === '.gitignore' && entry.isFile());
      let here = rules;
      if (gitignore) {
        const text = await readFile(join(absoluteRoot, ...folder.split('/').filter(Boolean), '.gitignore'), 'utf8').catch(() => '');
        here = [...rules, ...parseGitignore(text, folder)];
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (++visited > maxWalk) {
          complete = false;
          return;
        }
        const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
        if (entry.isDirectory()) {
          if (neverListed.has(entry.name.toLowerCase())) continue;
          // Only the way down to the folder asked for, and everything inside it.
          if (start !== '' && !(start.startsWith(`${path}/`) || start === path || path.startsWith(`${start}/`))) continue;
          if (isIgnored(path, true, here) || matchesAny(path, exclude) || matchesAny(`${path}/`, exclude)) continue;
          await walk(path, here);
          if (!complete) return;
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          if (start !== '' && !path.startsWith(`${start}/`)) continue;
          if (isIgnored(path, false, here) || matchesAny(path, exclude)) continue;
          total++;
          if (files.length < request.limit) files.push(path);
        }
      }
    };
    await walk('', []);
    return { files, total, complete };
  }

  return { listFiles, readFile: readFileOf };
}
