import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changesFromReply } from '../../../src/edits';
import { decode, memoryWorkspace } from './helpers';

// Counterexamples `npm run fuzz:edits` found, shrunk by fast-check and written small:
// each was applied wrongly before the fix named in its title.

const sr = (path: string, search: readonly string[], replace: readonly string[]) =>
  `${path}\n<<<<<<< SEARCH\n${search.map((line) => `${line}\n`).join('')}=======\n${replace.map((line) => `${line}\n`).join('')}>>>>>>> REPLACE\n`;

async function apply(file: string, reply: string) {
  const result = await changesFromReply({ text: reply }, memoryWorkspace({ 'a.js': file }));
  return { status: result.status, text: decode(result.changes[0]?.after), reasons: result.problems.map((problem) => problem.reason).join('\n') };
}

test('closing braces at other depths do not pair up: lines are compared with their indentation first', async () => {
  // Trimmed, every `}` equals every other, and the window slid by a line: the new lines
  // went in one brace too far out.
  const file = ['class A {', '\tcheck(object) {', '\t\tfor (const key of keys) {', '\t\t\tif (!(key in object)) {', '\t\t\t\tthrow new MissingKeyError(key);', '\t\t\t} // reviewed', '\t\t}', '\t}', '}', ''].join('\n');
  const search = ['\t\t\tif (!(key in object)) {', '\t\t\t\tthrow new MissingKeyError(key);', '\t\t\t}', '\t\t}'];
  const result = await apply(file, sr('a.js', search, [...search, '\t\ttrace();']));
  // Applied where it belongs, or refused: never one brace too far out.
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') assert.equal(result.text, file.replace('\t\t}\n\t}\n}', '\t\t}\n\t\ttrace();\n\t}\n}'));
});

test('a REPLACE that only removes lines is not "already applied" because its lines occur elsewhere', async () => {
  // The end of another docstring holds REPLACE; SEARCH was changed by the person.
  const file = ['def a():', '    """Do a.', '    into TimeoutError.', '    """', '    pass', '', 'def b():', '    """Do b.', '    into TimeoutError. // reviewed', '    """', '    return Timeout(when)', ''].join('\n');
  const result = await apply(file, sr('a.js', ['    into TimeoutError.', '    """', '    return Timeout(when)'], ['    into TimeoutError.', '    """']));
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') assert.equal(result.text, file.replace('    return Timeout(when)\n', ''));
});

test('a blank edge line of SEARCH that the file has, a line away, is not padding when the edit changes that edge', async () => {
  // The person inserted `person();` between the blank line and `def f`: dropping the blank
  // as padding matched `def f` exactly and put the agent's lines after the person's.
  const file = ['x = 1', '', 'person()', 'def f(self, other):', "    '''Doc.", ''].join('\n');
  const result = await apply(file, sr('a.js', ['', 'def f(self, other):', "    '''Doc."], ['', 'trace(1)', 'trace(2)', "    '''Doc."]));
  assert.equal(result.status, 'rejected');
});

test('a whitespace-tolerant match is not taken while the true place, with a line inserted by the person, is as like SEARCH', async () => {
  const file = ['\t\t\t\tif (x) {', '\t\t\t\t\treturn true;', '\t\t\t\t}', '', '\t\t\t\t\tnonUniversal.push(element);', '\t\t\t\t\treturn false;', '\t\t\t\t}', '', '\t\t\t\tpersonTrace();', '\t\t\t\tnonUniversal.push(element);', '\t\t\t\treturn false;', ''].join('\n');
  const result = await apply(file, sr('a.js', ['', '\t\t\t\tnonUniversal.push(element);', '\t\t\t\treturn false;'], ['', '\t\t\t\tnonUniversalRefined.push(element);', '\t\t\t\treturn false;']));
  assert.equal(result.status, 'rejected');
});
