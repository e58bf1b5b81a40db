import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changesFromReply } from '../../../src/edits';
import { decode, memoryWorkspace } from './helpers';

// changesFromReply: the one function the loop (src/loop/sessionRun.ts) and
// `refine-loop apply` (src/cli/apply.ts) turn a reply into changes with.

const files = { 'src/a.js': 'export const a = 1;\n', 'src/b.js': 'export const b = 2;\n' };
const block = (path: string, search: string, replace: string) => `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

test('a reply whose blocks all apply gives every change, and its prose', async () => {
  const result = await changesFromReply({ text: `Both constants change.\n\n${block('src/a.js', 'export const a = 1;', 'export const a = 10;')}\n${block('src/b.js', 'export const b = 2;', 'export const b = 20;')}` }, memoryWorkspace(files));
  assert.equal(result.status, 'applied');
  assert.deepEqual(result.changes.map((change) => [change.path, decode(change.after)]), [['src/a.js', 'export const a = 10;\n'], ['src/b.js', 'export const b = 20;\n']]);
  assert.deepEqual(result.problems, []);
  assert.equal(result.prose, 'Both constants change.');
  assert.equal(result.editCount, 2);
});

test('an unreadable block holds back the readable ones, and both kinds of problem are reported', async () => {
  const cut = 'src/b.js\n<<<<<<< SEARCH\nexport const b = 2;\n=======\nexport const b = 20;\n';
  const result = await changesFromReply({ text: `${block('src/a.js', 'export const a = 1;', 'export const a = 10;')}\n${block('src/a.js', 'no such line', 'x')}\n${cut}` }, memoryWorkspace(files));
  assert.equal(result.status, 'rejected');
  assert.deepEqual(result.changes, []);
  assert.ok(result.problems.some((problem) => /Block 3 is unterminated/.test(problem.reason)));
  assert.ok(result.problems.some((problem) => problem.block === 2 && /does not match the file/.test(problem.reason)));
});

test('an unreadable block beside edits that all apply is still a rejection, and says so', async () => {
  const result = await changesFromReply({ text: `${block('src/a.js', 'export const a = 1;', 'export const a = 10;')}\n<<<< SEARCH\n` }, memoryWorkspace(files));
  assert.equal(result.status, 'rejected');
  assert.deepEqual(result.changes, []);
  assert.match(result.problems.at(-1)!.reason, /Nothing of this reply was applied, the readable blocks included/);
});

test('tool calls, when there are any, are the edits; the text is not parsed', async () => {
  const toolCalls = [{ name: 'apply_edits', input: { summary: 'Raise a.', edits: [{ kind: 'replace', path: 'src/a.js', search: 'export const a = 1;\n', replace: 'export const a = 3;\n' }] } }];
  const result = await changesFromReply({ text: block('src/b.js', 'export const b = 2;', 'export const b = 20;'), toolCalls }, memoryWorkspace(files));
  assert.equal(result.status, 'applied');
  assert.deepEqual(result.changes.map((change) => change.path), ['src/a.js']);
  assert.equal(result.prose, 'Raise a.');
});

test('prose only is nothing with no edits; an edit already in the file is nothing with alreadyApplied', async () => {
  const prose = await changesFromReply({ text: 'The test is wrong, not the code.' }, memoryWorkspace(files));
  assert.deepEqual({ status: prose.status, editCount: prose.editCount, problems: prose.problems }, { status: 'nothing', editCount: 0, problems: [] });
  const again = await changesFromReply({ text: block('src/a.js', 'export const a = 0;', 'export const a = 1;') }, memoryWorkspace(files));
  assert.equal(again.status, 'nothing');
  assert.deepEqual(again.alreadyApplied, ['src/a.js']);
});
