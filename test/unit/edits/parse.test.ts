import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EDIT_TOOL_NAME, parseReply, parseToolCalls, type EditOp } from '../../../src/edits/index';

// Replies as models write them, and what the parser must take from each.

type Expected = Partial<EditOp> & { kind: EditOp['kind'] };

const samples: { name: string; reply: string; edits: Expected[]; prose?: string; problems?: RegExp[] }[] = [
  {
    name: 'path line, fenced search/replace block, prose around it',
    reply: 'The sum was wrong.\n\nsrc/math.js\n```js\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n```\n\nThat fixes it.',
    edits: [{ kind: 'replace', path: 'src/math.js', search: '  return a - b;\n', replace: '  return a + b;\n' }],
    prose: 'The sum was wrong.\n\nThat fixes it.',
  },
  {
    name: 'CRLF reply with a BOM, path in backticks, no fence',
    reply: '\ufeff`src/a.ts`\r\n<<<<<<< SEARCH\r\nold\r\n=======\r\nnew\r\n>>>>>>> REPLACE\r\n',
    edits: [{ kind: 'replace', path: 'src/a.ts', search: 'old\n', replace: 'new\n' }],
    prose: '',
  },
  {
    name: 'path inside the fence, marker variants (7 to 9 signs, ORIGINAL/UPDATED)',
    reply: '```python\napp/models.py\n<<<<<<<<< ORIGINAL\nx = 1\n=========\nx = 2\n>>>>>>>>> UPDATED\n```',
    edits: [{ kind: 'replace', path: 'app/models.py', search: 'x = 1\n', replace: 'x = 2\n' }],
  },
  {
    name: 'path in the fence info string',
    reply: '```ts src/util/strings.ts\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```',
    edits: [{ kind: 'replace', path: 'src/util/strings.ts' }],
  },
  {
    name: 'bold path, heading path, File: prefix',
    reply: '**src/a.ts**\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n\n### lib/b.py\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE\n\nFile: `docs/c.md`\n<<<<<<< SEARCH\ne\n=======\nf\n>>>>>>> REPLACE',
    edits: [
      { kind: 'replace', path: 'src/a.ts' },
      { kind: 'replace', path: 'lib/b.py' },
      { kind: 'replace', path: 'docs/c.md' },
    ],
  },
  {
    name: 'path as a comment on the first line inside the fence',
    reply: '```javascript\n// src/cart.js\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n\n```html\n<!-- web/index.html -->\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE\n```\n\n```sql\n-- db/schema.sql\n<<<<<<< SEARCH\ne\n=======\nf\n>>>>>>> REPLACE\n```',
    edits: [
      { kind: 'replace', path: 'src/cart.js' },
      { kind: 'replace', path: 'web/index.html' },
      { kind: 'replace', path: 'db/schema.sql' },
    ],
    prose: '',
  },
  {
    name: 'a verb with a quoted path, a path with a line number',
    reply: 'In `src/a.ts`:\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n\nsrc/b.ts:12\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE',
    edits: [
      { kind: 'replace', path: 'src/a.ts' },
      { kind: 'replace', path: 'src/b.ts' },
    ],
  },
  {
    name: 'a second block without a path belongs to the file before it',
    reply: 'src/a.ts\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\nand also:\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE',
    edits: [
      { kind: 'replace', path: 'src/a.ts', block: 1 },
      { kind: 'replace', path: 'src/a.ts', block: 2 },
    ],
  },
  {
    name: 'empty SEARCH creates a file',
    reply: 'src/new.ts\n<<<<<<< SEARCH\n=======\nexport const x = 1;\n>>>>>>> REPLACE',
    edits: [{ kind: 'create', path: 'src/new.ts', content: 'export const x = 1;\n' }],
  },
  {
    name: 'unified diff in a fence, two files, counts taken as hints',
    reply:
      '```diff\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -10,3 +10,3 @@ function f() {\n context\n-old\n+new\n--- a/src/b.ts\n+++ b/src/b.ts\n@@ -1,99 +1,99 @@\n-x\n+y\n```',
    edits: [
      { kind: 'replace', path: 'src/a.ts', search: 'context\nold\n', replace: 'context\nnew\n', lineHint: 10 },
      { kind: 'replace', path: 'src/b.ts', search: 'x\n', replace: 'y\n', lineHint: 1 },
    ],
  },
  {
    name: 'bare git diff with new, deleted and renamed files',
    reply:
      'diff --git a/n.txt b/n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+one\n+two\ndiff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\ndiff --git a/x.ts b/y.ts\nsimilarity index 90%\nrename from x.ts\nrename to y.ts\n--- a/x.ts\n+++ b/y.ts\n@@ -1 +1 @@\n-a\n+b\n',
    edits: [
      { kind: 'create', path: 'n.txt', content: 'one\ntwo\n' },
      { kind: 'delete', path: 'old.txt' },
      { kind: 'rename', path: 'x.ts', to: 'y.ts' },
      { kind: 'replace', path: 'y.ts', search: 'a\n', replace: 'b\n' },
    ],
  },
  {
    name: 'diff context lines whose leading space the model dropped (inside a fence)',
    reply: '```diff\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\ndef f():\n-    return 1\n+    return 2\n\n```',
    edits: [{ kind: 'replace', path: 'a.py', search: 'def f():\n    return 1\n', replace: 'def f():\n    return 2\n' }],
  },
  {
    name: 'hunks separated by a bare @@ or @@ ... @@ after a file header',
    reply: '```diff\n--- a/x.py\n+++ b/x.py\n@@ ... @@\n a = 1\n-b = 2\n+b = 3\n@@\n c = 1\n-d = 2\n+d = 4\n```',
    edits: [
      { kind: 'replace', path: 'x.py', search: 'a = 1\nb = 2\n', replace: 'a = 1\nb = 3\n', lineHint: undefined },
      { kind: 'replace', path: 'x.py', search: 'c = 1\nd = 2\n', replace: 'c = 1\nd = 4\n' },
    ],
  },
  {
    name: 'a "-- " SQL comment removed in a hunk is not a file header',
    reply: '```diff\n--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,2 @@\n--- old comment\n+-- new comment\n select 1;\n```',
    edits: [{ kind: 'replace', path: 'q.sql', search: '-- old comment\nselect 1;\n', replace: '-- new comment\nselect 1;\n' }],
  },
  {
    name: 'the *** Begin Patch format: update with two chunks, move, add, delete',
    reply:
      'Here is the patch:\n\n*** Begin Patch\n*** Update File: src/a.py\n@@ def f():\n def f():\n-    return 1\n+    return 2\n@@\n x = 1\n-y = 2\n+y = 3\n\n*** Update File: src/old.py\n*** Move to: src/new.py\n@@\n-a\n+b\n*** End of File\n*** Add File: docs/n.md\n+# New\n+text\n*** Delete File: junk.txt\n*** End Patch\n\nDone.',
    edits: [
      { kind: 'replace', path: 'src/a.py', search: 'def f():\n    return 1\n', replace: 'def f():\n    return 2\n' },
      { kind: 'replace', path: 'src/a.py', search: 'x = 1\ny = 2\n', replace: 'x = 1\ny = 3\n' },
      { kind: 'rename', path: 'src/old.py', to: 'src/new.py' },
      { kind: 'replace', path: 'src/new.py', search: 'a\n', replace: 'b\n' },
      { kind: 'create', path: 'docs/n.md', content: '# New\ntext\n' },
      { kind: 'delete', path: 'junk.txt' },
    ],
    prose: 'Here is the patch:\n\nDone.',
  },
  {
    name: 'whole-file fenced block headed by a path',
    reply: 'Here is the new file.\n\nsrc/config.json\n```json\n{ "a": 1 }\n```\n\nUpdated `src/b.json`:\n```json\n{}\n```',
    edits: [
      { kind: 'write', path: 'src/config.json', content: '{ "a": 1 }\n' },
      { kind: 'write', path: 'src/b.json', content: '{}\n' },
    ],
    prose: 'Here is the new file.',
  },
  {
    name: 'explicit DELETE and RENAME lines',
    reply: 'DELETE src/old.ts\nRENAME src/a.ts -> src/b.ts\nRENAME `lib/x.js` TO `lib/y.js`',
    edits: [
      { kind: 'delete', path: 'src/old.ts' },
      { kind: 'rename', path: 'src/a.ts', to: 'src/b.ts' },
      { kind: 'rename', path: 'lib/x.js', to: 'lib/y.js' },
    ],
  },
  {
    name: 'tool-call JSON written into the reply',
    reply: 'Swap it.\n```json\n{"summary":"x becomes y.","edits":[{"kind":"replace","path":"a.ts","search":"x","replace":"y","line":3}]}\n```',
    edits: [{ kind: 'replace', path: 'a.ts', search: 'x', replace: 'y', lineHint: 3 }],
    prose: 'Swap it.\n\nx becomes y.',
  },
  {
    name: 'prose only: no edits and no problems; code snippets without a path are prose',
    reply: 'The test expects 3 but gets 2. For example:\n\n```js\nassert.equal(add(1, 2), 3);\n```\n\nI would change the test.',
    edits: [],
    prose: 'The test expects 3 but gets 2. For example:\n\n```js\nassert.equal(add(1, 2), 3);\n```\n\nI would change the test.',
  },
  {
    name: 'a sentence ending in a file name is not a path',
    reply: 'I looked at src/a.ts.\n```\nconst x = 1;\n```',
    edits: [],
  },
];

