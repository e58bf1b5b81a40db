import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile, readdir, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PathError } from '../../../src/domain/errors';
import { guardPath } from '../../../src/domain/pathGuard';
import { createRealPathGuard } from '../../../src/node/realPathGuard';
import { createFileWorkspace } from '../../../src/node/fileWorkspace';
import { copyWorkspace, diffCopy } from '../../../src/agents/worktree';
import { main } from '../../../src/cli/main';

// The one path guard on real paths: symlinks into .git, into the loop's store, out of the
// root, and the git folder a `.git` file names, in every reply form and in worktree results.

async function tempDir(t: { after: (fn: () => Promise<void>) => void }, prefix = 'refine-guard-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

/** `git init g; cd g; ln -s .git gitlink; git add -A; git commit -qm i` */
async function repoWithGitLink(t: { after: (fn: () => Promise<void>) => void }): Promise<{ base: string; root: string }> {
  const base = await tempDir(t);
  const root = join(base, 'g');
  git(base, 'init', '-q', 'g');
  await writeFile(join(root, 'calc.js'), 'module.exports = 1;\n');
  await symlink('.git', join(root, 'gitlink'));
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'i');
  return { base, root };
}

async function cli(args: string[], stdin: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), readStdin: async () => stdin, cwd, env: {} });
  return { code, stdout, stderr };
}

const block = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}=======\n${replace}>>>>>>> REPLACE\n`;

test('refine-loop apply refuses a search/replace block on gitlink/config (gitlink -> .git) and .git/config is unchanged', async (t) => {
  const { base, root } = await repoWithGitLink(t);
  const before = await readFile(join(root, '.git/config'), 'utf8');
  const firstLine = before.split('\n')[0] + '\n';
  const reply = block('gitlink/config', firstLine, `${firstLine}\tfsmonitor = "touch ${join(base, 'pwned')}"\n`);
  const run = await cli(['apply', '--root', 'g'], reply, base);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /\.git folder/);
  assert.equal(await readFile(join(root, '.git/config'), 'utf8'), before);
});

test('refine-loop apply refuses creating gitlink/hooks/pre-commit in every reply form', async (t) => {
  const { base, root } = await repoWithGitLink(t);
  const replies = [
    block('gitlink/hooks/pre-commit', '', '#!/bin/sh\necho owned\n'),
    '```diff\n--- /dev/null\n+++ b/gitlink/hooks/pre-commit\n@@ -0,0 +1,2 @@\n+#!/bin/sh\n+echo owned\n```\n',
    '*** Begin Patch\n*** Add File: gitlink/hooks/pre-commit\n+#!/bin/sh\n+echo owned\n*** End Patch\n',
  ];
  for (const reply of replies) {
    const run = await cli(['apply', '--root', 'g'], reply, base);
    assert.equal(run.code, 1, `${reply}\n${run.stdout}${run.stderr}`);
    await assert.rejects(lstat(join(root, '.git/hooks/pre-commit')), { code: 'ENOENT' }, reply);
  }
});

test('a reply that plants .refine-loop/sessions/<id>/journal/1.json is refused, directly and through a link', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, '.refine-loop/sessions/s1/journal'), { recursive: true });
  await symlink('.refine-loop', join(root, 'store'));
  for (const path of ['.refine-loop/sessions/s1/journal/1.json', './.Refine-Loop/x.json', 'store/sessions/s1/journal/1.json']) {
    const run = await cli(['apply', '--root', root], block(path, '', '{"version":1}\n'), root);
    assert.equal(run.code, 1, `${path}: ${run.stderr}`);
    assert.match(run.stderr, /\.refine-loop/i, path);
  }
  assert.deepEqual(await readdir(join(root, '.refine-loop/sessions/s1/journal')), []);
});

