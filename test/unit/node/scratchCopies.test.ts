import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentHash } from '../../../src/domain/hash';
import type { TestReport } from '../../../src/domain/testReport';
import { createScratchCopies } from '../../../src/node/scratchCopies';

// The scratch copies of best of N on a real disk with real git: what a copy holds (the
// uncommitted changes and untracked files, not what .gitignore skips; node_modules
// linked), that writing into it leaves the workspace alone, and that a process killed
// mid-round leaves copies the next start removes (worktree registrations included).

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
const noTests = () => ({ run: async (): Promise<TestReport> => Promise.reject(new Error('not run here')) });
const git = (cwd: string, ...args: string[]) => {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
};

function project(withGit: boolean): { root: string; base: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'refine-scratch-test-'));
  const root = join(dir, 'project');
  const base = join(dir, 'copies');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'src', 'a.js'), 'committed\n');
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n*.log\n');
  writeFileSync(join(root, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  writeFileSync(join(root, 'dist', 'bundle.js'), 'built\n');
  if (withGit) {
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'start');
  }
  // After the commit: an uncommitted change, an untracked file, an ignored one.
  writeFileSync(join(root, 'src', 'a.js'), 'changed, not committed\n');
  writeFileSync(join(root, 'src', 'new.js'), 'untracked\n');
  writeFileSync(join(root, 'debug.log'), 'ignored\n');
  return { root, base, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

for (const withGit of [true, false]) {
  describe(`scratch copies (${withGit ? 'git worktree' : 'plain copy'})`, () => {
    it('holds the workspace as it is now, without ignored files, node_modules linked; writes stay in the copy; remove leaves nothing', async () => {
      const { root, base, cleanup } = project(withGit);
      try {
        const copies = createScratchCopies({ root, base, testRunner: noTests });
        const copy = await copies.create('attempt 1', new AbortController().signal);
        assert.equal(text(await copy.workspace.read('src/a.js')), 'changed, not committed\n');
        assert.equal(text(await copy.workspace.read('src/new.js')), 'untracked\n');
        assert.equal(await copy.workspace.read('debug.log'), undefined);
        const folders = readdirSync(base).filter((name) => !name.endsWith('.owner'));
        assert.equal(folders.length, 1);
        assert.ok(lstatSync(join(base, folders[0]!, 'node_modules')).isSymbolicLink());
        if (!withGit) assert.equal(existsSync(join(base, folders[0]!, 'dist')), false);
        const written = await copy.workspace.commit([{ path: 'src/a.js', expectedHash: await contentHash(await copy.workspace.read('src/a.js')), content: new TextEncoder().encode('attempt\n') }]);
        assert.ok(written.ok);
        assert.equal(readFileSync(join(root, 'src', 'a.js'), 'utf8'), 'changed, not committed\n');
        await copy.remove();
        assert.equal(existsSync(base), false, 'the last copy takes its folder along');
        if (withGit) assert.equal(git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
        assert.ok(existsSync(join(root, 'node_modules', 'dep', 'index.js')), 'removing the copy never follows the node_modules link');
      } finally {
        cleanup();
      }
    });

    it('a process killed mid-round leaves copies that the next start removes', { timeout: 60_000 }, async () => {
      const { root, base, cleanup } = project(withGit);
      try {
        const module = join(__dirname, '../../../src/node/scratchCopies.js');
        const script = `
          const { createScratchCopies } = require(${JSON.stringify(module)});
          const copies = createScratchCopies({ root: ${JSON.stringify(root)}, base: ${JSON.stringify(base)}, testRunner: () => ({}) });
          (async () => {
            await copies.create('attempt 1', new AbortController().signal);
            await copies.create('attempt 2', new AbortController().signal);
            process.stdout.write('made\\n');
            setInterval(() => {}, 1000);
          })();`;
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('made') && resolve());
          child.on('exit', (code) => reject(new Error(`the child ended early (${code})`)));
        });
        child.kill('SIGKILL');
        await new Promise((resolve) => child.on('exit', resolve));
        assert.equal(readdirSync(base).filter((name) => !name.endsWith('.owner')).length, 2);
        if (withGit) assert.equal(git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 3);

        const next = createScratchCopies({ root, base, testRunner: noTests });
        assert.equal(await next.sweep(), 2);
        assert.equal(existsSync(base), false);
        if (withGit) assert.equal(git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
        assert.equal(await next.sweep(), 0);
      } finally {
        cleanup();
      }
    });

    it("the sweep leaves a live session's copies alone", async () => {
      const { root, base, cleanup } = project(withGit);
      try {
        const copies = createScratchCopies({ root, base, testRunner: noTests });
        const copy = await copies.create('attempt 1', new AbortController().signal);
        assert.equal(await copies.sweep(), 0);
        assert.equal(text(await copy.workspace.read('src/new.js')), 'untracked\n');
        await copy.remove();
      } finally {
        cleanup();
      }
    });
  });
}
