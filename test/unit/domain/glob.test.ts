import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesAny } from '../../../src/domain/glob';

// What each pattern means, written out as bash (globstar, dotglob, extglob) answers it:
// the table the hand-written matcher got wrong on `\*`, `[]…]`, `@(…)` and `!(…)`.
const table: readonly (readonly [pattern: string, path: string, matches: boolean])[] = [
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'axxb', false],
  ['[]a]', ']', true],
  ['[]a]', 'a', true],
  ['[]a]', 'b', false],
  ['@(foo|bar).js', 'foo.js', true],
  ['@(foo|bar).js', 'bar.js', true],
  ['@(foo|bar).js', 'foobar.js', false],
  ['!(*.test).js', 'cart.js', true],
  ['!(*.test).js', 'cart.test.js', false],
  ['src/**/*.ts', 'src/a.ts', true],
  ['src/**/*.ts', 'src/x/y/a.ts', true],
  ['src/*.ts', 'src/x/a.ts', false],
  ['**/test/**', 'test/a.js', true],
  ['**/test/**', 'pkg/test/deep/a.js', true],
  ['**/test/**', 'latest/a.js', false],
  ['**/.env*', '.env.local', true],
  ['**/.env*', 'config/.env', true],
  ['*.{js,ts}', 'a.ts', true],
  ['*.{js,ts}', 'a.tsx', false],
  ['v[!a].txt', 'va.txt', false],
  ['v[!a].txt', 'vb.txt', true],
  ['file?.txt', 'file1.txt', true],
  ['file?.txt', 'file/.txt', false],
];

test('glob patterns mean what bash means by them', () => {
  const wrong = table.filter(([pattern, path, matches]) => matchesAny(path, [pattern]) !== matches);
  assert.deepEqual(wrong, []);
});

test('paths are matched with / separators and without a leading ./', () => {
  assert.equal(matchesAny('./src/a.test.ts', ['src/*.test.ts']), true);
  assert.equal(matchesAny('src\\a.test.ts', ['src/*.test.ts']), true);
});
