import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyReply } from '../../../src/cli/apply';
import { diffChanges } from '../../../src/edits';
import { createFileWorkspace } from '../../../src/node/fileWorkspace';
import { repoRoot } from './helpers';

// `refine-loop apply` on a real folder: a write that fails part-way leaves every file
// as it was (rolled back, no temp file left), changes of a million lines neither
// overflow the stack nor keep the process from finishing, and a one-line edit of a
// big file stays within a small multiple of the file's size in memory.

const scratch = mkdtempSync(join(tmpdir(), 'refine-apply-all-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

const block = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

test('a rename that fails after the first file is in place is rolled back: nothing changed, no temp file', async () => {
  const dir = folder({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
  let failed = false;
  const workspace = createFileWorkspace(dir, {
    onStep: (step) => {
      if (step === 'renamed a.txt' && !failed) {
        failed = true;
        throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      }
    },
  });
  const result = await applyReply(block('a.txt', 'alpha', 'ALPHA') + '\n' + block('b.txt', 'beta', 'BETA'), workspace);
  assert.equal(result.status, 'rejected');
  assert.deepEqual(result.changes, []);
  assert.match(result.problems[0]!.reason, /failed part-way \(EIO: i\/o error, rename\); every file was put back as it was, so nothing changed/);
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'alpha\n');
  assert.equal(readFileSync(join(dir, 'b.txt'), 'utf8'), 'beta\n');
  assert.deepEqual(readdirSync(dir).sort(), ['a.txt', 'b.txt']);
});

test('a failed commit that had created and deleted files puts both back', async () => {
  const dir = folder({ 'old.txt': 'old\n', 'keep.txt': 'keep\n' });
  let failed = false;
  const workspace = createFileWorkspace(dir, {
    onStep: (step) => {
      if (step === 'deleted old.txt' && !failed) {
        failed = true;
        throw new Error('disk went away');
      }
    },
  });
  const reply = 'new.txt\n<<<<<<< SEARCH\n=======\nnew\n>>>>>>> REPLACE\n\nDELETE old.txt\n\n' + block('keep.txt', 'keep', 'kept');
  const result = await applyReply(reply, workspace);
  assert.equal(result.status, 'rejected');
  assert.deepEqual(readdirSync(dir).sort(), ['keep.txt', 'old.txt']);
  assert.equal(readFileSync(join(dir, 'old.txt'), 'utf8'), 'old\n');
  assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'keep\n');
});

test('a 1,000,000-line file is created, edited (150,000 lines inserted) and deleted, and each change diffs', async () => {
  const dir = folder({});
  const workspace = createFileWorkspace(dir);
  const lines = Array.from({ length: 1_000_000 }, (_, i) => `line ${i}`);
  const created = await applyReply(`big.txt\n<<<<<<< SEARCH\n=======\n${lines.join('\n')}\n>>>>>>> REPLACE\n`, workspace);
  assert.equal(created.status, 'applied', created.problems.map((p) => p.reason).join('\n'));
  assert.equal(diffChanges(created.changes)[0]!.additions, 1_000_000);
  assert.equal(readFileSync(join(dir, 'big.txt'), 'utf8'), lines.join('\n') + '\n');

  const inserted = Array.from({ length: 150_000 }, (_, i) => `new ${i}`);
  // Trailing spaces in SEARCH: not an exact match, so the line matcher's splice does the work.
  const edited = await applyReply(block('big.txt', 'line 499999  \nline 500000', ['line 499999', ...inserted, 'line 500000'].join('\n')), workspace);
  assert.equal(edited.status, 'applied', edited.problems.map((p) => p.reason).join('\n'));
  const diff = diffChanges(edited.changes)[0]!;
  assert.equal(diff.additions, 150_000);
  assert.equal(diff.deletions, 0);
  const after = readFileSync(join(dir, 'big.txt'), 'utf8').split('\n');
  assert.equal(after.length, 1_150_001);
  assert.equal(after[500_000], 'new 0');
  assert.equal(after[650_000], 'line 500000');

  const deleted = await applyReply('DELETE big.txt\n', workspace);
  assert.equal(deleted.status, 'applied');
  assert.equal(diffChanges(deleted.changes)[0]!.deletions, 1_150_000);
  assert.deepEqual(readdirSync(dir), []);
});

test('a one-line edit of a 50 MB file through refine-loop apply peaks at under 10 times the file size', async () => {
  const dir = folder({});
  const lines = Array.from({ length: 800_000 }, (_, i) => `export const value${i} = compute(${i}, 'abcdefghijklmnopqrstuvwxyz');`);
  const text = lines.join('\n') + '\n';
  writeFileSync(join(dir, 'big.js'), text);
  const size = Buffer.byteLength(text);
  assert.ok(size > 50_000_000, `the file has ${size} bytes`);
  // The CLI's own code, run in a child whose peak memory is its own.
  const script = `
    const { applyReply } = require(${JSON.stringify(join(repoRoot(), 'out/src/cli/apply.js'))});
    const { diffChanges } = require(${JSON.stringify(join(repoRoot(), 'out/src/edits/index.js'))});
    const { createFileWorkspace } = require(${JSON.stringify(join(repoRoot(), 'out/src/node/fileWorkspace.js'))});
    const reply = process.argv[1];
    applyReply(reply, createFileWorkspace(process.argv[2])).then((result) => {
      const diffs = diffChanges(result.changes);
      console.log(JSON.stringify({ status: result.status, additions: diffs[0] && diffs[0].additions, maxRssKb: process.resourceUsage().maxRSS }));
    });`;
  const reply = block('big.js', lines[400_000]!, lines[400_000]!.replace('compute(', 'computeTwice('));
  const run = spawnSync(process.execPath, ['-e', script, reply, dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const measured = JSON.parse(run.stdout) as { status: string; additions: number; maxRssKb: number };
  assert.equal(measured.status, 'applied');
  assert.equal(measured.additions, 1);
  const peak = measured.maxRssKb * 1024;
  assert.ok(peak < 10 * size, `peak ${(peak / 1e6).toFixed(0)} MB for a ${(size / 1e6).toFixed(0)} MB file`);
  assert.equal(readFileSync(join(dir, 'big.js'), 'utf8'), text.replace(`value400000 = compute(`, `value400000 = computeTwice(`));
});