const problemSamples: { name: string; reply: string; problems: RegExp[]; edits?: number }[] = [
  { name: 'SEARCH without divider', reply: 'a.ts\n<<<<<<< SEARCH\nx\n', problems: [/Block 1 is unterminated: .* no '=======' divider before the end of the reply/] },
  { name: 'divider without REPLACE', reply: 'a.ts\n<<<<<<< SEARCH\nx\n=======\ny\n', problems: [/no '>>>>>>> REPLACE' line/] },
  {
    name: 'an unterminated block followed by a complete one',
    reply: 'a.ts\n<<<<<<< SEARCH\nx\n\na.ts\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n',
    problems: [/Block 1 is unterminated: .* before the next block \(line 6\)/],
    edits: 1,
  },
  { name: 'block without any path', reply: '<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE', problems: [/names no file/] },
  { name: 'headerless hunk without path', reply: 'Change this:\n@@ -1 +1 @@\n-a\n+b\n', problems: [/has no '--- a\/path'/] },
  { name: 'hunk with only additions', reply: '--- a/x.ts\n+++ b/x.ts\n@@ -0,0 +1 @@\n+added\n', problems: [/no context or removed lines/] },
  { name: 'unclosed whole-file fence', reply: 'src/a.ts\n```ts\nconst a = 1;\n', problems: [/never closed: the reply may have been cut off/] },
  {
    name: 'markers too short to trust are reported, and the fence is not taken for a whole file',
    reply: 'src/a.ts\n```ts\n<<<< SEARCH\nold\n=======\nnew\n>>>> REPLACE\n```',
    problems: [/Reply line 3 \('<<<< SEARCH'\) looks like an edit marker but is not part of a complete block/, /Reply line 7 \('>>>> REPLACE'\)/],
  },
  { name: '*** Begin Patch without its end', reply: '*** Begin Patch\n*** Update File: a.ts\n@@\n-a\n+b\n', problems: [/has no '\*\*\* End Patch': the reply may have been cut off/] },
  { name: 'a diff header that names no file', reply: 'diff --git weird\n@@ -1 +1 @@\n-a\n+b\n', problems: [/Diff at reply line 1 names no file/] },
  { name: 'tool-call JSON that does not fit the schema', reply: '```json\n{"edits":[{"kind":"replace","path":"a.ts"}]}\n```', problems: [/does not fit its schema: edits\.0\.search/] },
];

