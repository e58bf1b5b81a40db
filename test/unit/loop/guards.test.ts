import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesAny, protectedAmong } from '../../../src/domain/glob';
import { defaultProtectedPaths } from '../../../src/domain/settings';
import { limitBefore, madeProgress, ProgressTracker, proposalFingerprint, workSignal } from '../../../src/loop/limits';
import { bytes, report } from './fakes';

test('the default protected paths catch tests, CI, editor settings, env files and lock files, and nothing else', () => {
  const protectedOnes = [
    'test/cart.test.js',
    'src/cart.test.ts',
    'src/deep/cart.spec.tsx',
    'tests/test_cart.py',
    'pkg/cart_test.go',
    'src/__tests__/a.js',
    'conftest.py',
    'app/conftest.py',
    '.github/workflows/ci.yml',
    '.gitlab-ci.yml',
    '.vscode/settings.json',
    '.env',
    'config/.env.local',
    'package-lock.json',
    'web/yarn.lock',
    'Cargo.lock',
    'go.sum',
  ];
  const free = ['src/cart.js', 'src/testing.js', 'src/contest.py', 'lib/test-utils-not-a-test.js', 'README.md', 'src/environment.ts', 'package.json', 'sub/.gitlab-ci.yml'];
  for (const path of protectedOnes) assert.equal(matchesAny(path, defaultProtectedPaths), true, path);
  for (const path of free) assert.equal(matchesAny(path, defaultProtectedPaths), false, path);
  assert.deepEqual(protectedAmong(['src/a.js', 'test/a.test.js', 'test/a.test.js'], defaultProtectedPaths), ['test/a.test.js']);
});

test('glob syntax: braces, classes, single-name stars', () => {
  assert.equal(matchesAny('src/a.ts', ['src/*.{ts,js}']), true);
  assert.equal(matchesAny('src/x/a.ts', ['src/*.{ts,js}']), false);
  assert.equal(matchesAny('v1.txt', ['v[0-9].txt']), true);
  assert.equal(matchesAny('va.txt', ['v[!a].txt']), false);
  assert.equal(matchesAny('docs', ['docs/**']), true);
  assert.equal(matchesAny('a+b(c).txt', ['a+b(c).txt']), true);
});

test('limits: rounds, minutes and tokens, each with its reason; 0 means no limit', () => {
  const settings = { maxRounds: 3, maxMinutes: 1, maxTokens: 500 };
  assert.equal(limitBefore({ startedAt: 0, now: 1000, rounds: 2, tokens: 10 }, settings), undefined);
  assert.match(limitBefore({ startedAt: 0, now: 1000, rounds: 3, tokens: 10 }, settings)!, /3 rounds/);
  assert.match(limitBefore({ startedAt: 0, now: 60_000, rounds: 1, tokens: 10 }, settings)!, /1 minutes/);
  assert.match(limitBefore({ startedAt: 0, now: 1, rounds: 1, tokens: 500 }, settings)!, /500 tokens/);
  assert.equal(limitBefore({ startedAt: 0, now: 1e9, rounds: 1, tokens: 1e9 }, { maxRounds: 3, maxMinutes: 0, maxTokens: 0 }), undefined);
});

test('progress: the failing set shrinks or a failing test passes; a broken run is no progress', () => {
  const before = report({ a: 'failed', b: 'failed', c: 'passed' });
  assert.equal(madeProgress(before, report({ a: 'passed', b: 'failed', c: 'passed' })), true);
  assert.equal(madeProgress(before, report({ a: 'passed', b: 'failed', c: 'failed' })), true, 'a newly passing test counts even if another broke');
  assert.equal(madeProgress(before, report({ a: 'failed', b: 'failed', c: 'passed' })), false);
  const broken = report({}, { problems: [{ kind: 'build', message: 'SyntaxError' }] });
  assert.equal(madeProgress(before, broken), false);
  assert.equal(madeProgress(broken, before), true, 'getting the tests to run again is progress');

  const tracker = new ProgressTracker(2);
  tracker.record(false);
  assert.equal(tracker.stuckReason, undefined);
  tracker.record(false);
  assert.match(tracker.stuckReason!, /no progress in 2 rounds/);
  tracker.record(true);
  assert.equal(tracker.stuckReason, undefined);
  const off = new ProgressTracker(0);
  for (let i = 0; i < 5; i++) off.record(false);
  assert.equal(off.stuckReason, undefined);
});

test('a proposal fingerprint is the same for the same effect in any order, and differs otherwise', async () => {
  const a = { path: 'a.js', kind: 'modify', after: bytes('x') };
  const b = { path: 'b.js', kind: 'create', after: bytes('y') };
  assert.equal(await proposalFingerprint([a, b]), await proposalFingerprint([b, a]));
  assert.notEqual(await proposalFingerprint([a, b]), await proposalFingerprint([a, { ...b, after: bytes('z') }]));
  assert.notEqual(await proposalFingerprint([a]), await proposalFingerprint([{ ...a, kind: 'delete', after: undefined }]));
  assert.notEqual(await proposalFingerprint([{ ...a, before: bytes('v1') }]), await proposalFingerprint([{ ...a, before: bytes('v2') }]), 'same result from another start');
});

test('the work signal follows the caller, expires on its own, and without a limit is the caller’s signal', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const outer = new AbortController();
  const work = workSignal(outer.signal, 1000);
  t.mock.timers.tick(999);
  assert.equal(work.signal.aborted, false);
  outer.abort();
  assert.equal(work.signal.aborted, true);
  assert.equal(work.expired(), false, 'cancelled, not expired');
  work.dispose();

  const timed = workSignal(new AbortController().signal, 1000);
  t.mock.timers.tick(1000);
  assert.deepEqual([timed.signal.aborted, timed.expired()], [true, true]);
  timed.dispose();

  const caller = new AbortController().signal;
  assert.equal(workSignal(caller, undefined).signal, caller);
});
