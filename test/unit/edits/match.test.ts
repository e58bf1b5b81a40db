import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchEdit, type MatchResult } from '../../../src/edits/index';

// The fallback cascade, one level at a time: which level matched, and the lines that result.

const lines = (text: string) => text.split('\n');

function applied(file: string, result: MatchResult): string {
  assert.equal(result.kind, 'splice', JSON.stringify(result));
  if (result.kind !== 'splice') return '';
  const out = lines(file);
  out.splice(result.start, result.end - result.start, ...result.lines.map((line) => line.text));
  return out.join('\n');
}

const file = [
  'function total(items) {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.price;',
  '  }',
  '  return sum;',
  '}',
  '',
  'function label(item) {',
  '  return `${item.name}: ${item.price}`;',
  '}',
].join('\n');

const levels: { name: string; file?: string; search: string; replace: string; level: string; expected: string }[] = [
  {
    name: 'exact',
    search: '    sum += item.price;',
    replace: '    sum += item.price * item.quantity;',
    level: 'exact',
    expected: file.replace('    sum += item.price;', '    sum += item.price * item.quantity;'),
  },
  {
    name: 'trailing whitespace: the file keeps its own trailing spaces on kept lines',
    file: file.replace('  let sum = 0;', '  let sum = 0;   '),
    search: '  let sum = 0;\n  for (const item of items) {',
    replace: '  let sum = 0;\n  for (const item of items ?? []) {',
    level: 'trailing-whitespace',
    expected: file.replace('  let sum = 0;', '  let sum = 0;   ').replace('of items)', 'of items ?? [])'),
  },
  {
    name: 'indentation drift: the replacement is re-indented to the file',
    search: 'for (const item of items) {\n  sum += item.price;\n}',
    replace: 'for (const item of items) {\n  if (item.free) continue;\n  sum += item.price;\n}',
    level: 'indentation',
    expected: file.replace('    sum += item.price;', '    if (item.free) continue;\n    sum += item.price;'),
  },
  {
    name: 'tabs in the file, spaces in the reply',
    file: file.replace(/^( +)/gm, (spaces) => '\t'.repeat(spaces.length / 2)),
    search: '    for (const item of items) {\n        sum += item.price;\n    }',
    replace: '    for (const item of items) {\n        sum += item.price;\n        count++;\n    }',
    level: 'indentation',
    expected: file.replace(/^( +)/gm, (spaces) => '\t'.repeat(spaces.length / 2)).replace('\t\tsum += item.price;', '\t\tsum += item.price;\n\t\tcount++;'),
  },
  {
    name: 'smart quotes and an em dash the model typed',
    file: "const note = 'total - before tax';\nconst x = 1;",
    search: 'const note = \u2018total \u2014 before tax\u2019;',
    replace: 'const note = \u2018total \u2014 after tax\u2019;',
    level: 'unicode',
    expected: "const note = 'total - after tax';\nconst x = 1;",
  },
  {
    name: 'elision: the elided lines stay as they are',
    search: 'function total(items) {\n  let sum = 0;\n  // ... existing code ...\n  return sum;\n}',
    replace: 'function total(items) {\n  let sum = 0n;\n  // ... existing code ...\n  return Number(sum);\n}',
    level: 'elision',
    expected: file.replace('let sum = 0;', 'let sum = 0n;').replace('return sum;', 'return Number(sum);'),
  },
  {
    name: 'fuzzy: a context line changed since, and the change is kept',
    file: file.replace('  return sum;', '  return sum; // in cents'),
    search: '  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;\n}',
    replace: '  for (const item of items) {\n    sum += item.price * 100;\n  }\n  return sum;\n}',
    level: 'fuzzy',
    expected: file.replace('  return sum;', '  return sum; // in cents').replace('sum += item.price;', 'sum += item.price * 100;'),
  },
];

test('each level of the cascade matches what the earlier ones cannot', () => {
  for (const sample of levels) {
    const before = sample.file ?? file;
    const result = matchEdit(lines(before), lines(sample.search), lines(sample.replace));
    assert.equal(result.kind === 'splice' ? result.level : result.kind, sample.level, `${sample.name}: ${JSON.stringify(result)}`);
    assert.equal(applied(before, result), sample.expected, sample.name);
  }
});

test('two equally good candidates are a rejection naming both, never the first', () => {
  const twice = `${file}\n\n${file}`;
  const result = matchEdit(lines(twice), lines('  return sum;\n}'), lines('  return sum + 1;\n}'));
  assert.equal(result.kind, 'ambiguous');
  if (result.kind !== 'ambiguous') return;
  assert.deepEqual(
    result.candidates.map((c) => c.line),
    [6, 18],
  );
  assert.match(result.candidates[0]!.context, /^ 3: {3}for \(const item of items\) \{\n 4: {5}sum \+= item.price;\n 5: {3}\}\n 6\| {3}return sum;\n 7\| \}\n 8: \n 9: function label/);
});

test('a line hint picks the nearer of identical candidates, and a tie stays a rejection', () => {
  const twice = `${file}\n\n${file}`;
  const near = matchEdit(lines(twice), lines('  return sum;\n}'), lines('  return sum + 1;\n}'), 15);
  assert.equal(near.kind === 'splice' && near.start, 17);
  const tie = matchEdit(lines(twice), lines('  return sum;\n}'), lines('  return sum + 1;\n}'), 11);
  assert.equal(tie.kind, 'ambiguous');
});

