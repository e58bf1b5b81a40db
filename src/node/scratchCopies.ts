import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { errorMessage } from '../domain/errors';
import type { Logger, ScratchCopies, ScratchCopy, TestRunner } from '../domain/ports';
import { createFileWorkspace } from './fileWorkspace';
import { isIgnored, parseGitignore, type IgnoreRule } from './gitignore';

// The ScratchCopies port on disk (best of N): each attempt of a round is written into
// and tested in its own copy of the workspace. In a git repository the copy is a
// `git worktree add --detach` of HEAD plus the workspace's uncommitted changes and
// untracked files (cheap, and .gitignore is respected); elsewhere a plain copy that
// leaves out what .gitignore and the heavy folders leave out. node_modules is linked,
// never copied. Copies live under the system temp folder, never inside the workspace
// (a test runner there would find their tests), each with an owner file naming the
// process, so the next start can remove what a crash left behind.

/** Folders a plain copy leaves out (node_modules is linked instead). */
const HEAVY_FOLDERS = new Set(['.git', '.hg', '.svn', '.venv', 'venv', '__pycache__', '.mypy_cache', '.pytest_cache', '.tox', 'target', 'dist', 'out', '.next', '.gradle', '.refine-loop', 'coverage']);

export interface ScratchCopiesConfig {
  /** The workspace folder. */
  readonly root: string;
  /** The session's test command, run in a copy's folder. */
  readonly testRunner: (root: string) => TestRunner;
  /** Where the copies go (default: the system temp folder, one folder per workspace). */
  readonly base?: string;
  readonly log?: Logger;
}