test('the real-path guard: what it refuses and what it allows', async (t) => {
  const root = await tempDir(t);
  const outside = await tempDir(t, 'refine-outside-');
  await mkdir(join(root, '.git/hooks'), { recursive: true });
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(root, 'modules/sub/objects'), { recursive: true });
  await mkdir(join(root, 'modules/sub/refs'), { recursive: true });
  await writeFile(join(root, 'modules/sub/HEAD'), 'ref: refs/heads/main\n');
  await mkdir(join(root, 'bare.git/objects'), { recursive: true });
  await mkdir(join(root, 'bare.git/refs'), { recursive: true });
  await writeFile(join(root, 'bare.git/HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(root, 'src/a.ts'), 'a');
  await symlink('.git', join(root, 'gitlink'));
  await symlink('../.git/hooks', join(root, 'src/hooks'));
  await symlink(outside, join(root, 'out'));
  await symlink('src', join(root, 'srclink'));
  await symlink('nowhere', join(root, 'dangling'));
  // A submodule-like `.git` file naming a git folder that is not called .git.
  await writeFile(join(root, 'sub/.git'), 'gitdir: ../modules/sub\n');
  const guard = createRealPathGuard(root);
  const refused: [string, RegExp][] = [
    ['gitlink/config', /\.git folder/],
    ['gitlink/hooks/pre-commit', /\.git folder/],
    ['src/hooks/pre-commit', /\.git folder/],
    ['out/file.txt', /outside the workspace/],
    ['dangling', /points nowhere/],
    ['dangling/x', /points nowhere/],
    ['modules/sub/config', /git folder/],
    ['bare.git/hooks/post-update', /git folder \(HEAD/],
    ['.git/config', /inside \.git/],
    ['GIT~1/config', /inside \.git/],
    ['.refine-loop/sessions/a/journal/1.json', /\.refine-loop/],
    ['../x', /outside the workspace/],
    ['nul .txt', /Windows device/],
    ['src/CON  .log', /Windows device/],
  ];
  for (const [path, why] of refused) {
    await assert.rejects(guard(path), (error: unknown) => error instanceof PathError && why.test(error.message), path);
  }
  assert.deepEqual(await guard('srclink/a.ts'), { relative: 'srclink/a.ts', absolute: join(root, 'srclink/a.ts') });
  assert.equal((await guard('src/new/deep/file.ts')).relative, 'src/new/deep/file.ts');
  assert.equal((await guard('sub/file.ts')).relative, 'sub/file.ts');
  assert.equal((await guard('.gitignore')).relative, '.gitignore');
  assert.equal((await guard('docs/.refine-loop/x')).relative, 'docs/.refine-loop/x', 'only the store at the root is the store');
  assert.equal(guardPath('src/.gitkeep'), 'src/.gitkeep');
});

test('a git worktree: the gitdir its .git file names is refused even when it lies inside the root', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'real-git-dir/hooks'), { recursive: true });
  await writeFile(join(root, '.git'), 'gitdir: real-git-dir\n');
  const guard = createRealPathGuard(root);
  await assert.rejects(guard('real-git-dir/hooks/pre-commit'), /git folder a \.git file points to/);
  await assert.rejects(createFileWorkspace(root).read('real-git-dir/config'), PathError);
});

test('worktree results: an agent that turns gitlink into a folder and writes gitlink/hooks/pre-commit is refused', async (t) => {
  const { root } = await repoWithGitLink(t);
  const copy = await tempDir(t, 'refine-copy-');
  const snapshot = await copyWorkspace(root, copy);
  await rm(join(copy, 'gitlink'));
  await mkdir(join(copy, 'gitlink/hooks'), { recursive: true });
  await writeFile(join(copy, 'gitlink/hooks/pre-commit'), '#!/bin/sh\necho owned\n');
  await writeFile(join(copy, 'calc.js'), 'module.exports = 2;\n');
  await assert.rejects(diffCopy(root, copy, snapshot), (error: Error) => /gitlink\/hooks\/pre-commit/.test(error.message) && /nothing was applied/.test(error.message));
  await assert.rejects(lstat(join(root, '.git/hooks/pre-commit')), { code: 'ENOENT' });
  assert.equal(await readFile(join(root, 'calc.js'), 'utf8'), 'module.exports = 1;\n');
});

test('the file workspace commit refuses a write through a link into .git even with a matching hash', async (t) => {
  const { root } = await repoWithGitLink(t);
  const workspace = createFileWorkspace(root);
  await assert.rejects(workspace.commit([{ path: 'gitlink/hooks/pre-commit', expectedHash: null, content: new TextEncoder().encode('x') }]), PathError);
  await assert.rejects(lstat(join(root, '.git/hooks/pre-commit')), { code: 'ENOENT' });
});