test('parseReply reads every edit format models write', () => {
  for (const sample of samples) {
    const parsed = parseReply(sample.reply);
    assert.deepEqual(parsed.problems, [], sample.name);
    assert.equal(parsed.edits.length, sample.edits.length, `${sample.name}: ${JSON.stringify(parsed.edits)}`);
    sample.edits.forEach((expected, index) => {
      for (const [key, value] of Object.entries(expected)) assert.deepEqual((parsed.edits[index] as unknown as Record<string, unknown>)[key], value, `${sample.name}: edit ${index} ${key}`);
    });
    if (sample.prose !== undefined) assert.equal(parsed.prose, sample.prose, sample.name);
  }
});

test('parseReply reports malformed blocks for the agent to repair', () => {
  for (const sample of problemSamples) {
    const parsed = parseReply(sample.reply);
    assert.equal(parsed.problems.length, sample.problems.length, `${sample.name}: ${JSON.stringify(parsed.problems)}`);
    sample.problems.forEach((pattern, index) => assert.match(parsed.problems[index]!.reason, pattern, sample.name));
    assert.equal(parsed.edits.length, sample.edits ?? 0, sample.name);
  }
});

test('parseToolCalls checks tool input with the zod schema', () => {
  const parsed = parseToolCalls([
    { name: EDIT_TOOL_NAME, input: { summary: 'Fix the sum.', edits: [{ kind: 'replace', path: 'a.ts', search: 'a - b', replace: 'a + b' }, { kind: 'delete', path: 'b.ts' }] } },
    { name: EDIT_TOOL_NAME, input: JSON.stringify({ edits: [{ kind: 'create', path: 'c.ts', content: 'x\n' }] }) },
    { name: 'run_shell', input: { command: 'rm -rf /' } },
    { name: EDIT_TOOL_NAME, input: { edits: [] } },
    { name: EDIT_TOOL_NAME, input: '{not json' },
  ]);
  assert.deepEqual(
    parsed.edits.map((edit) => [edit.kind, edit.path]),
    [
      ['replace', 'a.ts'],
      ['delete', 'b.ts'],
      ['create', 'c.ts'],
    ],
  );
  assert.equal(parsed.prose, 'Fix the sum.');
  assert.equal(parsed.problems.length, 3);
  assert.match(parsed.problems[0]!.reason, /Unknown tool 'run_shell'/);
  assert.match(parsed.problems[1]!.reason, /does not fit its schema: edits/);
  assert.match(parsed.problems[2]!.reason, /not valid JSON/);
});

