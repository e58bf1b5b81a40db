import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './helpers';

// `refine-loop apply` as a user runs it: the CLI bundle as a real child process over
// real files in a temp folder.

let scratch: string;
let cli: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'refine-apply-'));
  cli = join(scratch, 'cli.js');
  const root = repoRoot();
  await esbuild.build({ entryPoints: [join(root, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: cli, logLevel: 'silent', absWorkingDir: root });
});

after(() => rmSync(scratch, { recursive: true, force: true }));

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function refine(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [cli, 'apply', ...args], { cwd: options.cwd ?? scratch, input: options.input ?? '', encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cart = 'export function total(items) {\r\n  let sum = 0;\r\n  for (const item of items) sum += item.price;\r\n  return sum;\r\n}\r\n';
const fix = 'src/cart.js\n```js\n<<<<<<< SEARCH\n  for (const item of items) sum += item.price;\n=======\n  for (const item of items) sum += item.price * item.quantity;\n>>>>>>> REPLACE\n```\n';

test('applies a reply file under --root, prints the diff, exits 0, keeps CRLF', () => {
  const dir = workspace({ 'src/cart.js': cart });
  writeFileSync(join(dir, 'reply.md'), `Multiply by quantity.\n\n${fix}`);
  const run = refine(['--root', dir, join(dir, 'reply.md')]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^diff --git a\/src\/cart\.js b\/src\/cart\.js\n--- a\/src\/cart\.js\n\+\+\+ b\/src\/cart\.js\n@@ -1,5 \+1,5 @@\n/);
  assert.match(run.stdout, /\n- {2}for \(const item of items\) sum \+= item\.price;\n\+ {2}for \(const item of items\) sum \+= item\.price \* item\.quantity;\n/);
  assert.match(run.stderr, /Applied: src\/cart\.js \(\+1 -1\)/);
  assert.equal(readFileSync(join(dir, 'src/cart.js'), 'utf8'), cart.replace('item.price;', 'item.price * item.quantity;'));
});

test('reads stdin, defaults --root to the current folder, and --json prints the documented shape', () => {
  const dir = workspace({ 'src/cart.js': cart });
  const run = refine(['--json'], { cwd: dir, input: fix });
  assert.equal(run.code, 0, run.stderr);
  const output = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(output).sort(), ['alreadyApplied', 'applied', 'dryRun', 'errors', 'files']);
  assert.equal(output.applied, true);
  assert.deepEqual(output.errors, []);
  assert.equal(output.files.length, 1);
  assert.deepEqual(
    { ...output.files[0], diff: undefined },
    { path: 'src/cart.js', status: 'modified', additions: 1, deletions: 1, diff: undefined },
  );
  assert.match(output.files[0].diff, /^diff --git/);

  const again = refine(['--json'], { cwd: dir, input: fix });
  assert.equal(again.code, 0);
  assert.deepEqual(JSON.parse(again.stdout), { applied: false, dryRun: false, files: [], alreadyApplied: ['src/cart.js'], errors: [] });
});

test('a rejected reply exits 1, names block, file, reason and candidates, and writes nothing', () => {
  const dir = workspace({ 'src/cart.js': cart, 'src/other.js': 'export const x = 1;\n' });
  const reply = 'src/other.js\n<<<<<<< SEARCH\nexport const x = 1;\n=======\nexport const x = 2;\n>>>>>>> REPLACE\n\n' + fix.replace('sum += item.price;\n=', 'sum += item.cost;\n=');
  const before = statSync(join(dir, 'src/other.js')).mtimeMs;
  const run = refine(['--root', dir, '--json'], { input: reply });
  assert.equal(run.code, 1);
  const output = JSON.parse(run.stdout);
  assert.equal(output.applied, false);
  assert.deepEqual(output.files, []);
  assert.equal(output.errors.length, 1);
  assert.equal(output.errors[0].file, 'src/cart.js');
  assert.equal(output.errors[0].block, 2);
  assert.match(output.errors[0].reason, /differs from the file's line 3/);
  assert.equal(output.errors[0].candidates[0].line, 3);
  assert.match(output.errors[0].candidates[0].context, /3\| {3}for \(const item of items\) sum \+= item\.price;/);
  assert.equal(readFileSync(join(dir, 'src/other.js'), 'utf8'), 'export const x = 1;\n');
  assert.equal(statSync(join(dir, 'src/other.js')).mtimeMs, before);

  const text = refine(['--root', dir], { input: reply });
  assert.equal(text.code, 1);
  assert.equal(text.stdout, '');
  assert.match(text.stderr, /Rejected; nothing was written\.\n✖ Block 2: /);
});

test('--dry-run shows the diff and writes nothing', () => {
  const dir = workspace({ 'src/cart.js': cart });
  const run = refine(['--root', dir, '--dry-run'], { input: fix });
  assert.equal(run.code, 0);
  assert.match(run.stdout, /\+ {2}for \(const item of items\) sum \+= item\.price \* item\.quantity;/);
  assert.match(run.stderr, /Would apply: src\/cart\.js/);
  assert.equal(readFileSync(join(dir, 'src/cart.js'), 'utf8'), cart);
});

test('prose only exits 0 with nothing to apply', () => {
  const dir = workspace({ 'src/cart.js': cart });
  const run = refine(['--root', dir], { input: 'The code is right; the test is wrong.\n' });
  assert.equal(run.code, 0);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /Nothing to apply: the reply has no edits\./);
});

test('creates, renames and deletes files on disk', () => {
  const dir = workspace({ 'a.txt': 'a\n', 'old.txt': 'old\n' });
  const run = refine(['--root', dir], { input: 'RENAME a.txt -> docs/b.txt\nDELETE old.txt\n\nnotes/new.md\n<<<<<<< SEARCH\n=======\n# New\n>>>>>>> REPLACE\n' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(dir, 'docs/b.txt'), 'utf8'), 'a\n');
  assert.equal(readFileSync(join(dir, 'notes/new.md'), 'utf8'), '# New\n');
  assert.throws(() => statSync(join(dir, 'a.txt')));
  assert.throws(() => statSync(join(dir, 'old.txt')));
});

test('a symlink that escapes the root is a rejection, and the outside file is untouched', () => {
  const outside = workspace({ 'secret.txt': 'secret\n' });
  const dir = workspace({});
  symlinkSync(outside, join(dir, 'link'));
  const run = refine(['--root', dir], { input: 'link/secret.txt\n<<<<<<< SEARCH\nsecret\n=======\nleaked\n>>>>>>> REPLACE\n' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /through a symbolic link/);
  assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'secret\n');
});

test('usage errors exit 2', () => {
  assert.equal(refine(['--bogus']).code, 2);
  assert.equal(refine(['--root']).code, 2);
  assert.equal(refine(['a.md', 'b.md']).code, 2);
  const missing = refine([join(scratch, 'no-such-reply.md')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the reply file .*ENOENT/);
  assert.equal(refine(['--root', join(scratch, 'no-such-dir')], { input: fix }).code, 2);
  const help = refine(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: refine-loop apply \[--root DIR\] \[--dry-run\] \[--json\] \[REPLY_FILE\]/);
});
