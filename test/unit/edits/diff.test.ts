import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileChange } from '../../../src/domain/model';
import { diffChange, diffChanges, keepHunks, unifiedPatch } from '../../../src/edits/index';
import { decode, encode } from './helpers';

const numbered = (count: number, eol = '\n') => Array.from({ length: count }, (_, i) => `line ${i + 1}`).join(eol) + eol;

function modify(before: string, after: string, path = 'src/a.ts'): FileChange {
  return { path, kind: 'modify', before: encode(before), after: encode(after), beforeHash: 'h' };
}

test('diffChange: unified patch, +/- counts and hunks with content-derived ids', () => {
  const before = numbered(30);
  const after = before.replace('line 3\n', 'line three\n').replace('line 25\n', 'line 25\nline 25b\n');
  const diff = diffChange(modify(before, after));
  assert.equal(diff.status, 'modified');
  assert.equal(diff.additions, 2);
  assert.equal(diff.deletions, 1);
  assert.equal(diff.hunks.length, 2);
  assert.match(diff.patch, /^diff --git a\/src\/a\.ts b\/src\/a\.ts\n--- a\/src\/a\.ts\n\+\+\+ b\/src\/a\.ts\n@@ -1,6 \+1,6 @@\n line 1\n line 2\n-line 3\n\+line three\n/);
  assert.deepEqual(diff.hunks[1]!.lines, [' line 23', ' line 24', ' line 25', '+line 25b', ' line 26', ' line 27', ' line 28']);
  // Same change, same ids; another path or content, other ids.
  assert.deepEqual(diffChange(modify(before, after)).hunks.map((h) => h.id), diff.hunks.map((h) => h.id));
  assert.notEqual(diffChange(modify(before, after, 'src/b.ts')).hunks[0]!.id, diff.hunks[0]!.id);
  assert.match(diff.hunks[0]!.id, /^[0-9a-f]{12}$/);
});

test('diffChange: created, deleted, renamed and binary files', () => {
  const created = diffChange({ path: 'n.ts', kind: 'create', after: encode('x\n') });
  assert.equal(created.status, 'added');
  assert.match(created.patch, /new file mode 100644\n--- \/dev\/null\n\+\+\+ b\/n\.ts\n@@ -0,0 \+1,1 @@\n\+x\n/);
  const deleted = diffChange({ path: 'o.ts', kind: 'delete', before: encode('y\n') });
  assert.equal(deleted.status, 'deleted');
  assert.equal(deleted.deletions, 1);
  const renamed = diffChange({ path: 'b.ts', oldPath: 'a.ts', kind: 'rename', before: encode('same\n'), after: encode('same\n') });
  assert.equal(renamed.status, 'renamed');
  assert.equal(renamed.oldPath, 'a.ts');
  assert.deepEqual(renamed.hunks, []);
  assert.match(renamed.patch, /rename from a\.ts\nrename to b\.ts\n$/);
  const binary = diffChange({ path: 'i.png', kind: 'modify', before: Uint8Array.from([0xff, 0x00]), after: Uint8Array.from([0xfe, 0x00]) });
  assert.equal(binary.binary, true);
  assert.match(binary.patch, /Binary files a\/i\.png and b\/i\.png differ/);
});

test('keepHunks applies only the kept hunks and keeps every other byte (CRLF, no final newline)', () => {
  const before = numbered(30, '\r\n').replace(/\r\n$/, '');
  const after = before.replace('line 3\r\n', 'line three\r\n').replace('line 30', 'line thirty');
  const change = modify(before, after);
  const [first, last] = diffChange(change).hunks;
  assert.equal(decode(keepHunks(change, [first!.id])!.after), before.replace('line 3\r\n', 'line three\r\n'));
  assert.equal(decode(keepHunks(change, [last!.id])!.after), before.replace('line 30', 'line thirty'));
  assert.equal(keepHunks(change, [first!.id, last!.id]), change);
  assert.equal(keepHunks(change, []), undefined);
  assert.equal(keepHunks(change, ['unknown']), undefined);
});

test('keepHunks with a pure insertion and a pure deletion', () => {
  const before = numbered(20);
  const after = before.replace('line 2\n', 'line 2\ninserted\n').replace('line 18\n', '');
  const change = modify(before, after);
  const [insertion, deletion] = diffChange(change).hunks;
  assert.equal(decode(keepHunks(change, [insertion!.id])!.after), before.replace('line 2\n', 'line 2\ninserted\n'));
  assert.equal(decode(keepHunks(change, [deletion!.id])!.after), before.replace('line 18\n', ''));
});

test('unifiedPatch joins every file of a proposal', () => {
  const changes: FileChange[] = [modify('a\n', 'b\n', 'one.ts'), { path: 'two.ts', kind: 'create', after: encode('c\n') }];
  assert.equal(unifiedPatch(changes), diffChanges(changes).map((d) => d.patch).join(''));
  assert.match(unifiedPatch(changes), /one\.ts[^]*two\.ts/);
});

test('a rewrite too big to align in time becomes one whole-file hunk, quickly', () => {
  const before = Array.from({ length: 6000 }, (_, i) => `old line ${i}`).join('\n') + '\n';
  const after = Array.from({ length: 6000 }, (_, i) => `new line ${i}`).join('\n');
  const change = modify(before, after);
  const started = performance.now();
  const diff = diffChange(change);
  assert.ok(performance.now() - started < 10_000);
  assert.equal(diff.hunks.length, 1);
  assert.equal(diff.additions, 6000);
  assert.equal(diff.deletions, 6000);
  assert.equal(diff.hunks[0]!.lines.at(-1), '\\ No newline at end of file');
  assert.match(diff.patch, /^@@ -1,6000 \+1,6000 @@$/m);
  assert.equal(keepHunks(change, [diff.hunks[0]!.id]), change);
});