test('parsing 1 MB of adversarial input stays linear', () => {
  const inputs = {
    'unterminated SEARCH markers': 'a.ts\n<<<<<<< SEARCH\n'.repeat(70_000),
    'SEARCH and divider without REPLACE': '<<<<<<< SEARCH\nx\n=======\n'.repeat(40_000),
    'a million @@': '@@'.repeat(500_000),
    '@@ lines': '@@\n'.repeat(350_000),
    'diff headers without hunks': '--- a/x\n+++ b/x\n'.repeat(70_000),
    'open fences': '```ts\n'.repeat(170_000),
    'one long line of markers': '<'.repeat(1_000_000),
    'a DELETE line of spaces': 'DELETE x' + ' '.repeat(1_000_000) + 'y',
    'a diff --git line of names': 'diff --git ' + 'a '.repeat(500_000),
    'a marker line of < signs inside a fence': '```\n' + '<'.repeat(1_000_000) + '\n',
    'unterminated *** Begin Patch': '*** Begin Patch\n*** Update File: a\n'.repeat(30_000),
    'hunk bodies': ('--- a/x\n+++ b/x\n@@ -1 +1 @@\n' + '-a\n'.repeat(1000)).repeat(350),
  };
  for (const [name, input] of Object.entries(inputs)) {
    assert.ok(input.length >= 1_000_000, name);
    const started = performance.now();
    const parsed = parseReply(input);
    const elapsed = performance.now() - started;
    // Generous: linear parsing takes tens of milliseconds; quadratic would take minutes.
    assert.ok(elapsed < 3000, `${name}: ${elapsed.toFixed(0)} ms`);
    assert.ok(parsed.problems.length <= 51, name);
  }
});