test('an edit already present is recognised, also when REPLACE contains SEARCH', () => {
  const done = file.replace('    sum += item.price;', '    sum += item.price * item.quantity;');
  const changed = matchEdit(lines(done), lines('    sum += item.price;'), lines('    sum += item.price * item.quantity;'));
  assert.deepEqual(changed, { kind: 'already', level: 'exact' });
  const inserted = file.replace('  let sum = 0;', '  let sum = 0;\n  let count = 0;');
  const grown = matchEdit(lines(inserted), lines('  let sum = 0;'), lines('  let sum = 0;\n  let count = 0;'));
  assert.equal(grown.kind, 'already');
});

test('rejections say why, with the closest candidate and its context', () => {
  const missing = matchEdit(lines(file), lines('function totl(itms) {\n  let summ = 0;\n  while (true) {'), lines('x'));
  assert.equal(missing.kind, 'missing');
  if (missing.kind !== 'missing') return;
  assert.match(missing.reason, /does not match the file/);
  assert.equal(missing.candidates[0]?.line, 1);
  assert.ok(missing.candidates[0]!.similarity > 0.5 && missing.candidates[0]!.similarity < 0.8);

  const stale = matchEdit(lines(file.replace('sum += item.price;', 'sum += item.cost;')), lines('  let sum = 0;\n  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;'), lines('  let sum = 0;\n  for (const item of items) {\n    sum += item.price * 2;\n  }\n  return sum;'));
  assert.equal(stale.kind, 'missing');
  if (stale.kind === 'missing') assert.match(stale.reason, /which the edit removes or changes, differs from the file's line 4 .*the file changed since/);

  const blank = matchEdit(lines(file), ['', '  '], ['x']);
  assert.equal(blank.kind === 'missing' && /only blank lines/.test(blank.reason), true);

  const elidingReplace = matchEdit(lines(file), lines('  let sum = 0;'), lines('  let sum = 0;\n  // ... rest of the code unchanged ...'));
  assert.equal(elidingReplace.kind === 'missing' && /REPLACE has an elision comment/.test(elidingReplace.reason), true);

  const unevenElision = matchEdit(lines(file), lines('function total(items) {\n...\n}'), lines('function total(items) {\n  return 0;\n}'));
  assert.equal(unevenElision.kind === 'missing' && /SEARCH has 1 elision line\(s\).*REPLACE has 0/.test(unevenElision.reason), true);
});

test('fuzzy matching stays inside the window around a line hint', () => {
  const long = [...Array.from({ length: 200 }, (_, i) => `const filler${i} = ${i};`), ...lines(file.replace('  return sum;', '  return sum; // cents'))].join('\n');
  const search = lines('  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;\n}');
  const replace = lines('  for (const item of items) {\n    sum += item.price * 2;\n  }\n  return sum;\n}');
  assert.equal(matchEdit(lines(long), search, replace, 202).kind, 'splice');
  const far = matchEdit(lines(long), search, replace, 10);
  assert.equal(far.kind, 'missing');
  if (far.kind === 'missing') {
    assert.match(far.reason, /within 40 lines of line 11/);
    assert.equal(far.candidates[0]?.line, 203);
  }
});

test('more rejection reasons: elision at an edge, a removed line that is gone, unseen lines inside a removal, fuzzy ties', () => {
  const edge = matchEdit(lines(file), lines('...\n  return sum;'), lines('...\n  return 0;'));
  assert.equal(edge.kind === 'missing' && /must stand between lines that anchor it/.test(edge.reason), true, JSON.stringify(edge));

  // Fuzzy pairs SEARCH with a window that lacks one of the lines the edit removes.
  const gone = matchEdit(
    lines(file.replace('    sum += item.price;\n', '')),
    lines('  let sum = 0;\n  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;\n}'),
    lines('  let sum = 0;\n  for (const item of items) {\n  }\n  return sum * 2;\n}'),
  );
  assert.equal(gone.kind === 'missing' && /SEARCH line 3 \('sum \+= item.price;'\), which the edit removes or changes, is not in the file/.test(gone.reason), true, JSON.stringify(gone));

  // A line was added in the file between two lines the edit removes.
  const unseen = matchEdit(
    lines(file.replace('  let sum = 0;\n', '  let sum = 0;\n  let tax = 0;\n')),
    lines('function total(items) {\n  let sum = 0;\n  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;'),
    lines('function total(items) {\n    sum += item.price;\n  }\n  return sum;'),
  );
  assert.equal(unseen.kind === 'missing' && /that SEARCH does not show, inside the lines the edit removes/.test(unseen.reason), true, JSON.stringify(unseen));

  // Two places differ from SEARCH in the same number of lines, about as much: a tie.
  const twins = ['a();', 'b();', 'c(1);', 'd();', 'e();', '', 'a();', 'b();', 'c(2);', 'd();', 'e();'].join('\n');
  const tie = matchEdit(lines(twins), lines('a();\nb();\nc(3);\nd();\ne();'), lines('a();\nb();\nc(3);\nd();\ne(9);'));
  assert.equal(tie.kind, 'ambiguous', JSON.stringify(tie));
  if (tie.kind === 'ambiguous') assert.deepEqual(tie.candidates.map((c) => [c.line, c.similarity]), [[1, 0.96], [7, 0.96]]);
});

test('looking for a SEARCH that is nowhere in a big file of long lines takes bounded time', () => {
  const long = Array.from({ length: 20_000 }, (_, i) => `${'x'.repeat(150)} ${i} ${'y'.repeat(140)}`);
  const started = performance.now();
  const result = matchEdit(long, [`${'x'.repeat(150)} nowhere ${'z'.repeat(140)}`, `${'q'.repeat(290)}`], ['replacement']);
  // Generous: bounded seeding takes well under a second; unbounded took minutes.
  assert.ok(performance.now() - started < 5000);
  assert.equal(result.kind, 'missing');
});
