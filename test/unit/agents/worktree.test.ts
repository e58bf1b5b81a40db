import { afterEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AgentError } from '../../../src/domain/errors';
import { copyWorkspace, diffCopy } from '../../../src/agents/worktree';
import { tempDir } from './helpers';

// The scratch copy of worktree mode and its diff, on real folders.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function folder(name: string): string {
  const { dir, remove } = tempDir(name);
  cleanups.push(remove);
  return dir;
}

describe('worktree copy and diff', () => {
  it('keeps bytes exactly (binary, CRLF, BOM) and reports only what changed', async () => {
    const root = folder('root');
    const binary = Buffer.from([0, 255, 1, 254, 10, 13, 0]);
    writeFileSync(path.join(root, 'image.bin'), binary);
    writeFileSync(path.join(root, 'win.txt'), '\ufeffline one\r\nline two\r\n');
    const copy = folder('copy');
    const snapshot = await copyWorkspace(root, copy);
    assert.deepEqual(readFileSync(path.join(copy, 'image.bin')), binary);
    assert.deepEqual(await diffCopy(root, copy, snapshot), []);

    writeFileSync(path.join(copy, 'win.txt'), '\ufeffline one\r\nline 2\r\n');
    const [change, ...rest] = await diffCopy(root, copy, snapshot);
    assert.equal(rest.length, 0);
    assert.equal(change!.kind, 'modify');
    assert.equal(Buffer.from(change!.after!).toString('utf8'), '\ufeffline one\r\nline 2\r\n');
  });

  it('ignores what the program does inside skipped folders', async () => {
    const root = folder('root');
    writeFileSync(path.join(root, 'a.txt'), 'a\n');
    const copy = folder('copy');
    const snapshot = await copyWorkspace(root, copy);
    mkdirSync(path.join(copy, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(path.join(copy, 'node_modules', 'left-pad', 'index.js'), 'x');
    mkdirSync(path.join(copy, '.git'));
    writeFileSync(path.join(copy, '.git', 'config'), 'x');
    assert.deepEqual(await diffCopy(root, copy, snapshot), []);
  });

  it('refuses a file the program created that the person created meanwhile too', async () => {
    const root = folder('root');
    const copy = folder('copy');
    const snapshot = await copyWorkspace(root, copy);
    writeFileSync(path.join(copy, 'new.txt'), 'from the agent\n');
    writeFileSync(path.join(root, 'new.txt'), 'from the person\n');
    await assert.rejects(diffCopy(root, copy, snapshot), (error: unknown) => error instanceof AgentError && error.code === 'agent.workspaceChanged');
  });

  it('does not report a deletion of a file the person already deleted', async () => {
    const root = folder('root');
    writeFileSync(path.join(root, 'gone.txt'), 'x\n');
    const copy = folder('copy');
    const snapshot = await copyWorkspace(root, copy);
    rmSync(path.join(copy, 'gone.txt'));
    rmSync(path.join(root, 'gone.txt'));
    assert.deepEqual(await diffCopy(root, copy, snapshot), []);
    assert.equal(existsSync(path.join(root, 'gone.txt')), false);
  });
});
