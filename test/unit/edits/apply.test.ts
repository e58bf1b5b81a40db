import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../../src/domain/hash';
import { applyEdits, parseReply } from '../../../src/edits/index';
import { decode, encode, memoryWorkspace } from './helpers';

async function run(files: Record<string, string | Uint8Array>, reply: string, escaping: string[] = []) {
  const parsed = parseReply(reply);
  assert.deepEqual(parsed.problems, []);
  return applyEdits(parsed.edits, memoryWorkspace(files, escaping));
}

// An empty REPLACE is no line at all (a blank line between the markers is a blank line).
const sr = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace === '' ? '' : `${replace}\n`}>>>>>>> REPLACE\n`;

test('CRLF, no final newline and untouched bytes survive an edit', async () => {
  const before = 'a = 1\r\nb = 2\r\nc = 3';
  const result = await run({ 'x.py': before }, sr('x.py', 'b = 2', 'b = 20\nb2 = 21'));
  assert.equal(result.status, 'applied');
  assert.equal(decode(result.changes[0]!.after), 'a = 1\r\nb = 20\r\nb2 = 21\r\nc = 3');
  assert.equal(result.changes[0]!.beforeHash, await sha256Hex(encode(before)));
  assert.equal(result.changes[0]!.kind, 'modify');
});

test('an edit of the last line keeps the missing final newline; mixed endings keep their local style', async () => {
  const end = await run({ 'x.txt': 'one\ntwo' }, sr('x.txt', 'two', 'TWO\nthree'));
  assert.equal(decode(end.changes[0]!.after), 'one\nTWO\nthree');
  const mixed = await run({ 'm.txt': 'a\r\nb\r\nc\nd\ne\n' }, sr('m.txt', 'a\nb', 'a\nb\nb2'));
  assert.equal(decode(mixed.changes[0]!.after), 'a\r\nb\r\nb2\r\nc\nd\ne\n');
  const deletedEnd = await run({ 'x.txt': 'one\ntwo\nthree' }, sr('x.txt', 'two\nthree', ''));
  assert.equal(decode(deletedEnd.changes[0]!.after), 'one');
});

test('multi-byte characters and lone CR endings around an edit are copied byte for byte', async () => {
  const result = await run({ 'u.txt': 'café ☕\nnaïve\nx = 1\n€uro 🚀\n' }, sr('u.txt', 'x = 1', 'x = 2'));
  assert.equal(decode(result.changes[0]!.after), 'café ☕\nnaïve\nx = 2\n€uro 🚀\n');
  const mac = await run({ 'm.txt': 'a\rb\rc\r' }, sr('m.txt', 'b', 'B\nB2'));
  assert.equal(decode(mac.changes[0]!.after), 'a\rB\rB2\rc\r');
});

test('a UTF-8 BOM and UTF-16 files stay as they were', async () => {
  const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...encode('x = 1\n')]);
  const result = await run({ 'a.cs': bom }, sr('a.cs', 'x = 1', 'x = 2'));
  assert.deepEqual([...result.changes[0]!.after!.slice(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.equal(decode(result.changes[0]!.after!.slice(3)), 'x = 2\n');

  const utf16 = Uint8Array.from([0xff, 0xfe, ...Array.from('x = 1\r\n', (c) => [c.charCodeAt(0), 0]).flat()]);
  const wide = await run({ 'w.txt': utf16 }, sr('w.txt', 'x = 1', 'x = 2'));
  assert.deepEqual([...wide.changes[0]!.after!], [0xff, 0xfe, ...Array.from('x = 2\r\n', (c) => [c.charCodeAt(0), 0]).flat()]);
});

test('all or nothing: one failing edit rejects the whole reply and every problem is reported', async () => {
  const reply = sr('a.ts', 'const a = 1;', 'const a = 2;') + sr('b.ts', 'const nope = 1;', 'const b = 2;') + sr('c.ts', 'x', 'y');
  const result = await run({ 'a.ts': 'const a = 1;\n', 'b.ts': 'const b = 1;\n' }, reply);
  assert.equal(result.status, 'rejected');
  assert.deepEqual(result.changes, []);
  assert.deepEqual(
    result.problems.map((p) => [p.block, p.file]),
    [
      [2, 'b.ts'],
      [3, 'c.ts'],
    ],
  );
  assert.match(result.problems[1]!.reason, /Block 3: c\.ts does not exist\. To create it, use an empty SEARCH/);
});

test('later edits of one file see the earlier ones', async () => {
  const reply = sr('a.ts', 'let x = 1;', 'let x = 1;\nlet y = 2;') + sr('a.ts', 'let y = 2;', 'let y = 3;');
  const result = await run({ 'a.ts': 'let x = 1;\n' }, reply);
  assert.equal(decode(result.changes[0]!.after), 'let x = 1;\nlet y = 3;\n');
});

test('every edit already present: status nothing, reported as already applied', async () => {
  const result = await run({ 'a.ts': 'const a = 2;\n' }, sr('a.ts', 'const a = 1;', 'const a = 2;'));
  assert.deepEqual(result, { status: 'nothing', changes: [], problems: [], alreadyApplied: ['a.ts'] });
  const prose = await run({}, 'No change is needed.');
  assert.deepEqual(prose, { status: 'nothing', changes: [], problems: [], alreadyApplied: [] });
});

test('create, delete and rename', async () => {
  const created = await run({}, sr('src/new.ts', '', 'export {};'));
  assert.deepEqual(
    created.changes.map((c) => [c.kind, c.path, decode(c.after), c.beforeHash]),
    [['create', 'src/new.ts', 'export {};\n', undefined]],
  );
  const exists = await run({ 'src/new.ts': 'keep me\n' }, sr('src/new.ts', '', 'export {};'));
  assert.equal(exists.status, 'rejected');
  assert.match(exists.problems[0]!.reason, /already exists, so an empty SEARCH \(create\) would overwrite it/);

  const moved = await run({ 'a.ts': 'a\n', 'gone.ts': 'x\n' }, 'RENAME a.ts -> lib/b.ts\nDELETE gone.ts\n' + sr('lib/b.ts', 'a', 'b'));
  assert.deepEqual(
    moved.changes.map((c) => [c.kind, c.path, c.oldPath, decode(c.before), decode(c.after)]),
    [
      ['rename', 'lib/b.ts', 'a.ts', 'a\n', 'b\n'],
      ['delete', 'gone.ts', undefined, 'x\n', undefined],
    ],
  );
  const clash = await run({ 'a.ts': 'a\n', 'b.ts': 'b\n' }, 'RENAME a.ts -> b.ts');
  assert.match(clash.problems[0]!.reason, /cannot rename a\.ts to b\.ts: b\.ts already exists/);
  const noSource = await run({}, 'DELETE nothing.ts');
  assert.match(noSource.problems[0]!.reason, /cannot delete nothing\.ts: there is no such file/);
});

test('a whole-file block keeps the file\'s line endings and the bytes of unchanged lines', async () => {
  const result = await run({ 'a.txt': 'one  \r\ntwo\r\nthree\r\n' }, 'a.txt\n```\none  \ntwo!\nthree\n```\n');
  assert.equal(decode(result.changes[0]!.after), 'one  \r\ntwo!\r\nthree\r\n');
});

test('a fenced excerpt under a path heading is not taken as the whole file', async () => {
  const long = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const result = await run({ 'a.txt': long }, 'a.txt\n```\nline 3\nline 4 changed\nline 5\n```\n');
  assert.equal(result.status, 'rejected');
  assert.match(result.problems[0]!.reason, /would remove 38 of its 40 lines, so it looks like a part of the file/);
  const replaced = await run({ 'a.txt': long }, 'DELETE a.txt\n\na.txt\n<<<<<<< SEARCH\n=======\nshort\n>>>>>>> REPLACE\n');
  assert.deepEqual(
    replaced.changes.map((c) => [c.kind, decode(c.after)]),
    [['modify', 'short\n']],
  );
});

test('the path guard and the workspace\'s symlink check turn into rejections', async () => {
  const outside = await run({}, sr('../etc/passwd', 'root', 'toor'));
  assert.match(outside.problems[0]!.reason, /Block 1: Path '\.\.\/etc\/passwd' leads outside the workspace/);
  const link = await run({ 'link/a.ts': 'x\n' }, sr('link/a.ts', 'x', 'y'), ['link/a.ts']);
  assert.equal(link.status, 'rejected');
  assert.match(link.problems[0]!.reason, /through a symbolic link/);
  const git = await run({}, sr('.git/config', '[core]', '[core]\nhooksPath = x'));
  assert.match(git.problems[0]!.reason, /inside \.git\//);
});

test('binary files are refused, not mangled', async () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]);
  const result = await run({ 'logo.png': png }, sr('logo.png', 'PNG', 'GIF'));
  assert.equal(result.status, 'rejected');
  assert.match(result.problems[0]!.reason, /logo\.png is not valid utf-8 text/);
});

test('fragment edits (str_replace style tool calls) replace one exact occurrence', async () => {
  const files = { 'a.ts': 'const a = f(1) + f(1);\r\nconst b = g(2);\r\n' };
  const ws = memoryWorkspace(files);
  const one = await applyEdits([{ kind: 'replace', path: 'a.ts', block: 1, search: 'g(2)', replace: 'g(3)' }], ws);
  assert.equal(decode(one.changes[0]!.after), 'const a = f(1) + f(1);\r\nconst b = g(3);\r\n');
  const two = await applyEdits([{ kind: 'replace', path: 'a.ts', block: 1, search: 'f(1)', replace: 'f(2)' }], ws);
  assert.match(two.problems[0]!.reason, /occurs 2 times in a\.ts \(lines 1, 1\)/);
  const stretched = await applyEdits([{ kind: 'replace', path: 'a.ts', block: 1, search: 'const b = g(2', replace: 'const b = h(2' }], ws);
  assert.equal(decode(stretched.changes[0]!.after), 'const a = f(1) + f(1);\r\nconst b = h(2);\r\n');
  const missing = await applyEdits([{ kind: 'replace', path: 'a.ts', block: 1, search: 'const b = g(2)x', replace: 'y' }], ws);
  assert.equal(missing.status, 'rejected');
});

test('diff hunks use their line hints, shifted by earlier hunks of the same file', async () => {
  const body = ['a', 'x', 'b', 'c', 'x', 'b', 'd'].join('\n') + '\n';
  // Two identical "x / b" places; the headers say which one each hunk means.
  const reply = '```diff\n--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,3 @@\n a\n+a2\n x\n@@ -5,2 +6,2 @@\n-x\n+X\n b\n```\n';
  const result = await run({ 'f.txt': body }, reply);
  assert.equal(decode(result.changes[0]!.after), ['a', 'a2', 'x', 'b', 'c', 'X', 'b', 'd'].join('\n') + '\n');
});

test('more rejection reasons: unreadable files, renaming a missing file, whole-file blocks with elisions', async () => {
  const failing = { read: async () => { throw new Error('EACCES: permission denied'); } };
  const unreadable = await applyEdits(parseReply(sr('a.ts', 'x', 'y')).edits, failing);
  assert.match(unreadable.problems[0]!.reason, /Block 1: could not read a\.ts: EACCES: permission denied/);
  const rename = await run({}, 'RENAME a.ts -> b.ts');
  assert.match(rename.problems[0]!.reason, /cannot rename a\.ts: there is no such file/);
  const elided = await run({ 'a.ts': 'one\ntwo\n' }, 'a.ts\n```ts\none\n// ... existing code ...\n```\n');
  assert.match(elided.problems[0]!.reason, /contains '\/\/ \.\.\. existing code \.\.\.', so writing it would delete the code it stands for/);
  const ambiguous = await run({ 'a.ts': 'x();\ny();\nx();\ny();\n' }, sr('a.ts', 'x();\ny();', 'x();\nz();'));
  assert.match(ambiguous.problems[0]!.reason, /Block 1: SEARCH matches 2 places in a\.ts equally well \(lines 1, 3\); nothing was applied/);
  assert.equal(ambiguous.problems[0]!.candidates?.length, 2);
});

