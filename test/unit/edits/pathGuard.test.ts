import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathError } from '../../../src/domain/errors';
import { guardPath } from '../../../src/edits/index';

const accepted: [string, string][] = [
  ['src/a.ts', 'src/a.ts'],
  ['./src/a.ts', 'src/a.ts'],
  ['src\\lib\\a.ts', 'src/lib/a.ts'],
  ['src//a.ts', 'src/a.ts'],
  ['src/../lib/a.ts', 'lib/a.ts'],
  ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
  ['.gitignore', '.gitignore'],
  ['docs/console.md', 'docs/console.md'],
  ['src/auxiliary.ts', 'src/auxiliary.ts'],
];

const rejected: [string, RegExp][] = [
  ['', /is empty/],
  ['../outside.ts', /outside the workspace/],
  ['src/../../outside.ts', /outside the workspace/],
  ['/etc/passwd', /absolute/],
  ['\\\\server\\share\\a.ts', /absolute/],
  ['C:\\Windows\\a.ts', /drive letter/],
  ['c:a.ts', /drive letter/],
  ['~/a.ts', /home folder/],
  ['src/a\u0000.ts', /NUL byte/],
  ['src/a\n.ts', /control character/],
  ['.git/config', /inside \.git/],
  ['src/.GIT/hooks/pre-commit', /inside \.git/],
  ['./.git/HEAD', /inside \.git/],
  ['con', /Windows device/],
  ['src/NUL.txt', /Windows device/],
  ['lpt1.log', /Windows device/],
  ['src/a.ts:stream', /':'/],
  ['src/a.ts.', /dot or space/],
  ['src/a.ts ', /dot or space/],
  ['.', /workspace root/],
];

test('guardPath normalises workspace-relative paths', () => {
  for (const [input, expected] of accepted) assert.equal(guardPath(input), expected, input);
});

test('guardPath rejects every escaping or unusable path with a PathError that says why', () => {
  for (const [input, reason] of rejected) {
    assert.throws(
      () => guardPath(input),
      (error: unknown) => error instanceof PathError && reason.test(error.message) && error.path === input,
      JSON.stringify(input),
    );
  }
});
