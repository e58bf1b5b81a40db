import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changesFromReply } from '../../../src/edits';
import { decode, memoryWorkspace } from './helpers';

// The four shapes that used to be applied wrongly (issue 12), each as the engine must
// now handle it: applied exactly so, or rejected with a reason that names the places.
// The first were found by the property test (test/unit/edits/property.test.ts).

const sr = (path: string, search: readonly string[], replace: readonly string[]) =>
  `${path}\n<<<<<<< SEARCH\n${search.map((line) => `${line}\n`).join('')}=======\n${replace.map((line) => `${line}\n`).join('')}>>>>>>> REPLACE\n`;

async function apply(files: Record<string, string>, reply: string) {
  const result = await changesFromReply({ text: reply }, memoryWorkspace(files));
  return { ...result, text: decode(result.changes[0]?.after), reasons: result.problems.map((problem) => problem.reason).join('\n') };
}

const cart = [
  'export function total(items) {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.price * item.quantity;',
  '  }',
  '  return sum;',
  '}',
];

// ---------------------------------------------------------------- 1. a changed context line beside an insertion

test('shape 1: an insertion next to a line the person annotated goes after that line, which keeps the annotation', async () => {
  const file = cart.map((line) => (line === '  let sum = 0;' ? '  let sum = 0; // reviewed' : line)).join('\n') + '\n';
  const search = cart.slice(0, 5);
  const replace = [...search.slice(0, 2), '  let discount = 0;', ...search.slice(2)];
  const result = await apply({ 'cart.js': file }, sr('cart.js', search, replace));
  assert.equal(result.status, 'applied', result.reasons);
  assert.equal(result.text, file.replace('  let sum = 0; // reviewed\n', '  let sum = 0; // reviewed\n  let discount = 0;\n'));
});

test('shape 1: a line the person inserted where the edit inserts is a conflict, rejected with both places named', async () => {
  const file = [...cart.slice(0, 2), '  let tax = 0;', ...cart.slice(2)].join('\n') + '\n';
  const search = cart.slice(0, 5);
  const replace = [...search.slice(0, 2), '  let discount = 0;', ...search.slice(2)];
  const result = await apply({ 'cart.js': file }, sr('cart.js', search, replace));
  assert.equal(result.status, 'rejected');
  assert.match(result.reasons, /The file differs from SEARCH \(before SEARCH line 3\) right where the edit changes it \(before SEARCH line 3\): the file changed since the agent saw it/);
});

// ---------------------------------------------------------------- 2. two places that each differ from SEARCH

const twins = (annotate: (line: string) => string) =>
  [
    'function priceOf(item) {',
    '  const base = item.price;',
    '  const rate = item.taxRate;',
    annotate('  const tax = base * rate;'),
    '  return base + tax;',
    '}',
    '',
    'function costOf(item) {',
    '  const base = item.cost;',
    '  const rate = item.taxRate;',
    '  const tax = base * rate;',
    '  return base + tax;',
    '}',
    '',
  ].join('\n');
const priceSearch = ['function priceOf(item) {', '  const base = item.price;', '  const rate = item.taxRate;', '  const tax = base * rate;', '  return base + tax;'];
const priceReplace = priceSearch.map((line) => (line === '  return base + tax;' ? '  return Math.round(base + tax);' : line));

test('shape 2: the place that differs only by an appended comment beats a look-alike with a changed identifier', async () => {
  const file = twins((line) => `${line} // VAT`);
  // The other function differs from SEARCH in its name and its first line: another place.
  const result = await apply({ 'price.js': file }, sr('price.js', priceSearch.slice(1), priceReplace.slice(1)));
  assert.equal(result.status, 'applied', result.reasons);
  assert.equal(result.text, file.replace('  return base + tax;\n}\n\nfunction costOf', '  return Math.round(base + tax);\n}\n\nfunction costOf'));
});

test('shape 2: when the true place has a changed line, a look-alike elsewhere makes the edit ambiguous: rejected, naming both', async () => {
  const file = twins((line) => line.replace('base * rate', 'base * rate * 2'));
  const result = await apply({ 'price.js': file }, sr('price.js', priceSearch.slice(1), priceReplace.slice(1)));
  assert.equal(result.status, 'rejected');
  assert.match(result.reasons, /SEARCH is not in price\.js as written, and 2 places are like it \(line 2, \d+% alike; line 9, \d+% alike\): which one was meant would be a guess/);
  assert.deepEqual(result.problems[0]!.candidates!.map((candidate) => candidate.line), [2, 9]);
});