test('exact edits on untouched LF files (the byte-splice path) mix with matcher edits and keep a BOM', async () => {
  const body = 'ünï\nconst a = 1;\nfunction f() {\n  return a;\n}\nconst b = 2;\n';
  const withBom = Uint8Array.from([0xef, 0xbb, 0xbf, ...encode(body)]);
  const one = await run({ 'a.js': withBom }, sr('a.js', 'const b = 2;', 'const b = 3;'));
  assert.deepEqual([...one.changes[0]!.after!], [0xef, 0xbb, 0xbf, ...encode(body.replace('b = 2', 'b = 3'))]);
  const two = await run({ 'a.js': withBom }, sr('a.js', 'const a = 1;', 'const a = 10;') + sr('a.js', 'const b = 2;', 'const b = 20;'));
  assert.equal(decode(two.changes[0]!.after!.slice(3)), body.replace('a = 1', 'a = 10').replace('b = 2', 'b = 20'));
  // The second edit needs the indentation level: the lines are split after the first.
  const mixed = await run({ 'a.js': withBom }, sr('a.js', 'const a = 1;', 'const a = 10;') + sr('a.js', 'return a;', 'return a + 1;'));
  assert.equal(decode(mixed.changes[0]!.after!.slice(3)), body.replace('a = 1', 'a = 10').replace('return a;', 'return a + 1;'));
});

test('a whole-file rewrite of a big file is applied within the diff time bound', async () => {
  const before = Array.from({ length: 6000 }, (_, i) => `old ${i}`).join('\r\n') + '\r\n';
  const after = Array.from({ length: 6000 }, (_, i) => `new ${i}`).join('\n') + '\n';
  const started = performance.now();
  const result = await run({ 'big.txt': before }, `big.txt\n\`\`\`\n${after}\`\`\`\n`);
  assert.ok(performance.now() - started < 10_000);
  assert.equal(decode(result.changes[0]!.after), after.replace(/\n/g, '\r\n'));
});