interface GitResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function git(cwd: string, args: readonly string[], input?: Buffer): Promise<GitResult> {
  return new Promise((resolveResult) => {
    // Hooks of the person's repository must not run for a scratch copy.
    const child = spawn('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', (error) => resolveResult({ code: null, stdout: Buffer.alloc(0), stderr: error.message }));
    child.on('close', (code) => resolveResult({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The default home of a workspace's copies: one folder per workspace under the temp folder. */
export function scratchBase(root: string): string {
  return join(tmpdir(), 'refine-loop-scratch', createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16));
}

/** The git repository the folder is in (its top level), when it has a commit to start from. */
async function gitTopLevel(root: string): Promise<string | undefined> {
  const top = await git(root, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) return undefined;
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  return head.code === 0 ? top.stdout.toString('utf8').trim() : undefined;
}

/** Runs `tasks` with at most `limit` at once (file copies: the thread pool works in parallel). */
async function inParallel(tasks: readonly (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** A plain copy of `source` into `target`: .gitignore'd files and heavy folders left out, node_modules linked. */
async function plainCopy(source: string, target: string): Promise<void> {
  const copies: (() => Promise<unknown>)[] = [];
  const walk = async (rel: string, rules: readonly IgnoreRule[]): Promise<void> => {
    const folder = join(source, rel);
    const ignore = await fs.readFile(join(folder, '.gitignore'), 'utf8').catch(() => undefined);
    const here = ignore === undefined ? rules : [...rules, ...parseGitignore(ignore, rel)];
    await fs.mkdir(join(target, rel), { recursive: true });
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name === 'node_modules') {
        await fs.symlink(join(source, path), join(target, path), 'dir');
        continue;
      }
      if (entry.isDirectory() && HEAVY_FOLDERS.has(entry.name)) continue;
      if (isIgnored(path, entry.isDirectory(), here)) continue;
      if (entry.isDirectory()) await walk(path, here);
      // A copy-on-write clone where the file system has them, else a plain copy.
      else if (entry.isFile()) copies.push(() => fs.copyFile(join(source, path), join(target, path), fsConstants.COPYFILE_FICLONE));
      else if (entry.isSymbolicLink()) copies.push(async () => fs.symlink(await fs.readlink(join(source, path)), join(target, path)));
    }
  };
  await walk('', []);
  await inParallel(copies, 32);
}

/** A worktree of HEAD with the uncommitted changes and untracked files of `top` on top. */
async function gitCopy(top: string, target: string): Promise<void> {
  const added = await git(top, ['worktree', 'add', '--detach', '--quiet', target, 'HEAD']);
  if (added.code !== 0) throw new Error(`git worktree add failed: ${added.stderr.trim()}`);
  const diff = await git(top, ['diff', 'HEAD', '--binary']);
  if (diff.code !== 0) throw new Error(`git diff failed: ${diff.stderr.trim()}`);
  if (diff.stdout.length > 0) {
    const applied = await git(target, ['apply', '--binary', '--whitespace=nowarn'], diff.stdout);
    if (applied.code !== 0) throw new Error(`the uncommitted changes did not apply to the scratch copy: ${applied.stderr.trim()}`);
  }
  const untracked = await git(top, ['ls-files', '--others', '--exclude-standard', '-z']);
  const paths = untracked.stdout.toString('utf8').split('\0').filter(Boolean);
  await inParallel(
    paths.map((path) => async () => {
      await fs.mkdir(dirname(join(target, path)), { recursive: true });
      await fs.cp(join(top, path), join(target, path), { verbatimSymlinks: true });
    }),
    16,
  );
}

/** node_modules folders of the workspace the copy lacks (ignored by git), linked into it. */
async function linkNodeModules(root: string, copyRoot: string): Promise<void> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const folders = ['', ...entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules').map((entry) => entry.name)];
  for (const folder of folders) {
    const source = join(root, folder, 'node_modules');
    const target = join(copyRoot, folder, 'node_modules');
    if ((await exists(source)) && !(await exists(target)) && (await exists(join(copyRoot, folder)))) await fs.symlink(source, target, 'dir');
  }
}

export function createScratchCopies(config: ScratchCopiesConfig): ScratchCopies {
  const root = resolve(config.root);
  const base = config.base ?? scratchBase(root);
  const live = new Set<string>();
  // git locks its worktree list: one copy is made at a time.
  let queue: Promise<unknown> = Promise.resolve();

  async function removeFolder(folder: string, top: string | undefined): Promise<void> {
    if (top !== undefined) await git(top, ['worktree', 'remove', '--force', folder]);
    await fs.rm(folder, { recursive: true, force: true, maxRetries: 3 });
    if (top !== undefined) await git(top, ['worktree', 'prune']);
    await fs.rm(`${folder}.owner`, { force: true });
    live.delete(folder);
    // The workspace's folder under the temp folder goes with its last copy.
    await fs.rmdir(base).catch(() => undefined);
  }

  async function make(label: string, signal: AbortSignal): Promise<ScratchCopy> {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
    const folder = join(base, `${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
    const top = await gitTopLevel(root);
    // The owner file first: a crash from here on leaves something the next start finds.
    // (Once more when the last copy's removal took the base folder away meanwhile.)
    const owner = JSON.stringify({ pid: process.pid, root, label, git: top ?? null });
    for (let tries = 0; ; tries++) {
      await fs.mkdir(base, { recursive: true });
      const written = await fs.writeFile(`${folder}.owner`, owner, { flag: 'wx' }).then(() => true, (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' && tries < 3 ? false : Promise.reject(error)));
      if (written) break;
    }
    live.add(folder);
    try {
      let copyRoot = folder;
      if (top !== undefined) {
        await gitCopy(top, folder);
        copyRoot = join(folder, relative(await fs.realpath(top), await fs.realpath(root)));
      } else {
        await plainCopy(root, folder);
      }
      await linkNodeModules(root, copyRoot);
      config.log?.info('scratch', `${label}: ${top !== undefined ? 'git worktree' : 'copy'} at ${copyRoot}`);
      let removed: Promise<void> | undefined;
      return {
        workspace: createFileWorkspace(copyRoot),
        tests: config.testRunner(copyRoot),
        remove: () => (removed ??= removeFolder(folder, top)),
      };
    } catch (error) {
      await removeFolder(folder, top).catch(() => undefined);
      throw new Error(`Could not make a scratch copy of ${root} for ${label}: ${errorMessage(error)}`, { cause: error });
    }
  }

  return {
    create(label, signal) {
      const made = queue.then(() => make(label, signal));
      queue = made.catch(() => undefined);
      return made;
    },
    async sweep() {
      const names = await fs.readdir(base).catch(() => [] as string[]);
      let removed = 0;
      for (const name of names) {
        const folder = join(base, name.replace(/\.owner$/, ''));
        if (name.endsWith('.owner') && names.includes(name.replace(/\.owner$/, ''))) continue;
        if (live.has(folder)) continue;
        const owner = await fs
          .readFile(`${folder}.owner`, 'utf8')
          .then((text) => JSON.parse(text) as { pid?: number; git?: string | null })
          .catch(() => undefined);
        // Another session's copy, still in use.
        if (owner?.pid !== undefined && owner.pid !== process.pid && alive(owner.pid)) continue;
        await removeFolder(folder, owner?.git ?? undefined).catch((error: unknown) => config.log?.warn('scratch', `could not remove ${folder}: ${errorMessage(error)}`));
        removed++;
      }
      if (removed > 0) {
        const top = await gitTopLevel(root);
        if (top !== undefined) await git(top, ['worktree', 'prune']);
      }
      return removed;
    },
  };
}