test('shape 2: a whitespace-tolerant match is rejected when a place the person changed looks as much like SEARCH', async () => {
  // SEARCH matches lines 9-12 ignoring indentation; lines 2-5 hold it with one line inserted.
  const file = ['function a() {', '  one();', '  inserted();', '  two();', '  three();', '}', '', 'function b() {', '      one();', '      two();', '      three();', '}', ''].join('\n');
  const result = await apply({ 'x.js': file }, sr('x.js', ['  one();', '  two();', '  three();'], ['  one();', '  two();', '  four();']));
  assert.equal(result.status, 'rejected');
  assert.match(result.reasons, /2 places are like it/);
});

// ---------------------------------------------------------------- 3. blank lines at the edges, the final newline

test('shape 3: a blank line at the end of REPLACE is kept, and so is one alone', async () => {
  const file = cart.join('\n') + '\n';
  const trailing = await apply({ 'cart.js': file }, sr('cart.js', ['  return sum;', '}'], ['  return sum;', '}', '']));
  assert.equal(trailing.text, file + '\n');
  const alone = await apply({ 'cart.js': file }, sr('cart.js', ['  let sum = 0;'], ['']));
  assert.equal(alone.text, file.replace('  let sum = 0;\n', '\n'));
});

test('shape 3: blank lines around SEARCH and REPLACE that the file lacks are padding; a blank SEARCH edge the edit changes is not', async () => {
  const file = cart.join('\n') + '\n';
  const padded = await apply({ 'cart.js': file }, sr('cart.js', ['', '  let sum = 0;', '  for (const item of items) {', ''], ['', '  let sum = 1;', '  for (const item of items) {', '']));
  assert.equal(padded.status, 'applied', padded.reasons);
  assert.equal(padded.text, file.replace('let sum = 0', 'let sum = 1'));
});

test('shape 3: an edit at the end of a file without a final newline leaves it without one', async () => {
  const file = cart.join('\n');
  const result = await apply({ 'cart.js': file }, sr('cart.js', ['  return sum;', '}'], ['  return sum;', '}', '', 'export default total;']));
  assert.equal(result.text, file + '\n\nexport default total;');
  const whole = await apply({ 'cart.js': file }, `cart.js\n\`\`\`js\n${[...cart, ''].join('\n')}\n\`\`\`\n`);
  assert.equal(whole.text, file + '\n', 'a whole-file block ending with a blank line keeps it');
});

// ---------------------------------------------------------------- 4. indentation REPLACE changes on purpose

test('shape 4: under a whitespace-tolerant match, a line REPLACE re-indents on purpose keeps its new indentation', async () => {
  const file = cart.join('\n') + '\n';
  // The agent's block is 4 columns shallower, and it moves `sum += ...` 2 columns further in.
  const dedent = (line: string) => line.replace(/^ {2}/, '');
  const search = cart.slice(1, 6).map(dedent);
  const replace = search.map((line) => (line.includes('sum +=') ? `  ${line}` : line));
  const result = await apply({ 'cart.js': file }, sr('cart.js', search, replace));
  assert.equal(result.status, 'applied', result.reasons);
  assert.equal(result.text, file.replace('    sum += item.price', '      sum += item.price'));
});

test('shape 4: spaces for tabs where SEARCH shows no step between levels cannot be mapped: rejected, not guessed', async () => {
  const file = 'function f() {\n\t\tif (a) {\n\t\t\t\tgo(); // now\n\t\t\t\twent();\n\t\t\t\tgone();\n\t\t}\n}\n';
  // Every SEARCH line at one level: how many tabs the 2 more spaces of `stop();` stand for is unknown.
  const result = await apply({ 'f.js': file }, sr('f.js', ['    go();', '    went();', '    gone();'], ['    go();', '    went();', '      stop();', '    gone();']));
  assert.equal(result.status, 'rejected');
  assert.match(result.reasons, /REPLACE line 3 \('stop\(\);'\) cannot be indented the way the file is/);
});

// ---------------------------------------------------------------- already applied, only when it can be told

test('an edit that only adds a blank line above SEARCH is applied even where the file has one there already', async () => {
  const file = ['a();', '', 'function f() {', '  return 1;', '}', ''].join('\n');
  const result = await apply({ 'f.js': file }, sr('f.js', ['function f() {', '  return 1;'], ['', 'function f() {', '  return 1;']));
  assert.equal(result.status, 'applied', result.reasons);
  assert.equal(result.text, file.replace('\nfunction f', '\n\nfunction f'));
});
